// Original file: proto/parley/v1/common.proto

import type { ContentKind as _parley_v1_ContentKind, ContentKind__Output as _parley_v1_ContentKind__Output } from '../../parley/v1/ContentKind';
import type { ContentRisk as _parley_v1_ContentRisk, ContentRisk__Output as _parley_v1_ContentRisk__Output } from '../../parley/v1/ContentRisk';

export interface ContentSignals {
  'kind'?: (_parley_v1_ContentKind);
  'content_id'?: (string);
  'topics'?: (string)[];
  'risks'?: (_parley_v1_ContentRisk)[];
}

export interface ContentSignals__Output {
  'kind': (_parley_v1_ContentKind__Output);
  'content_id': (string);
  'topics': (string)[];
  'risks': (_parley_v1_ContentRisk__Output)[];
}
