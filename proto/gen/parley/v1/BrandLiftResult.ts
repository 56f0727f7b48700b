// Original file: proto/parley/v1/objective.proto

import type { Long } from '@grpc/proto-loader';

export interface BrandLiftResult {
  'campaign_id'?: (string);
  'wave_id'?: (string);
  'exposed_respondents'?: (number | string | Long);
  'exposed_yes_rate'?: (number | string);
  'control_respondents'?: (number | string | Long);
  'control_yes_rate'?: (number | string);
  'impressions'?: (number | string | Long);
  'reach'?: (number | string | Long);
  'fielded_at_ms'?: (number | string | Long);
  'published_at_ms'?: (number | string | Long);
}

export interface BrandLiftResult__Output {
  'campaign_id': (string);
  'wave_id': (string);
  'exposed_respondents': (number);
  'exposed_yes_rate': (number);
  'control_respondents': (number);
  'control_yes_rate': (number);
  'impressions': (number);
  'reach': (number);
  'fielded_at_ms': (number);
  'published_at_ms': (number);
}
