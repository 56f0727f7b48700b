// Original file: proto/parley/v1/objective.proto

import type { LoggedOutcome as _parley_v1_LoggedOutcome, LoggedOutcome__Output as _parley_v1_LoggedOutcome__Output } from '../../parley/v1/LoggedOutcome';

export interface OutcomeBatch {
  'entries'?: (_parley_v1_LoggedOutcome)[];
}

export interface OutcomeBatch__Output {
  'entries': (_parley_v1_LoggedOutcome__Output)[];
}
