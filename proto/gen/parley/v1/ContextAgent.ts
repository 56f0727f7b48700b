// Original file: proto/parley/v1/context.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AssessRequest as _parley_v1_AssessRequest, AssessRequest__Output as _parley_v1_AssessRequest__Output } from '../../parley/v1/AssessRequest';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from '../../parley/v1/ContextSnapshot';

export interface ContextAgentClient extends grpc.Client {
  Assess(argument: _parley_v1_AssessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  Assess(argument: _parley_v1_AssessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  Assess(argument: _parley_v1_AssessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  Assess(argument: _parley_v1_AssessRequest, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  assess(argument: _parley_v1_AssessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  assess(argument: _parley_v1_AssessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  assess(argument: _parley_v1_AssessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  assess(argument: _parley_v1_AssessRequest, callback: grpc.requestCallback<_parley_v1_ContextSnapshot__Output>): grpc.ClientUnaryCall;
  
}

export interface ContextAgentHandlers extends grpc.UntypedServiceImplementation {
  Assess: grpc.handleUnaryCall<_parley_v1_AssessRequest__Output, _parley_v1_ContextSnapshot>;
  
}

export interface ContextAgentDefinition extends grpc.ServiceDefinition {
  Assess: MethodDefinition<_parley_v1_AssessRequest, _parley_v1_ContextSnapshot, _parley_v1_AssessRequest__Output, _parley_v1_ContextSnapshot__Output>
}
