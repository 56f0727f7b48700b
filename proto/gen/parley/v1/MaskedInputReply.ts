// Original file: proto/parley/v1/federated.proto

import type { Long } from '@grpc/proto-loader';

export interface MaskedInputReply {
  'accepted'?: (boolean);
  'round_id'?: (number | string | Long);
  'received_values'?: (number);
  'survivor_indices'?: (number)[];
  'phase_deadline_unix_ms'?: (number | string | Long);
}

export interface MaskedInputReply__Output {
  'accepted': (boolean);
  'round_id': (number);
  'received_values': (number);
  'survivor_indices': (number)[];
  'phase_deadline_unix_ms': (number);
}
