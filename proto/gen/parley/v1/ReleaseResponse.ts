// Original file: proto/parley/v1/agent.proto


export interface ReleaseResponse {
  'released'?: (number);
}

export interface ReleaseResponse__Output {
  'released': (number);
}
