// Original file: proto/parley/v1/objective.proto

import type { OutcomeRecord as _parley_v1_OutcomeRecord, OutcomeRecord__Output as _parley_v1_OutcomeRecord__Output } from '../../parley/v1/OutcomeRecord';

export interface LoggedOutcome {
  'id'?: (string);
  'outcome'?: (_parley_v1_OutcomeRecord | null);
  'campaign_id'?: (string);
}

export interface LoggedOutcome__Output {
  'id': (string);
  'outcome': (_parley_v1_OutcomeRecord__Output | null);
  'campaign_id': (string);
}
