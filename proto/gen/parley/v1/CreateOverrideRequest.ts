// Original file: proto/parley/v1/admin.proto

import type { Override as _parley_v1_Override, Override__Output as _parley_v1_Override__Output } from '../../parley/v1/Override';

export interface CreateOverrideRequest {
  'override'?: (_parley_v1_Override | null);
}

export interface CreateOverrideRequest__Output {
  'override': (_parley_v1_Override__Output | null);
}
