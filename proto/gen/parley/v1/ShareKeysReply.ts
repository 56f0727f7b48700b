// Original file: proto/parley/v1/federated.proto

import type { EncryptedShare as _parley_v1_EncryptedShare, EncryptedShare__Output as _parley_v1_EncryptedShare__Output } from '../../parley/v1/EncryptedShare';
import type { Long } from '@grpc/proto-loader';

export interface ShareKeysReply {
  'round_id'?: (number | string | Long);
  'shares'?: (_parley_v1_EncryptedShare)[];
  'phase_deadline_unix_ms'?: (number | string | Long);
}

export interface ShareKeysReply__Output {
  'round_id': (number);
  'shares': (_parley_v1_EncryptedShare__Output)[];
  'phase_deadline_unix_ms': (number);
}
