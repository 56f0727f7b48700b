// Original file: proto/parley/v1/federated.proto


export interface JoinRoundRequest {
  'client_id'?: (string);
}

export interface JoinRoundRequest__Output {
  'client_id': (string);
}
