// Original file: proto/parley/v1/admin.proto


export interface AgentTimings {
  'context_ms'?: (number | string);
  'inventory_ms'?: (number | string);
  'objective_ms'?: (number | string);
  'commit_ms'?: (number | string);
  'total_ms'?: (number | string);
}

export interface AgentTimings__Output {
  'context_ms': (number);
  'inventory_ms': (number);
  'objective_ms': (number);
  'commit_ms': (number);
  'total_ms': (number);
}
