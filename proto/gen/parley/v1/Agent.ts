// Original file: proto/parley/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AgentCalls as _parley_v1_AgentCalls, AgentCalls__Output as _parley_v1_AgentCalls__Output } from '../../parley/v1/AgentCalls';
import type { AgentReplies as _parley_v1_AgentReplies, AgentReplies__Output as _parley_v1_AgentReplies__Output } from '../../parley/v1/AgentReplies';

export interface AgentClient extends grpc.Client {
  Negotiate(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_AgentCalls, _parley_v1_AgentReplies__Output>;
  Negotiate(options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_AgentCalls, _parley_v1_AgentReplies__Output>;
  negotiate(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_AgentCalls, _parley_v1_AgentReplies__Output>;
  negotiate(options?: grpc.CallOptions): grpc.ClientDuplexStream<_parley_v1_AgentCalls, _parley_v1_AgentReplies__Output>;
  
}

export interface AgentHandlers extends grpc.UntypedServiceImplementation {
  Negotiate: grpc.handleBidiStreamingCall<_parley_v1_AgentCalls__Output, _parley_v1_AgentReplies>;
  
}

export interface AgentDefinition extends grpc.ServiceDefinition {
  Negotiate: MethodDefinition<_parley_v1_AgentCalls, _parley_v1_AgentReplies, _parley_v1_AgentCalls__Output, _parley_v1_AgentReplies__Output>
}
