// Original file: proto/parley/v1/agent.proto

import type { AgentCall as _parley_v1_AgentCall, AgentCall__Output as _parley_v1_AgentCall__Output } from '../../parley/v1/AgentCall';

export interface AgentCalls {
  'calls'?: (_parley_v1_AgentCall)[];
}

export interface AgentCalls__Output {
  'calls': (_parley_v1_AgentCall__Output)[];
}
