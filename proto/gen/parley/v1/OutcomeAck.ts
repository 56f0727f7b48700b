// Original file: proto/parley/v1/ad_decision.proto

import type { Settlement as _parley_v1_Settlement, Settlement__Output as _parley_v1_Settlement__Output } from '../../parley/v1/Settlement';
import type { Long } from '@grpc/proto-loader';

export interface OutcomeAck {
  'accepted'?: (boolean);
  'duplicate'?: (boolean);
  'settlement'?: (_parley_v1_Settlement);
  'charged_micros'?: (number | string | Long);
}

export interface OutcomeAck__Output {
  'accepted': (boolean);
  'duplicate': (boolean);
  'settlement': (_parley_v1_Settlement__Output);
  'charged_micros': (number);
}
