// Original file: proto/parley/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface OutcomeRecord {
  'idempotency_key'?: (string);
  'request_id'?: (string);
  'reservation_id'?: (string);
  'creative_id'?: (string);
  'session_id'?: (string);
  'event'?: (string);
  'skip_offset_ms'?: (number);
  'occurred_at_ms'?: (number | string | Long);
}

export interface OutcomeRecord__Output {
  'idempotency_key': (string);
  'request_id': (string);
  'reservation_id': (string);
  'creative_id': (string);
  'session_id': (string);
  'event': (string);
  'skip_offset_ms': (number);
  'occurred_at_ms': (number);
}
