// Original file: proto/parley/v1/ad_decision.proto

import type { Slot as _parley_v1_Slot, Slot__Output as _parley_v1_Slot__Output } from '../../parley/v1/Slot';
import type { ListenerSignals as _parley_v1_ListenerSignals, ListenerSignals__Output as _parley_v1_ListenerSignals__Output } from '../../parley/v1/ListenerSignals';

export interface DecideRequest {
  'request_id'?: (string);
  'slot'?: (_parley_v1_Slot | null);
  'signals'?: (_parley_v1_ListenerSignals | null);
  'excluded_advertisers'?: (string)[];
  'excluded_categories'?: (string)[];
  'deadline_ms'?: (number);
  'dry_run'?: (boolean);
}

export interface DecideRequest__Output {
  'request_id': (string);
  'slot': (_parley_v1_Slot__Output | null);
  'signals': (_parley_v1_ListenerSignals__Output | null);
  'excluded_advertisers': (string)[];
  'excluded_categories': (string)[];
  'deadline_ms': (number);
  'dry_run': (boolean);
}
