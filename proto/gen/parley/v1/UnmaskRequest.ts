// Original file: proto/parley/v1/federated.proto

import type { ShamirShare as _parley_v1_ShamirShare, ShamirShare__Output as _parley_v1_ShamirShare__Output } from '../../parley/v1/ShamirShare';
import type { Long } from '@grpc/proto-loader';

export interface UnmaskRequest {
  'round_id'?: (number | string | Long);
  'client_id'?: (string);
  'self_mask_seed_shares'?: (_parley_v1_ShamirShare)[];
  'mask_key_shares'?: (_parley_v1_ShamirShare)[];
}

export interface UnmaskRequest__Output {
  'round_id': (number);
  'client_id': (string);
  'self_mask_seed_shares': (_parley_v1_ShamirShare__Output)[];
  'mask_key_shares': (_parley_v1_ShamirShare__Output)[];
}
