// Original file: proto/parley/v1/inventory.proto

import type { Envelope as _parley_v1_Envelope, Envelope__Output as _parley_v1_Envelope__Output } from '../../parley/v1/Envelope';
import type { ProposeRequest as _parley_v1_ProposeRequest, ProposeRequest__Output as _parley_v1_ProposeRequest__Output } from '../../parley/v1/ProposeRequest';

export interface ProposeCall {
  'envelope'?: (_parley_v1_Envelope | null);
  'request'?: (_parley_v1_ProposeRequest | null);
}

export interface ProposeCall__Output {
  'envelope': (_parley_v1_Envelope__Output | null);
  'request': (_parley_v1_ProposeRequest__Output | null);
}
