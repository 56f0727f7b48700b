// Original file: proto/parley/v1/inventory.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ProposeCall as _parley_v1_ProposeCall, ProposeCall__Output as _parley_v1_ProposeCall__Output } from '../../parley/v1/ProposeCall';
import type { ProposeReply as _parley_v1_ProposeReply, ProposeReply__Output as _parley_v1_ProposeReply__Output } from '../../parley/v1/ProposeReply';

export interface InventoryAgentClient extends grpc.Client {
  Negotiate(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_ProposeCall, _parley_v1_ProposeReply__Output>;
  Negotiate(options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_ProposeCall, _parley_v1_ProposeReply__Output>;
  negotiate(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_ProposeCall, _parley_v1_ProposeReply__Output>;
  negotiate(options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_ProposeCall, _parley_v1_ProposeReply__Output>;
  
}

export interface InventoryAgentHandlers extends grpc.UntypedServiceImplementation {
  Negotiate: grpc.handleBidiStreamingCall<_parley_v1_ProposeCall__Output, _parley_v1_ProposeReply>;
  
}

export interface InventoryAgentDefinition extends grpc.ServiceDefinition {
  Negotiate: MethodDefinition<_parley_v1_ProposeCall, _parley_v1_ProposeReply, _parley_v1_ProposeCall__Output, _parley_v1_ProposeReply__Output>
}
