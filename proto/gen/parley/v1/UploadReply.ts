// Original file: proto/parley/v1/federated.proto

import type { Long } from '@grpc/proto-loader';

export interface UploadReply {
  'accepted'?: (boolean);
  'round_id'?: (number | string | Long);
  'received_values'?: (number);
  'updates_in_round'?: (number);
  'staleness_weight'?: (number | string);
}

export interface UploadReply__Output {
  'accepted': (boolean);
  'round_id': (number);
  'received_values': (number);
  'updates_in_round': (number);
  'staleness_weight': (number);
}
