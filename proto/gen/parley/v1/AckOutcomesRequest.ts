// Original file: proto/parley/v1/objective.proto


export interface AckOutcomesRequest {
  'group'?: (string);
  'ids'?: (string)[];
}

export interface AckOutcomesRequest__Output {
  'group': (string);
  'ids': (string)[];
}
