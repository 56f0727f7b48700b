// Original file: proto/parley/v1/objective.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AckOutcomesReply as _parley_v1_AckOutcomesReply, AckOutcomesReply__Output as _parley_v1_AckOutcomesReply__Output } from '../../parley/v1/AckOutcomesReply';
import type { AckOutcomesRequest as _parley_v1_AckOutcomesRequest, AckOutcomesRequest__Output as _parley_v1_AckOutcomesRequest__Output } from '../../parley/v1/AckOutcomesRequest';
import type { CampaignStatusReply as _parley_v1_CampaignStatusReply, CampaignStatusReply__Output as _parley_v1_CampaignStatusReply__Output } from '../../parley/v1/CampaignStatusReply';
import type { CampaignStatusRequest as _parley_v1_CampaignStatusRequest, CampaignStatusRequest__Output as _parley_v1_CampaignStatusRequest__Output } from '../../parley/v1/CampaignStatusRequest';
import type { LeaveOutcomesReply as _parley_v1_LeaveOutcomesReply, LeaveOutcomesReply__Output as _parley_v1_LeaveOutcomesReply__Output } from '../../parley/v1/LeaveOutcomesReply';
import type { LeaveOutcomesRequest as _parley_v1_LeaveOutcomesRequest, LeaveOutcomesRequest__Output as _parley_v1_LeaveOutcomesRequest__Output } from '../../parley/v1/LeaveOutcomesRequest';
import type { OutcomeBatch as _parley_v1_OutcomeBatch, OutcomeBatch__Output as _parley_v1_OutcomeBatch__Output } from '../../parley/v1/OutcomeBatch';
import type { ReadOutcomesRequest as _parley_v1_ReadOutcomesRequest, ReadOutcomesRequest__Output as _parley_v1_ReadOutcomesRequest__Output } from '../../parley/v1/ReadOutcomesRequest';
import type { ReportBrandLiftReply as _parley_v1_ReportBrandLiftReply, ReportBrandLiftReply__Output as _parley_v1_ReportBrandLiftReply__Output } from '../../parley/v1/ReportBrandLiftReply';
import type { ReportBrandLiftRequest as _parley_v1_ReportBrandLiftRequest, ReportBrandLiftRequest__Output as _parley_v1_ReportBrandLiftRequest__Output } from '../../parley/v1/ReportBrandLiftRequest';

export interface ObjectiveAgentClient extends grpc.Client {
  AckOutcomes(argument: _parley_v1_AckOutcomesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_AckOutcomesReply__Output>): grpc.ClientUnaryCall;
  AckOutcomes(argument: _parley_v1_AckOutcomesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_AckOutcomesReply__Output>): grpc.ClientUnaryCall;
  AckOutcomes(argument: _parley_v1_AckOutcomesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_AckOutcomesReply__Output>): grpc.ClientUnaryCall;
  AckOutcomes(argument: _parley_v1_AckOutcomesRequest, callback: grpc.requestCallback<_parley_v1_AckOutcomesReply__Output>): grpc.ClientUnaryCall;
  ackOutcomes(argument: _parley_v1_AckOutcomesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_AckOutcomesReply__Output>): grpc.ClientUnaryCall;
  ackOutcomes(argument: _parley_v1_AckOutcomesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_AckOutcomesReply__Output>): grpc.ClientUnaryCall;
  ackOutcomes(argument: _parley_v1_AckOutcomesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_AckOutcomesReply__Output>): grpc.ClientUnaryCall;
  ackOutcomes(argument: _parley_v1_AckOutcomesRequest, callback: grpc.requestCallback<_parley_v1_AckOutcomesReply__Output>): grpc.ClientUnaryCall;
  
  CampaignStatus(argument: _parley_v1_CampaignStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  CampaignStatus(argument: _parley_v1_CampaignStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  CampaignStatus(argument: _parley_v1_CampaignStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  CampaignStatus(argument: _parley_v1_CampaignStatusRequest, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  campaignStatus(argument: _parley_v1_CampaignStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  campaignStatus(argument: _parley_v1_CampaignStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  campaignStatus(argument: _parley_v1_CampaignStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  campaignStatus(argument: _parley_v1_CampaignStatusRequest, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  
  LeaveOutcomes(argument: _parley_v1_LeaveOutcomesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_LeaveOutcomesReply__Output>): grpc.ClientUnaryCall;
  LeaveOutcomes(argument: _parley_v1_LeaveOutcomesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_LeaveOutcomesReply__Output>): grpc.ClientUnaryCall;
  LeaveOutcomes(argument: _parley_v1_LeaveOutcomesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_LeaveOutcomesReply__Output>): grpc.ClientUnaryCall;
  LeaveOutcomes(argument: _parley_v1_LeaveOutcomesRequest, callback: grpc.requestCallback<_parley_v1_LeaveOutcomesReply__Output>): grpc.ClientUnaryCall;
  leaveOutcomes(argument: _parley_v1_LeaveOutcomesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_LeaveOutcomesReply__Output>): grpc.ClientUnaryCall;
  leaveOutcomes(argument: _parley_v1_LeaveOutcomesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_LeaveOutcomesReply__Output>): grpc.ClientUnaryCall;
  leaveOutcomes(argument: _parley_v1_LeaveOutcomesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_LeaveOutcomesReply__Output>): grpc.ClientUnaryCall;
  leaveOutcomes(argument: _parley_v1_LeaveOutcomesRequest, callback: grpc.requestCallback<_parley_v1_LeaveOutcomesReply__Output>): grpc.ClientUnaryCall;
  
  ReadOutcomes(argument: _parley_v1_ReadOutcomesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OutcomeBatch__Output>): grpc.ClientUnaryCall;
  ReadOutcomes(argument: _parley_v1_ReadOutcomesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_OutcomeBatch__Output>): grpc.ClientUnaryCall;
  ReadOutcomes(argument: _parley_v1_ReadOutcomesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OutcomeBatch__Output>): grpc.ClientUnaryCall;
  ReadOutcomes(argument: _parley_v1_ReadOutcomesRequest, callback: grpc.requestCallback<_parley_v1_OutcomeBatch__Output>): grpc.ClientUnaryCall;
  readOutcomes(argument: _parley_v1_ReadOutcomesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OutcomeBatch__Output>): grpc.ClientUnaryCall;
  readOutcomes(argument: _parley_v1_ReadOutcomesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_OutcomeBatch__Output>): grpc.ClientUnaryCall;
  readOutcomes(argument: _parley_v1_ReadOutcomesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OutcomeBatch__Output>): grpc.ClientUnaryCall;
  readOutcomes(argument: _parley_v1_ReadOutcomesRequest, callback: grpc.requestCallback<_parley_v1_OutcomeBatch__Output>): grpc.ClientUnaryCall;
  
  ReportBrandLift(argument: _parley_v1_ReportBrandLiftRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ReportBrandLiftReply__Output>): grpc.ClientUnaryCall;
  ReportBrandLift(argument: _parley_v1_ReportBrandLiftRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_ReportBrandLiftReply__Output>): grpc.ClientUnaryCall;
  ReportBrandLift(argument: _parley_v1_ReportBrandLiftRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ReportBrandLiftReply__Output>): grpc.ClientUnaryCall;
  ReportBrandLift(argument: _parley_v1_ReportBrandLiftRequest, callback: grpc.requestCallback<_parley_v1_ReportBrandLiftReply__Output>): grpc.ClientUnaryCall;
  reportBrandLift(argument: _parley_v1_ReportBrandLiftRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ReportBrandLiftReply__Output>): grpc.ClientUnaryCall;
  reportBrandLift(argument: _parley_v1_ReportBrandLiftRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_ReportBrandLiftReply__Output>): grpc.ClientUnaryCall;
  reportBrandLift(argument: _parley_v1_ReportBrandLiftRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ReportBrandLiftReply__Output>): grpc.ClientUnaryCall;
  reportBrandLift(argument: _parley_v1_ReportBrandLiftRequest, callback: grpc.requestCallback<_parley_v1_ReportBrandLiftReply__Output>): grpc.ClientUnaryCall;
  
}

export interface ObjectiveAgentHandlers extends grpc.UntypedServiceImplementation {
  AckOutcomes: grpc.handleUnaryCall<_parley_v1_AckOutcomesRequest__Output, _parley_v1_AckOutcomesReply>;
  
  CampaignStatus: grpc.handleUnaryCall<_parley_v1_CampaignStatusRequest__Output, _parley_v1_CampaignStatusReply>;
  
  LeaveOutcomes: grpc.handleUnaryCall<_parley_v1_LeaveOutcomesRequest__Output, _parley_v1_LeaveOutcomesReply>;
  
  ReadOutcomes: grpc.handleUnaryCall<_parley_v1_ReadOutcomesRequest__Output, _parley_v1_OutcomeBatch>;
  
  ReportBrandLift: grpc.handleUnaryCall<_parley_v1_ReportBrandLiftRequest__Output, _parley_v1_ReportBrandLiftReply>;
  
}

export interface ObjectiveAgentDefinition extends grpc.ServiceDefinition {
  AckOutcomes: MethodDefinition<_parley_v1_AckOutcomesRequest, _parley_v1_AckOutcomesReply, _parley_v1_AckOutcomesRequest__Output, _parley_v1_AckOutcomesReply__Output>
  CampaignStatus: MethodDefinition<_parley_v1_CampaignStatusRequest, _parley_v1_CampaignStatusReply, _parley_v1_CampaignStatusRequest__Output, _parley_v1_CampaignStatusReply__Output>
  LeaveOutcomes: MethodDefinition<_parley_v1_LeaveOutcomesRequest, _parley_v1_LeaveOutcomesReply, _parley_v1_LeaveOutcomesRequest__Output, _parley_v1_LeaveOutcomesReply__Output>
  ReadOutcomes: MethodDefinition<_parley_v1_ReadOutcomesRequest, _parley_v1_OutcomeBatch, _parley_v1_ReadOutcomesRequest__Output, _parley_v1_OutcomeBatch__Output>
  ReportBrandLift: MethodDefinition<_parley_v1_ReportBrandLiftRequest, _parley_v1_ReportBrandLiftReply, _parley_v1_ReportBrandLiftRequest__Output, _parley_v1_ReportBrandLiftReply__Output>
}
