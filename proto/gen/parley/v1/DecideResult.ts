// Original file: proto/parley/v1/ad_decision.proto

import type { DecideResponse as _parley_v1_DecideResponse, DecideResponse__Output as _parley_v1_DecideResponse__Output } from '../../parley/v1/DecideResponse';

export interface DecideResult {
  'request_id'?: (string);
  'response'?: (_parley_v1_DecideResponse | null);
  'status_code'?: (number);
  'status_message'?: (string);
}

export interface DecideResult__Output {
  'request_id': (string);
  'response': (_parley_v1_DecideResponse__Output | null);
  'status_code': (number);
  'status_message': (string);
}
