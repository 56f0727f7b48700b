// Original file: proto/parley/v1/federated.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { JoinRoundReply as _parley_v1_JoinRoundReply, JoinRoundReply__Output as _parley_v1_JoinRoundReply__Output } from '../../parley/v1/JoinRoundReply';
import type { JoinRoundRequest as _parley_v1_JoinRoundRequest, JoinRoundRequest__Output as _parley_v1_JoinRoundRequest__Output } from '../../parley/v1/JoinRoundRequest';
import type { RoundStatusReply as _parley_v1_RoundStatusReply, RoundStatusReply__Output as _parley_v1_RoundStatusReply__Output } from '../../parley/v1/RoundStatusReply';
import type { RoundStatusRequest as _parley_v1_RoundStatusRequest, RoundStatusRequest__Output as _parley_v1_RoundStatusRequest__Output } from '../../parley/v1/RoundStatusRequest';
import type { UpdateChunk as _parley_v1_UpdateChunk, UpdateChunk__Output as _parley_v1_UpdateChunk__Output } from '../../parley/v1/UpdateChunk';
import type { UploadReply as _parley_v1_UploadReply, UploadReply__Output as _parley_v1_UploadReply__Output } from '../../parley/v1/UploadReply';

export interface FederatedAggregatorClient extends grpc.Client {
  JoinRound(argument: _parley_v1_JoinRoundRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_JoinRoundReply__Output>): grpc.ClientUnaryCall;
  JoinRound(argument: _parley_v1_JoinRoundRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_JoinRoundReply__Output>): grpc.ClientUnaryCall;
  JoinRound(argument: _parley_v1_JoinRoundRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_JoinRoundReply__Output>): grpc.ClientUnaryCall;
  JoinRound(argument: _parley_v1_JoinRoundRequest, callback: grpc.requestCallback<_parley_v1_JoinRoundReply__Output>): grpc.ClientUnaryCall;
  joinRound(argument: _parley_v1_JoinRoundRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_JoinRoundReply__Output>): grpc.ClientUnaryCall;
  joinRound(argument: _parley_v1_JoinRoundRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_JoinRoundReply__Output>): grpc.ClientUnaryCall;
  joinRound(argument: _parley_v1_JoinRoundRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_JoinRoundReply__Output>): grpc.ClientUnaryCall;
  joinRound(argument: _parley_v1_JoinRoundRequest, callback: grpc.requestCallback<_parley_v1_JoinRoundReply__Output>): grpc.ClientUnaryCall;
  
  RoundStatus(argument: _parley_v1_RoundStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_RoundStatusReply__Output>): grpc.ClientUnaryCall;
  RoundStatus(argument: _parley_v1_RoundStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_RoundStatusReply__Output>): grpc.ClientUnaryCall;
  RoundStatus(argument: _parley_v1_RoundStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_RoundStatusReply__Output>): grpc.ClientUnaryCall;
  RoundStatus(argument: _parley_v1_RoundStatusRequest, callback: grpc.requestCallback<_parley_v1_RoundStatusReply__Output>): grpc.ClientUnaryCall;
  roundStatus(argument: _parley_v1_RoundStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_RoundStatusReply__Output>): grpc.ClientUnaryCall;
  roundStatus(argument: _parley_v1_RoundStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_RoundStatusReply__Output>): grpc.ClientUnaryCall;
  roundStatus(argument: _parley_v1_RoundStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_RoundStatusReply__Output>): grpc.ClientUnaryCall;
  roundStatus(argument: _parley_v1_RoundStatusRequest, callback: grpc.requestCallback<_parley_v1_RoundStatusReply__Output>): grpc.ClientUnaryCall;
  
  UploadUpdate(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_UploadReply__Output>): grpc.ClientWritableStream<_parley_v1_UpdateChunk>;
  UploadUpdate(metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_UploadReply__Output>): grpc.ClientWritableStream<_parley_v1_UpdateChunk>;
  UploadUpdate(options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_UploadReply__Output>): grpc.ClientWritableStream<_parley_v1_UpdateChunk>;
  UploadUpdate(callback: grpc.requestCallback<_parley_v1_UploadReply__Output>): grpc.ClientWritableStream<_parley_v1_UpdateChunk>;
  uploadUpdate(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_UploadReply__Output>): grpc.ClientWritableStream<_parley_v1_UpdateChunk>;
  uploadUpdate(metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_UploadReply__Output>): grpc.ClientWritableStream<_parley_v1_UpdateChunk>;
  uploadUpdate(options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_UploadReply__Output>): grpc.ClientWritableStream<_parley_v1_UpdateChunk>;
  uploadUpdate(callback: grpc.requestCallback<_parley_v1_UploadReply__Output>): grpc.ClientWritableStream<_parley_v1_UpdateChunk>;
  
}

export interface FederatedAggregatorHandlers extends grpc.UntypedServiceImplementation {
  JoinRound: grpc.handleUnaryCall<_parley_v1_JoinRoundRequest__Output, _parley_v1_JoinRoundReply>;
  
  RoundStatus: grpc.handleUnaryCall<_parley_v1_RoundStatusRequest__Output, _parley_v1_RoundStatusReply>;
  
  UploadUpdate: grpc.handleClientStreamingCall<_parley_v1_UpdateChunk__Output, _parley_v1_UploadReply>;
  
}

export interface FederatedAggregatorDefinition extends grpc.ServiceDefinition {
  JoinRound: MethodDefinition<_parley_v1_JoinRoundRequest, _parley_v1_JoinRoundReply, _parley_v1_JoinRoundRequest__Output, _parley_v1_JoinRoundReply__Output>
  RoundStatus: MethodDefinition<_parley_v1_RoundStatusRequest, _parley_v1_RoundStatusReply, _parley_v1_RoundStatusRequest__Output, _parley_v1_RoundStatusReply__Output>
  UploadUpdate: MethodDefinition<_parley_v1_UpdateChunk, _parley_v1_UploadReply, _parley_v1_UpdateChunk__Output, _parley_v1_UploadReply__Output>
}
