// Original file: proto/parley/v1/federated.proto

import type { Long } from '@grpc/proto-loader';

export interface MaskedInputChunk {
  'round_id'?: (number | string | Long);
  'client_id'?: (string);
  'model_version'?: (number | string | Long);
  'num_examples'?: (number | string | Long);
  'total_values'?: (number);
  'offset'?: (number);
  'masked_values'?: (number)[];
}

export interface MaskedInputChunk__Output {
  'round_id': (number);
  'client_id': (string);
  'model_version': (number);
  'num_examples': (number);
  'total_values': (number);
  'offset': (number);
  'masked_values': (number)[];
}
