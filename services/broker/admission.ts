/**
 * Load shedding: whether the broker negotiates a Decide or answers it at
 * once without asking any agent. An overloaded broker otherwise answers
 * late: every decision it starts waits for agents that are as short of CPU
 * as it is, and the requests behind it wait for its event loop.
 *
 * A decision is shed when, on arrival,
 *  - `in_flight`: `maxInFlight` decisions are already negotiating;
 *  - `event_loop_lag`: the event loop runs more than `maxLagMs` behind (the
 *    request has already waited about that long before the broker saw it):
 *    on each of the last LAG_SAMPLES measurements, so a single stall (a
 *    garbage collection, a burst) does not shed the decisions after it;
 *  - `deadline_budget`: the time left, less that lag, is under `minBudgetMs`.
 * A shed decision is still answered, in time and cheaply: shedAgents() makes
 * its negotiation ask nobody, so it falls back on the catalogue's house ads
 * (fallbacks.ts; nothing is reserved), after the request's exclusions and the
 * overrides, and the answer says it was degraded by `shed`.
 *
 * Plain domain logic: the server measures the lag (watchEventLoopLag) and
 * tells the Admission; nothing here knows about sockets.
 */
import { errorWithoutStack } from '../common/errors';
import type { AgentSpec, NegotiationAgents } from './ports';

export interface AdmissionLimits {
  /** Decisions negotiating at once; one more is shed. 0 = no limit. */
  maxInFlight: number;
  /** Event-loop lag (ms) above which a decision is shed. 0 = no limit. */
  maxLagMs: number;
  /** A decision with less time than this left after the lag (ms) is shed. 0 = no limit. */
  minBudgetMs: number;
}

export type ShedReason = 'in_flight' | 'event_loop_lag' | 'deadline_budget';

/** The lag that counts is the smallest of this many latest measurements: a sustained lag, not one stall. */
export const LAG_SAMPLES = 5;

export class Admission {
  private inFlight = 0;
  private lagMs = 0;
  private readonly lags: number[] = [];

  constructor(readonly limits: AdmissionLimits) {}

  /** Decisions admitted and not yet done. */
  get decisionsInFlight(): number {
    return this.inFlight;
  }

  /** The event loop's sustained lag (ms): the smallest of the latest LAG_SAMPLES measurements. */
  get lag(): number {
    return this.lagMs;
  }

  /** One measurement of the event loop's lag (ms), from the server's timer. */
  observeLag(ms: number): void {
    this.lags.push(Math.max(0, ms));
    if (this.lags.length > LAG_SAMPLES) this.lags.shift();
    this.lagMs = Math.min(...this.lags);
  }

  /**
   * Whether a decision with `leftMs` to its deadline may negotiate: null =
   * admitted (it counts as in flight until done()), else why it is shed.
   */
  admit(leftMs: number): ShedReason | null {
    const l = this.limits;
    if (l.maxInFlight > 0 && this.inFlight >= l.maxInFlight) return 'in_flight';
    if (l.maxLagMs > 0 && this.lagMs > l.maxLagMs) return 'event_loop_lag';
    if (l.minBudgetMs > 0 && leftMs - this.lagMs < l.minBudgetMs) return 'deadline_budget';
    this.inFlight++;
    return null;
  }

  /** Why a decision is shed, for a person (the span event, the decision log). */
  detail(reason: ShedReason): string {
    const l = this.limits;
    const lag = Math.round(this.lagMs);
    switch (reason) {
      case 'in_flight':
        return `load shed: ${this.inFlight} decisions in flight (limit ${l.maxInFlight})`;
      case 'event_loop_lag':
        return `load shed: the event loop is ${lag} ms behind (limit ${l.maxLagMs} ms)`;
      case 'deadline_budget':
        return `load shed: less than ${l.minBudgetMs} ms left after ${lag} ms of event-loop lag`;
    }
  }

  /** An admitted decision finished (answered or failed). */
  done(): void {
    if (this.inFlight > 0) this.inFlight--;
  }
}

/** The name a shed decision's answer gives as degraded (and the metrics as the degraded part). */
export const SHED = 'shed';

/**
 * The agents of a shed decision: no agent is asked. Its one proposer stands
 * for the shedding and fails at once with `detail`, so the negotiation falls
 * back on the static house ranking (with no committer, only house ads, and
 * nothing reserved) and reports `shed` as degraded. The house ads' listener
 * value counts under `term`, the term of the proposer it stands in for.
 */
export function shedAgents(detail: string, term: string): NegotiationAgents {
  const spec: AgentSpec = { name: SHED, share: 1, failSmall: 'cached-ranking', term };
  return {
    context: null,
    proposers: [{ spec, propose: () => Promise.reject(errorWithoutStack(detail)) }],
    critics: [],
    committer: null,
  };
}

/**
 * Measures the event loop's lag every `intervalMs` (how late a timer fires)
 * and hands it to `onLag`; returns the function that stops it. The timer
 * does not keep the process alive.
 */
export function watchEventLoopLag(onLag: (ms: number) => void, intervalMs = 10): () => void {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    onLag(Math.max(0, now - last - intervalMs));
    last = now;
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
