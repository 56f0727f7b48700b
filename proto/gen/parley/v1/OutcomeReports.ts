// Original file: proto/parley/v1/ad_decision.proto

import type { OutcomeReport as _parley_v1_OutcomeReport, OutcomeReport__Output as _parley_v1_OutcomeReport__Output } from '../../parley/v1/OutcomeReport';

export interface OutcomeReports {
  'reports'?: (_parley_v1_OutcomeReport)[];
}

export interface OutcomeReports__Output {
  'reports': (_parley_v1_OutcomeReport__Output)[];
}
