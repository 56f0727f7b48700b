// Original file: proto/parley/v1/ad_decision.proto


export interface OutcomeAck {
  'accepted'?: (boolean);
  'duplicate'?: (boolean);
}

export interface OutcomeAck__Output {
  'accepted': (boolean);
  'duplicate': (boolean);
}
