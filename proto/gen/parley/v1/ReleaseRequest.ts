// Original file: proto/parley/v1/agent.proto


export interface ReleaseRequest {
  'request_id'?: (string);
  'reservation_ids'?: (string)[];
}

export interface ReleaseRequest__Output {
  'request_id': (string);
  'reservation_ids': (string)[];
}
