// Original file: proto/parley/v1/agent.proto

import type { Reservation as _parley_v1_Reservation, Reservation__Output as _parley_v1_Reservation__Output } from '../../parley/v1/Reservation';

export interface CommitRequest {
  'request_id'?: (string);
  'session_id'?: (string);
  'reservations'?: (_parley_v1_Reservation)[];
}

export interface CommitRequest__Output {
  'request_id': (string);
  'session_id': (string);
  'reservations': (_parley_v1_Reservation__Output)[];
}
