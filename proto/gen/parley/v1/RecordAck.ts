// Original file: proto/parley/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface RecordAck {
  'accepted'?: (boolean);
  'duplicate'?: (boolean);
  'settled_micros'?: (number | string | Long);
  'unsettled'?: (boolean);
}

export interface RecordAck__Output {
  'accepted': (boolean);
  'duplicate': (boolean);
  'settled_micros': (number);
  'unsettled': (boolean);
}
