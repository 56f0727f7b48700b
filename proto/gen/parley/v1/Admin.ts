// Original file: proto/parley/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AuditLog as _parley_v1_AuditLog, AuditLog__Output as _parley_v1_AuditLog__Output } from '../../parley/v1/AuditLog';
import type { CreateOverrideRequest as _parley_v1_CreateOverrideRequest, CreateOverrideRequest__Output as _parley_v1_CreateOverrideRequest__Output } from '../../parley/v1/CreateOverrideRequest';
import type { DecisionList as _parley_v1_DecisionList, DecisionList__Output as _parley_v1_DecisionList__Output } from '../../parley/v1/DecisionList';
import type { DecisionRecord as _parley_v1_DecisionRecord, DecisionRecord__Output as _parley_v1_DecisionRecord__Output } from '../../parley/v1/DecisionRecord';
import type { DeleteOverrideRequest as _parley_v1_DeleteOverrideRequest, DeleteOverrideRequest__Output as _parley_v1_DeleteOverrideRequest__Output } from '../../parley/v1/DeleteOverrideRequest';
import type { GetDecisionRequest as _parley_v1_GetDecisionRequest, GetDecisionRequest__Output as _parley_v1_GetDecisionRequest__Output } from '../../parley/v1/GetDecisionRequest';
import type { ListAuditRequest as _parley_v1_ListAuditRequest, ListAuditRequest__Output as _parley_v1_ListAuditRequest__Output } from '../../parley/v1/ListAuditRequest';
import type { ListDecisionsRequest as _parley_v1_ListDecisionsRequest, ListDecisionsRequest__Output as _parley_v1_ListDecisionsRequest__Output } from '../../parley/v1/ListDecisionsRequest';
import type { ListOverridesRequest as _parley_v1_ListOverridesRequest, ListOverridesRequest__Output as _parley_v1_ListOverridesRequest__Output } from '../../parley/v1/ListOverridesRequest';
import type { Override as _parley_v1_Override, Override__Output as _parley_v1_Override__Output } from '../../parley/v1/Override';
import type { OverrideSet as _parley_v1_OverrideSet, OverrideSet__Output as _parley_v1_OverrideSet__Output } from '../../parley/v1/OverrideSet';
import type { RecordDecisionsAck as _parley_v1_RecordDecisionsAck, RecordDecisionsAck__Output as _parley_v1_RecordDecisionsAck__Output } from '../../parley/v1/RecordDecisionsAck';
import type { WatchOverridesRequest as _parley_v1_WatchOverridesRequest, WatchOverridesRequest__Output as _parley_v1_WatchOverridesRequest__Output } from '../../parley/v1/WatchOverridesRequest';

export interface AdminClient extends grpc.Client {
  CreateOverride(argument: _parley_v1_CreateOverrideRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  CreateOverride(argument: _parley_v1_CreateOverrideRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  CreateOverride(argument: _parley_v1_CreateOverrideRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  CreateOverride(argument: _parley_v1_CreateOverrideRequest, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  createOverride(argument: _parley_v1_CreateOverrideRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  createOverride(argument: _parley_v1_CreateOverrideRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  createOverride(argument: _parley_v1_CreateOverrideRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  createOverride(argument: _parley_v1_CreateOverrideRequest, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  
  DeleteOverride(argument: _parley_v1_DeleteOverrideRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  DeleteOverride(argument: _parley_v1_DeleteOverrideRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  DeleteOverride(argument: _parley_v1_DeleteOverrideRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  DeleteOverride(argument: _parley_v1_DeleteOverrideRequest, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  deleteOverride(argument: _parley_v1_DeleteOverrideRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  deleteOverride(argument: _parley_v1_DeleteOverrideRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  deleteOverride(argument: _parley_v1_DeleteOverrideRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  deleteOverride(argument: _parley_v1_DeleteOverrideRequest, callback: grpc.requestCallback<_parley_v1_Override__Output>): grpc.ClientUnaryCall;
  
  GetDecision(argument: _parley_v1_GetDecisionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_DecisionRecord__Output>): grpc.ClientUnaryCall;
  GetDecision(argument: _parley_v1_GetDecisionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_DecisionRecord__Output>): grpc.ClientUnaryCall;
  GetDecision(argument: _parley_v1_GetDecisionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_DecisionRecord__Output>): grpc.ClientUnaryCall;
  GetDecision(argument: _parley_v1_GetDecisionRequest, callback: grpc.requestCallback<_parley_v1_DecisionRecord__Output>): grpc.ClientUnaryCall;
  getDecision(argument: _parley_v1_GetDecisionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_DecisionRecord__Output>): grpc.ClientUnaryCall;
  getDecision(argument: _parley_v1_GetDecisionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_DecisionRecord__Output>): grpc.ClientUnaryCall;
  getDecision(argument: _parley_v1_GetDecisionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_DecisionRecord__Output>): grpc.ClientUnaryCall;
  getDecision(argument: _parley_v1_GetDecisionRequest, callback: grpc.requestCallback<_parley_v1_DecisionRecord__Output>): grpc.ClientUnaryCall;
  
  ListAudit(argument: _parley_v1_ListAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_AuditLog__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _parley_v1_ListAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_AuditLog__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _parley_v1_ListAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_AuditLog__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _parley_v1_ListAuditRequest, callback: grpc.requestCallback<_parley_v1_AuditLog__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _parley_v1_ListAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_AuditLog__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _parley_v1_ListAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_AuditLog__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _parley_v1_ListAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_AuditLog__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _parley_v1_ListAuditRequest, callback: grpc.requestCallback<_parley_v1_AuditLog__Output>): grpc.ClientUnaryCall;
  
  ListDecisions(argument: _parley_v1_ListDecisionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_DecisionList__Output>): grpc.ClientUnaryCall;
  ListDecisions(argument: _parley_v1_ListDecisionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_DecisionList__Output>): grpc.ClientUnaryCall;
  ListDecisions(argument: _parley_v1_ListDecisionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_DecisionList__Output>): grpc.ClientUnaryCall;
  ListDecisions(argument: _parley_v1_ListDecisionsRequest, callback: grpc.requestCallback<_parley_v1_DecisionList__Output>): grpc.ClientUnaryCall;
  listDecisions(argument: _parley_v1_ListDecisionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_DecisionList__Output>): grpc.ClientUnaryCall;
  listDecisions(argument: _parley_v1_ListDecisionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_DecisionList__Output>): grpc.ClientUnaryCall;
  listDecisions(argument: _parley_v1_ListDecisionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_DecisionList__Output>): grpc.ClientUnaryCall;
  listDecisions(argument: _parley_v1_ListDecisionsRequest, callback: grpc.requestCallback<_parley_v1_DecisionList__Output>): grpc.ClientUnaryCall;
  
  ListOverrides(argument: _parley_v1_ListOverridesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OverrideSet__Output>): grpc.ClientUnaryCall;
  ListOverrides(argument: _parley_v1_ListOverridesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_OverrideSet__Output>): grpc.ClientUnaryCall;
  ListOverrides(argument: _parley_v1_ListOverridesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OverrideSet__Output>): grpc.ClientUnaryCall;
  ListOverrides(argument: _parley_v1_ListOverridesRequest, callback: grpc.requestCallback<_parley_v1_OverrideSet__Output>): grpc.ClientUnaryCall;
  listOverrides(argument: _parley_v1_ListOverridesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OverrideSet__Output>): grpc.ClientUnaryCall;
  listOverrides(argument: _parley_v1_ListOverridesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_OverrideSet__Output>): grpc.ClientUnaryCall;
  listOverrides(argument: _parley_v1_ListOverridesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OverrideSet__Output>): grpc.ClientUnaryCall;
  listOverrides(argument: _parley_v1_ListOverridesRequest, callback: grpc.requestCallback<_parley_v1_OverrideSet__Output>): grpc.ClientUnaryCall;
  
  RecordDecisions(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_RecordDecisionsAck__Output>): grpc.ClientWritableStream<_parley_v1_DecisionRecord>;
  RecordDecisions(metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_RecordDecisionsAck__Output>): grpc.ClientWritableStream<_parley_v1_DecisionRecord>;
  RecordDecisions(options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_RecordDecisionsAck__Output>): grpc.ClientWritableStream<_parley_v1_DecisionRecord>;
  RecordDecisions(callback: grpc.requestCallback<_parley_v1_RecordDecisionsAck__Output>): grpc.ClientWritableStream<_parley_v1_DecisionRecord>;
  recordDecisions(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_RecordDecisionsAck__Output>): grpc.ClientWritableStream<_parley_v1_DecisionRecord>;
  recordDecisions(metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_RecordDecisionsAck__Output>): grpc.ClientWritableStream<_parley_v1_DecisionRecord>;
  recordDecisions(options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_RecordDecisionsAck__Output>): grpc.ClientWritableStream<_parley_v1_DecisionRecord>;
  recordDecisions(callback: grpc.requestCallback<_parley_v1_RecordDecisionsAck__Output>): grpc.ClientWritableStream<_parley_v1_DecisionRecord>;
  
  WatchOverrides(argument: _parley_v1_WatchOverridesRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_parley_v1_OverrideSet__Output>;
  WatchOverrides(argument: _parley_v1_WatchOverridesRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_parley_v1_OverrideSet__Output>;
  watchOverrides(argument: _parley_v1_WatchOverridesRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_parley_v1_OverrideSet__Output>;
  watchOverrides(argument: _parley_v1_WatchOverridesRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_parley_v1_OverrideSet__Output>;
  
}

export interface AdminHandlers extends grpc.UntypedServiceImplementation {
  CreateOverride: grpc.handleUnaryCall<_parley_v1_CreateOverrideRequest__Output, _parley_v1_Override>;
  
  DeleteOverride: grpc.handleUnaryCall<_parley_v1_DeleteOverrideRequest__Output, _parley_v1_Override>;
  
  GetDecision: grpc.handleUnaryCall<_parley_v1_GetDecisionRequest__Output, _parley_v1_DecisionRecord>;
  
  ListAudit: grpc.handleUnaryCall<_parley_v1_ListAuditRequest__Output, _parley_v1_AuditLog>;
  
  ListDecisions: grpc.handleUnaryCall<_parley_v1_ListDecisionsRequest__Output, _parley_v1_DecisionList>;
  
  ListOverrides: grpc.handleUnaryCall<_parley_v1_ListOverridesRequest__Output, _parley_v1_OverrideSet>;
  
  RecordDecisions: grpc.handleClientStreamingCall<_parley_v1_DecisionRecord__Output, _parley_v1_RecordDecisionsAck>;
  
  WatchOverrides: grpc.handleServerStreamingCall<_parley_v1_WatchOverridesRequest__Output, _parley_v1_OverrideSet>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  CreateOverride: MethodDefinition<_parley_v1_CreateOverrideRequest, _parley_v1_Override, _parley_v1_CreateOverrideRequest__Output, _parley_v1_Override__Output>
  DeleteOverride: MethodDefinition<_parley_v1_DeleteOverrideRequest, _parley_v1_Override, _parley_v1_DeleteOverrideRequest__Output, _parley_v1_Override__Output>
  GetDecision: MethodDefinition<_parley_v1_GetDecisionRequest, _parley_v1_DecisionRecord, _parley_v1_GetDecisionRequest__Output, _parley_v1_DecisionRecord__Output>
  ListAudit: MethodDefinition<_parley_v1_ListAuditRequest, _parley_v1_AuditLog, _parley_v1_ListAuditRequest__Output, _parley_v1_AuditLog__Output>
  ListDecisions: MethodDefinition<_parley_v1_ListDecisionsRequest, _parley_v1_DecisionList, _parley_v1_ListDecisionsRequest__Output, _parley_v1_DecisionList__Output>
  ListOverrides: MethodDefinition<_parley_v1_ListOverridesRequest, _parley_v1_OverrideSet, _parley_v1_ListOverridesRequest__Output, _parley_v1_OverrideSet__Output>
  RecordDecisions: MethodDefinition<_parley_v1_DecisionRecord, _parley_v1_RecordDecisionsAck, _parley_v1_DecisionRecord__Output, _parley_v1_RecordDecisionsAck__Output>
  WatchOverrides: MethodDefinition<_parley_v1_WatchOverridesRequest, _parley_v1_OverrideSet, _parley_v1_WatchOverridesRequest__Output, _parley_v1_OverrideSet__Output>
}
