// Original file: proto/parley/v1/admin.proto

import type { Override as _parley_v1_Override, Override__Output as _parley_v1_Override__Output } from '../../parley/v1/Override';
import type { Long } from '@grpc/proto-loader';

export interface AuditEntry {
  'seq'?: (number | string | Long);
  'at_ms'?: (number | string | Long);
  'actor'?: (string);
  'action'?: (string);
  'override_id'?: (string);
  'reason'?: (string);
  'override'?: (_parley_v1_Override | null);
}

export interface AuditEntry__Output {
  'seq': (number);
  'at_ms': (number);
  'actor': (string);
  'action': (string);
  'override_id': (string);
  'reason': (string);
  'override': (_parley_v1_Override__Output | null);
}
