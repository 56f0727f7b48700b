// Original file: proto/parley/v1/agent.proto

import type { CallError as _parley_v1_CallError, CallError__Output as _parley_v1_CallError__Output } from '../../parley/v1/CallError';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from '../../parley/v1/ContextSnapshot';
import type { Proposal as _parley_v1_Proposal, Proposal__Output as _parley_v1_Proposal__Output } from '../../parley/v1/Proposal';
import type { Critique as _parley_v1_Critique, Critique__Output as _parley_v1_Critique__Output } from '../../parley/v1/Critique';
import type { CommitResponse as _parley_v1_CommitResponse, CommitResponse__Output as _parley_v1_CommitResponse__Output } from '../../parley/v1/CommitResponse';
import type { ReleaseResponse as _parley_v1_ReleaseResponse, ReleaseResponse__Output as _parley_v1_ReleaseResponse__Output } from '../../parley/v1/ReleaseResponse';
import type { RecordAcks as _parley_v1_RecordAcks, RecordAcks__Output as _parley_v1_RecordAcks__Output } from '../../parley/v1/RecordAcks';

export interface AgentReply {
  'call_id'?: (number);
  'error'?: (_parley_v1_CallError | null);
  'snapshot'?: (_parley_v1_ContextSnapshot | null);
  'proposal'?: (_parley_v1_Proposal | null);
  'critique'?: (_parley_v1_Critique | null);
  'commit'?: (_parley_v1_CommitResponse | null);
  'release'?: (_parley_v1_ReleaseResponse | null);
  'acks'?: (_parley_v1_RecordAcks | null);
  'kind'?: "snapshot"|"proposal"|"critique"|"commit"|"release"|"acks";
}

export interface AgentReply__Output {
  'call_id': (number);
  'error': (_parley_v1_CallError__Output | null);
  'snapshot'?: (_parley_v1_ContextSnapshot__Output | null);
  'proposal'?: (_parley_v1_Proposal__Output | null);
  'critique'?: (_parley_v1_Critique__Output | null);
  'commit'?: (_parley_v1_CommitResponse__Output | null);
  'release'?: (_parley_v1_ReleaseResponse__Output | null);
  'acks'?: (_parley_v1_RecordAcks__Output | null);
  'kind'?: "snapshot"|"proposal"|"critique"|"commit"|"release"|"acks";
}
