// Original file: proto/parley/v1/ad_decision.proto


export interface AgentReport {
  'model_version'?: (string);
  'elapsed_ms'?: (number | string);
  'degraded'?: (boolean);
  'fallback'?: (string);
  'calls'?: (number);
}

export interface AgentReport__Output {
  'model_version': (string);
  'elapsed_ms': (number);
  'degraded': (boolean);
  'fallback': (string);
  'calls': (number);
}
