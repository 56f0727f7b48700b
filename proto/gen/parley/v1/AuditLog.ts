// Original file: proto/parley/v1/admin.proto

import type { AuditEntry as _parley_v1_AuditEntry, AuditEntry__Output as _parley_v1_AuditEntry__Output } from '../../parley/v1/AuditEntry';

export interface AuditLog {
  'entries'?: (_parley_v1_AuditEntry)[];
}

export interface AuditLog__Output {
  'entries': (_parley_v1_AuditEntry__Output)[];
}
