// Original file: proto/parley/v1/agent.proto

import type { OutcomeRecord as _parley_v1_OutcomeRecord, OutcomeRecord__Output as _parley_v1_OutcomeRecord__Output } from '../../parley/v1/OutcomeRecord';

export interface OutcomeRecords {
  'records'?: (_parley_v1_OutcomeRecord)[];
}

export interface OutcomeRecords__Output {
  'records': (_parley_v1_OutcomeRecord__Output)[];
}
