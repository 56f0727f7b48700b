// Original file: proto/parley/v1/federated.proto

import type { SecureAggregationPhase as _parley_v1_SecureAggregationPhase, SecureAggregationPhase__Output as _parley_v1_SecureAggregationPhase__Output } from '../../parley/v1/SecureAggregationPhase';

export interface SecureAggregationProgress {
  'phase'?: (_parley_v1_SecureAggregationPhase);
  'threshold'?: (number);
  'keys_advertised'?: (number);
  'keys_shared'?: (number);
  'masked_inputs'?: (number);
  'unmask_responses'?: (number);
}

export interface SecureAggregationProgress__Output {
  'phase': (_parley_v1_SecureAggregationPhase__Output);
  'threshold': (number);
  'keys_advertised': (number);
  'keys_shared': (number);
  'masked_inputs': (number);
  'unmask_responses': (number);
}
