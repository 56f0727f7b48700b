// Original file: proto/parley/v1/objective.proto


export interface LeaveOutcomesRequest {
  'group'?: (string);
}

export interface LeaveOutcomesRequest__Output {
  'group': (string);
}
