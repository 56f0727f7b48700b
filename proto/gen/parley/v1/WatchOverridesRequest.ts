// Original file: proto/parley/v1/admin.proto


export interface WatchOverridesRequest {
  'broker'?: (string);
}

export interface WatchOverridesRequest__Output {
  'broker': (string);
}
