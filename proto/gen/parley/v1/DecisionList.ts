// Original file: proto/parley/v1/admin.proto

import type { DecisionRecord as _parley_v1_DecisionRecord, DecisionRecord__Output as _parley_v1_DecisionRecord__Output } from '../../parley/v1/DecisionRecord';

export interface DecisionList {
  'decisions'?: (_parley_v1_DecisionRecord)[];
}

export interface DecisionList__Output {
  'decisions': (_parley_v1_DecisionRecord__Output)[];
}
