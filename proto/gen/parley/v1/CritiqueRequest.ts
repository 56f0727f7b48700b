// Original file: proto/parley/v1/agent.proto

import type { ListenerSignals as _parley_v1_ListenerSignals, ListenerSignals__Output as _parley_v1_ListenerSignals__Output } from '../../parley/v1/ListenerSignals';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from '../../parley/v1/ContextSnapshot';
import type { Candidate as _parley_v1_Candidate, Candidate__Output as _parley_v1_Candidate__Output } from '../../parley/v1/Candidate';

export interface CritiqueRequest {
  'request_id'?: (string);
  'round'?: (number);
  'signals'?: (_parley_v1_ListenerSignals | null);
  'context'?: (_parley_v1_ContextSnapshot | null);
  'candidates'?: (_parley_v1_Candidate)[];
}

export interface CritiqueRequest__Output {
  'request_id': (string);
  'round': (number);
  'signals': (_parley_v1_ListenerSignals__Output | null);
  'context': (_parley_v1_ContextSnapshot__Output | null);
  'candidates': (_parley_v1_Candidate__Output)[];
}
