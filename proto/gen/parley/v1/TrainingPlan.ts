// Original file: proto/parley/v1/federated.proto


export interface TrainingPlan {
  'learning_rate'?: (number | string);
  'local_epochs'?: (number);
  'batch_size'?: (number);
  'clip_norm'?: (number | string);
  'local_noise_multiplier'?: (number | string);
  'max_importance_weight'?: (number | string);
  'temperature'?: (number | string);
  'proximal_mu'?: (number | string);
}

export interface TrainingPlan__Output {
  'learning_rate': (number);
  'local_epochs': (number);
  'batch_size': (number);
  'clip_norm': (number);
  'local_noise_multiplier': (number);
  'max_importance_weight': (number);
  'temperature': (number);
  'proximal_mu': (number);
}
