// Original file: proto/parley/v1/federated.proto


export interface ShamirShare {
  'owner_index'?: (number);
  'shamir_share'?: (Buffer | Uint8Array | string);
}

export interface ShamirShare__Output {
  'owner_index': (number);
  'shamir_share': (Buffer);
}
