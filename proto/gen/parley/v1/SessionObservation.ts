// Original file: proto/parley/v1/context.proto


export interface SessionObservation {
  'session_id'?: (string);
  'ad_served'?: (boolean);
  'ad_skipped'?: (boolean);
  'ad_completed'?: (boolean);
}

export interface SessionObservation__Output {
  'session_id': (string);
  'ad_served': (boolean);
  'ad_skipped': (boolean);
  'ad_completed': (boolean);
}
