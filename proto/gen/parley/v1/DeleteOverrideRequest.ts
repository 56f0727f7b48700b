// Original file: proto/parley/v1/admin.proto


export interface DeleteOverrideRequest {
  'id'?: (string);
  'reason'?: (string);
}

export interface DeleteOverrideRequest__Output {
  'id': (string);
  'reason': (string);
}
