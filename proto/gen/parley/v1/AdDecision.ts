// Original file: proto/parley/v1/ad_decision.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DecideRequest as _parley_v1_DecideRequest, DecideRequest__Output as _parley_v1_DecideRequest__Output } from '../../parley/v1/DecideRequest';
import type { DecideRequests as _parley_v1_DecideRequests, DecideRequests__Output as _parley_v1_DecideRequests__Output } from '../../parley/v1/DecideRequests';
import type { DecideResponse as _parley_v1_DecideResponse, DecideResponse__Output as _parley_v1_DecideResponse__Output } from '../../parley/v1/DecideResponse';
import type { DecideResults as _parley_v1_DecideResults, DecideResults__Output as _parley_v1_DecideResults__Output } from '../../parley/v1/DecideResults';
import type { OutcomeAck as _parley_v1_OutcomeAck, OutcomeAck__Output as _parley_v1_OutcomeAck__Output } from '../../parley/v1/OutcomeAck';
import type { OutcomeAcks as _parley_v1_OutcomeAcks, OutcomeAcks__Output as _parley_v1_OutcomeAcks__Output } from '../../parley/v1/OutcomeAcks';
import type { OutcomeReport as _parley_v1_OutcomeReport, OutcomeReport__Output as _parley_v1_OutcomeReport__Output } from '../../parley/v1/OutcomeReport';
import type { OutcomeReports as _parley_v1_OutcomeReports, OutcomeReports__Output as _parley_v1_OutcomeReports__Output } from '../../parley/v1/OutcomeReports';

export interface AdDecisionClient extends grpc.Client {
  Decide(argument: _parley_v1_DecideRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  Decide(argument: _parley_v1_DecideRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  Decide(argument: _parley_v1_DecideRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  Decide(argument: _parley_v1_DecideRequest, callback: grpc.requestCallback<_parley_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  decide(argument: _parley_v1_DecideRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  decide(argument: _parley_v1_DecideRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  decide(argument: _parley_v1_DecideRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  decide(argument: _parley_v1_DecideRequest, callback: grpc.requestCallback<_parley_v1_DecideResponse__Output>): grpc.ClientUnaryCall;
  
  DecideStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_DecideRequests, _parley_v1_DecideResults__Output>;
  DecideStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_DecideRequests, _parley_v1_DecideResults__Output>;
  decideStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_DecideRequests, _parley_v1_DecideResults__Output>;
  decideStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_DecideRequests, _parley_v1_DecideResults__Output>;
  
  ReportOutcome(argument: _parley_v1_OutcomeReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OutcomeAck__Output>): grpc.ClientUnaryCall;
  ReportOutcome(argument: _parley_v1_OutcomeReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_OutcomeAck__Output>): grpc.ClientUnaryCall;
  ReportOutcome(argument: _parley_v1_OutcomeReport, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OutcomeAck__Output>): grpc.ClientUnaryCall;
  ReportOutcome(argument: _parley_v1_OutcomeReport, callback: grpc.requestCallback<_parley_v1_OutcomeAck__Output>): grpc.ClientUnaryCall;
  reportOutcome(argument: _parley_v1_OutcomeReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OutcomeAck__Output>): grpc.ClientUnaryCall;
  reportOutcome(argument: _parley_v1_OutcomeReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_OutcomeAck__Output>): grpc.ClientUnaryCall;
  reportOutcome(argument: _parley_v1_OutcomeReport, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OutcomeAck__Output>): grpc.ClientUnaryCall;
  reportOutcome(argument: _parley_v1_OutcomeReport, callback: grpc.requestCallback<_parley_v1_OutcomeAck__Output>): grpc.ClientUnaryCall;
  
  ReportOutcomes(argument: _parley_v1_OutcomeReports, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OutcomeAcks__Output>): grpc.ClientUnaryCall;
  ReportOutcomes(argument: _parley_v1_OutcomeReports, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_OutcomeAcks__Output>): grpc.ClientUnaryCall;
  ReportOutcomes(argument: _parley_v1_OutcomeReports, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OutcomeAcks__Output>): grpc.ClientUnaryCall;
  ReportOutcomes(argument: _parley_v1_OutcomeReports, callback: grpc.requestCallback<_parley_v1_OutcomeAcks__Output>): grpc.ClientUnaryCall;
  reportOutcomes(argument: _parley_v1_OutcomeReports, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OutcomeAcks__Output>): grpc.ClientUnaryCall;
  reportOutcomes(argument: _parley_v1_OutcomeReports, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_OutcomeAcks__Output>): grpc.ClientUnaryCall;
  reportOutcomes(argument: _parley_v1_OutcomeReports, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_OutcomeAcks__Output>): grpc.ClientUnaryCall;
  reportOutcomes(argument: _parley_v1_OutcomeReports, callback: grpc.requestCallback<_parley_v1_OutcomeAcks__Output>): grpc.ClientUnaryCall;
  
}

export interface AdDecisionHandlers extends grpc.UntypedServiceImplementation {
  Decide: grpc.handleUnaryCall<_parley_v1_DecideRequest__Output, _parley_v1_DecideResponse>;
  
  DecideStream: grpc.handleBidiStreamingCall<_parley_v1_DecideRequests__Output, _parley_v1_DecideResults>;
  
  ReportOutcome: grpc.handleUnaryCall<_parley_v1_OutcomeReport__Output, _parley_v1_OutcomeAck>;
  
  ReportOutcomes: grpc.handleUnaryCall<_parley_v1_OutcomeReports__Output, _parley_v1_OutcomeAcks>;
  
}

export interface AdDecisionDefinition extends grpc.ServiceDefinition {
  Decide: MethodDefinition<_parley_v1_DecideRequest, _parley_v1_DecideResponse, _parley_v1_DecideRequest__Output, _parley_v1_DecideResponse__Output>
  DecideStream: MethodDefinition<_parley_v1_DecideRequests, _parley_v1_DecideResults, _parley_v1_DecideRequests__Output, _parley_v1_DecideResults__Output>
  ReportOutcome: MethodDefinition<_parley_v1_OutcomeReport, _parley_v1_OutcomeAck, _parley_v1_OutcomeReport__Output, _parley_v1_OutcomeAck__Output>
  ReportOutcomes: MethodDefinition<_parley_v1_OutcomeReports, _parley_v1_OutcomeAcks, _parley_v1_OutcomeReports__Output, _parley_v1_OutcomeAcks__Output>
}
