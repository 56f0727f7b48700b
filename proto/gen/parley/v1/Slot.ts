// Original file: proto/parley/v1/common.proto

import type { Position as _parley_v1_Position, Position__Output as _parley_v1_Position__Output } from '../../parley/v1/Position';

export interface Slot {
  'slot_id'?: (string);
  'position'?: (_parley_v1_Position);
  'max_ads'?: (number);
  'max_total_duration_ms'?: (number);
}

export interface Slot__Output {
  'slot_id': (string);
  'position': (_parley_v1_Position__Output);
  'max_ads': (number);
  'max_total_duration_ms': (number);
}
