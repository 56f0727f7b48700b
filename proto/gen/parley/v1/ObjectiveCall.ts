// Original file: proto/parley/v1/objective.proto

import type { Envelope as _parley_v1_Envelope, Envelope__Output as _parley_v1_Envelope__Output } from '../../parley/v1/Envelope';
import type { EvaluateRequest as _parley_v1_EvaluateRequest, EvaluateRequest__Output as _parley_v1_EvaluateRequest__Output } from '../../parley/v1/EvaluateRequest';
import type { CommitRequest as _parley_v1_CommitRequest, CommitRequest__Output as _parley_v1_CommitRequest__Output } from '../../parley/v1/CommitRequest';

export interface ObjectiveCall {
  'envelope'?: (_parley_v1_Envelope | null);
  'evaluate'?: (_parley_v1_EvaluateRequest | null);
  'commit'?: (_parley_v1_CommitRequest | null);
  'kind'?: "evaluate"|"commit";
}

export interface ObjectiveCall__Output {
  'envelope': (_parley_v1_Envelope__Output | null);
  'evaluate'?: (_parley_v1_EvaluateRequest__Output | null);
  'commit'?: (_parley_v1_CommitRequest__Output | null);
  'kind'?: "evaluate"|"commit";
}
