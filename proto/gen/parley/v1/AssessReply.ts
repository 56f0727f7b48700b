// Original file: proto/parley/v1/context.proto

import type { Envelope as _parley_v1_Envelope, Envelope__Output as _parley_v1_Envelope__Output } from '../../parley/v1/Envelope';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from '../../parley/v1/ContextSnapshot';
import type { CallError as _parley_v1_CallError, CallError__Output as _parley_v1_CallError__Output } from '../../parley/v1/CallError';

export interface AssessReply {
  'envelope'?: (_parley_v1_Envelope | null);
  'snapshot'?: (_parley_v1_ContextSnapshot | null);
  'error'?: (_parley_v1_CallError | null);
}

export interface AssessReply__Output {
  'envelope': (_parley_v1_Envelope__Output | null);
  'snapshot': (_parley_v1_ContextSnapshot__Output | null);
  'error': (_parley_v1_CallError__Output | null);
}
