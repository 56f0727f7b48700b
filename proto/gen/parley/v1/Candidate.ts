// Original file: proto/parley/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Candidate {
  'creative_id'?: (string);
  'campaign_id'?: (string);
  'advertiser_id'?: (string);
  'category'?: (string);
  'duration_ms'?: (number);
  'price_micros'?: (number | string | Long);
  'tier'?: (string);
  'p_skip'?: (number | string);
  'p_complete'?: (number | string);
  'p_engage'?: (number | string);
  'policy_score'?: (number | string);
  'audio_url'?: (string);
  'separation_categories'?: (string)[];
}

export interface Candidate__Output {
  'creative_id': (string);
  'campaign_id': (string);
  'advertiser_id': (string);
  'category': (string);
  'duration_ms': (number);
  'price_micros': (number);
  'tier': (string);
  'p_skip': (number);
  'p_complete': (number);
  'p_engage': (number);
  'policy_score': (number);
  'audio_url': (string);
  'separation_categories': (string)[];
}
