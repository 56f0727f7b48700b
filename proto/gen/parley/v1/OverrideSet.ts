// Original file: proto/parley/v1/admin.proto

import type { Override as _parley_v1_Override, Override__Output as _parley_v1_Override__Output } from '../../parley/v1/Override';
import type { Long } from '@grpc/proto-loader';

export interface OverrideSet {
  'overrides'?: (_parley_v1_Override)[];
  'version'?: (number | string | Long);
}

export interface OverrideSet__Output {
  'overrides': (_parley_v1_Override__Output)[];
  'version': (number);
}
