// Original file: proto/parley/v1/objective.proto

import type { Envelope as _parley_v1_Envelope, Envelope__Output as _parley_v1_Envelope__Output } from '../../parley/v1/Envelope';
import type { Counter as _parley_v1_Counter, Counter__Output as _parley_v1_Counter__Output } from '../../parley/v1/Counter';
import type { CommitResponse as _parley_v1_CommitResponse, CommitResponse__Output as _parley_v1_CommitResponse__Output } from '../../parley/v1/CommitResponse';
import type { CallError as _parley_v1_CallError, CallError__Output as _parley_v1_CallError__Output } from '../../parley/v1/CallError';

export interface ObjectiveReply {
  'envelope'?: (_parley_v1_Envelope | null);
  'counter'?: (_parley_v1_Counter | null);
  'commit'?: (_parley_v1_CommitResponse | null);
  'error'?: (_parley_v1_CallError | null);
  'kind'?: "counter"|"commit";
}

export interface ObjectiveReply__Output {
  'envelope': (_parley_v1_Envelope__Output | null);
  'counter'?: (_parley_v1_Counter__Output | null);
  'commit'?: (_parley_v1_CommitResponse__Output | null);
  'error': (_parley_v1_CallError__Output | null);
  'kind'?: "counter"|"commit";
}
