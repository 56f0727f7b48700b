// Original file: proto/parley/v1/admin.proto

import type { Candidate as _parley_v1_Candidate, Candidate__Output as _parley_v1_Candidate__Output } from '../../parley/v1/Candidate';
import type { Rejection as _parley_v1_Rejection, Rejection__Output as _parley_v1_Rejection__Output } from '../../parley/v1/Rejection';
import type { Critique as _parley_v1_Critique, Critique__Output as _parley_v1_Critique__Output } from '../../parley/v1/Critique';

export interface DecisionRound {
  'round'?: (number);
  'proposal_source'?: (string);
  'proposal_model_version'?: (string);
  'proposed'?: (_parley_v1_Candidate)[];
  'removed_by_proposers'?: (_parley_v1_Rejection)[];
  'screened'?: (_parley_v1_Rejection)[];
  'guard'?: (boolean);
  'critiques'?: ({[key: string]: _parley_v1_Critique});
}

export interface DecisionRound__Output {
  'round': (number);
  'proposal_source': (string);
  'proposal_model_version': (string);
  'proposed': (_parley_v1_Candidate__Output)[];
  'removed_by_proposers': (_parley_v1_Rejection__Output)[];
  'screened': (_parley_v1_Rejection__Output)[];
  'guard': (boolean);
  'critiques': ({[key: string]: _parley_v1_Critique__Output});
}
