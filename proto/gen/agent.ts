import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AdLoad as _parley_v1_AdLoad, AdLoad__Output as _parley_v1_AdLoad__Output } from './parley/v1/AdLoad';
import type { AgentClient as _parley_v1_AgentClient, AgentDefinition as _parley_v1_AgentDefinition } from './parley/v1/Agent';
import type { AgentCall as _parley_v1_AgentCall, AgentCall__Output as _parley_v1_AgentCall__Output } from './parley/v1/AgentCall';
import type { AgentCalls as _parley_v1_AgentCalls, AgentCalls__Output as _parley_v1_AgentCalls__Output } from './parley/v1/AgentCalls';
import type { AgentReplies as _parley_v1_AgentReplies, AgentReplies__Output as _parley_v1_AgentReplies__Output } from './parley/v1/AgentReplies';
import type { AgentReply as _parley_v1_AgentReply, AgentReply__Output as _parley_v1_AgentReply__Output } from './parley/v1/AgentReply';
import type { AssessRequest as _parley_v1_AssessRequest, AssessRequest__Output as _parley_v1_AssessRequest__Output } from './parley/v1/AssessRequest';
import type { CallError as _parley_v1_CallError, CallError__Output as _parley_v1_CallError__Output } from './parley/v1/CallError';
import type { Candidate as _parley_v1_Candidate, Candidate__Output as _parley_v1_Candidate__Output } from './parley/v1/Candidate';
import type { CommitRequest as _parley_v1_CommitRequest, CommitRequest__Output as _parley_v1_CommitRequest__Output } from './parley/v1/CommitRequest';
import type { CommitResponse as _parley_v1_CommitResponse, CommitResponse__Output as _parley_v1_CommitResponse__Output } from './parley/v1/CommitResponse';
import type { CommitResult as _parley_v1_CommitResult, CommitResult__Output as _parley_v1_CommitResult__Output } from './parley/v1/CommitResult';
import type { ContentRisk as _parley_v1_ContentRisk, ContentRisk__Output as _parley_v1_ContentRisk__Output } from './parley/v1/ContentRisk';
import type { ContentSignals as _parley_v1_ContentSignals, ContentSignals__Output as _parley_v1_ContentSignals__Output } from './parley/v1/ContentSignals';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from './parley/v1/ContextSnapshot';
import type { Critique as _parley_v1_Critique, Critique__Output as _parley_v1_Critique__Output } from './parley/v1/Critique';
import type { CritiqueRequest as _parley_v1_CritiqueRequest, CritiqueRequest__Output as _parley_v1_CritiqueRequest__Output } from './parley/v1/CritiqueRequest';
import type { ListenerSignals as _parley_v1_ListenerSignals, ListenerSignals__Output as _parley_v1_ListenerSignals__Output } from './parley/v1/ListenerSignals';
import type { OutcomeRecord as _parley_v1_OutcomeRecord, OutcomeRecord__Output as _parley_v1_OutcomeRecord__Output } from './parley/v1/OutcomeRecord';
import type { OutcomeRecords as _parley_v1_OutcomeRecords, OutcomeRecords__Output as _parley_v1_OutcomeRecords__Output } from './parley/v1/OutcomeRecords';
import type { Proposal as _parley_v1_Proposal, Proposal__Output as _parley_v1_Proposal__Output } from './parley/v1/Proposal';
import type { ProposeRequest as _parley_v1_ProposeRequest, ProposeRequest__Output as _parley_v1_ProposeRequest__Output } from './parley/v1/ProposeRequest';
import type { RecordAck as _parley_v1_RecordAck, RecordAck__Output as _parley_v1_RecordAck__Output } from './parley/v1/RecordAck';
import type { RecordAcks as _parley_v1_RecordAcks, RecordAcks__Output as _parley_v1_RecordAcks__Output } from './parley/v1/RecordAcks';
import type { Rejection as _parley_v1_Rejection, Rejection__Output as _parley_v1_Rejection__Output } from './parley/v1/Rejection';
import type { ReleaseRequest as _parley_v1_ReleaseRequest, ReleaseRequest__Output as _parley_v1_ReleaseRequest__Output } from './parley/v1/ReleaseRequest';
import type { ReleaseResponse as _parley_v1_ReleaseResponse, ReleaseResponse__Output as _parley_v1_ReleaseResponse__Output } from './parley/v1/ReleaseResponse';
import type { Reservation as _parley_v1_Reservation, Reservation__Output as _parley_v1_Reservation__Output } from './parley/v1/Reservation';
import type { Slot as _parley_v1_Slot, Slot__Output as _parley_v1_Slot__Output } from './parley/v1/Slot';
import type { Verdict as _parley_v1_Verdict, Verdict__Output as _parley_v1_Verdict__Output } from './parley/v1/Verdict';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  parley: {
    v1: {
      AdLoad: MessageTypeDefinition<_parley_v1_AdLoad, _parley_v1_AdLoad__Output>
      Agent: SubtypeConstructor<typeof grpc.Client, _parley_v1_AgentClient> & { service: _parley_v1_AgentDefinition }
      AgentCall: MessageTypeDefinition<_parley_v1_AgentCall, _parley_v1_AgentCall__Output>
      AgentCalls: MessageTypeDefinition<_parley_v1_AgentCalls, _parley_v1_AgentCalls__Output>
      AgentReplies: MessageTypeDefinition<_parley_v1_AgentReplies, _parley_v1_AgentReplies__Output>
      AgentReply: MessageTypeDefinition<_parley_v1_AgentReply, _parley_v1_AgentReply__Output>
      AssessRequest: MessageTypeDefinition<_parley_v1_AssessRequest, _parley_v1_AssessRequest__Output>
      CallError: MessageTypeDefinition<_parley_v1_CallError, _parley_v1_CallError__Output>
      Candidate: MessageTypeDefinition<_parley_v1_Candidate, _parley_v1_Candidate__Output>
      ChargeRefusal: EnumTypeDefinition
      CommitRequest: MessageTypeDefinition<_parley_v1_CommitRequest, _parley_v1_CommitRequest__Output>
      CommitResponse: MessageTypeDefinition<_parley_v1_CommitResponse, _parley_v1_CommitResponse__Output>
      CommitResult: MessageTypeDefinition<_parley_v1_CommitResult, _parley_v1_CommitResult__Output>
      ContentKind: EnumTypeDefinition
      ContentRisk: MessageTypeDefinition<_parley_v1_ContentRisk, _parley_v1_ContentRisk__Output>
      ContentSignals: MessageTypeDefinition<_parley_v1_ContentSignals, _parley_v1_ContentSignals__Output>
      ContextSnapshot: MessageTypeDefinition<_parley_v1_ContextSnapshot, _parley_v1_ContextSnapshot__Output>
      Critique: MessageTypeDefinition<_parley_v1_Critique, _parley_v1_Critique__Output>
      CritiqueRequest: MessageTypeDefinition<_parley_v1_CritiqueRequest, _parley_v1_CritiqueRequest__Output>
      Device: EnumTypeDefinition
      ListenerSignals: MessageTypeDefinition<_parley_v1_ListenerSignals, _parley_v1_ListenerSignals__Output>
      OutcomeRecord: MessageTypeDefinition<_parley_v1_OutcomeRecord, _parley_v1_OutcomeRecord__Output>
      OutcomeRecords: MessageTypeDefinition<_parley_v1_OutcomeRecords, _parley_v1_OutcomeRecords__Output>
      PlaylistKind: EnumTypeDefinition
      Position: EnumTypeDefinition
      Proposal: MessageTypeDefinition<_parley_v1_Proposal, _parley_v1_Proposal__Output>
      ProposeRequest: MessageTypeDefinition<_parley_v1_ProposeRequest, _parley_v1_ProposeRequest__Output>
      Reason: EnumTypeDefinition
      RecordAck: MessageTypeDefinition<_parley_v1_RecordAck, _parley_v1_RecordAck__Output>
      RecordAcks: MessageTypeDefinition<_parley_v1_RecordAcks, _parley_v1_RecordAcks__Output>
      Rejection: MessageTypeDefinition<_parley_v1_Rejection, _parley_v1_Rejection__Output>
      ReleaseRequest: MessageTypeDefinition<_parley_v1_ReleaseRequest, _parley_v1_ReleaseRequest__Output>
      ReleaseResponse: MessageTypeDefinition<_parley_v1_ReleaseResponse, _parley_v1_ReleaseResponse__Output>
      Reservation: MessageTypeDefinition<_parley_v1_Reservation, _parley_v1_Reservation__Output>
      RiskLevel: EnumTypeDefinition
      SafetyCategory: EnumTypeDefinition
      Scenario: EnumTypeDefinition
      Slot: MessageTypeDefinition<_parley_v1_Slot, _parley_v1_Slot__Output>
      Verdict: MessageTypeDefinition<_parley_v1_Verdict, _parley_v1_Verdict__Output>
    }
  }
}

