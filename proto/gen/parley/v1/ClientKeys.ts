// Original file: proto/parley/v1/federated.proto


export interface ClientKeys {
  'client_index'?: (number);
  'share_encryption_public_key'?: (Buffer | Uint8Array | string);
  'mask_agreement_public_key'?: (Buffer | Uint8Array | string);
}

export interface ClientKeys__Output {
  'client_index': (number);
  'share_encryption_public_key': (Buffer);
  'mask_agreement_public_key': (Buffer);
}
