// Original file: proto/parley/v1/federated.proto

import type { ClientKeys as _parley_v1_ClientKeys, ClientKeys__Output as _parley_v1_ClientKeys__Output } from '../../parley/v1/ClientKeys';
import type { Long } from '@grpc/proto-loader';

export interface KeyRoster {
  'round_id'?: (number | string | Long);
  'clients'?: (_parley_v1_ClientKeys)[];
  'phase_deadline_unix_ms'?: (number | string | Long);
}

export interface KeyRoster__Output {
  'round_id': (number);
  'clients': (_parley_v1_ClientKeys__Output)[];
  'phase_deadline_unix_ms': (number);
}
