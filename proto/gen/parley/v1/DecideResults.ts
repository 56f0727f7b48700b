// Original file: proto/parley/v1/ad_decision.proto

import type { DecideResult as _parley_v1_DecideResult, DecideResult__Output as _parley_v1_DecideResult__Output } from '../../parley/v1/DecideResult';

export interface DecideResults {
  'results'?: (_parley_v1_DecideResult)[];
}

export interface DecideResults__Output {
  'results': (_parley_v1_DecideResult__Output)[];
}
