// Original file: proto/parley/v1/ad_decision.proto

import type { DecideRequest as _parley_v1_DecideRequest, DecideRequest__Output as _parley_v1_DecideRequest__Output } from '../../parley/v1/DecideRequest';

export interface DecideRequests {
  'requests'?: (_parley_v1_DecideRequest)[];
}

export interface DecideRequests__Output {
  'requests': (_parley_v1_DecideRequest__Output)[];
}
