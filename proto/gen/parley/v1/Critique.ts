// Original file: proto/parley/v1/agent.proto

import type { Verdict as _parley_v1_Verdict, Verdict__Output as _parley_v1_Verdict__Output } from '../../parley/v1/Verdict';

export interface Critique {
  'verdicts'?: (_parley_v1_Verdict)[];
  'model_version'?: (string);
}

export interface Critique__Output {
  'verdicts': (_parley_v1_Verdict__Output)[];
  'model_version': (string);
}
