// Original file: proto/parley/v1/admin.proto

import type { DecideRequest as _parley_v1_DecideRequest, DecideRequest__Output as _parley_v1_DecideRequest__Output } from '../../parley/v1/DecideRequest';
import type { ContextSnapshot as _parley_v1_ContextSnapshot, ContextSnapshot__Output as _parley_v1_ContextSnapshot__Output } from '../../parley/v1/ContextSnapshot';
import type { DecisionRound as _parley_v1_DecisionRound, DecisionRound__Output as _parley_v1_DecisionRound__Output } from '../../parley/v1/DecisionRound';
import type { ScoredCandidate as _parley_v1_ScoredCandidate, ScoredCandidate__Output as _parley_v1_ScoredCandidate__Output } from '../../parley/v1/ScoredCandidate';
import type { DecideResponse as _parley_v1_DecideResponse, DecideResponse__Output as _parley_v1_DecideResponse__Output } from '../../parley/v1/DecideResponse';
import type { AppliedOverride as _parley_v1_AppliedOverride, AppliedOverride__Output as _parley_v1_AppliedOverride__Output } from '../../parley/v1/AppliedOverride';
import type { AgentReport as _parley_v1_AgentReport, AgentReport__Output as _parley_v1_AgentReport__Output } from '../../parley/v1/AgentReport';
import type { Long } from '@grpc/proto-loader';

export interface DecisionRecord {
  'request_id'?: (string);
  'at_ms'?: (number | string | Long);
  'broker'?: (string);
  'request'?: (_parley_v1_DecideRequest | null);
  'context'?: (_parley_v1_ContextSnapshot | null);
  'rounds'?: (_parley_v1_DecisionRound)[];
  'scored'?: (_parley_v1_ScoredCandidate)[];
  'response'?: (_parley_v1_DecideResponse | null);
  'overrides'?: (_parley_v1_AppliedOverride)[];
  'overrides_version'?: (number | string | Long);
  'agents'?: ({[key: string]: _parley_v1_AgentReport});
  'commit_ms'?: (number | string);
  'total_ms'?: (number | string);
}

export interface DecisionRecord__Output {
  'request_id': (string);
  'at_ms': (number);
  'broker': (string);
  'request': (_parley_v1_DecideRequest__Output | null);
  'context': (_parley_v1_ContextSnapshot__Output | null);
  'rounds': (_parley_v1_DecisionRound__Output)[];
  'scored': (_parley_v1_ScoredCandidate__Output)[];
  'response': (_parley_v1_DecideResponse__Output | null);
  'overrides': (_parley_v1_AppliedOverride__Output)[];
  'overrides_version': (number);
  'agents': ({[key: string]: _parley_v1_AgentReport__Output});
  'commit_ms': (number);
  'total_ms': (number);
}
