// Original file: proto/parley/v1/objective.proto


export interface AckOutcomesReply {
  'acknowledged'?: (number);
}

export interface AckOutcomesReply__Output {
  'acknowledged': (number);
}
