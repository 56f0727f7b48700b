// Original file: proto/parley/v1/admin.proto


export interface GetDecisionRequest {
  'request_id'?: (string);
}

export interface GetDecisionRequest__Output {
  'request_id': (string);
}
