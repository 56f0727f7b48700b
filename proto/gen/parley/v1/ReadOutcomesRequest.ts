// Original file: proto/parley/v1/objective.proto


export interface ReadOutcomesRequest {
  'group'?: (string);
  'consumer'?: (string);
  'max_entries'?: (number);
  'from_newest'?: (boolean);
}

export interface ReadOutcomesRequest__Output {
  'group': (string);
  'consumer': (string);
  'max_entries': (number);
  'from_newest': (boolean);
}
