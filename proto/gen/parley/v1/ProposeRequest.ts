// Original file: proto/parley/v1/agent.proto

import type { Slot as _parley_v1_Slot, Slot__Output as _parley_v1_Slot__Output } from '../../parley/v1/Slot';
import type { ListenerSignals as _parley_v1_ListenerSignals, ListenerSignals__Output as _parley_v1_ListenerSignals__Output } from '../../parley/v1/ListenerSignals';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from '../../parley/v1/ContextSnapshot';

export interface ProposeRequest {
  'request_id'?: (string);
  'round'?: (number);
  'slot'?: (_parley_v1_Slot | null);
  'signals'?: (_parley_v1_ListenerSignals | null);
  'context'?: (_parley_v1_ContextSnapshot | null);
  'excluded_advertisers'?: (string)[];
  'excluded_categories'?: (string)[];
  'shortlist_size'?: (number);
  'exclude_creatives'?: (string)[];
}

export interface ProposeRequest__Output {
  'request_id': (string);
  'round': (number);
  'slot': (_parley_v1_Slot__Output | null);
  'signals': (_parley_v1_ListenerSignals__Output | null);
  'context': (_parley_v1_ContextSnapshot__Output | null);
  'excluded_advertisers': (string)[];
  'excluded_categories': (string)[];
  'shortlist_size': (number);
  'exclude_creatives': (string)[];
}
