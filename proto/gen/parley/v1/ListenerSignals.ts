// Original file: proto/parley/v1/common.proto

import type { Device as _parley_v1_Device, Device__Output as _parley_v1_Device__Output } from '../../parley/v1/Device';
import type { PlaylistKind as _parley_v1_PlaylistKind, PlaylistKind__Output as _parley_v1_PlaylistKind__Output } from '../../parley/v1/PlaylistKind';
import type { Scenario as _parley_v1_Scenario, Scenario__Output as _parley_v1_Scenario__Output } from '../../parley/v1/Scenario';
import type { ContentSignals as _parley_v1_ContentSignals, ContentSignals__Output as _parley_v1_ContentSignals__Output } from '../../parley/v1/ContentSignals';

export interface ListenerSignals {
  'session_id'?: (string);
  'device'?: (_parley_v1_Device);
  'local_time'?: (string);
  'track_genre'?: (string);
  'previous_genre'?: (string);
  'recent_skips'?: (number);
  'playlist_kind'?: (_parley_v1_PlaylistKind);
  'activity_hint'?: (_parley_v1_Scenario);
  'explicit_content'?: (boolean);
  'country'?: (string);
  'content'?: (_parley_v1_ContentSignals | null);
  'listener_id'?: (string);
}

export interface ListenerSignals__Output {
  'session_id': (string);
  'device': (_parley_v1_Device__Output);
  'local_time': (string);
  'track_genre': (string);
  'previous_genre': (string);
  'recent_skips': (number);
  'playlist_kind': (_parley_v1_PlaylistKind__Output);
  'activity_hint': (_parley_v1_Scenario__Output);
  'explicit_content': (boolean);
  'country': (string);
  'content': (_parley_v1_ContentSignals__Output | null);
  'listener_id': (string);
}
