/**
 * The decision's answer and its "why": the placements with their utility
 * terms, the runners-up and why they lost, the no-ad reasons, each agent's
 * part (model version, time, degraded), a one-line summary for a person,
 * and the trace the decision log records.
 */
import type { ReasonCode, Rejection, Scenario, Snapshot } from '../../common/domain/types';
import type { AppliedOverride } from '../overrides';
import type { Loser, Scored } from '../pod';
import { sumTerms, type UtilityTerms } from '../utility';
import type { Committed, Placement } from './commit';
import type { DecisionRequest, NegotiationDeps } from './deps';
import { systemClock } from './deps';
import type { AgentReport, DecisionState, RoundTrace } from './state';

export interface DecisionExplanation extends UtilityTerms {
  rounds: number;
  scenario: Scenario;
  /** Each agent's part, by registry name, in the order they were called. */
  agents: ReadonlyMap<string, AgentReport>;
  traceId: string;
  runnersUp: Rejection[];
  summary: string;
  candidatesConsidered: number;
  /** The lead was drawn by exploration, not the ranking's best. */
  explored: boolean;
}

/** Everything behind a decision, for the decision log. Built from references the decision holds anyway. */
export interface DecisionTrace {
  snapshot: Snapshot;
  rounds: RoundTrace[];
  /** Every eligible candidate with its utility terms (and pin / boost). */
  scored: Scored[];
  overrides: AppliedOverride[];
  overridesVersion: number;
  commitMs: number;
  totalMs: number;
  /** Each candidate's probability of leading the pod (creative id → p); null when nothing was drawn. */
  leadProbabilities: ReadonlyMap<string, number> | null;
}

export interface Decision {
  requestId: string;
  placements: Placement[];
  noAd: boolean;
  noAdReasons: ReasonCode[];
  explanation: DecisionExplanation;
  /** The agents (registry names) whose fail-small default stood in. */
  degraded: string[];
  /** A preview: nothing was reserved, and nothing is to be recorded. */
  dryRun?: boolean;
  /** Set by decide(); absent on a Decision built by hand. */
  trace?: DecisionTrace;
}

export const MAX_RUNNERS_UP = 10;
const MAX_EXTRA_NO_AD_REASONS = 4;

function runnersUp(state: DecisionState, committed: Committed | null): Rejection[] {
  const placedIds = new Set(committed?.placed.map((p) => p.candidate.creativeId) ?? []);
  const losers: Loser[] = (committed?.pod.losers ?? []).filter(
    (l) => !placedIds.has(l.scored.candidate.creativeId),
  );
  const out: Rejection[] = [];
  const seen = new Set<string>();
  const add = (r: Rejection) => {
    if (out.length >= MAX_RUNNERS_UP || seen.has(r.creativeId)) return;
    seen.add(r.creativeId);
    out.push(r);
  };
  for (const l of losers)
    add({ creativeId: l.scored.candidate.creativeId, reason: l.reason, detail: l.detail });
  for (const r of committed?.commitRejections ?? []) add(r);
  for (const r of state.rejected) add(r);
  for (const r of state.removedByProposers) add(r);
  return out;
}

function noAdReasons(
  state: DecisionState,
  committed: Committed | null,
  forced: ReasonCode[] | null,
): ReasonCode[] {
  if (forced) return forced;
  let primary: ReasonCode;
  if (state.seen.size === 0) primary = 'REASON_NO_INVENTORY';
  else if (state.eligible.length === 0) primary = 'REASON_NO_ELIGIBLE_CANDIDATES';
  else primary = 'REASON_COMMIT_REJECTED';
  // The most frequent reasons candidates were removed for, after the primary one.
  const counts = new Map<ReasonCode, number>();
  for (const list of [committed?.commitRejections ?? [], state.rejected, state.removedByProposers]) {
    for (const r of list) {
      if (r.reason !== primary && r.reason !== 'REASON_UNSPECIFIED')
        counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
    }
  }
  const extra = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_EXTRA_NO_AD_REASONS)
    .map(([reason]) => reason);
  return [primary, ...extra];
}

const fmt = (x: number) => x.toFixed(3);
/** The moment as the summary names it: "commute", or "an unknown scenario" when the context agent could not place it. */
const momentOf = (scenario: Scenario) => (scenario === 'unknown' ? 'an unknown scenario' : scenario);

function summaryLine(
  d: Omit<Decision, 'explanation' | 'trace'>,
  e: Omit<DecisionExplanation, 'summary'>,
  adLoad: { minUtility: number | null; removed: number } | null = null,
): string {
  const rounds = `${e.rounds} round${e.rounds === 1 ? '' : 's'}`;
  const degraded = d.degraded.length > 0 ? `; degraded: ${d.degraded.join(', ')}` : '';
  const floor =
    adLoad && adLoad.removed > 0
      ? `; the context agent's ad-load floor ${adLoad.minUtility} removed ${adLoad.removed}`
      : '';
  if (d.noAd) {
    return `no ad (${d.noAdReasons.join(', ')}) for ${momentOf(e.scenario)} after ${rounds}; ${e.candidatesConsidered} considered${floor}${degraded}`;
  }
  const ads = d.placements.map((p) => `${p.candidate.creativeId} [${p.candidate.tier}]`).join(', ');
  const explored = e.explored ? `; lead explored (p ${d.placements[0]!.propensity.toFixed(3)})` : '';
  const terms = Object.entries(e.terms)
    .map(([term, v]) => `${term} ${fmt(v)}`)
    .join(', ');
  return (
    `${d.placements.length} ad${d.placements.length === 1 ? '' : 's'} (${ads}) for ${momentOf(e.scenario)} after ${rounds}: ` +
    `utility ${fmt(e.utility)} (${terms}); ${e.candidatesConsidered} considered${explored}${floor}${degraded}`
  );
}

export function finish(
  req: DecisionRequest,
  deps: NegotiationDeps,
  state: DecisionState,
  committed: Committed | null,
  forcedReasons: ReasonCode[] | null,
  traceId: string,
): Decision {
  const placements = committed?.placed ?? [];
  const noAd = placements.length === 0;
  const degraded = state.degradedAgents();
  const base = {
    requestId: req.requestId,
    placements,
    noAd,
    noAdReasons: noAd ? noAdReasons(state, committed, forcedReasons) : [],
    degraded,
    dryRun: req.dryRun === true,
  };
  const explanation: Omit<DecisionExplanation, 'summary'> = {
    ...sumTerms(placements.map((p) => p.terms)),
    rounds: state.rounds,
    scenario: state.snapshot.scenario,
    agents: state.agents,
    traceId,
    runnersUp: runnersUp(state, committed),
    candidatesConsidered: state.seen.size,
    explored: (state.lead?.explored ?? false) && placements[0]?.propensity !== 0,
  };
  state.totalMs = (deps.clock ?? systemClock).now() - state.startedAt;
  if (degraded.length > 0) deps.log?.debug('decision degraded', { requestId: req.requestId, degraded });
  return {
    ...base,
    explanation: {
      ...explanation,
      summary: `${base.dryRun ? 'dry run, nothing reserved: ' : ''}${summaryLine(base, explanation, state.snapshot.adLoad ? { ...state.snapshot.adLoad, removed: state.adLoadRemoved } : null)}`,
    },
    trace: {
      snapshot: state.snapshot,
      rounds: state.trace,
      scored: state.eligible,
      overrides: state.applied,
      overridesVersion: deps.overrides?.version ?? 0,
      commitMs: state.commitMs,
      totalMs: state.totalMs,
      leadProbabilities: state.lead?.probabilities ?? null,
    },
  };
}
