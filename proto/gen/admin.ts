import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AdDecisionClient as _parley_v1_AdDecisionClient, AdDecisionDefinition as _parley_v1_AdDecisionDefinition } from './parley/v1/AdDecision';
import type { AdLoad as _parley_v1_AdLoad, AdLoad__Output as _parley_v1_AdLoad__Output } from './parley/v1/AdLoad';
import type { AdPlacement as _parley_v1_AdPlacement, AdPlacement__Output as _parley_v1_AdPlacement__Output } from './parley/v1/AdPlacement';
import type { AdminClient as _parley_v1_AdminClient, AdminDefinition as _parley_v1_AdminDefinition } from './parley/v1/Admin';
import type { AgentClient as _parley_v1_AgentClient, AgentDefinition as _parley_v1_AgentDefinition } from './parley/v1/Agent';
import type { AgentCall as _parley_v1_AgentCall, AgentCall__Output as _parley_v1_AgentCall__Output } from './parley/v1/AgentCall';
import type { AgentCalls as _parley_v1_AgentCalls, AgentCalls__Output as _parley_v1_AgentCalls__Output } from './parley/v1/AgentCalls';
import type { AgentReplies as _parley_v1_AgentReplies, AgentReplies__Output as _parley_v1_AgentReplies__Output } from './parley/v1/AgentReplies';
import type { AgentReply as _parley_v1_AgentReply, AgentReply__Output as _parley_v1_AgentReply__Output } from './parley/v1/AgentReply';
import type { AgentReport as _parley_v1_AgentReport, AgentReport__Output as _parley_v1_AgentReport__Output } from './parley/v1/AgentReport';
import type { AppliedOverride as _parley_v1_AppliedOverride, AppliedOverride__Output as _parley_v1_AppliedOverride__Output } from './parley/v1/AppliedOverride';
import type { AssessRequest as _parley_v1_AssessRequest, AssessRequest__Output as _parley_v1_AssessRequest__Output } from './parley/v1/AssessRequest';
import type { AuditEntry as _parley_v1_AuditEntry, AuditEntry__Output as _parley_v1_AuditEntry__Output } from './parley/v1/AuditEntry';
import type { AuditLog as _parley_v1_AuditLog, AuditLog__Output as _parley_v1_AuditLog__Output } from './parley/v1/AuditLog';
import type { CallError as _parley_v1_CallError, CallError__Output as _parley_v1_CallError__Output } from './parley/v1/CallError';
import type { Candidate as _parley_v1_Candidate, Candidate__Output as _parley_v1_Candidate__Output } from './parley/v1/Candidate';
import type { CommitRequest as _parley_v1_CommitRequest, CommitRequest__Output as _parley_v1_CommitRequest__Output } from './parley/v1/CommitRequest';
import type { CommitResponse as _parley_v1_CommitResponse, CommitResponse__Output as _parley_v1_CommitResponse__Output } from './parley/v1/CommitResponse';
import type { CommitResult as _parley_v1_CommitResult, CommitResult__Output as _parley_v1_CommitResult__Output } from './parley/v1/CommitResult';
import type { ContentRisk as _parley_v1_ContentRisk, ContentRisk__Output as _parley_v1_ContentRisk__Output } from './parley/v1/ContentRisk';
import type { ContentSignals as _parley_v1_ContentSignals, ContentSignals__Output as _parley_v1_ContentSignals__Output } from './parley/v1/ContentSignals';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from './parley/v1/ContextSnapshot';
import type { CreateOverrideRequest as _parley_v1_CreateOverrideRequest, CreateOverrideRequest__Output as _parley_v1_CreateOverrideRequest__Output } from './parley/v1/CreateOverrideRequest';
import type { Critique as _parley_v1_Critique, Critique__Output as _parley_v1_Critique__Output } from './parley/v1/Critique';
import type { CritiqueRequest as _parley_v1_CritiqueRequest, CritiqueRequest__Output as _parley_v1_CritiqueRequest__Output } from './parley/v1/CritiqueRequest';
import type { DecideRequest as _parley_v1_DecideRequest, DecideRequest__Output as _parley_v1_DecideRequest__Output } from './parley/v1/DecideRequest';
import type { DecideRequests as _parley_v1_DecideRequests, DecideRequests__Output as _parley_v1_DecideRequests__Output } from './parley/v1/DecideRequests';
import type { DecideResponse as _parley_v1_DecideResponse, DecideResponse__Output as _parley_v1_DecideResponse__Output } from './parley/v1/DecideResponse';
import type { DecideResult as _parley_v1_DecideResult, DecideResult__Output as _parley_v1_DecideResult__Output } from './parley/v1/DecideResult';
import type { DecideResults as _parley_v1_DecideResults, DecideResults__Output as _parley_v1_DecideResults__Output } from './parley/v1/DecideResults';
import type { DecisionList as _parley_v1_DecisionList, DecisionList__Output as _parley_v1_DecisionList__Output } from './parley/v1/DecisionList';
import type { DecisionRecord as _parley_v1_DecisionRecord, DecisionRecord__Output as _parley_v1_DecisionRecord__Output } from './parley/v1/DecisionRecord';
import type { DecisionRound as _parley_v1_DecisionRound, DecisionRound__Output as _parley_v1_DecisionRound__Output } from './parley/v1/DecisionRound';
import type { DeleteOverrideRequest as _parley_v1_DeleteOverrideRequest, DeleteOverrideRequest__Output as _parley_v1_DeleteOverrideRequest__Output } from './parley/v1/DeleteOverrideRequest';
import type { Explanation as _parley_v1_Explanation, Explanation__Output as _parley_v1_Explanation__Output } from './parley/v1/Explanation';
import type { GetDecisionRequest as _parley_v1_GetDecisionRequest, GetDecisionRequest__Output as _parley_v1_GetDecisionRequest__Output } from './parley/v1/GetDecisionRequest';
import type { ListAuditRequest as _parley_v1_ListAuditRequest, ListAuditRequest__Output as _parley_v1_ListAuditRequest__Output } from './parley/v1/ListAuditRequest';
import type { ListDecisionsRequest as _parley_v1_ListDecisionsRequest, ListDecisionsRequest__Output as _parley_v1_ListDecisionsRequest__Output } from './parley/v1/ListDecisionsRequest';
import type { ListOverridesRequest as _parley_v1_ListOverridesRequest, ListOverridesRequest__Output as _parley_v1_ListOverridesRequest__Output } from './parley/v1/ListOverridesRequest';
import type { ListenerSignals as _parley_v1_ListenerSignals, ListenerSignals__Output as _parley_v1_ListenerSignals__Output } from './parley/v1/ListenerSignals';
import type { OutcomeAck as _parley_v1_OutcomeAck, OutcomeAck__Output as _parley_v1_OutcomeAck__Output } from './parley/v1/OutcomeAck';
import type { OutcomeAcks as _parley_v1_OutcomeAcks, OutcomeAcks__Output as _parley_v1_OutcomeAcks__Output } from './parley/v1/OutcomeAcks';
import type { OutcomeRecord as _parley_v1_OutcomeRecord, OutcomeRecord__Output as _parley_v1_OutcomeRecord__Output } from './parley/v1/OutcomeRecord';
import type { OutcomeRecords as _parley_v1_OutcomeRecords, OutcomeRecords__Output as _parley_v1_OutcomeRecords__Output } from './parley/v1/OutcomeRecords';
import type { OutcomeReport as _parley_v1_OutcomeReport, OutcomeReport__Output as _parley_v1_OutcomeReport__Output } from './parley/v1/OutcomeReport';
import type { OutcomeReports as _parley_v1_OutcomeReports, OutcomeReports__Output as _parley_v1_OutcomeReports__Output } from './parley/v1/OutcomeReports';
import type { Override as _parley_v1_Override, Override__Output as _parley_v1_Override__Output } from './parley/v1/Override';
import type { OverrideSet as _parley_v1_OverrideSet, OverrideSet__Output as _parley_v1_OverrideSet__Output } from './parley/v1/OverrideSet';
import type { Proposal as _parley_v1_Proposal, Proposal__Output as _parley_v1_Proposal__Output } from './parley/v1/Proposal';
import type { ProposeRequest as _parley_v1_ProposeRequest, ProposeRequest__Output as _parley_v1_ProposeRequest__Output } from './parley/v1/ProposeRequest';
import type { RecordAck as _parley_v1_RecordAck, RecordAck__Output as _parley_v1_RecordAck__Output } from './parley/v1/RecordAck';
import type { RecordAcks as _parley_v1_RecordAcks, RecordAcks__Output as _parley_v1_RecordAcks__Output } from './parley/v1/RecordAcks';
import type { RecordDecisionsAck as _parley_v1_RecordDecisionsAck, RecordDecisionsAck__Output as _parley_v1_RecordDecisionsAck__Output } from './parley/v1/RecordDecisionsAck';
import type { Rejection as _parley_v1_Rejection, Rejection__Output as _parley_v1_Rejection__Output } from './parley/v1/Rejection';
import type { ReleaseRequest as _parley_v1_ReleaseRequest, ReleaseRequest__Output as _parley_v1_ReleaseRequest__Output } from './parley/v1/ReleaseRequest';
import type { ReleaseResponse as _parley_v1_ReleaseResponse, ReleaseResponse__Output as _parley_v1_ReleaseResponse__Output } from './parley/v1/ReleaseResponse';
import type { Reservation as _parley_v1_Reservation, Reservation__Output as _parley_v1_Reservation__Output } from './parley/v1/Reservation';
import type { ScoredCandidate as _parley_v1_ScoredCandidate, ScoredCandidate__Output as _parley_v1_ScoredCandidate__Output } from './parley/v1/ScoredCandidate';
import type { Slot as _parley_v1_Slot, Slot__Output as _parley_v1_Slot__Output } from './parley/v1/Slot';
import type { Verdict as _parley_v1_Verdict, Verdict__Output as _parley_v1_Verdict__Output } from './parley/v1/Verdict';
import type { WatchOverridesRequest as _parley_v1_WatchOverridesRequest, WatchOverridesRequest__Output as _parley_v1_WatchOverridesRequest__Output } from './parley/v1/WatchOverridesRequest';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  parley: {
    v1: {
      AdDecision: SubtypeConstructor<typeof grpc.Client, _parley_v1_AdDecisionClient> & { service: _parley_v1_AdDecisionDefinition }
      AdLoad: MessageTypeDefinition<_parley_v1_AdLoad, _parley_v1_AdLoad__Output>
      AdPlacement: MessageTypeDefinition<_parley_v1_AdPlacement, _parley_v1_AdPlacement__Output>
      Admin: SubtypeConstructor<typeof grpc.Client, _parley_v1_AdminClient> & { service: _parley_v1_AdminDefinition }
      Agent: SubtypeConstructor<typeof grpc.Client, _parley_v1_AgentClient> & { service: _parley_v1_AgentDefinition }
      AgentCall: MessageTypeDefinition<_parley_v1_AgentCall, _parley_v1_AgentCall__Output>
      AgentCalls: MessageTypeDefinition<_parley_v1_AgentCalls, _parley_v1_AgentCalls__Output>
      AgentReplies: MessageTypeDefinition<_parley_v1_AgentReplies, _parley_v1_AgentReplies__Output>
      AgentReply: MessageTypeDefinition<_parley_v1_AgentReply, _parley_v1_AgentReply__Output>
      AgentReport: MessageTypeDefinition<_parley_v1_AgentReport, _parley_v1_AgentReport__Output>
      AppliedOverride: MessageTypeDefinition<_parley_v1_AppliedOverride, _parley_v1_AppliedOverride__Output>
      AssessRequest: MessageTypeDefinition<_parley_v1_AssessRequest, _parley_v1_AssessRequest__Output>
      AuditEntry: MessageTypeDefinition<_parley_v1_AuditEntry, _parley_v1_AuditEntry__Output>
      AuditLog: MessageTypeDefinition<_parley_v1_AuditLog, _parley_v1_AuditLog__Output>
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
      CreateOverrideRequest: MessageTypeDefinition<_parley_v1_CreateOverrideRequest, _parley_v1_CreateOverrideRequest__Output>
      Critique: MessageTypeDefinition<_parley_v1_Critique, _parley_v1_Critique__Output>
      CritiqueRequest: MessageTypeDefinition<_parley_v1_CritiqueRequest, _parley_v1_CritiqueRequest__Output>
      DecideRequest: MessageTypeDefinition<_parley_v1_DecideRequest, _parley_v1_DecideRequest__Output>
      DecideRequests: MessageTypeDefinition<_parley_v1_DecideRequests, _parley_v1_DecideRequests__Output>
      DecideResponse: MessageTypeDefinition<_parley_v1_DecideResponse, _parley_v1_DecideResponse__Output>
      DecideResult: MessageTypeDefinition<_parley_v1_DecideResult, _parley_v1_DecideResult__Output>
      DecideResults: MessageTypeDefinition<_parley_v1_DecideResults, _parley_v1_DecideResults__Output>
      DecisionList: MessageTypeDefinition<_parley_v1_DecisionList, _parley_v1_DecisionList__Output>
      DecisionRecord: MessageTypeDefinition<_parley_v1_DecisionRecord, _parley_v1_DecisionRecord__Output>
      DecisionRound: MessageTypeDefinition<_parley_v1_DecisionRound, _parley_v1_DecisionRound__Output>
      DeleteOverrideRequest: MessageTypeDefinition<_parley_v1_DeleteOverrideRequest, _parley_v1_DeleteOverrideRequest__Output>
      Device: EnumTypeDefinition
      Explanation: MessageTypeDefinition<_parley_v1_Explanation, _parley_v1_Explanation__Output>
      GetDecisionRequest: MessageTypeDefinition<_parley_v1_GetDecisionRequest, _parley_v1_GetDecisionRequest__Output>
      ListAuditRequest: MessageTypeDefinition<_parley_v1_ListAuditRequest, _parley_v1_ListAuditRequest__Output>
      ListDecisionsRequest: MessageTypeDefinition<_parley_v1_ListDecisionsRequest, _parley_v1_ListDecisionsRequest__Output>
      ListOverridesRequest: MessageTypeDefinition<_parley_v1_ListOverridesRequest, _parley_v1_ListOverridesRequest__Output>
      ListenerSignals: MessageTypeDefinition<_parley_v1_ListenerSignals, _parley_v1_ListenerSignals__Output>
      OutcomeAck: MessageTypeDefinition<_parley_v1_OutcomeAck, _parley_v1_OutcomeAck__Output>
      OutcomeAcks: MessageTypeDefinition<_parley_v1_OutcomeAcks, _parley_v1_OutcomeAcks__Output>
      OutcomeEvent: EnumTypeDefinition
      OutcomeRecord: MessageTypeDefinition<_parley_v1_OutcomeRecord, _parley_v1_OutcomeRecord__Output>
      OutcomeRecords: MessageTypeDefinition<_parley_v1_OutcomeRecords, _parley_v1_OutcomeRecords__Output>
      OutcomeReport: MessageTypeDefinition<_parley_v1_OutcomeReport, _parley_v1_OutcomeReport__Output>
      OutcomeReports: MessageTypeDefinition<_parley_v1_OutcomeReports, _parley_v1_OutcomeReports__Output>
      Override: MessageTypeDefinition<_parley_v1_Override, _parley_v1_Override__Output>
      OverrideSet: MessageTypeDefinition<_parley_v1_OverrideSet, _parley_v1_OverrideSet__Output>
      PlaylistKind: EnumTypeDefinition
      Position: EnumTypeDefinition
      Proposal: MessageTypeDefinition<_parley_v1_Proposal, _parley_v1_Proposal__Output>
      ProposeRequest: MessageTypeDefinition<_parley_v1_ProposeRequest, _parley_v1_ProposeRequest__Output>
      Reason: EnumTypeDefinition
      RecordAck: MessageTypeDefinition<_parley_v1_RecordAck, _parley_v1_RecordAck__Output>
      RecordAcks: MessageTypeDefinition<_parley_v1_RecordAcks, _parley_v1_RecordAcks__Output>
      RecordDecisionsAck: MessageTypeDefinition<_parley_v1_RecordDecisionsAck, _parley_v1_RecordDecisionsAck__Output>
      Rejection: MessageTypeDefinition<_parley_v1_Rejection, _parley_v1_Rejection__Output>
      ReleaseRequest: MessageTypeDefinition<_parley_v1_ReleaseRequest, _parley_v1_ReleaseRequest__Output>
      ReleaseResponse: MessageTypeDefinition<_parley_v1_ReleaseResponse, _parley_v1_ReleaseResponse__Output>
      Reservation: MessageTypeDefinition<_parley_v1_Reservation, _parley_v1_Reservation__Output>
      RiskLevel: EnumTypeDefinition
      SafetyCategory: EnumTypeDefinition
      Scenario: EnumTypeDefinition
      ScoredCandidate: MessageTypeDefinition<_parley_v1_ScoredCandidate, _parley_v1_ScoredCandidate__Output>
      Settlement: EnumTypeDefinition
      Slot: MessageTypeDefinition<_parley_v1_Slot, _parley_v1_Slot__Output>
      Verdict: MessageTypeDefinition<_parley_v1_Verdict, _parley_v1_Verdict__Output>
      WatchOverridesRequest: MessageTypeDefinition<_parley_v1_WatchOverridesRequest, _parley_v1_WatchOverridesRequest__Output>
    }
  }
}

