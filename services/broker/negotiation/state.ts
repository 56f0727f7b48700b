/**
 * Everything one decision accumulates while it runs: the context, every
 * round's proposals and verdicts, the eligible and removed candidates, and
 * what each agent did (its model version, the time spent waiting for it,
 * whether its fail-small default stood in). Reports are keyed by the
 * agent's registry name, so a new agent shows in explanations, the decision
 * log, traces and metrics without code that names it.
 */
import type { Span } from '@opentelemetry/api';
import type { Candidate, Critique, Rejection, Signals, Snapshot } from '../../common/domain/types';
import { messageOf } from '../../common/errors';
import type { LeadChoice } from '../explore';
import type { AppliedOverride } from '../overrides';
import type { Scored } from '../pod';
import type { AgentSpec } from '../ports';

/** One agent's part in one decision. */
export interface AgentReport {
  modelVersion: string;
  /** Time spent waiting for it (ms), summed over its calls. */
  elapsedMs: number;
  calls: number;
  degraded: boolean;
  /** What stood in when degraded (e.g. "default snapshot"); '' otherwise. */
  fallback: string;
}

/** What one round saw: the decision log records it. */
export interface RoundTrace {
  round: number;
  /** Where the candidates came from: the proposers, a cached ranking, the static house ranking, or none. */
  source: 'agent' | 'cache' | 'static' | 'none';
  /** Model versions of the proposals this round used. */
  modelVersion: string;
  proposed: Candidate[];
  /** Removed by the proposers' own hard eligibility. */
  removedByProposers: Rejection[];
  /** Removed by the broker: request exclusions, overrides, duration, price floor, guard, critics. */
  screened: Rejection[];
  /** Each critic's verdicts this round, by agent name. */
  critiques: Map<string, Critique>;
  guard: boolean;
}

/** The snapshot used when no context agent answers in time. */
export function defaultSnapshot(signals: Signals): Snapshot {
  return {
    scenario: signals.activityHint,
    focusLevel: 0.5,
    receptiveness: 0.5,
    skipRisk: 0.5,
    features: [],
    modelVersion: '',
    sessionAdsHeard: 0,
    isDefault: true,
  };
}

export const GUARD_DETAIL = 'no committer available: only house ads are served';

export function guardRejection(c: Candidate, detail = GUARD_DETAIL): Rejection {
  return { creativeId: c.creativeId, reason: 'REASON_HOUSE_ONLY_GUARD', detail };
}

export class DecisionState {
  /** Each agent's part, in registry order. */
  readonly agents = new Map<string, AgentReport>();
  readonly seen = new Set<string>();
  /** Eligible candidates from every round. */
  eligible: Scored[] = [];
  /** Candidates removed before ranking (broker screening, critics' vetoes, guard). */
  readonly rejected: Rejection[] = [];
  /** Candidates the context agent's ad-load floor removed (snapshot.adLoad). */
  adLoadRemoved = 0;
  /** Candidates removed by the proposers' own hard eligibility (reported last). */
  readonly removedByProposers: Rejection[] = [];
  /** House-only guard: paid ads are never committed (a critic or the committer failed, or none exists). */
  guard = false;
  guardDetail = GUARD_DETAIL;
  rounds = 0;
  snapshot: Snapshot;
  readonly trace: RoundTrace[] = [];
  readonly applied: AppliedOverride[] = [];
  /** The exploring draw of the lead ad; null when exploration is off. */
  lead: LeadChoice | null = null;
  /** Time spent in the commit (ms). */
  commitMs = 0;
  totalMs = 0;

  constructor(
    signals: Signals,
    readonly startedAt: number,
    /** The decision's span when sampled: degradations become events on it. */
    readonly span: Span | null,
    /** The negotiation's agents, in registry order: every one gets a report, called or not. */
    agents: readonly AgentSpec[] = [],
  ) {
    this.snapshot = defaultSnapshot(signals);
    for (const a of agents) this.report(a);
  }

  report(spec: AgentSpec): AgentReport {
    let r = this.agents.get(spec.name);
    if (!r) {
      r = { modelVersion: '', elapsedMs: 0, calls: 0, degraded: false, fallback: '' };
      this.agents.set(spec.name, r);
    }
    return r;
  }

  /** Counts one call to `spec` that took `ms`, answered by `modelVersion` (when it answered). */
  called(spec: AgentSpec, ms: number, modelVersion?: string): void {
    const r = this.report(spec);
    r.calls++;
    r.elapsedMs += ms;
    if (modelVersion !== undefined) r.modelVersion = modelVersion;
  }

  degrade(spec: AgentSpec, why: unknown, fallback: string): void {
    const r = this.report(spec);
    r.degraded = true;
    if (!r.fallback) r.fallback = fallback;
    this.span?.addEvent(`${spec.name} degraded`, { reason: messageOf(why), fallback });
  }

  /** The agents that were degraded, in registry order. */
  degradedAgents(): string[] {
    const out: string[] = [];
    for (const [name, r] of this.agents) if (r.degraded) out.push(name);
    return out;
  }

  /** Switches to the house-only guard: paid candidates are never committed. */
  enterGuard(detail: string): void {
    this.guard = true;
    this.guardDetail = detail;
    const keep: Scored[] = [];
    for (const s of this.eligible) {
      if (s.candidate.tier === 'house') keep.push(s);
      else this.rejected.push(guardRejection(s.candidate, detail));
    }
    this.eligible = keep;
  }
}
