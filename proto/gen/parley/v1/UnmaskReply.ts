// Original file: proto/parley/v1/federated.proto

import type { Long } from '@grpc/proto-loader';

export interface UnmaskReply {
  'accepted'?: (boolean);
  'round_id'?: (number | string | Long);
  'unmask_responses'?: (number);
}

export interface UnmaskReply__Output {
  'accepted': (boolean);
  'round_id': (number);
  'unmask_responses': (number);
}
