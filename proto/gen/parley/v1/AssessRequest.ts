// Original file: proto/parley/v1/agent.proto

import type { ListenerSignals as _parley_v1_ListenerSignals, ListenerSignals__Output as _parley_v1_ListenerSignals__Output } from '../../parley/v1/ListenerSignals';

export interface AssessRequest {
  'signals'?: (_parley_v1_ListenerSignals | null);
}

export interface AssessRequest__Output {
  'signals': (_parley_v1_ListenerSignals__Output | null);
}
