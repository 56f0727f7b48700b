// Original file: proto/parley/v1/federated.proto

import type { EncryptedShare as _parley_v1_EncryptedShare, EncryptedShare__Output as _parley_v1_EncryptedShare__Output } from '../../parley/v1/EncryptedShare';
import type { Long } from '@grpc/proto-loader';

export interface ShareKeysRequest {
  'round_id'?: (number | string | Long);
  'client_id'?: (string);
  'shares'?: (_parley_v1_EncryptedShare)[];
}

export interface ShareKeysRequest__Output {
  'round_id': (number);
  'client_id': (string);
  'shares': (_parley_v1_EncryptedShare__Output)[];
}
