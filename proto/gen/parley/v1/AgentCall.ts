// Original file: proto/parley/v1/agent.proto

import type { AssessRequest as _parley_v1_AssessRequest, AssessRequest__Output as _parley_v1_AssessRequest__Output } from '../../parley/v1/AssessRequest';
import type { ProposeRequest as _parley_v1_ProposeRequest, ProposeRequest__Output as _parley_v1_ProposeRequest__Output } from '../../parley/v1/ProposeRequest';
import type { CritiqueRequest as _parley_v1_CritiqueRequest, CritiqueRequest__Output as _parley_v1_CritiqueRequest__Output } from '../../parley/v1/CritiqueRequest';
import type { CommitRequest as _parley_v1_CommitRequest, CommitRequest__Output as _parley_v1_CommitRequest__Output } from '../../parley/v1/CommitRequest';
import type { ReleaseRequest as _parley_v1_ReleaseRequest, ReleaseRequest__Output as _parley_v1_ReleaseRequest__Output } from '../../parley/v1/ReleaseRequest';
import type { OutcomeRecords as _parley_v1_OutcomeRecords, OutcomeRecords__Output as _parley_v1_OutcomeRecords__Output } from '../../parley/v1/OutcomeRecords';

export interface AgentCall {
  'call_id'?: (number);
  'timeout_ms'?: (number);
  'traceparent'?: (string);
  'tracestate'?: (string);
  'assess'?: (_parley_v1_AssessRequest | null);
  'propose'?: (_parley_v1_ProposeRequest | null);
  'critique'?: (_parley_v1_CritiqueRequest | null);
  'commit'?: (_parley_v1_CommitRequest | null);
  'release'?: (_parley_v1_ReleaseRequest | null);
  'outcomes'?: (_parley_v1_OutcomeRecords | null);
  'kind'?: "assess"|"propose"|"critique"|"commit"|"release"|"outcomes";
}

export interface AgentCall__Output {
  'call_id': (number);
  'timeout_ms': (number);
  'traceparent': (string);
  'tracestate': (string);
  'assess'?: (_parley_v1_AssessRequest__Output | null);
  'propose'?: (_parley_v1_ProposeRequest__Output | null);
  'critique'?: (_parley_v1_CritiqueRequest__Output | null);
  'commit'?: (_parley_v1_CommitRequest__Output | null);
  'release'?: (_parley_v1_ReleaseRequest__Output | null);
  'outcomes'?: (_parley_v1_OutcomeRecords__Output | null);
  'kind'?: "assess"|"propose"|"critique"|"commit"|"release"|"outcomes";
}
