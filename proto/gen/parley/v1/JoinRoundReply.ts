// Original file: proto/parley/v1/federated.proto

import type { JoinOutcome as _parley_v1_JoinOutcome, JoinOutcome__Output as _parley_v1_JoinOutcome__Output } from '../../parley/v1/JoinOutcome';
import type { TrainingPlan as _parley_v1_TrainingPlan, TrainingPlan__Output as _parley_v1_TrainingPlan__Output } from '../../parley/v1/TrainingPlan';
import type { SecureAggregationPlan as _parley_v1_SecureAggregationPlan, SecureAggregationPlan__Output as _parley_v1_SecureAggregationPlan__Output } from '../../parley/v1/SecureAggregationPlan';
import type { Long } from '@grpc/proto-loader';

export interface JoinRoundReply {
  'outcome'?: (_parley_v1_JoinOutcome);
  'round_id'?: (number | string | Long);
  'model_version'?: (number | string | Long);
  'weights'?: (number | string)[];
  'plan'?: (_parley_v1_TrainingPlan | null);
  'deadline_unix_ms'?: (number | string | Long);
  'retry_after_ms'?: (number);
  'chunk_values'?: (number);
  'secure_aggregation'?: (_parley_v1_SecureAggregationPlan | null);
}

export interface JoinRoundReply__Output {
  'outcome': (_parley_v1_JoinOutcome__Output);
  'round_id': (number);
  'model_version': (number);
  'weights': (number)[];
  'plan': (_parley_v1_TrainingPlan__Output | null);
  'deadline_unix_ms': (number);
  'retry_after_ms': (number);
  'chunk_values': (number);
  'secure_aggregation': (_parley_v1_SecureAggregationPlan__Output | null);
}
