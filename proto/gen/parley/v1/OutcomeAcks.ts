// Original file: proto/parley/v1/ad_decision.proto

import type { OutcomeAck as _parley_v1_OutcomeAck, OutcomeAck__Output as _parley_v1_OutcomeAck__Output } from '../../parley/v1/OutcomeAck';

export interface OutcomeAcks {
  'acks'?: (_parley_v1_OutcomeAck)[];
}

export interface OutcomeAcks__Output {
  'acks': (_parley_v1_OutcomeAck__Output)[];
}
