// Original file: proto/parley/v1/ad_decision.proto

import type { Long } from '@grpc/proto-loader';

export interface AdPlacement {
  'pod_position'?: (number);
  'creative_id'?: (string);
  'campaign_id'?: (string);
  'advertiser_id'?: (string);
  'category'?: (string);
  'duration_ms'?: (number);
  'price_micros'?: (number | string | Long);
  'reservation_id'?: (string);
  'audio_url'?: (string);
  'tier'?: (string);
  'propensity'?: (number | string);
}

export interface AdPlacement__Output {
  'pod_position': (number);
  'creative_id': (string);
  'campaign_id': (string);
  'advertiser_id': (string);
  'category': (string);
  'duration_ms': (number);
  'price_micros': (number);
  'reservation_id': (string);
  'audio_url': (string);
  'tier': (string);
  'propensity': (number);
}
