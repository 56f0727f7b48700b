import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CallError as _parley_v1_CallError, CallError__Output as _parley_v1_CallError__Output } from './parley/v1/CallError';
import type { Candidate as _parley_v1_Candidate, Candidate__Output as _parley_v1_Candidate__Output } from './parley/v1/Candidate';
import type { ContentRisk as _parley_v1_ContentRisk, ContentRisk__Output as _parley_v1_ContentRisk__Output } from './parley/v1/ContentRisk';
import type { ContentSignals as _parley_v1_ContentSignals, ContentSignals__Output as _parley_v1_ContentSignals__Output } from './parley/v1/ContentSignals';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from './parley/v1/ContextSnapshot';
import type { Envelope as _parley_v1_Envelope, Envelope__Output as _parley_v1_Envelope__Output } from './parley/v1/Envelope';
import type { InventoryAgentClient as _parley_v1_InventoryAgentClient, InventoryAgentDefinition as _parley_v1_InventoryAgentDefinition } from './parley/v1/InventoryAgent';
import type { ListenerSignals as _parley_v1_ListenerSignals, ListenerSignals__Output as _parley_v1_ListenerSignals__Output } from './parley/v1/ListenerSignals';
import type { Proposal as _parley_v1_Proposal, Proposal__Output as _parley_v1_Proposal__Output } from './parley/v1/Proposal';
import type { ProposeCall as _parley_v1_ProposeCall, ProposeCall__Output as _parley_v1_ProposeCall__Output } from './parley/v1/ProposeCall';
import type { ProposeReply as _parley_v1_ProposeReply, ProposeReply__Output as _parley_v1_ProposeReply__Output } from './parley/v1/ProposeReply';
import type { ProposeRequest as _parley_v1_ProposeRequest, ProposeRequest__Output as _parley_v1_ProposeRequest__Output } from './parley/v1/ProposeRequest';
import type { Rejection as _parley_v1_Rejection, Rejection__Output as _parley_v1_Rejection__Output } from './parley/v1/Rejection';
import type { Slot as _parley_v1_Slot, Slot__Output as _parley_v1_Slot__Output } from './parley/v1/Slot';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  parley: {
    v1: {
      CallError: MessageTypeDefinition<_parley_v1_CallError, _parley_v1_CallError__Output>
      Candidate: MessageTypeDefinition<_parley_v1_Candidate, _parley_v1_Candidate__Output>
      ContentKind: EnumTypeDefinition
      ContentRisk: MessageTypeDefinition<_parley_v1_ContentRisk, _parley_v1_ContentRisk__Output>
      ContentSignals: MessageTypeDefinition<_parley_v1_ContentSignals, _parley_v1_ContentSignals__Output>
      ContextSnapshot: MessageTypeDefinition<_parley_v1_ContextSnapshot, _parley_v1_ContextSnapshot__Output>
      Device: EnumTypeDefinition
      Envelope: MessageTypeDefinition<_parley_v1_Envelope, _parley_v1_Envelope__Output>
      InventoryAgent: SubtypeConstructor<typeof grpc.Client, _parley_v1_InventoryAgentClient> & { service: _parley_v1_InventoryAgentDefinition }
      ListenerSignals: MessageTypeDefinition<_parley_v1_ListenerSignals, _parley_v1_ListenerSignals__Output>
      Part: EnumTypeDefinition
      PlaylistKind: EnumTypeDefinition
      Position: EnumTypeDefinition
      Proposal: MessageTypeDefinition<_parley_v1_Proposal, _parley_v1_Proposal__Output>
      ProposeCall: MessageTypeDefinition<_parley_v1_ProposeCall, _parley_v1_ProposeCall__Output>
      ProposeReply: MessageTypeDefinition<_parley_v1_ProposeReply, _parley_v1_ProposeReply__Output>
      ProposeRequest: MessageTypeDefinition<_parley_v1_ProposeRequest, _parley_v1_ProposeRequest__Output>
      Reason: EnumTypeDefinition
      Rejection: MessageTypeDefinition<_parley_v1_Rejection, _parley_v1_Rejection__Output>
      RiskLevel: EnumTypeDefinition
      SafetyCategory: EnumTypeDefinition
      Scenario: EnumTypeDefinition
      Slot: MessageTypeDefinition<_parley_v1_Slot, _parley_v1_Slot__Output>
    }
  }
}

