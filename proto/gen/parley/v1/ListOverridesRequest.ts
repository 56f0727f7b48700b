// Original file: proto/parley/v1/admin.proto


export interface ListOverridesRequest {
  'include_expired'?: (boolean);
}

export interface ListOverridesRequest__Output {
  'include_expired': (boolean);
}
