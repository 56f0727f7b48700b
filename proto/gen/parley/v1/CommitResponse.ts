// Original file: proto/parley/v1/agent.proto

import type { CommitResult as _parley_v1_CommitResult, CommitResult__Output as _parley_v1_CommitResult__Output } from '../../parley/v1/CommitResult';

export interface CommitResponse {
  'results'?: (_parley_v1_CommitResult)[];
}

export interface CommitResponse__Output {
  'results': (_parley_v1_CommitResult__Output)[];
}
