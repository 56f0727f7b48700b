// Original file: proto/parley/v1/common.proto

import type { Scenario as _parley_v1_Scenario, Scenario__Output as _parley_v1_Scenario__Output } from '../../parley/v1/Scenario';
import type { AdLoad as _parley_v1_AdLoad, AdLoad__Output as _parley_v1_AdLoad__Output } from '../../parley/v1/AdLoad';

export interface ContextSnapshot {
  'scenario'?: (_parley_v1_Scenario);
  'focus_level'?: (number | string);
  'receptiveness'?: (number | string);
  'skip_risk'?: (number | string);
  'features'?: (number | string)[];
  'model_version'?: (string);
  'session_ads_heard'?: (number);
  'is_default'?: (boolean);
  'ad_load'?: (_parley_v1_AdLoad | null);
}

export interface ContextSnapshot__Output {
  'scenario': (_parley_v1_Scenario__Output);
  'focus_level': (number);
  'receptiveness': (number);
  'skip_risk': (number);
  'features': (number)[];
  'model_version': (string);
  'session_ads_heard': (number);
  'is_default': (boolean);
  'ad_load': (_parley_v1_AdLoad__Output | null);
}
