// Original file: proto/parley/v1/inventory.proto

import type { Envelope as _parley_v1_Envelope, Envelope__Output as _parley_v1_Envelope__Output } from '../../parley/v1/Envelope';
import type { Proposal as _parley_v1_Proposal, Proposal__Output as _parley_v1_Proposal__Output } from '../../parley/v1/Proposal';
import type { CallError as _parley_v1_CallError, CallError__Output as _parley_v1_CallError__Output } from '../../parley/v1/CallError';

export interface ProposeReply {
  'envelope'?: (_parley_v1_Envelope | null);
  'proposal'?: (_parley_v1_Proposal | null);
  'error'?: (_parley_v1_CallError | null);
}

export interface ProposeReply__Output {
  'envelope': (_parley_v1_Envelope__Output | null);
  'proposal': (_parley_v1_Proposal__Output | null);
  'error': (_parley_v1_CallError__Output | null);
}
