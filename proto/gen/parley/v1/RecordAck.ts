// Original file: proto/parley/v1/agent.proto

import type { ChargeRefusal as _parley_v1_ChargeRefusal, ChargeRefusal__Output as _parley_v1_ChargeRefusal__Output } from '../../parley/v1/ChargeRefusal';
import type { Long } from '@grpc/proto-loader';

export interface RecordAck {
  'accepted'?: (boolean);
  'duplicate'?: (boolean);
  'settled_micros'?: (number | string | Long);
  'late'?: (boolean);
  'refusal'?: (_parley_v1_ChargeRefusal);
}

export interface RecordAck__Output {
  'accepted': (boolean);
  'duplicate': (boolean);
  'settled_micros': (number);
  'late': (boolean);
  'refusal': (_parley_v1_ChargeRefusal__Output);
}
