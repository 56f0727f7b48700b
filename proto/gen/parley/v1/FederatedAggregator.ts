// Original file: proto/parley/v1/federated.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AdvertiseKeysRequest as _parley_v1_AdvertiseKeysRequest, AdvertiseKeysRequest__Output as _parley_v1_AdvertiseKeysRequest__Output } from '../../parley/v1/AdvertiseKeysRequest';
import type { JoinRoundReply as _parley_v1_JoinRoundReply, JoinRoundReply__Output as _parley_v1_JoinRoundReply__Output } from '../../parley/v1/JoinRoundReply';
import type { JoinRoundRequest as _parley_v1_JoinRoundRequest, JoinRoundRequest__Output as _parley_v1_JoinRoundRequest__Output } from '../../parley/v1/JoinRoundRequest';
import type { KeyRoster as _parley_v1_KeyRoster, KeyRoster__Output as _parley_v1_KeyRoster__Output } from '../../parley/v1/KeyRoster';
import type { MaskedInputChunk as _parley_v1_MaskedInputChunk, MaskedInputChunk__Output as _parley_v1_MaskedInputChunk__Output } from '../../parley/v1/MaskedInputChunk';
import type { MaskedInputReply as _parley_v1_MaskedInputReply, MaskedInputReply__Output as _parley_v1_MaskedInputReply__Output } from '../../parley/v1/MaskedInputReply';
import type { RoundStatusReply as _parley_v1_RoundStatusReply, RoundStatusReply__Output as _parley_v1_RoundStatusReply__Output } from '../../parley/v1/RoundStatusReply';
import type { RoundStatusRequest as _parley_v1_RoundStatusRequest, RoundStatusRequest__Output as _parley_v1_RoundStatusRequest__Output } from '../../parley/v1/RoundStatusRequest';
import type { ShareKeysReply as _parley_v1_ShareKeysReply, ShareKeysReply__Output as _parley_v1_ShareKeysReply__Output } from '../../parley/v1/ShareKeysReply';
import type { ShareKeysRequest as _parley_v1_ShareKeysRequest, ShareKeysRequest__Output as _parley_v1_ShareKeysRequest__Output } from '../../parley/v1/ShareKeysRequest';
import type { UnmaskReply as _parley_v1_UnmaskReply, UnmaskReply__Output as _parley_v1_UnmaskReply__Output } from '../../parley/v1/UnmaskReply';
import type { UnmaskRequest as _parley_v1_UnmaskRequest, UnmaskRequest__Output as _parley_v1_UnmaskRequest__Output } from '../../parley/v1/UnmaskRequest';
import type { UpdateChunk as _parley_v1_UpdateChunk, UpdateChunk__Output as _parley_v1_UpdateChunk__Output } from '../../parley/v1/UpdateChunk';
import type { UploadReply as _parley_v1_UploadReply, UploadReply__Output as _parley_v1_UploadReply__Output } from '../../parley/v1/UploadReply';

export interface FederatedAggregatorClient extends grpc.Client {
  AdvertiseKeys(argument: _parley_v1_AdvertiseKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  AdvertiseKeys(argument: _parley_v1_AdvertiseKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  AdvertiseKeys(argument: _parley_v1_AdvertiseKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  AdvertiseKeys(argument: _parley_v1_AdvertiseKeysRequest, callback: grpc.requestCallback<_parley_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  advertiseKeys(argument: _parley_v1_AdvertiseKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  advertiseKeys(argument: _parley_v1_AdvertiseKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  advertiseKeys(argument: _parley_v1_AdvertiseKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  advertiseKeys(argument: _parley_v1_AdvertiseKeysRequest, callback: grpc.requestCallback<_parley_v1_KeyRoster__Output>): grpc.ClientUnaryCall;
  
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
  
  ShareKeys(argument: _parley_v1_ShareKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ShareKeysReply__Output>): grpc.ClientUnaryCall;
  ShareKeys(argument: _parley_v1_ShareKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_ShareKeysReply__Output>): grpc.ClientUnaryCall;
  ShareKeys(argument: _parley_v1_ShareKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ShareKeysReply__Output>): grpc.ClientUnaryCall;
  ShareKeys(argument: _parley_v1_ShareKeysRequest, callback: grpc.requestCallback<_parley_v1_ShareKeysReply__Output>): grpc.ClientUnaryCall;
  shareKeys(argument: _parley_v1_ShareKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ShareKeysReply__Output>): grpc.ClientUnaryCall;
  shareKeys(argument: _parley_v1_ShareKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_ShareKeysReply__Output>): grpc.ClientUnaryCall;
  shareKeys(argument: _parley_v1_ShareKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_ShareKeysReply__Output>): grpc.ClientUnaryCall;
  shareKeys(argument: _parley_v1_ShareKeysRequest, callback: grpc.requestCallback<_parley_v1_ShareKeysReply__Output>): grpc.ClientUnaryCall;
  
  Unmask(argument: _parley_v1_UnmaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_UnmaskReply__Output>): grpc.ClientUnaryCall;
  Unmask(argument: _parley_v1_UnmaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_UnmaskReply__Output>): grpc.ClientUnaryCall;
  Unmask(argument: _parley_v1_UnmaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_UnmaskReply__Output>): grpc.ClientUnaryCall;
  Unmask(argument: _parley_v1_UnmaskRequest, callback: grpc.requestCallback<_parley_v1_UnmaskReply__Output>): grpc.ClientUnaryCall;
  unmask(argument: _parley_v1_UnmaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_UnmaskReply__Output>): grpc.ClientUnaryCall;
  unmask(argument: _parley_v1_UnmaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_UnmaskReply__Output>): grpc.ClientUnaryCall;
  unmask(argument: _parley_v1_UnmaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_UnmaskReply__Output>): grpc.ClientUnaryCall;
  unmask(argument: _parley_v1_UnmaskRequest, callback: grpc.requestCallback<_parley_v1_UnmaskReply__Output>): grpc.ClientUnaryCall;
  
  UploadMaskedInput(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_MaskedInputReply__Output>): grpc.ClientWritableStream<_parley_v1_MaskedInputChunk>;
  UploadMaskedInput(metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_MaskedInputReply__Output>): grpc.ClientWritableStream<_parley_v1_MaskedInputChunk>;
  UploadMaskedInput(options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_MaskedInputReply__Output>): grpc.ClientWritableStream<_parley_v1_MaskedInputChunk>;
  UploadMaskedInput(callback: grpc.requestCallback<_parley_v1_MaskedInputReply__Output>): grpc.ClientWritableStream<_parley_v1_MaskedInputChunk>;
  uploadMaskedInput(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_MaskedInputReply__Output>): grpc.ClientWritableStream<_parley_v1_MaskedInputChunk>;
  uploadMaskedInput(metadata: grpc.Metadata, callback: grpc.requestCallback<_parley_v1_MaskedInputReply__Output>): grpc.ClientWritableStream<_parley_v1_MaskedInputChunk>;
  uploadMaskedInput(options: grpc.CallOptions, callback: grpc.requestCallback<_parley_v1_MaskedInputReply__Output>): grpc.ClientWritableStream<_parley_v1_MaskedInputChunk>;
  uploadMaskedInput(callback: grpc.requestCallback<_parley_v1_MaskedInputReply__Output>): grpc.ClientWritableStream<_parley_v1_MaskedInputChunk>;
  
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
  AdvertiseKeys: grpc.handleUnaryCall<_parley_v1_AdvertiseKeysRequest__Output, _parley_v1_KeyRoster>;
  
  JoinRound: grpc.handleUnaryCall<_parley_v1_JoinRoundRequest__Output, _parley_v1_JoinRoundReply>;
  
  RoundStatus: grpc.handleUnaryCall<_parley_v1_RoundStatusRequest__Output, _parley_v1_RoundStatusReply>;
  
  ShareKeys: grpc.handleUnaryCall<_parley_v1_ShareKeysRequest__Output, _parley_v1_ShareKeysReply>;
  
  Unmask: grpc.handleUnaryCall<_parley_v1_UnmaskRequest__Output, _parley_v1_UnmaskReply>;
  
  UploadMaskedInput: grpc.handleClientStreamingCall<_parley_v1_MaskedInputChunk__Output, _parley_v1_MaskedInputReply>;
  
  UploadUpdate: grpc.handleClientStreamingCall<_parley_v1_UpdateChunk__Output, _parley_v1_UploadReply>;
  
}

export interface FederatedAggregatorDefinition extends grpc.ServiceDefinition {
  AdvertiseKeys: MethodDefinition<_parley_v1_AdvertiseKeysRequest, _parley_v1_KeyRoster, _parley_v1_AdvertiseKeysRequest__Output, _parley_v1_KeyRoster__Output>
  JoinRound: MethodDefinition<_parley_v1_JoinRoundRequest, _parley_v1_JoinRoundReply, _parley_v1_JoinRoundRequest__Output, _parley_v1_JoinRoundReply__Output>
  RoundStatus: MethodDefinition<_parley_v1_RoundStatusRequest, _parley_v1_RoundStatusReply, _parley_v1_RoundStatusRequest__Output, _parley_v1_RoundStatusReply__Output>
  ShareKeys: MethodDefinition<_parley_v1_ShareKeysRequest, _parley_v1_ShareKeysReply, _parley_v1_ShareKeysRequest__Output, _parley_v1_ShareKeysReply__Output>
  Unmask: MethodDefinition<_parley_v1_UnmaskRequest, _parley_v1_UnmaskReply, _parley_v1_UnmaskRequest__Output, _parley_v1_UnmaskReply__Output>
  UploadMaskedInput: MethodDefinition<_parley_v1_MaskedInputChunk, _parley_v1_MaskedInputReply, _parley_v1_MaskedInputChunk__Output, _parley_v1_MaskedInputReply__Output>
  UploadUpdate: MethodDefinition<_parley_v1_UpdateChunk, _parley_v1_UploadReply, _parley_v1_UpdateChunk__Output, _parley_v1_UploadReply__Output>
}
