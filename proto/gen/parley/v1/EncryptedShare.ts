// Original file: proto/parley/v1/federated.proto


export interface EncryptedShare {
  'from_index'?: (number);
  'to_index'?: (number);
  'encrypted_share'?: (Buffer | Uint8Array | string);
}

export interface EncryptedShare__Output {
  'from_index': (number);
  'to_index': (number);
  'encrypted_share': (Buffer);
}
