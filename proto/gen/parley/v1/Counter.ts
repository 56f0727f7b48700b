// Original file: proto/parley/v1/objective.proto

import type { CandidateValue as _parley_v1_CandidateValue, CandidateValue__Output as _parley_v1_CandidateValue__Output } from '../../parley/v1/CandidateValue';

export interface Counter {
  'values'?: (_parley_v1_CandidateValue)[];
  'model_version'?: (string);
}

export interface Counter__Output {
  'values': (_parley_v1_CandidateValue__Output)[];
  'model_version': (string);
}
