// Original file: proto/parley/v1/admin.proto


export interface ScoredCandidate {
  'creative_id'?: (string);
  'campaign_id'?: (string);
  'utility'?: (number | string);
  'boost'?: (number | string);
  'pinned'?: (boolean);
  'lead_probability'?: (number | string);
  'terms'?: ({[key: string]: number | string});
}

export interface ScoredCandidate__Output {
  'creative_id': (string);
  'campaign_id': (string);
  'utility': (number);
  'boost': (number);
  'pinned': (boolean);
  'lead_probability': (number);
  'terms': ({[key: string]: number});
}
