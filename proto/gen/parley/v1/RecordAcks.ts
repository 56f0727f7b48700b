// Original file: proto/parley/v1/agent.proto

import type { RecordAck as _parley_v1_RecordAck, RecordAck__Output as _parley_v1_RecordAck__Output } from '../../parley/v1/RecordAck';

export interface RecordAcks {
  'acks'?: (_parley_v1_RecordAck)[];
}

export interface RecordAcks__Output {
  'acks': (_parley_v1_RecordAck__Output)[];
}
