import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AckOutcomesReply as _parley_v1_AckOutcomesReply, AckOutcomesReply__Output as _parley_v1_AckOutcomesReply__Output } from './parley/v1/AckOutcomesReply';
import type { AckOutcomesRequest as _parley_v1_AckOutcomesRequest, AckOutcomesRequest__Output as _parley_v1_AckOutcomesRequest__Output } from './parley/v1/AckOutcomesRequest';
import type { CallError as _parley_v1_CallError, CallError__Output as _parley_v1_CallError__Output } from './parley/v1/CallError';
import type { CampaignPacing as _parley_v1_CampaignPacing, CampaignPacing__Output as _parley_v1_CampaignPacing__Output } from './parley/v1/CampaignPacing';
import type { CampaignStatusReply as _parley_v1_CampaignStatusReply, CampaignStatusReply__Output as _parley_v1_CampaignStatusReply__Output } from './parley/v1/CampaignStatusReply';
import type { CampaignStatusRequest as _parley_v1_CampaignStatusRequest, CampaignStatusRequest__Output as _parley_v1_CampaignStatusRequest__Output } from './parley/v1/CampaignStatusRequest';
import type { Candidate as _parley_v1_Candidate, Candidate__Output as _parley_v1_Candidate__Output } from './parley/v1/Candidate';
import type { CandidateValue as _parley_v1_CandidateValue, CandidateValue__Output as _parley_v1_CandidateValue__Output } from './parley/v1/CandidateValue';
import type { CommitRequest as _parley_v1_CommitRequest, CommitRequest__Output as _parley_v1_CommitRequest__Output } from './parley/v1/CommitRequest';
import type { CommitResponse as _parley_v1_CommitResponse, CommitResponse__Output as _parley_v1_CommitResponse__Output } from './parley/v1/CommitResponse';
import type { CommitResult as _parley_v1_CommitResult, CommitResult__Output as _parley_v1_CommitResult__Output } from './parley/v1/CommitResult';
import type { ContentRisk as _parley_v1_ContentRisk, ContentRisk__Output as _parley_v1_ContentRisk__Output } from './parley/v1/ContentRisk';
import type { ContentSignals as _parley_v1_ContentSignals, ContentSignals__Output as _parley_v1_ContentSignals__Output } from './parley/v1/ContentSignals';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from './parley/v1/ContextSnapshot';
import type { Counter as _parley_v1_Counter, Counter__Output as _parley_v1_Counter__Output } from './parley/v1/Counter';
import type { Envelope as _parley_v1_Envelope, Envelope__Output as _parley_v1_Envelope__Output } from './parley/v1/Envelope';
import type { EvaluateRequest as _parley_v1_EvaluateRequest, EvaluateRequest__Output as _parley_v1_EvaluateRequest__Output } from './parley/v1/EvaluateRequest';
import type { InventoryAgentClient as _parley_v1_InventoryAgentClient, InventoryAgentDefinition as _parley_v1_InventoryAgentDefinition } from './parley/v1/InventoryAgent';
import type { LeaveOutcomesReply as _parley_v1_LeaveOutcomesReply, LeaveOutcomesReply__Output as _parley_v1_LeaveOutcomesReply__Output } from './parley/v1/LeaveOutcomesReply';
import type { LeaveOutcomesRequest as _parley_v1_LeaveOutcomesRequest, LeaveOutcomesRequest__Output as _parley_v1_LeaveOutcomesRequest__Output } from './parley/v1/LeaveOutcomesRequest';
import type { ListenerSignals as _parley_v1_ListenerSignals, ListenerSignals__Output as _parley_v1_ListenerSignals__Output } from './parley/v1/ListenerSignals';
import type { LoggedOutcome as _parley_v1_LoggedOutcome, LoggedOutcome__Output as _parley_v1_LoggedOutcome__Output } from './parley/v1/LoggedOutcome';
import type { ObjectiveAgentClient as _parley_v1_ObjectiveAgentClient, ObjectiveAgentDefinition as _parley_v1_ObjectiveAgentDefinition } from './parley/v1/ObjectiveAgent';
import type { ObjectiveCall as _parley_v1_ObjectiveCall, ObjectiveCall__Output as _parley_v1_ObjectiveCall__Output } from './parley/v1/ObjectiveCall';
import type { ObjectiveReply as _parley_v1_ObjectiveReply, ObjectiveReply__Output as _parley_v1_ObjectiveReply__Output } from './parley/v1/ObjectiveReply';
import type { OutcomeBatch as _parley_v1_OutcomeBatch, OutcomeBatch__Output as _parley_v1_OutcomeBatch__Output } from './parley/v1/OutcomeBatch';
import type { OutcomeRecord as _parley_v1_OutcomeRecord, OutcomeRecord__Output as _parley_v1_OutcomeRecord__Output } from './parley/v1/OutcomeRecord';
import type { OutcomeRecords as _parley_v1_OutcomeRecords, OutcomeRecords__Output as _parley_v1_OutcomeRecords__Output } from './parley/v1/OutcomeRecords';
import type { Proposal as _parley_v1_Proposal, Proposal__Output as _parley_v1_Proposal__Output } from './parley/v1/Proposal';
import type { ProposeCall as _parley_v1_ProposeCall, ProposeCall__Output as _parley_v1_ProposeCall__Output } from './parley/v1/ProposeCall';
import type { ProposeReply as _parley_v1_ProposeReply, ProposeReply__Output as _parley_v1_ProposeReply__Output } from './parley/v1/ProposeReply';
import type { ProposeRequest as _parley_v1_ProposeRequest, ProposeRequest__Output as _parley_v1_ProposeRequest__Output } from './parley/v1/ProposeRequest';
import type { ReadOutcomesRequest as _parley_v1_ReadOutcomesRequest, ReadOutcomesRequest__Output as _parley_v1_ReadOutcomesRequest__Output } from './parley/v1/ReadOutcomesRequest';
import type { RecordAck as _parley_v1_RecordAck, RecordAck__Output as _parley_v1_RecordAck__Output } from './parley/v1/RecordAck';
import type { RecordAcks as _parley_v1_RecordAcks, RecordAcks__Output as _parley_v1_RecordAcks__Output } from './parley/v1/RecordAcks';
import type { Rejection as _parley_v1_Rejection, Rejection__Output as _parley_v1_Rejection__Output } from './parley/v1/Rejection';
import type { Reservation as _parley_v1_Reservation, Reservation__Output as _parley_v1_Reservation__Output } from './parley/v1/Reservation';
import type { Slot as _parley_v1_Slot, Slot__Output as _parley_v1_Slot__Output } from './parley/v1/Slot';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  parley: {
    v1: {
      AckOutcomesReply: MessageTypeDefinition<_parley_v1_AckOutcomesReply, _parley_v1_AckOutcomesReply__Output>
      AckOutcomesRequest: MessageTypeDefinition<_parley_v1_AckOutcomesRequest, _parley_v1_AckOutcomesRequest__Output>
      CallError: MessageTypeDefinition<_parley_v1_CallError, _parley_v1_CallError__Output>
      CampaignPacing: MessageTypeDefinition<_parley_v1_CampaignPacing, _parley_v1_CampaignPacing__Output>
      CampaignStatusReply: MessageTypeDefinition<_parley_v1_CampaignStatusReply, _parley_v1_CampaignStatusReply__Output>
      CampaignStatusRequest: MessageTypeDefinition<_parley_v1_CampaignStatusRequest, _parley_v1_CampaignStatusRequest__Output>
      Candidate: MessageTypeDefinition<_parley_v1_Candidate, _parley_v1_Candidate__Output>
      CandidateValue: MessageTypeDefinition<_parley_v1_CandidateValue, _parley_v1_CandidateValue__Output>
      CommitRequest: MessageTypeDefinition<_parley_v1_CommitRequest, _parley_v1_CommitRequest__Output>
      CommitResponse: MessageTypeDefinition<_parley_v1_CommitResponse, _parley_v1_CommitResponse__Output>
      CommitResult: MessageTypeDefinition<_parley_v1_CommitResult, _parley_v1_CommitResult__Output>
      ContentKind: EnumTypeDefinition
      ContentRisk: MessageTypeDefinition<_parley_v1_ContentRisk, _parley_v1_ContentRisk__Output>
      ContentSignals: MessageTypeDefinition<_parley_v1_ContentSignals, _parley_v1_ContentSignals__Output>
      ContextSnapshot: MessageTypeDefinition<_parley_v1_ContextSnapshot, _parley_v1_ContextSnapshot__Output>
      Counter: MessageTypeDefinition<_parley_v1_Counter, _parley_v1_Counter__Output>
      Device: EnumTypeDefinition
      Envelope: MessageTypeDefinition<_parley_v1_Envelope, _parley_v1_Envelope__Output>
      EvaluateRequest: MessageTypeDefinition<_parley_v1_EvaluateRequest, _parley_v1_EvaluateRequest__Output>
      InventoryAgent: SubtypeConstructor<typeof grpc.Client, _parley_v1_InventoryAgentClient> & { service: _parley_v1_InventoryAgentDefinition }
      LeaveOutcomesReply: MessageTypeDefinition<_parley_v1_LeaveOutcomesReply, _parley_v1_LeaveOutcomesReply__Output>
      LeaveOutcomesRequest: MessageTypeDefinition<_parley_v1_LeaveOutcomesRequest, _parley_v1_LeaveOutcomesRequest__Output>
      ListenerSignals: MessageTypeDefinition<_parley_v1_ListenerSignals, _parley_v1_ListenerSignals__Output>
      LoggedOutcome: MessageTypeDefinition<_parley_v1_LoggedOutcome, _parley_v1_LoggedOutcome__Output>
      ObjectiveAgent: SubtypeConstructor<typeof grpc.Client, _parley_v1_ObjectiveAgentClient> & { service: _parley_v1_ObjectiveAgentDefinition }
      ObjectiveCall: MessageTypeDefinition<_parley_v1_ObjectiveCall, _parley_v1_ObjectiveCall__Output>
      ObjectiveReply: MessageTypeDefinition<_parley_v1_ObjectiveReply, _parley_v1_ObjectiveReply__Output>
      OutcomeBatch: MessageTypeDefinition<_parley_v1_OutcomeBatch, _parley_v1_OutcomeBatch__Output>
      OutcomeRecord: MessageTypeDefinition<_parley_v1_OutcomeRecord, _parley_v1_OutcomeRecord__Output>
      OutcomeRecords: MessageTypeDefinition<_parley_v1_OutcomeRecords, _parley_v1_OutcomeRecords__Output>
      Part: EnumTypeDefinition
      PlaylistKind: EnumTypeDefinition
      Position: EnumTypeDefinition
      Proposal: MessageTypeDefinition<_parley_v1_Proposal, _parley_v1_Proposal__Output>
      ProposeCall: MessageTypeDefinition<_parley_v1_ProposeCall, _parley_v1_ProposeCall__Output>
      ProposeReply: MessageTypeDefinition<_parley_v1_ProposeReply, _parley_v1_ProposeReply__Output>
      ProposeRequest: MessageTypeDefinition<_parley_v1_ProposeRequest, _parley_v1_ProposeRequest__Output>
      ReadOutcomesRequest: MessageTypeDefinition<_parley_v1_ReadOutcomesRequest, _parley_v1_ReadOutcomesRequest__Output>
      Reason: EnumTypeDefinition
      RecordAck: MessageTypeDefinition<_parley_v1_RecordAck, _parley_v1_RecordAck__Output>
      RecordAcks: MessageTypeDefinition<_parley_v1_RecordAcks, _parley_v1_RecordAcks__Output>
      Rejection: MessageTypeDefinition<_parley_v1_Rejection, _parley_v1_Rejection__Output>
      Reservation: MessageTypeDefinition<_parley_v1_Reservation, _parley_v1_Reservation__Output>
      RiskLevel: EnumTypeDefinition
      SafetyCategory: EnumTypeDefinition
      Scenario: EnumTypeDefinition
      Slot: MessageTypeDefinition<_parley_v1_Slot, _parley_v1_Slot__Output>
    }
  }
}

