import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AssessCall as _parley_v1_AssessCall, AssessCall__Output as _parley_v1_AssessCall__Output } from './parley/v1/AssessCall';
import type { AssessReply as _parley_v1_AssessReply, AssessReply__Output as _parley_v1_AssessReply__Output } from './parley/v1/AssessReply';
import type { AssessRequest as _parley_v1_AssessRequest, AssessRequest__Output as _parley_v1_AssessRequest__Output } from './parley/v1/AssessRequest';
import type { CallError as _parley_v1_CallError, CallError__Output as _parley_v1_CallError__Output } from './parley/v1/CallError';
import type { ContentRisk as _parley_v1_ContentRisk, ContentRisk__Output as _parley_v1_ContentRisk__Output } from './parley/v1/ContentRisk';
import type { ContentSignals as _parley_v1_ContentSignals, ContentSignals__Output as _parley_v1_ContentSignals__Output } from './parley/v1/ContentSignals';
import type { ContextAgentClient as _parley_v1_ContextAgentClient, ContextAgentDefinition as _parley_v1_ContextAgentDefinition } from './parley/v1/ContextAgent';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from './parley/v1/ContextSnapshot';
import type { Envelope as _parley_v1_Envelope, Envelope__Output as _parley_v1_Envelope__Output } from './parley/v1/Envelope';
import type { ListenerSignals as _parley_v1_ListenerSignals, ListenerSignals__Output as _parley_v1_ListenerSignals__Output } from './parley/v1/ListenerSignals';
import type { ObserveAck as _parley_v1_ObserveAck, ObserveAck__Output as _parley_v1_ObserveAck__Output } from './parley/v1/ObserveAck';
import type { Rejection as _parley_v1_Rejection, Rejection__Output as _parley_v1_Rejection__Output } from './parley/v1/Rejection';
import type { SessionObservation as _parley_v1_SessionObservation, SessionObservation__Output as _parley_v1_SessionObservation__Output } from './parley/v1/SessionObservation';
import type { SessionObservations as _parley_v1_SessionObservations, SessionObservations__Output as _parley_v1_SessionObservations__Output } from './parley/v1/SessionObservations';
import type { Slot as _parley_v1_Slot, Slot__Output as _parley_v1_Slot__Output } from './parley/v1/Slot';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  parley: {
    v1: {
      AssessCall: MessageTypeDefinition<_parley_v1_AssessCall, _parley_v1_AssessCall__Output>
      AssessReply: MessageTypeDefinition<_parley_v1_AssessReply, _parley_v1_AssessReply__Output>
      AssessRequest: MessageTypeDefinition<_parley_v1_AssessRequest, _parley_v1_AssessRequest__Output>
      CallError: MessageTypeDefinition<_parley_v1_CallError, _parley_v1_CallError__Output>
      ContentKind: EnumTypeDefinition
      ContentRisk: MessageTypeDefinition<_parley_v1_ContentRisk, _parley_v1_ContentRisk__Output>
      ContentSignals: MessageTypeDefinition<_parley_v1_ContentSignals, _parley_v1_ContentSignals__Output>
      ContextAgent: SubtypeConstructor<typeof grpc.Client, _parley_v1_ContextAgentClient> & { service: _parley_v1_ContextAgentDefinition }
      ContextSnapshot: MessageTypeDefinition<_parley_v1_ContextSnapshot, _parley_v1_ContextSnapshot__Output>
      Device: EnumTypeDefinition
      Envelope: MessageTypeDefinition<_parley_v1_Envelope, _parley_v1_Envelope__Output>
      ListenerSignals: MessageTypeDefinition<_parley_v1_ListenerSignals, _parley_v1_ListenerSignals__Output>
      ObserveAck: MessageTypeDefinition<_parley_v1_ObserveAck, _parley_v1_ObserveAck__Output>
      Part: EnumTypeDefinition
      PlaylistKind: EnumTypeDefinition
      Position: EnumTypeDefinition
      Reason: EnumTypeDefinition
      Rejection: MessageTypeDefinition<_parley_v1_Rejection, _parley_v1_Rejection__Output>
      RiskLevel: EnumTypeDefinition
      SafetyCategory: EnumTypeDefinition
      Scenario: EnumTypeDefinition
      SessionObservation: MessageTypeDefinition<_parley_v1_SessionObservation, _parley_v1_SessionObservation__Output>
      SessionObservations: MessageTypeDefinition<_parley_v1_SessionObservations, _parley_v1_SessionObservations__Output>
      Slot: MessageTypeDefinition<_parley_v1_Slot, _parley_v1_Slot__Output>
    }
  }
}

