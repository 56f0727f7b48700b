// Original file: proto/parley/v1/federated.proto


export interface SecureAggregationPlan {
  'enabled'?: (boolean);
  'client_index'?: (number);
  'threshold'?: (number);
  'fixed_point_range'?: (number | string);
  'fixed_point_max_clients'?: (number);
  'phase_timeout_ms'?: (number);
  'dp_noise_multiplier'?: (number | string);
  'dp_min_contributors'?: (number);
}

export interface SecureAggregationPlan__Output {
  'enabled': (boolean);
  'client_index': (number);
  'threshold': (number);
  'fixed_point_range': (number);
  'fixed_point_max_clients': (number);
  'phase_timeout_ms': (number);
  'dp_noise_multiplier': (number);
  'dp_min_contributors': (number);
}
