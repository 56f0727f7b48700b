// Original file: proto/parley/v1/context.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AssessCall as _parley_v1_AssessCall, AssessCall__Output as _parley_v1_AssessCall__Output } from '../../parley/v1/AssessCall';
import type { AssessReply as _parley_v1_AssessReply, AssessReply__Output as _parley_v1_AssessReply__Output } from '../../parley/v1/AssessReply';
import type { AssessRequest as _parley_v1_AssessRequest, AssessRequest__Output as _parley_v1_AssessRequest__Output } from '../../parley/v1/AssessRequest';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from '../../parley/v1/ContextSnapshot';
import type { ObserveAck as _parley_v1_ObserveAck, ObserveAck__Output as _parley_v1_ObserveAck__Output } from '../../parley/v1/ObserveAck';
import type { SessionObservation as _parley_v1_SessionObservation, SessionObservation__Output as _parley_v1_SessionObservation__Output } from '../../parley/v1/SessionObservation';
import type { SessionObservations as _parley_v1_SessionObservations, SessionObservations__Output as _parley_v1_SessionObservations__Output } from '../../parley/v1/SessionObservations';

export interface ContextAgentClient extends grpc.Client {
  Assess(argument: _parley_v1_AssessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  Assess(argument: _parley_v1_AssessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  Assess(argument: _parley_v1_AssessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  Assess(argument: _parley_v1_AssessRequest, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  assess(argument: _parley_v1_AssessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  assess(argument: _parley_v1_AssessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  assess(argument: _parley_v1_AssessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  assess(argument: _parley_v1_AssessRequest, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  
  AssessStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_AssessCall, _parley_v1_AssessReply__Output>;
  AssessStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_AssessCall, _parley_v1_AssessReply__Output>;
  assessStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_AssessCall, _parley_v1_AssessReply__Output>;
  assessStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_AssessCall, _parley_v1_AssessReply__Output>;
  
  Observe(argument: _parley_v1_SessionObservation, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  Observe(argument: _parley_v1_SessionObservation, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  Observe(argument: _parley_v1_SessionObservation, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  Observe(argument: _parley_v1_SessionObservation, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  observe(argument: _parley_v1_SessionObservation, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  observe(argument: _parley_v1_SessionObservation, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  observe(argument: _parley_v1_SessionObservation, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  observe(argument: _parley_v1_SessionObservation, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  
  ObserveMany(argument: _parley_v1_SessionObservations, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  ObserveMany(argument: _parley_v1_SessionObservations, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  ObserveMany(argument: _parley_v1_SessionObservations, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  ObserveMany(argument: _parley_v1_SessionObservations, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  observeMany(argument: _parley_v1_SessionObservations, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  observeMany(argument: _parley_v1_SessionObservations, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  observeMany(argument: _parley_v1_SessionObservations, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  observeMany(argument: _parley_v1_SessionObservations, callback: grpc.requestCallback<_parley_v1_ObserveAck__Output>): grpc.ClientUnaryCall;
  
}

export interface ContextAgentHandlers extends grpc.UntypedServiceImplementation {
  Assess: grpc.handleUnaryCall<_parley_v1_AssessRequest__Output, _parley_v1_ContextSnapshot>;
  
  AssessStream: grpc.handleBidiStreamingCall<_parley_v1_AssessCall__Output, _parley_v1_AssessReply>;
  
  Observe: grpc.handleUnaryCall<_parley_v1_SessionObservation__Output, _parley_v1_ObserveAck>;
  
  ObserveMany: grpc.handleUnaryCall<_parley_v1_SessionObservations__Output, _parley_v1_ObserveAck>;
  
}

export interface ContextAgentDefinition extends grpc.ServiceDefinition {
  Assess: MethodDefinition<_parley_v1_AssessRequest, _parley_v1_ContextSnapshot, _parley_v1_AssessRequest__Output, _parley_v1_ContextSnapshot__Output>
  AssessStream: MethodDefinition<_parley_v1_AssessCall, _parley_v1_AssessReply, _parley_v1_AssessCall__Output, _parley_v1_AssessReply__Output>
  Observe: MethodDefinition<_parley_v1_SessionObservation, _parley_v1_ObserveAck, _parley_v1_SessionObservation__Output, _parley_v1_ObserveAck__Output>
  ObserveMany: MethodDefinition<_parley_v1_SessionObservations, _parley_v1_ObserveAck, _parley_v1_SessionObservations__Output, _parley_v1_ObserveAck__Output>
}
