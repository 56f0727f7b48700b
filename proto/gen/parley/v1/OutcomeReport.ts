// Original file: proto/parley/v1/ad_decision.proto

import type { OutcomeEvent as _parley_v1_OutcomeEvent, OutcomeEvent__Output as _parley_v1_OutcomeEvent__Output } from '../../parley/v1/OutcomeEvent';
import type { Long } from '@grpc/proto-loader';

export interface OutcomeReport {
  'idempotency_key'?: (string);
  'request_id'?: (string);
  'reservation_id'?: (string);
  'creative_id'?: (string);
  'session_id'?: (string);
  'event'?: (_parley_v1_OutcomeEvent);
  'skip_offset_ms'?: (number);
  'occurred_at_ms'?: (number | string | Long);
}

export interface OutcomeReport__Output {
  'idempotency_key': (string);
  'request_id': (string);
  'reservation_id': (string);
  'creative_id': (string);
  'session_id': (string);
  'event': (_parley_v1_OutcomeEvent__Output);
  'skip_offset_ms': (number);
  'occurred_at_ms': (number);
}
