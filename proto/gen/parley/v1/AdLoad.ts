// Original file: proto/parley/v1/common.proto


export interface AdLoad {
  'has_floor'?: (boolean);
  'min_utility'?: (number | string);
}

export interface AdLoad__Output {
  'has_floor': (boolean);
  'min_utility': (number);
}
