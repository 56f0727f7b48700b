// Original file: proto/parley/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Reservation {
  'creative_id'?: (string);
  'campaign_id'?: (string);
  'amount_micros'?: (number | string | Long);
}

export interface Reservation__Output {
  'creative_id': (string);
  'campaign_id': (string);
  'amount_micros': (number);
}
