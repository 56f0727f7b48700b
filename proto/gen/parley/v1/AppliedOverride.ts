// Original file: proto/parley/v1/admin.proto


export interface AppliedOverride {
  'override_id'?: (string);
  'kind'?: (string);
  'creative_id'?: (string);
  'effect'?: (string);
}

export interface AppliedOverride__Output {
  'override_id': (string);
  'kind': (string);
  'creative_id': (string);
  'effect': (string);
}
