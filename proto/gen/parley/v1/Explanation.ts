// Original file: proto/parley/v1/ad_decision.proto

import type { Scenario as _parley_v1_Scenario, Scenario__Output as _parley_v1_Scenario__Output } from '../../parley/v1/Scenario';
import type { Rejection as _parley_v1_Rejection, Rejection__Output as _parley_v1_Rejection__Output } from '../../parley/v1/Rejection';
import type { AgentReport as _parley_v1_AgentReport, AgentReport__Output as _parley_v1_AgentReport__Output } from '../../parley/v1/AgentReport';

export interface Explanation {
  'utility'?: (number | string);
  'rounds'?: (number);
  'scenario'?: (_parley_v1_Scenario);
  'trace_id'?: (string);
  'runners_up'?: (_parley_v1_Rejection)[];
  'summary'?: (string);
  'candidates_considered'?: (number);
  'explored'?: (boolean);
  'terms'?: ({[key: string]: number | string});
  'agents'?: ({[key: string]: _parley_v1_AgentReport});
}

export interface Explanation__Output {
  'utility': (number);
  'rounds': (number);
  'scenario': (_parley_v1_Scenario__Output);
  'trace_id': (string);
  'runners_up': (_parley_v1_Rejection__Output)[];
  'summary': (string);
  'candidates_considered': (number);
  'explored': (boolean);
  'terms': ({[key: string]: number});
  'agents': ({[key: string]: _parley_v1_AgentReport__Output});
}
