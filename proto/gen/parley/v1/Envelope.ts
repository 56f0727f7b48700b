// Original file: proto/parley/v1/common.proto


export interface Envelope {
  'call_id'?: (string);
  'timeout_ms'?: (number);
  'trace_context'?: ({[key: string]: string});
}

export interface Envelope__Output {
  'call_id': (string);
  'timeout_ms': (number);
  'trace_context': ({[key: string]: string});
}
