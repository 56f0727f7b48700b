// Original file: proto/parley/v1/ad_decision.proto

import type { AdPlacement as _parley_v1_AdPlacement, AdPlacement__Output as _parley_v1_AdPlacement__Output } from '../../parley/v1/AdPlacement';
import type { Reason as _parley_v1_Reason, Reason__Output as _parley_v1_Reason__Output } from '../../parley/v1/Reason';
import type { Explanation as _parley_v1_Explanation, Explanation__Output as _parley_v1_Explanation__Output } from '../../parley/v1/Explanation';

export interface DecideResponse {
  'request_id'?: (string);
  'ads'?: (_parley_v1_AdPlacement)[];
  'no_ad'?: (boolean);
  'no_ad_reasons'?: (_parley_v1_Reason)[];
  'why'?: (_parley_v1_Explanation | null);
  'degraded'?: (string)[];
}

export interface DecideResponse__Output {
  'request_id': (string);
  'ads': (_parley_v1_AdPlacement__Output)[];
  'no_ad': (boolean);
  'no_ad_reasons': (_parley_v1_Reason__Output)[];
  'why': (_parley_v1_Explanation__Output | null);
  'degraded': (string)[];
}
