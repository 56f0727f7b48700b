// Original file: proto/parley/v1/agent.proto

import type { Reason as _parley_v1_Reason, Reason__Output as _parley_v1_Reason__Output } from '../../parley/v1/Reason';

export interface CommitResult {
  'creative_id'?: (string);
  'reserved'?: (boolean);
  'reservation_id'?: (string);
  'reason'?: (_parley_v1_Reason);
}

export interface CommitResult__Output {
  'creative_id': (string);
  'reserved': (boolean);
  'reservation_id': (string);
  'reason': (_parley_v1_Reason__Output);
}
