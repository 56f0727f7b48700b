/**
 * The negotiation of one ad decision (decide.ts), split by phase: the
 * decision's state (state.ts), one round (round.ts), the commit (commit.ts)
 * and the explanation (explain.ts); deps.ts says what it is given.
 */
export type { Committed, Placement } from './commit';
export { decide, MARGIN } from './decide';
export {
  brokerSettings,
  type Clock,
  type DecisionRequest,
  type NegotiationDeps,
  type NegotiationSettings,
  rankingSettings,
  systemClock,
} from './deps';
export { type Decision, type DecisionExplanation, type DecisionTrace, MAX_RUNNERS_UP } from './explain';
export { hopTimeout } from './round';
export { type AgentReport, defaultSnapshot, type RoundTrace } from './state';
