// Original file: proto/parley/v1/objective.proto


export interface LeaveOutcomesReply {
  'existed'?: (boolean);
}

export interface LeaveOutcomesReply__Output {
  'existed': (boolean);
}
