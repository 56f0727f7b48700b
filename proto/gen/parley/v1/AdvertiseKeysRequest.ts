// Original file: proto/parley/v1/federated.proto

import type { Long } from '@grpc/proto-loader';

export interface AdvertiseKeysRequest {
  'round_id'?: (number | string | Long);
  'client_id'?: (string);
  'share_encryption_public_key'?: (Buffer | Uint8Array | string);
  'mask_agreement_public_key'?: (Buffer | Uint8Array | string);
}

export interface AdvertiseKeysRequest__Output {
  'round_id': (number);
  'client_id': (string);
  'share_encryption_public_key': (Buffer);
  'mask_agreement_public_key': (Buffer);
}
