import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AdLoad as _parley_v1_AdLoad, AdLoad__Output as _parley_v1_AdLoad__Output } from './parley/v1/AdLoad';
import type { CallError as _parley_v1_CallError, CallError__Output as _parley_v1_CallError__Output } from './parley/v1/CallError';
import type { ContentRisk as _parley_v1_ContentRisk, ContentRisk__Output as _parley_v1_ContentRisk__Output } from './parley/v1/ContentRisk';
import type { ContentSignals as _parley_v1_ContentSignals, ContentSignals__Output as _parley_v1_ContentSignals__Output } from './parley/v1/ContentSignals';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from './parley/v1/ContextSnapshot';
import type { ListenerSignals as _parley_v1_ListenerSignals, ListenerSignals__Output as _parley_v1_ListenerSignals__Output } from './parley/v1/ListenerSignals';
import type { Rejection as _parley_v1_Rejection, Rejection__Output as _parley_v1_Rejection__Output } from './parley/v1/Rejection';
import type { Slot as _parley_v1_Slot, Slot__Output as _parley_v1_Slot__Output } from './parley/v1/Slot';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  parley: {
    v1: {
      AdLoad: MessageTypeDefinition<_parley_v1_AdLoad, _parley_v1_AdLoad__Output>
      CallError: MessageTypeDefinition<_parley_v1_CallError, _parley_v1_CallError__Output>
      ChargeRefusal: EnumTypeDefinition
      ContentKind: EnumTypeDefinition
      ContentRisk: MessageTypeDefinition<_parley_v1_ContentRisk, _parley_v1_ContentRisk__Output>
      ContentSignals: MessageTypeDefinition<_parley_v1_ContentSignals, _parley_v1_ContentSignals__Output>
      ContextSnapshot: MessageTypeDefinition<_parley_v1_ContextSnapshot, _parley_v1_ContextSnapshot__Output>
      Device: EnumTypeDefinition
      ListenerSignals: MessageTypeDefinition<_parley_v1_ListenerSignals, _parley_v1_ListenerSignals__Output>
      PlaylistKind: EnumTypeDefinition
      Position: EnumTypeDefinition
      Reason: EnumTypeDefinition
      Rejection: MessageTypeDefinition<_parley_v1_Rejection, _parley_v1_Rejection__Output>
      RiskLevel: EnumTypeDefinition
      SafetyCategory: EnumTypeDefinition
      Scenario: EnumTypeDefinition
      Slot: MessageTypeDefinition<_parley_v1_Slot, _parley_v1_Slot__Output>
    }
  }
}

