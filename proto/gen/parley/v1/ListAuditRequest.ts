// Original file: proto/parley/v1/admin.proto


export interface ListAuditRequest {
  'limit'?: (number);
}

export interface ListAuditRequest__Output {
  'limit': (number);
}
