// Original file: proto/parley/v1/objective.proto

import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from '../../parley/v1/ContextSnapshot';
import type { Candidate as _parley_v1_Candidate, Candidate__Output as _parley_v1_Candidate__Output } from '../../parley/v1/Candidate';

export interface EvaluateRequest {
  'request_id'?: (string);
  'round'?: (number);
  'session_id'?: (string);
  'context'?: (_parley_v1_ContextSnapshot | null);
  'candidates'?: (_parley_v1_Candidate)[];
}

export interface EvaluateRequest__Output {
  'request_id': (string);
  'round': (number);
  'session_id': (string);
  'context': (_parley_v1_ContextSnapshot__Output | null);
  'candidates': (_parley_v1_Candidate__Output)[];
}
