// Original file: proto/parley/v1/admin.proto


export interface ScoredCandidate {
  'creative_id'?: (string);
  'campaign_id'?: (string);
  'utility'?: (number | string);
  'listener_value'?: (number | string);
  'advertiser_value'?: (number | string);
  'platform_revenue'?: (number | string);
  'boost'?: (number | string);
  'pinned'?: (boolean);
  'lead_probability'?: (number | string);
  'terms'?: ({[key: string]: number | string});
}

export interface ScoredCandidate__Output {
  'creative_id': (string);
  'campaign_id': (string);
  'utility': (number);
  'listener_value': (number);
  'advertiser_value': (number);
  'platform_revenue': (number);
  'boost': (number);
  'pinned': (boolean);
  'lead_probability': (number);
  'terms': ({[key: string]: number});
}
