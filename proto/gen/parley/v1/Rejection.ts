// Original file: proto/parley/v1/common.proto

import type { Reason as _parley_v1_Reason, Reason__Output as _parley_v1_Reason__Output } from '../../parley/v1/Reason';

export interface Rejection {
  'creative_id'?: (string);
  'reason'?: (_parley_v1_Reason);
  'detail'?: (string);
}

export interface Rejection__Output {
  'creative_id': (string);
  'reason': (_parley_v1_Reason__Output);
  'detail': (string);
}
