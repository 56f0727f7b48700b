import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { FederatedAggregatorClient as _parley_v1_FederatedAggregatorClient, FederatedAggregatorDefinition as _parley_v1_FederatedAggregatorDefinition } from './parley/v1/FederatedAggregator';
import type { JoinRoundReply as _parley_v1_JoinRoundReply, JoinRoundReply__Output as _parley_v1_JoinRoundReply__Output } from './parley/v1/JoinRoundReply';
import type { JoinRoundRequest as _parley_v1_JoinRoundRequest, JoinRoundRequest__Output as _parley_v1_JoinRoundRequest__Output } from './parley/v1/JoinRoundRequest';
import type { PrivacySpend as _parley_v1_PrivacySpend, PrivacySpend__Output as _parley_v1_PrivacySpend__Output } from './parley/v1/PrivacySpend';
import type { RoundStatusReply as _parley_v1_RoundStatusReply, RoundStatusReply__Output as _parley_v1_RoundStatusReply__Output } from './parley/v1/RoundStatusReply';
import type { RoundStatusRequest as _parley_v1_RoundStatusRequest, RoundStatusRequest__Output as _parley_v1_RoundStatusRequest__Output } from './parley/v1/RoundStatusRequest';
import type { TrainingPlan as _parley_v1_TrainingPlan, TrainingPlan__Output as _parley_v1_TrainingPlan__Output } from './parley/v1/TrainingPlan';
import type { UpdateChunk as _parley_v1_UpdateChunk, UpdateChunk__Output as _parley_v1_UpdateChunk__Output } from './parley/v1/UpdateChunk';
import type { UploadReply as _parley_v1_UploadReply, UploadReply__Output as _parley_v1_UploadReply__Output } from './parley/v1/UploadReply';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  parley: {
    v1: {
      FederatedAggregator: SubtypeConstructor<typeof grpc.Client, _parley_v1_FederatedAggregatorClient> & { service: _parley_v1_FederatedAggregatorDefinition }
      JoinOutcome: EnumTypeDefinition
      JoinRoundReply: MessageTypeDefinition<_parley_v1_JoinRoundReply, _parley_v1_JoinRoundReply__Output>
      JoinRoundRequest: MessageTypeDefinition<_parley_v1_JoinRoundRequest, _parley_v1_JoinRoundRequest__Output>
      PrivacySpend: MessageTypeDefinition<_parley_v1_PrivacySpend, _parley_v1_PrivacySpend__Output>
      RoundState: EnumTypeDefinition
      RoundStatusReply: MessageTypeDefinition<_parley_v1_RoundStatusReply, _parley_v1_RoundStatusReply__Output>
      RoundStatusRequest: MessageTypeDefinition<_parley_v1_RoundStatusRequest, _parley_v1_RoundStatusRequest__Output>
      TrainingPlan: MessageTypeDefinition<_parley_v1_TrainingPlan, _parley_v1_TrainingPlan__Output>
      UpdateChunk: MessageTypeDefinition<_parley_v1_UpdateChunk, _parley_v1_UpdateChunk__Output>
      UploadReply: MessageTypeDefinition<_parley_v1_UploadReply, _parley_v1_UploadReply__Output>
    }
  }
}

