// Original file: proto/parley/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface Override {
  'id'?: (string);
  'kind'?: (string);
  'target_type'?: (string);
  'target_id'?: (string);
  'scenarios'?: (string)[];
  'boost'?: (number | string);
  'categories'?: (string)[];
  'unless_explicit'?: (boolean);
  'author'?: (string);
  'reason'?: (string);
  'created_at_ms'?: (number | string | Long);
  'expires_at_ms'?: (number | string | Long);
}

export interface Override__Output {
  'id': (string);
  'kind': (string);
  'target_type': (string);
  'target_id': (string);
  'scenarios': (string)[];
  'boost': (number);
  'categories': (string)[];
  'unless_explicit': (boolean);
  'author': (string);
  'reason': (string);
  'created_at_ms': (number);
  'expires_at_ms': (number);
}
