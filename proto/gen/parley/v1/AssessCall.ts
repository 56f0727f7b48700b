// Original file: proto/parley/v1/context.proto

import type { Envelope as _parley_v1_Envelope, Envelope__Output as _parley_v1_Envelope__Output } from '../../parley/v1/Envelope';
import type { AssessRequest as _parley_v1_AssessRequest, AssessRequest__Output as _parley_v1_AssessRequest__Output } from '../../parley/v1/AssessRequest';

export interface AssessCall {
  'envelope'?: (_parley_v1_Envelope | null);
  'request'?: (_parley_v1_AssessRequest | null);
}

export interface AssessCall__Output {
  'envelope': (_parley_v1_Envelope__Output | null);
  'request': (_parley_v1_AssessRequest__Output | null);
}
