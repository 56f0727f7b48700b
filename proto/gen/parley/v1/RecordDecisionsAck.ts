// Original file: proto/parley/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface RecordDecisionsAck {
  'received'?: (number | string | Long);
  'dropped'?: (number | string | Long);
}

export interface RecordDecisionsAck__Output {
  'received': (number);
  'dropped': (number);
}
