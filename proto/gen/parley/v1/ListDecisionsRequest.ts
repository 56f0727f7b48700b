// Original file: proto/parley/v1/admin.proto


export interface ListDecisionsRequest {
  'limit'?: (number);
}

export interface ListDecisionsRequest__Output {
  'limit': (number);
}
