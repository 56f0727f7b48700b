// Original file: proto/parley/v1/agent.proto

import type { Reason as _parley_v1_Reason, Reason__Output as _parley_v1_Reason__Output } from '../../parley/v1/Reason';

export interface Verdict {
  'creative_id'?: (string);
  'eligible'?: (boolean);
  'reason'?: (_parley_v1_Reason);
  'detail'?: (string);
  'value'?: (number | string);
  'pacing_multiplier'?: (number | string);
  'goal'?: (string);
  'lift_multiplier'?: (number | string);
}

export interface Verdict__Output {
  'creative_id': (string);
  'eligible': (boolean);
  'reason': (_parley_v1_Reason__Output);
  'detail': (string);
  'value': (number);
  'pacing_multiplier': (number);
  'goal': (string);
  'lift_multiplier': (number);
}
