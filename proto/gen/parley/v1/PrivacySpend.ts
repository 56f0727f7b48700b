// Original file: proto/parley/v1/federated.proto


export interface PrivacySpend {
  'enabled'?: (boolean);
  'round_epsilon'?: (number | string);
  'cumulative_epsilon'?: (number | string);
  'delta'?: (number | string);
  'noise_multiplier'?: (number | string);
  'sampling_rate'?: (number | string);
  'clip_norm'?: (number | string);
}

export interface PrivacySpend__Output {
  'enabled': (boolean);
  'round_epsilon': (number);
  'cumulative_epsilon': (number);
  'delta': (number);
  'noise_multiplier': (number);
  'sampling_rate': (number);
  'clip_norm': (number);
}
