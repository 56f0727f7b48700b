// Original file: proto/parley/v1/objective.proto


export interface CampaignLift {
  'campaign_id'?: (string);
  'waves'?: (number);
  'lift_per_impression'?: (number | string);
  'multiplier'?: (number | string);
  'goal'?: (string);
}

export interface CampaignLift__Output {
  'campaign_id': (string);
  'waves': (number);
  'lift_per_impression': (number);
  'multiplier': (number);
  'goal': (string);
}
