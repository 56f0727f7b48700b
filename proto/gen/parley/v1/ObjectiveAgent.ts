// Original file: proto/parley/v1/objective.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CampaignStatusReply as _parley_v1_CampaignStatusReply, CampaignStatusReply__Output as _parley_v1_CampaignStatusReply__Output } from '../../parley/v1/CampaignStatusReply';
import type { CampaignStatusRequest as _parley_v1_CampaignStatusRequest, CampaignStatusRequest__Output as _parley_v1_CampaignStatusRequest__Output } from '../../parley/v1/CampaignStatusRequest';
import type { ObjectiveCall as _parley_v1_ObjectiveCall, ObjectiveCall__Output as _parley_v1_ObjectiveCall__Output } from '../../parley/v1/ObjectiveCall';
import type { ObjectiveReply as _parley_v1_ObjectiveReply, ObjectiveReply__Output as _parley_v1_ObjectiveReply__Output } from '../../parley/v1/ObjectiveReply';
import type { OutcomeRecord as _parley_v1_OutcomeRecord, OutcomeRecord__Output as _parley_v1_OutcomeRecord__Output } from '../../parley/v1/OutcomeRecord';
import type { RecordAck as _parley_v1_RecordAck, RecordAck__Output as _parley_v1_RecordAck__Output } from '../../parley/v1/RecordAck';

export interface ObjectiveAgentClient extends grpc.Client {
  CampaignStatus(argument: _parley_v1_CampaignStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  CampaignStatus(argument: _parley_v1_CampaignStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  CampaignStatus(argument: _parley_v1_CampaignStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  CampaignStatus(argument: _parley_v1_CampaignStatusRequest, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  campaignStatus(argument: _parley_v1_CampaignStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  campaignStatus(argument: _parley_v1_CampaignStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  campaignStatus(argument: _parley_v1_CampaignStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  campaignStatus(argument: _parley_v1_CampaignStatusRequest, callback: grpc.requestCallback<_parley_v1_CampaignStatusReply__Output>): grpc.ClientUnaryCall;
  
  Negotiate(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_ObjectiveCall, _parley_v1_ObjectiveReply__Output>;
  Negotiate(options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_ObjectiveCall, _parley_v1_ObjectiveReply__Output>;
  negotiate(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_ObjectiveCall, _parley_v1_ObjectiveReply__Output>;
  negotiate(options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_ObjectiveCall, _parley_v1_ObjectiveReply__Output>;
  
  RecordOutcome(argument: _parley_v1_OutcomeRecord, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_RecordAck__Output>): grpc.ClientUnaryCall;
  RecordOutcome(argument: _parley_v1_OutcomeRecord, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_RecordAck__Output>): grpc.ClientUnaryCall;
  RecordOutcome(argument: _parley_v1_OutcomeRecord, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_RecordAck__Output>): grpc.ClientUnaryCall;
  RecordOutcome(argument: _parley_v1_OutcomeRecord, callback: grpc.requestCallback<_parley_v1_RecordAck__Output>): grpc.ClientUnaryCall;
  recordOutcome(argument: _parley_v1_OutcomeRecord, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_RecordAck__Output>): grpc.ClientUnaryCall;
  recordOutcome(argument: _parley_v1_OutcomeRecord, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_RecordAck__Output>): grpc.ClientUnaryCall;
  recordOutcome(argument: _parley_v1_OutcomeRecord, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_RecordAck__Output>): grpc.ClientUnaryCall;
  recordOutcome(argument: _parley_v1_OutcomeRecord, callback: grpc.requestCallback<_parley_v1_RecordAck__Output>): grpc.ClientUnaryCall;
  
}

export interface ObjectiveAgentHandlers extends grpc.UntypedServiceImplementation {
  CampaignStatus: grpc.handleUnaryCall<_parley_v1_CampaignStatusRequest__Output, _parley_v1_CampaignStatusReply>;
  
  Negotiate: grpc.handleBidiStreamingCall<_parley_v1_ObjectiveCall__Output, _parley_v1_ObjectiveReply>;
  
  RecordOutcome: grpc.handleUnaryCall<_parley_v1_OutcomeRecord__Output, _parley_v1_RecordAck>;
  
}

export interface ObjectiveAgentDefinition extends grpc.ServiceDefinition {
  CampaignStatus: MethodDefinition<_parley_v1_CampaignStatusRequest, _parley_v1_CampaignStatusReply, _parley_v1_CampaignStatusRequest__Output, _parley_v1_CampaignStatusReply__Output>
  Negotiate: MethodDefinition<_parley_v1_ObjectiveCall, _parley_v1_ObjectiveReply, _parley_v1_ObjectiveCall__Output, _parley_v1_ObjectiveReply__Output>
  RecordOutcome: MethodDefinition<_parley_v1_OutcomeRecord, _parley_v1_RecordAck, _parley_v1_OutcomeRecord__Output, _parley_v1_RecordAck__Output>
}
