// Original file: proto/parley/v1/federated.proto

import type { RoundState as _parley_v1_RoundState, RoundState__Output as _parley_v1_RoundState__Output } from '../../parley/v1/RoundState';
import type { PrivacySpend as _parley_v1_PrivacySpend, PrivacySpend__Output as _parley_v1_PrivacySpend__Output } from '../../parley/v1/PrivacySpend';
import type { RoundFailure as _parley_v1_RoundFailure, RoundFailure__Output as _parley_v1_RoundFailure__Output } from '../../parley/v1/RoundFailure';
import type { SecureAggregationProgress as _parley_v1_SecureAggregationProgress, SecureAggregationProgress__Output as _parley_v1_SecureAggregationProgress__Output } from '../../parley/v1/SecureAggregationProgress';
import type { Long } from '@grpc/proto-loader';

export interface RoundStatusReply {
  'round_id'?: (number | string | Long);
  'state'?: (_parley_v1_RoundState);
  'model_version'?: (number | string | Long);
  'result_version'?: (number | string | Long);
  'opened_unix_ms'?: (number | string | Long);
  'deadline_unix_ms'?: (number | string | Long);
  'closed_unix_ms'?: (number | string | Long);
  'min_clients'?: (number);
  'joined'?: (number);
  'uploaded'?: (number);
  'accepted'?: (number);
  'rejected'?: (number);
  'late'?: (number);
  'total_examples'?: (number | string | Long);
  'strategy'?: (string);
  'mode'?: (string);
  'privacy'?: (_parley_v1_PrivacySpend | null);
  'secure_aggregation'?: (boolean);
  'failure'?: (_parley_v1_RoundFailure);
  'secure_progress'?: (_parley_v1_SecureAggregationProgress | null);
}

export interface RoundStatusReply__Output {
  'round_id': (number);
  'state': (_parley_v1_RoundState__Output);
  'model_version': (number);
  'result_version': (number);
  'opened_unix_ms': (number);
  'deadline_unix_ms': (number);
  'closed_unix_ms': (number);
  'min_clients': (number);
  'joined': (number);
  'uploaded': (number);
  'accepted': (number);
  'rejected': (number);
  'late': (number);
  'total_examples': (number);
  'strategy': (string);
  'mode': (string);
  'privacy': (_parley_v1_PrivacySpend__Output | null);
  'secure_aggregation': (boolean);
  'failure': (_parley_v1_RoundFailure__Output);
  'secure_progress': (_parley_v1_SecureAggregationProgress__Output | null);
}
