// Original file: proto/parley/v1/ad_decision.proto

import type { Settlement as _parley_v1_Settlement, Settlement__Output as _parley_v1_Settlement__Output } from '../../parley/v1/Settlement';
import type { ChargeRefusal as _parley_v1_ChargeRefusal, ChargeRefusal__Output as _parley_v1_ChargeRefusal__Output } from '../../parley/v1/ChargeRefusal';
import type { Long } from '@grpc/proto-loader';

export interface OutcomeAck {
  'accepted'?: (boolean);
  'duplicate'?: (boolean);
  'settlement'?: (_parley_v1_Settlement);
  'charged_micros'?: (number | string | Long);
  'refusal'?: (_parley_v1_ChargeRefusal);
}

export interface OutcomeAck__Output {
  'accepted': (boolean);
  'duplicate': (boolean);
  'settlement': (_parley_v1_Settlement__Output);
  'charged_micros': (number);
  'refusal': (_parley_v1_ChargeRefusal__Output);
}
