import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AdDecisionClient as _parley_v1_AdDecisionClient, AdDecisionDefinition as _parley_v1_AdDecisionDefinition } from './parley/v1/AdDecision';
import type { AdLoad as _parley_v1_AdLoad, AdLoad__Output as _parley_v1_AdLoad__Output } from './parley/v1/AdLoad';
import type { AdPlacement as _parley_v1_AdPlacement, AdPlacement__Output as _parley_v1_AdPlacement__Output } from './parley/v1/AdPlacement';
import type { AgentReport as _parley_v1_AgentReport, AgentReport__Output as _parley_v1_AgentReport__Output } from './parley/v1/AgentReport';
import type { CallError as _parley_v1_CallError, CallError__Output as _parley_v1_CallError__Output } from './parley/v1/CallError';
import type { ContentRisk as _parley_v1_ContentRisk, ContentRisk__Output as _parley_v1_ContentRisk__Output } from './parley/v1/ContentRisk';
import type { ContentSignals as _parley_v1_ContentSignals, ContentSignals__Output as _parley_v1_ContentSignals__Output } from './parley/v1/ContentSignals';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from './parley/v1/ContextSnapshot';
import type { DecideRequest as _parley_v1_DecideRequest, DecideRequest__Output as _parley_v1_DecideRequest__Output } from './parley/v1/DecideRequest';
import type { DecideRequests as _parley_v1_DecideRequests, DecideRequests__Output as _parley_v1_DecideRequests__Output } from './parley/v1/DecideRequests';
import type { DecideResponse as _parley_v1_DecideResponse, DecideResponse__Output as _parley_v1_DecideResponse__Output } from './parley/v1/DecideResponse';
import type { DecideResult as _parley_v1_DecideResult, DecideResult__Output as _parley_v1_DecideResult__Output } from './parley/v1/DecideResult';
import type { DecideResults as _parley_v1_DecideResults, DecideResults__Output as _parley_v1_DecideResults__Output } from './parley/v1/DecideResults';
import type { Explanation as _parley_v1_Explanation, Explanation__Output as _parley_v1_Explanation__Output } from './parley/v1/Explanation';
import type { ListenerSignals as _parley_v1_ListenerSignals, ListenerSignals__Output as _parley_v1_ListenerSignals__Output } from './parley/v1/ListenerSignals';
import type { OutcomeAck as _parley_v1_OutcomeAck, OutcomeAck__Output as _parley_v1_OutcomeAck__Output } from './parley/v1/OutcomeAck';
import type { OutcomeAcks as _parley_v1_OutcomeAcks, OutcomeAcks__Output as _parley_v1_OutcomeAcks__Output } from './parley/v1/OutcomeAcks';
import type { OutcomeReport as _parley_v1_OutcomeReport, OutcomeReport__Output as _parley_v1_OutcomeReport__Output } from './parley/v1/OutcomeReport';
import type { OutcomeReports as _parley_v1_OutcomeReports, OutcomeReports__Output as _parley_v1_OutcomeReports__Output } from './parley/v1/OutcomeReports';
import type { Rejection as _parley_v1_Rejection, Rejection__Output as _parley_v1_Rejection__Output } from './parley/v1/Rejection';
import type { Slot as _parley_v1_Slot, Slot__Output as _parley_v1_Slot__Output } from './parley/v1/Slot';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  parley: {
    v1: {
      AdDecision: SubtypeConstructor<typeof grpc.Client, _parley_v1_AdDecisionClient> & { service: _parley_v1_AdDecisionDefinition }
      AdLoad: MessageTypeDefinition<_parley_v1_AdLoad, _parley_v1_AdLoad__Output>
      AdPlacement: MessageTypeDefinition<_parley_v1_AdPlacement, _parley_v1_AdPlacement__Output>
      AgentReport: MessageTypeDefinition<_parley_v1_AgentReport, _parley_v1_AgentReport__Output>
      CallError: MessageTypeDefinition<_parley_v1_CallError, _parley_v1_CallError__Output>
      ChargeRefusal: EnumTypeDefinition
      ContentKind: EnumTypeDefinition
      ContentRisk: MessageTypeDefinition<_parley_v1_ContentRisk, _parley_v1_ContentRisk__Output>
      ContentSignals: MessageTypeDefinition<_parley_v1_ContentSignals, _parley_v1_ContentSignals__Output>
      ContextSnapshot: MessageTypeDefinition<_parley_v1_ContextSnapshot, _parley_v1_ContextSnapshot__Output>
      DecideRequest: MessageTypeDefinition<_parley_v1_DecideRequest, _parley_v1_DecideRequest__Output>
      DecideRequests: MessageTypeDefinition<_parley_v1_DecideRequests, _parley_v1_DecideRequests__Output>
      DecideResponse: MessageTypeDefinition<_parley_v1_DecideResponse, _parley_v1_DecideResponse__Output>
      DecideResult: MessageTypeDefinition<_parley_v1_DecideResult, _parley_v1_DecideResult__Output>
      DecideResults: MessageTypeDefinition<_parley_v1_DecideResults, _parley_v1_DecideResults__Output>
      Device: EnumTypeDefinition
      Explanation: MessageTypeDefinition<_parley_v1_Explanation, _parley_v1_Explanation__Output>
      ListenerSignals: MessageTypeDefinition<_parley_v1_ListenerSignals, _parley_v1_ListenerSignals__Output>
      OutcomeAck: MessageTypeDefinition<_parley_v1_OutcomeAck, _parley_v1_OutcomeAck__Output>
      OutcomeAcks: MessageTypeDefinition<_parley_v1_OutcomeAcks, _parley_v1_OutcomeAcks__Output>
      OutcomeEvent: EnumTypeDefinition
      OutcomeReport: MessageTypeDefinition<_parley_v1_OutcomeReport, _parley_v1_OutcomeReport__Output>
      OutcomeReports: MessageTypeDefinition<_parley_v1_OutcomeReports, _parley_v1_OutcomeReports__Output>
      PlaylistKind: EnumTypeDefinition
      Position: EnumTypeDefinition
      Reason: EnumTypeDefinition
      Rejection: MessageTypeDefinition<_parley_v1_Rejection, _parley_v1_Rejection__Output>
      RiskLevel: EnumTypeDefinition
      SafetyCategory: EnumTypeDefinition
      Scenario: EnumTypeDefinition
      Settlement: EnumTypeDefinition
      Slot: MessageTypeDefinition<_parley_v1_Slot, _parley_v1_Slot__Output>
    }
  }
}

