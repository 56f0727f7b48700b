/**
 * One ad decision: context → rounds of propose/counter → pod assembly →
 * commit, inside the request deadline, failing small when an agent is slow,
 * down or wrong. Pure domain code: it talks to the agents only through the
 * ports, takes the time from a clock and never opens a socket.
 *
 * Deadline budget (of the time left, minus a small margin for the reply):
 *   context ≤ 20% │ negotiation rounds │ commit ≥ 20% (reserved)
 * Every agent call is bounded by its share, so a hanging agent costs at most
 * that share and the decision still answers in time.
 *
 * Fail small:
 *   context late/down   → default snapshot from the activity hint   (context degraded)
 *   inventory late/down → cached proposal for (position, scenario, country),
 *                         else the catalogue's house ads                  (inventory degraded)
 *   objective late/down → house-only guard: paid ads are never committed    (objective degraded)
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { Config } from '../common/config';
import type {
  Candidate,
  CandidateValue,
  CommitResult,
  Counter,
  Part,
  Proposal,
  ReasonCode,
  Rejection,
  Scenario,
  Signals,
  Slot,
  Snapshot,
} from '../common/domain/types';
import { messageOf } from '../common/grpc/errors';
import type { Logger } from '../common/log';
import { ATTR, SPAN } from '../common/semconv';
import { withSpan } from '../common/telemetry';
import { chooseLead, type ExplorationSettings, type LeadChoice } from './explore';
import { type FallbackCache, fallbackKey, type StaticRanking } from './fallbacks';
import { ActiveOverrides, type AppliedOverride, type OverrideContext } from './overrides';
import { assemblePod, compareScored, type Loser, type Pod, podUtility, type Scored } from './pod';
import type { ContextPort, InventoryPort, ObjectivePort } from './ports';
import {
  belowPriceFloor,
  costMicros,
  sumTerms,
  type UtilitySettings,
  type UtilityTerms,
  utilityOf,
} from './utility';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface NegotiationSettings extends UtilitySettings {
  maxRounds: number;
  shortlistSize: number;
  /** How the lead ad is drawn (explore.ts); absent = always the best. */
  exploration?: ExplorationSettings;
  /**
   * Ad load: an ad whose joint utility is below this is not served (a pin
   * still is); absent = every eligible ad may fill the pod.
   */
  minUtility?: number;
}

/**
 * The negotiation settings in `config` without exploration or an ad-load
 * floor: how the broker ranks, and how the simulator evaluates a policy.
 */
export function rankingSettings(config: Config): NegotiationSettings {
  return {
    weights: config.weights,
    revenueScaleMicros: config.revenueScaleMicros,
    priceFloorMicros: config.priceFloorMicros,
    maxRounds: config.maxRounds,
    shortlistSize: config.shortlistSize,
  };
}

/** Everything the broker decides with, as configured. */
export function brokerSettings(config: Config): NegotiationSettings {
  return {
    ...rankingSettings(config),
    exploration: config.exploration,
    ...(config.minUtility === null ? {} : { minUtility: config.minUtility }),
  };
}

export interface NegotiationDeps {
  context: ContextPort;
  inventory: InventoryPort;
  objective: ObjectivePort;
  fallbacks: FallbackCache;
  /** House ads to fall back on when the inventory agent fails and nothing is cached. */
  staticRanking?: StaticRanking;
  settings: NegotiationSettings;
  /** People's overrides (admin service): hard constraints on this decision. */
  overrides?: ActiveOverrides;
  clock?: Clock;
  log?: Logger;
}

export interface DecisionRequest {
  requestId: string;
  slot: Slot;
  signals: Signals;
  excludedAdvertisers: string[];
  excludedCategories: string[];
  /** Absolute time (epoch ms, on the deps' clock) by which the answer is due. */
  deadline: number;
}

export interface Placement {
  podPosition: number;
  candidate: Candidate;
  /** The objective agent's reservation; '' for a house ad served under the guard. */
  reservationId: string;
  /** What the advertiser pays for this impression. */
  priceMicros: number;
  terms: UtilityTerms;
  /**
   * The probability with which this ad was chosen: for the lead (position 0)
   * the exploring draw's (explore.ts); later positions follow the ranking
   * given the lead (1). 0 = unknown: the drawn lead was refused at commit
   * and another took its place.
   */
  propensity: number;
}

export interface DecisionExplanation extends UtilityTerms {
  rounds: number;
  scenario: Scenario;
  contextModelVersion: string;
  inventoryModelVersion: string;
  objectiveModelVersion: string;
  traceId: string;
  runnersUp: Rejection[];
  summary: string;
  candidatesConsidered: number;
  /** The lead was drawn by exploration, not the ranking's best. */
  explored: boolean;
}

/** What one round saw: the decision log records it (services/broker/decision-log.ts). */
export interface RoundTrace {
  round: number;
  source: 'agent' | 'cache' | 'static' | 'none';
  modelVersion: string;
  proposed: Candidate[];
  removedByInventory: Rejection[];
  /** Removed by the broker: request exclusions, overrides, duration, price floor, guard, objective. */
  screened: Rejection[];
  counter: CandidateValue[] | null;
  guard: boolean;
}

export interface DecisionTimings {
  contextMs: number;
  inventoryMs: number;
  objectiveMs: number;
  commitMs: number;
  totalMs: number;
}

/** Everything behind a decision, for the decision log. Built from references the decision holds anyway. */
export interface DecisionTrace {
  snapshot: Snapshot;
  rounds: RoundTrace[];
  /** Every eligible candidate with its utility terms (and pin / boost). */
  scored: Scored[];
  overrides: AppliedOverride[];
  overridesVersion: number;
  timings: DecisionTimings;
  /** Each candidate's probability of leading the pod (creative id → p); null when nothing was drawn. */
  leadProbabilities: ReadonlyMap<string, number> | null;
}

export interface Decision {
  requestId: string;
  placements: Placement[];
  noAd: boolean;
  noAdReasons: ReasonCode[];
  explanation: DecisionExplanation;
  degraded: Part[];
  /** Set by decide(); absent on a Decision built by hand. */
  trace?: DecisionTrace;
}

/** How the time left is shared out. */
export const BUDGET = {
  /** Context assessment: at most this share of the usable time. */
  contextShare: 0.2,
  /** Reserved for the commit (and one retry). */
  commitShare: 0.2,
  /** Kept back for the reply itself: this share, clamped to [min, max] ms. */
  marginShare: 0.1,
  minMarginMs: 1,
  maxMarginMs: 10,
} as const;

export const MAX_RUNNERS_UP = 10;
const MAX_EXTRA_NO_AD_REASONS = 4;
const PARTS_ORDER: readonly Part[] = ['context', 'inventory', 'objective'];

/** Rejects with a timeout error when `fn` does not settle within `ms` (never calls it when ms < 1). */
export async function withTimeout<T>(
  what: string,
  ms: number,
  fn: (timeoutMs: number) => Promise<T>,
): Promise<T> {
  if (!(ms >= 1)) throw new Error(`${what}: no time left`);
  const timeoutMs = Math.floor(ms);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => fn(timeoutMs)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The snapshot used when the context agent does not answer. */
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

function activeTraceId(): string {
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && isSpanContextValid(sc) ? sc.traceId : '';
}

/** Everything one decision accumulates. */
class DecisionState {
  readonly degraded = new Set<Part>();
  readonly seen = new Set<string>();
  /** Eligible candidates from every round. */
  eligible: Scored[] = [];
  /** Candidates removed before ranking (inventory, broker screening, objective, guard). */
  readonly rejected: Rejection[] = [];
  /** Candidates removed by the inventory agent's hard eligibility (reported last). */
  readonly removedByInventory: Rejection[] = [];
  /** Objective agent is down or late: house-only guard. */
  guard = false;
  rounds = 0;
  snapshot: Snapshot;
  inventoryModelVersion = '';
  objectiveModelVersion = '';
  readonly trace: RoundTrace[] = [];
  readonly applied: AppliedOverride[] = [];
  /** The exploring draw of the lead ad; null when exploration is off. */
  lead: LeadChoice | null = null;
  readonly timings: DecisionTimings = {
    contextMs: 0,
    inventoryMs: 0,
    objectiveMs: 0,
    commitMs: 0,
    totalMs: 0,
  };

  constructor(
    signals: Signals,
    readonly startedAt: number,
  ) {
    this.snapshot = defaultSnapshot(signals);
  }

  degrade(part: Part, why: unknown): void {
    this.degraded.add(part);
    trace.getActiveSpan()?.addEvent(`${part} degraded`, { reason: messageOf(why) });
  }

  /** Switches to the house-only guard: paid candidates are never committed. */
  enterGuard(why: unknown): void {
    if (!this.guard) this.degrade('objective', why);
    this.guard = true;
    const keep: Scored[] = [];
    for (const s of this.eligible) {
      if (s.candidate.tier === 'house') keep.push(s);
      else this.rejected.push(guardRejection(s.candidate));
    }
    this.eligible = keep;
  }
}

const GUARD_DETAIL = 'objective agent unavailable: only house ads are served';

function guardRejection(c: Candidate): Rejection {
  return { creativeId: c.creativeId, reason: 'REASON_HOUSE_ONLY_GUARD', detail: GUARD_DETAIL };
}

/** Runs one decision. Never throws for an agent's failure; always answers by `req.deadline`. */
export async function decide(req: DecisionRequest, deps: NegotiationDeps): Promise<Decision> {
  const clock = deps.clock ?? systemClock;
  const start = clock.now();
  const state = new DecisionState(req.signals, start);
  const total = req.deadline - start;
  const margin = Math.min(BUDGET.maxMarginMs, Math.max(BUDGET.minMarginMs, total * BUDGET.marginShare));
  const usable = total - margin;
  if (usable < 1) return finish(req, deps, state, [], null, ['REASON_DEADLINE_TOO_SHORT']);

  const contextEnd = start + usable * BUDGET.contextShare;
  const negotiationEnd = start + usable * (1 - BUDGET.commitShare);
  const finishBy = start + usable;

  // Context.
  try {
    state.snapshot = await withTimeout('context assess', contextEnd - clock.now(), (ms) =>
      deps.context.assess(req.signals, ms),
    );
  } catch (err) {
    state.snapshot = defaultSnapshot(req.signals);
    state.degrade('context', err);
  }
  state.timings.contextMs = clock.now() - start;

  // Negotiation rounds.
  if (negotiationEnd - clock.now() < 1) {
    return finish(req, deps, state, [], null, ['REASON_DEADLINE_TOO_SHORT']);
  }
  let previousUtility = Number.NEGATIVE_INFINITY;
  while (state.rounds < deps.settings.maxRounds) {
    const roundStart = clock.now();
    if (negotiationEnd - roundStart < 1) break;
    const round = state.rounds + 1;
    const outcome = await withSpan(SPAN.round, { attributes: { [ATTR.round]: round } }, async (span) => {
      const r = await runRound(req, deps, state, round, negotiationEnd, clock);
      span.setAttribute(ATTR.candidatesProposed, r.offered);
      span.setAttribute(ATTR.candidatesEligible, r.offered - r.rejected);
      span.setAttribute(ATTR.candidatesRemoved, r.rejected);
      return r;
    });
    state.rounds = round;
    // Another round only while the pod's best joint utility can still improve.
    const pod = assemblePod(state.eligible, req.slot);
    const utility = podUtility(pod);
    const improved = utility > previousUtility + 1e-9;
    previousUtility = Math.max(previousUtility, utility);
    const podShort = pod.placed.length < req.slot.maxAds;
    const mostlyRejected = outcome.rejected * 2 > outcome.offered;
    const roundMs = clock.now() - roundStart;
    const more =
      !outcome.final &&
      outcome.offered > 0 &&
      improved &&
      (podShort || mostlyRejected) &&
      negotiationEnd - clock.now() >= Math.max(1, roundMs);
    if (!more) break;
  }

  // Ad load: below the floor an ad is not worth the listener's attention.
  const floor = deps.settings.minUtility;
  if (floor !== undefined) {
    state.eligible = state.eligible.filter((s) => {
      if (s.pinned || s.terms.utility >= floor) return true;
      state.rejected.push({
        creativeId: s.candidate.creativeId,
        reason: 'REASON_BELOW_MIN_UTILITY',
        detail: `utility ${s.terms.utility.toFixed(3)} < ${floor}`,
      });
      return false;
    });
  }

  // Exploration: draw the lead ad (logged with its propensity).
  const x = deps.settings.exploration;
  if (x && (x.epsilon > 0 || x.temperature > 0)) {
    state.lead = chooseLead(state.eligible, x, req.requestId);
    const lead = state.lead?.explored ? state.lead.lead.candidate.creativeId : null;
    if (lead)
      state.eligible = state.eligible.map((s) =>
        s.candidate.creativeId === lead ? { ...s, lead: true } : s,
      );
  }

  // Commit.
  const committed = await commitPod(req, deps, state, finishBy, clock);
  return finish(req, deps, state, committed.placed, committed, null);
}

/** The cached ranking for this slot, else the static house ranking, else null. */
function fallbackProposal(
  req: DecisionRequest,
  deps: NegotiationDeps,
  state: DecisionState,
  nowMs: number,
): { proposal: Proposal; source: 'cache' | 'static' } | null {
  const cached = deps.fallbacks.lookup(
    fallbackKey(req.slot.position, state.snapshot.scenario, req.signals.country),
  );
  if (cached)
    return { proposal: { ...cached, modelVersion: `cached:${cached.modelVersion}` }, source: 'cache' };
  const house = deps.staticRanking?.(req.signals, nowMs) ?? [];
  if (house.length === 0) return null;
  return {
    proposal: {
      candidates: house,
      removed: [],
      modelVersion: 'static:house',
      eligibleTotal: house.length,
      exhausted: true,
    },
    source: 'static',
  };
}

interface RoundOutcome {
  /** New candidates this round brought (after de-duplication). */
  offered: number;
  /** Of those, how many were removed (screening, objective, guard). */
  rejected: number;
  /** No further round can help (inventory exhausted, failed, or served from cache). */
  final: boolean;
}

async function runRound(
  req: DecisionRequest,
  deps: NegotiationDeps,
  state: DecisionState,
  round: number,
  negotiationEnd: number,
  clock: Clock,
): Promise<RoundOutcome> {
  const s = deps.settings;
  const overrides = deps.overrides ?? ActiveOverrides.EMPTY;
  const octx: OverrideContext = {
    scenario: state.snapshot.scenario,
    explicit: req.signals.explicitContent,
    nowMs: clock.now(),
  };
  const trace: RoundTrace = {
    round,
    source: 'agent',
    modelVersion: '',
    proposed: [],
    removedByInventory: [],
    screened: [],
    counter: null,
    guard: state.guard,
  };
  state.trace.push(trace);
  // Inventory proposes; while the objective agent is up it gets half of the time left.
  let proposal: Proposal;
  let final = false;
  const proposeStart = clock.now();
  const proposeMs = (negotiationEnd - proposeStart) * (state.guard ? 1 : 0.5);
  try {
    proposal = await withTimeout('inventory propose', proposeMs, (ms) =>
      deps.inventory.propose(
        {
          requestId: req.requestId,
          round,
          slot: req.slot,
          signals: req.signals,
          context: state.snapshot,
          excludedAdvertisers: req.excludedAdvertisers,
          excludedCategories: req.excludedCategories,
          shortlistSize: s.shortlistSize,
          excludeCreatives: [...state.seen],
        },
        ms,
      ),
    );
    state.inventoryModelVersion = proposal.modelVersion;
    final = proposal.exhausted;
    if (round === 1) {
      deps.fallbacks.remember(
        fallbackKey(req.slot.position, state.snapshot.scenario, req.signals.country),
        proposal,
      );
    }
  } catch (err) {
    state.degrade('inventory', err);
    final = true;
    const fallback = round === 1 ? fallbackProposal(req, deps, state, clock.now()) : null;
    state.timings.inventoryMs += clock.now() - proposeStart;
    if (!fallback) {
      trace.source = 'none';
      return { offered: 0, rejected: 0, final };
    }
    proposal = fallback.proposal;
    state.inventoryModelVersion = proposal.modelVersion;
    trace.source = fallback.source;
  }
  if (trace.source === 'agent') state.timings.inventoryMs += clock.now() - proposeStart;
  trace.modelVersion = proposal.modelVersion;
  trace.proposed = proposal.candidates;
  trace.removedByInventory = proposal.removed;
  state.removedByInventory.push(...proposal.removed);

  // Broker-side screening (also protects against a stale cache or a sloppy agent).
  const excludedAdvertisers = new Set(req.excludedAdvertisers);
  const excludedCategories = new Set(req.excludedCategories.map((c) => c.toLowerCase()));
  const offered: Candidate[] = [];
  let rejected = 0;
  const reject = (c: Candidate, reason: ReasonCode, detail: string) => {
    const r = { creativeId: c.creativeId, reason, detail };
    state.rejected.push(r);
    trace.screened.push(r);
    rejected++;
  };
  for (const c of proposal.candidates) {
    if (state.seen.has(c.creativeId)) continue;
    state.seen.add(c.creativeId);
    const blocked = overrides.screen(c, octx);
    if (blocked) {
      state.applied.push(blocked.applied);
      reject(c, blocked.reason, blocked.detail);
    } else if (excludedAdvertisers.has(c.advertiserId)) {
      reject(c, 'REASON_EXCLUDED_ADVERTISER', c.advertiserId);
    } else if (excludedCategories.has(c.category.toLowerCase())) {
      reject(c, 'REASON_EXCLUDED_CATEGORY', c.category);
    } else if (c.durationMs > req.slot.maxTotalDurationMs) {
      reject(c, 'REASON_DURATION_TOO_LONG', `${c.durationMs} ms > ${req.slot.maxTotalDurationMs} ms`);
    } else if (belowPriceFloor(c, s.priceFloorMicros)) {
      reject(c, 'REASON_BELOW_PRICE_FLOOR', `${c.priceMicros} < floor ${s.priceFloorMicros} micros`);
    } else offered.push(c);
  }
  const considered = rejected + offered.length;

  // Objective counters.
  let counter: Counter | null = null;
  const evaluateStart = clock.now();
  if (!state.guard && offered.length > 0) {
    try {
      counter = await withTimeout('objective evaluate', negotiationEnd - clock.now(), (ms) =>
        deps.objective.evaluate(
          {
            requestId: req.requestId,
            round,
            sessionId: req.signals.sessionId,
            context: state.snapshot,
            candidates: offered,
          },
          ms,
        ),
      );
      state.objectiveModelVersion = counter.modelVersion;
    } catch (err) {
      state.enterGuard(err);
    }
    state.timings.objectiveMs += clock.now() - evaluateStart;
  }
  trace.counter = counter?.values ?? null;
  trace.guard = state.guard;
  const values = new Map((counter?.values ?? []).map((v) => [v.creativeId, v]));
  const score = (c: Candidate, advertiserValue: number): Scored => {
    const adj = overrides.adjust(c, octx);
    const terms = utilityOf(c, advertiserValue, s);
    if (adj.applied.length === 0 && adj.separation.length === 0) return { candidate: c, terms };
    state.applied.push(...adj.applied);
    const candidate =
      adj.separation.length > 0
        ? { ...c, separationCategories: [...c.separationCategories, ...adj.separation] }
        : c;
    return {
      candidate,
      terms: { ...terms, utility: terms.utility + adj.boost },
      pinned: adj.pinned,
      boost: adj.boost,
    };
  };
  for (const c of offered) {
    if (state.guard) {
      if (c.tier === 'house') state.eligible.push(score(c, 0));
      else reject(c, 'REASON_HOUSE_ONLY_GUARD', GUARD_DETAIL);
      continue;
    }
    const v = values.get(c.creativeId);
    if (!v) reject(c, 'REASON_UNSPECIFIED', 'the objective agent returned no value for it');
    else if (!v.eligible) reject(c, v.reason ?? 'REASON_UNSPECIFIED', v.detail);
    else state.eligible.push(score(c, v.advertiserValue));
  }
  return { offered: considered, rejected, final };
}

interface Committed {
  placed: Placement[];
  /** The last pod assembled (for the losers and their reasons). */
  pod: Pod;
  commitRejections: Rejection[];
}

/**
 * Reserves spend for the chosen pod. A rejected ad is dropped and the next
 * best may take its place, once, if time allows. Under the guard nothing is
 * committed and only house ads (cost 0) can be in the pod.
 */
async function commitPod(
  req: DecisionRequest,
  deps: NegotiationDeps,
  state: DecisionState,
  finishBy: number,
  clock: Clock,
): Promise<Committed> {
  const fixed: Array<{ scored: Scored; reservationId: string }> = [];
  const dropped = new Set<string>();
  const commitRejections: Rejection[] = [];
  let pod: Pod = { placed: [], losers: [] };
  for (let attempt = 0; attempt < 2; attempt++) {
    const pool = state.eligible.filter((s) => !dropped.has(s.candidate.creativeId));
    pod = assemblePod(
      pool,
      req.slot,
      fixed.map((f) => f.scored),
    );
    const fixedIds = new Set(fixed.map((f) => f.scored.candidate.creativeId));
    const fresh = pod.placed.filter((s) => !fixedIds.has(s.candidate.creativeId));
    if (fresh.length === 0) break;
    if (state.guard) {
      for (const s of fresh) fixed.push({ scored: s, reservationId: '' });
      break;
    }
    const left = finishBy - clock.now();
    if (attempt > 0 && left < 1) {
      for (const s of fresh) {
        commitRejections.push({
          creativeId: s.candidate.creativeId,
          reason: 'REASON_DEADLINE_TOO_SHORT',
          detail: 'no time left to reserve a replacement',
        });
      }
      break;
    }
    let results: CommitResult[];
    const commitStart = clock.now();
    try {
      results = await withTimeout('objective commit', attempt === 0 ? (left * 2) / 3 : left, (ms) =>
        deps.objective.commit(
          {
            requestId: req.requestId,
            sessionId: req.signals.sessionId,
            reservations: fresh.map((s) => ({
              creativeId: s.candidate.creativeId,
              campaignId: s.candidate.campaignId,
              amountMicros: costMicros(s.candidate),
            })),
          },
          ms,
        ),
      );
    } catch (err) {
      // Unknown whether anything was reserved: unsettled reservations expire
      // (reservationTtlMs), so the safe move is to serve house ads only.
      state.timings.commitMs += clock.now() - commitStart;
      state.enterGuard(err);
      continue;
    }
    state.timings.commitMs += clock.now() - commitStart;
    const byId = new Map(results.map((r) => [r.creativeId, r]));
    for (const s of fresh) {
      const r = byId.get(s.candidate.creativeId);
      if (r?.reserved && r.reservationId) fixed.push({ scored: s, reservationId: r.reservationId });
      else {
        dropped.add(s.candidate.creativeId);
        commitRejections.push({
          creativeId: s.candidate.creativeId,
          reason: r?.reason && r.reason !== 'REASON_UNSPECIFIED' ? r.reason : 'REASON_COMMIT_REJECTED',
          detail: r ? 'the objective agent refused the reservation' : 'no commit result for it',
        });
      }
    }
    if (dropped.size === 0) break;
  }
  const placed = fixed
    .sort((a, b) => compareScored(a.scored, b.scored))
    .map((f, i) => ({
      podPosition: i,
      candidate: f.scored.candidate,
      reservationId: f.reservationId,
      priceMicros: costMicros(f.scored.candidate),
      terms: f.scored.terms,
      propensity: i > 0 ? 1 : leadPropensity(state, f.scored),
    }));
  const span = trace.getActiveSpan();
  span?.setAttribute(ATTR.reservations, placed.filter((p) => p.reservationId).length);
  span?.setAttribute(ATTR.rejectedCommits, commitRejections.length);
  return { placed, pod, commitRejections };
}

function leadPropensity(state: DecisionState, first: Scored): number {
  if (!state.lead) return 1;
  return state.lead.lead.candidate.creativeId === first.candidate.creativeId ? state.lead.propensity : 0;
}

function runnersUp(state: DecisionState, committed: Committed | null): Rejection[] {
  const placedIds = new Set(committed?.placed.map((p) => p.candidate.creativeId) ?? []);
  const losers: Loser[] = (committed?.pod.losers ?? []).filter(
    (l) => !placedIds.has(l.scored.candidate.creativeId),
  );
  const out: Rejection[] = [
    ...losers.map((l) => ({ creativeId: l.scored.candidate.creativeId, reason: l.reason, detail: l.detail })),
    ...(committed?.commitRejections ?? []),
    ...state.rejected,
    ...state.removedByInventory,
  ];
  const seen = new Set<string>();
  return out
    .filter((r) => {
      if (seen.has(r.creativeId)) return false;
      seen.add(r.creativeId);
      return true;
    })
    .slice(0, MAX_RUNNERS_UP);
}

function noAdReasons(
  state: DecisionState,
  committed: Committed | null,
  forced: ReasonCode[] | null,
): ReasonCode[] {
  let primary: ReasonCode;
  if (forced) return forced;
  if (state.seen.size === 0) primary = 'REASON_NO_INVENTORY';
  else if (state.eligible.length === 0) primary = 'REASON_NO_ELIGIBLE_CANDIDATES';
  else primary = 'REASON_COMMIT_REJECTED';
  // The most frequent reasons candidates were removed for, after the primary one.
  const counts = new Map<ReasonCode, number>();
  for (const r of [...(committed?.commitRejections ?? []), ...state.rejected, ...state.removedByInventory]) {
    if (r.reason !== primary && r.reason !== 'REASON_UNSPECIFIED')
      counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
  }
  const extra = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_EXTRA_NO_AD_REASONS)
    .map(([reason]) => reason);
  return [primary, ...extra];
}

function summaryLine(
  d: Omit<Decision, 'explanation' | 'trace'>,
  e: Omit<DecisionExplanation, 'summary'>,
): string {
  const rounds = `${e.rounds} round${e.rounds === 1 ? '' : 's'}`;
  const degraded = d.degraded.length > 0 ? `; degraded: ${d.degraded.join(', ')}` : '';
  if (d.noAd) {
    return `no ad (${d.noAdReasons.join(', ')}) for ${e.scenario} after ${rounds}; ${e.candidatesConsidered} considered${degraded}`;
  }
  const ads = d.placements.map((p) => `${p.candidate.creativeId} [${p.candidate.tier}]`).join(', ');
  const explored = e.explored ? `; lead explored (p ${d.placements[0]!.propensity.toFixed(3)})` : '';
  return (
    `${d.placements.length} ad${d.placements.length === 1 ? '' : 's'} (${ads}) for ${e.scenario} after ${rounds}: ` +
    `utility ${e.utility.toFixed(3)} (listener ${e.listenerValue.toFixed(3)}, advertiser ${e.advertiserValue.toFixed(3)}, ` +
    `revenue ${e.platformRevenue.toFixed(3)}); ${e.candidatesConsidered} considered${explored}${degraded}`
  );
}

function finish(
  req: DecisionRequest,
  deps: NegotiationDeps,
  state: DecisionState,
  placements: Placement[],
  committed: Committed | null,
  forcedReasons: ReasonCode[] | null,
): Decision {
  const noAd = placements.length === 0;
  const degraded = PARTS_ORDER.filter((p) => state.degraded.has(p));
  const base = {
    requestId: req.requestId,
    placements,
    noAd,
    noAdReasons: noAd ? noAdReasons(state, committed, forcedReasons) : [],
    degraded,
  };
  const explanation: Omit<DecisionExplanation, 'summary'> = {
    ...sumTerms(placements.map((p) => p.terms)),
    rounds: state.rounds,
    scenario: state.snapshot.scenario,
    contextModelVersion: state.snapshot.modelVersion,
    inventoryModelVersion: state.inventoryModelVersion,
    objectiveModelVersion: state.objectiveModelVersion,
    traceId: activeTraceId(),
    runnersUp: runnersUp(state, committed),
    candidatesConsidered: state.seen.size,
    explored: (state.lead?.explored ?? false) && placements[0]?.propensity !== 0,
  };
  state.timings.totalMs = (deps.clock ?? systemClock).now() - state.startedAt;
  const decision: Decision = {
    ...base,
    explanation: { ...explanation, summary: summaryLine(base, explanation) },
    trace: {
      snapshot: state.snapshot,
      rounds: state.trace,
      scored: state.eligible,
      overrides: state.applied,
      overridesVersion: deps.overrides?.version ?? 0,
      timings: state.timings,
      leadProbabilities: state.lead?.probabilities ?? null,
    },
  };
  if (degraded.length > 0) deps.log?.debug('decision degraded', { requestId: req.requestId, degraded });
  return decision;
}
