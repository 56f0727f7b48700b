import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AdvertiseKeysRequest as _parley_v1_AdvertiseKeysRequest, AdvertiseKeysRequest__Output as _parley_v1_AdvertiseKeysRequest__Output } from './parley/v1/AdvertiseKeysRequest';
import type { ClientKeys as _parley_v1_ClientKeys, ClientKeys__Output as _parley_v1_ClientKeys__Output } from './parley/v1/ClientKeys';
import type { EncryptedShare as _parley_v1_EncryptedShare, EncryptedShare__Output as _parley_v1_EncryptedShare__Output } from './parley/v1/EncryptedShare';
import type { FederatedAggregatorClient as _parley_v1_FederatedAggregatorClient, FederatedAggregatorDefinition as _parley_v1_FederatedAggregatorDefinition } from './parley/v1/FederatedAggregator';
import type { JoinRoundReply as _parley_v1_JoinRoundReply, JoinRoundReply__Output as _parley_v1_JoinRoundReply__Output } from './parley/v1/JoinRoundReply';
import type { JoinRoundRequest as _parley_v1_JoinRoundRequest, JoinRoundRequest__Output as _parley_v1_JoinRoundRequest__Output } from './parley/v1/JoinRoundRequest';
import type { KeyRoster as _parley_v1_KeyRoster, KeyRoster__Output as _parley_v1_KeyRoster__Output } from './parley/v1/KeyRoster';
import type { MaskedInputChunk as _parley_v1_MaskedInputChunk, MaskedInputChunk__Output as _parley_v1_MaskedInputChunk__Output } from './parley/v1/MaskedInputChunk';
import type { MaskedInputReply as _parley_v1_MaskedInputReply, MaskedInputReply__Output as _parley_v1_MaskedInputReply__Output } from './parley/v1/MaskedInputReply';
import type { PrivacySpend as _parley_v1_PrivacySpend, PrivacySpend__Output as _parley_v1_PrivacySpend__Output } from './parley/v1/PrivacySpend';
import type { RoundStatusReply as _parley_v1_RoundStatusReply, RoundStatusReply__Output as _parley_v1_RoundStatusReply__Output } from './parley/v1/RoundStatusReply';
import type { RoundStatusRequest as _parley_v1_RoundStatusRequest, RoundStatusRequest__Output as _parley_v1_RoundStatusRequest__Output } from './parley/v1/RoundStatusRequest';
import type { SecureAggregationPlan as _parley_v1_SecureAggregationPlan, SecureAggregationPlan__Output as _parley_v1_SecureAggregationPlan__Output } from './parley/v1/SecureAggregationPlan';
import type { SecureAggregationProgress as _parley_v1_SecureAggregationProgress, SecureAggregationProgress__Output as _parley_v1_SecureAggregationProgress__Output } from './parley/v1/SecureAggregationProgress';
import type { ShamirShare as _parley_v1_ShamirShare, ShamirShare__Output as _parley_v1_ShamirShare__Output } from './parley/v1/ShamirShare';
import type { ShareKeysReply as _parley_v1_ShareKeysReply, ShareKeysReply__Output as _parley_v1_ShareKeysReply__Output } from './parley/v1/ShareKeysReply';
import type { ShareKeysRequest as _parley_v1_ShareKeysRequest, ShareKeysRequest__Output as _parley_v1_ShareKeysRequest__Output } from './parley/v1/ShareKeysRequest';
import type { TrainingPlan as _parley_v1_TrainingPlan, TrainingPlan__Output as _parley_v1_TrainingPlan__Output } from './parley/v1/TrainingPlan';
import type { UnmaskReply as _parley_v1_UnmaskReply, UnmaskReply__Output as _parley_v1_UnmaskReply__Output } from './parley/v1/UnmaskReply';
import type { UnmaskRequest as _parley_v1_UnmaskRequest, UnmaskRequest__Output as _parley_v1_UnmaskRequest__Output } from './parley/v1/UnmaskRequest';
import type { UpdateChunk as _parley_v1_UpdateChunk, UpdateChunk__Output as _parley_v1_UpdateChunk__Output } from './parley/v1/UpdateChunk';
import type { UploadReply as _parley_v1_UploadReply, UploadReply__Output as _parley_v1_UploadReply__Output } from './parley/v1/UploadReply';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  parley: {
    v1: {
      AdvertiseKeysRequest: MessageTypeDefinition<_parley_v1_AdvertiseKeysRequest, _parley_v1_AdvertiseKeysRequest__Output>
      ClientKeys: MessageTypeDefinition<_parley_v1_ClientKeys, _parley_v1_ClientKeys__Output>
      EncryptedShare: MessageTypeDefinition<_parley_v1_EncryptedShare, _parley_v1_EncryptedShare__Output>
      FederatedAggregator: SubtypeConstructor<typeof grpc.Client, _parley_v1_FederatedAggregatorClient> & { service: _parley_v1_FederatedAggregatorDefinition }
      JoinOutcome: EnumTypeDefinition
      JoinRoundReply: MessageTypeDefinition<_parley_v1_JoinRoundReply, _parley_v1_JoinRoundReply__Output>
      JoinRoundRequest: MessageTypeDefinition<_parley_v1_JoinRoundRequest, _parley_v1_JoinRoundRequest__Output>
      KeyRoster: MessageTypeDefinition<_parley_v1_KeyRoster, _parley_v1_KeyRoster__Output>
      MaskedInputChunk: MessageTypeDefinition<_parley_v1_MaskedInputChunk, _parley_v1_MaskedInputChunk__Output>
      MaskedInputReply: MessageTypeDefinition<_parley_v1_MaskedInputReply, _parley_v1_MaskedInputReply__Output>
      PrivacySpend: MessageTypeDefinition<_parley_v1_PrivacySpend, _parley_v1_PrivacySpend__Output>
      RoundFailure: EnumTypeDefinition
      RoundState: EnumTypeDefinition
      RoundStatusReply: MessageTypeDefinition<_parley_v1_RoundStatusReply, _parley_v1_RoundStatusReply__Output>
      RoundStatusRequest: MessageTypeDefinition<_parley_v1_RoundStatusRequest, _parley_v1_RoundStatusRequest__Output>
      SecureAggregationPhase: EnumTypeDefinition
      SecureAggregationPlan: MessageTypeDefinition<_parley_v1_SecureAggregationPlan, _parley_v1_SecureAggregationPlan__Output>
      SecureAggregationProgress: MessageTypeDefinition<_parley_v1_SecureAggregationProgress, _parley_v1_SecureAggregationProgress__Output>
      ShamirShare: MessageTypeDefinition<_parley_v1_ShamirShare, _parley_v1_ShamirShare__Output>
      ShareKeysReply: MessageTypeDefinition<_parley_v1_ShareKeysReply, _parley_v1_ShareKeysReply__Output>
      ShareKeysRequest: MessageTypeDefinition<_parley_v1_ShareKeysRequest, _parley_v1_ShareKeysRequest__Output>
      TrainingPlan: MessageTypeDefinition<_parley_v1_TrainingPlan, _parley_v1_TrainingPlan__Output>
      UnmaskReply: MessageTypeDefinition<_parley_v1_UnmaskReply, _parley_v1_UnmaskReply__Output>
      UnmaskRequest: MessageTypeDefinition<_parley_v1_UnmaskRequest, _parley_v1_UnmaskRequest__Output>
      UpdateChunk: MessageTypeDefinition<_parley_v1_UpdateChunk, _parley_v1_UpdateChunk__Output>
      UploadReply: MessageTypeDefinition<_parley_v1_UploadReply, _parley_v1_UploadReply__Output>
    }
  }
}

