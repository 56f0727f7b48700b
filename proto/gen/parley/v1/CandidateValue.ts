// Original file: proto/parley/v1/objective.proto

import type { Reason as _parley_v1_Reason, Reason__Output as _parley_v1_Reason__Output } from '../../parley/v1/Reason';

export interface CandidateValue {
  'creative_id'?: (string);
  'eligible'?: (boolean);
  'reason'?: (_parley_v1_Reason);
  'detail'?: (string);
  'advertiser_value'?: (number | string);
  'pacing_multiplier'?: (number | string);
  'goal'?: (string);
}

export interface CandidateValue__Output {
  'creative_id': (string);
  'eligible': (boolean);
  'reason': (_parley_v1_Reason__Output);
  'detail': (string);
  'advertiser_value': (number);
  'pacing_multiplier': (number);
  'goal': (string);
}
