// Original file: proto/parley/v1/context.proto

import type { SessionObservation as _parley_v1_SessionObservation, SessionObservation__Output as _parley_v1_SessionObservation__Output } from '../../parley/v1/SessionObservation';

export interface SessionObservations {
  'observations'?: (_parley_v1_SessionObservation)[];
}

export interface SessionObservations__Output {
  'observations': (_parley_v1_SessionObservation__Output)[];
}
