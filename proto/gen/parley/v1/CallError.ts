// Original file: proto/parley/v1/common.proto


export interface CallError {
  'code'?: (number);
  'message'?: (string);
}

export interface CallError__Output {
  'code': (number);
  'message': (string);
}
