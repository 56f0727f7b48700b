// Original file: proto/parley/v1/agent.proto

import type { Candidate as _parley_v1_Candidate, Candidate__Output as _parley_v1_Candidate__Output } from '../../parley/v1/Candidate';
import type { Rejection as _parley_v1_Rejection, Rejection__Output as _parley_v1_Rejection__Output } from '../../parley/v1/Rejection';

export interface Proposal {
  'candidates'?: (_parley_v1_Candidate)[];
  'removed'?: (_parley_v1_Rejection)[];
  'model_version'?: (string);
  'eligible_total'?: (number);
  'exhausted'?: (boolean);
}

export interface Proposal__Output {
  'candidates': (_parley_v1_Candidate__Output)[];
  'removed': (_parley_v1_Rejection__Output)[];
  'model_version': (string);
  'eligible_total': (number);
  'exhausted': (boolean);
}
