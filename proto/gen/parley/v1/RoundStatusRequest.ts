// Original file: proto/parley/v1/federated.proto

import type { Long } from '@grpc/proto-loader';

export interface RoundStatusRequest {
  'round_id'?: (number | string | Long);
}

export interface RoundStatusRequest__Output {
  'round_id': (number);
}
