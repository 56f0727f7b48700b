/**
 * One negotiation round: the proposers offer candidates (in parallel), the
 * broker screens them (request exclusions, overrides, duration, price
 * floor), the critics judge the rest (in parallel), and every candidate no
 * one vetoed is scored with the joint utility.
 *
 * Fail small, per the failing agent's registry entry:
 *   proposer late/down, round 1 → its cached ranking for this slot, else
 *                                 the catalogue's house ads (cached-ranking)
 *   critic late/down            → house-only guard: paid ads are never
 *                                 committed (house-only), or its verdicts are
 *                                 left out and nothing is vetoed (pass)
 * An agent that failed once in a decision is not asked again in it.
 */
import type { Span } from '@opentelemetry/api';
import type {
  Candidate,
  Critique,
  Proposal,
  ReasonCode,
  Rejection,
  Verdict,
} from '../../common/domain/types';
import { fallbackKey } from '../fallbacks';
import { ActiveOverrides, type OverrideContext } from '../overrides';
import type { Scored } from '../pod';
import type { CriticPort, ProposerPort } from '../ports';
import { belowPriceFloor, utilityOf } from '../utility';
import type { DecisionRequest, NegotiationDeps } from './deps';
import type { DecisionState, RoundTrace } from './state';

export interface RoundOutcome {
  /** New candidates this round brought (after de-duplication). */
  offered: number;
  /** Of those, how many were removed (screening, critics, guard). */
  rejected: number;
  /** No further round can help (every proposer exhausted or failed, or a fallback served). */
  final: boolean;
}

/** Time limits of one round: its end, and the decision's usable time that agents' shares are of. */
export interface RoundClock {
  now(): number;
  negotiationEnd: number;
  usableMs: number;
}

/** The time one call to an agent of `share` may take, ending no later than `end`. */
export function hopTimeout(share: number, usableMs: number, end: number, now: number): number {
  return Math.min(share * usableMs, end - now);
}

interface Offer {
  proposer: ProposerPort;
  proposal: Proposal;
  source: RoundTrace['source'];
}

export async function runRound(
  req: DecisionRequest,
  deps: NegotiationDeps,
  state: DecisionState,
  round: number,
  clock: RoundClock,
  /** The round's span when the decision is sampled: the parent of its calls' spans. */
  parent: Span | null,
): Promise<RoundOutcome> {
  const trace: RoundTrace = {
    round,
    source: 'agent',
    modelVersion: '',
    proposed: [],
    removedByProposers: [],
    screened: [],
    critiques: new Map(),
    guard: state.guard,
  };
  state.trace.push(trace);

  // Proposals: while critics are to be asked, the proposers get half of the time left.
  const critics = deps.agents.critics.filter((c) => !state.report(c.spec).degraded);
  const proposeEnd = clock.now() + (clock.negotiationEnd - clock.now()) * (critics.length > 0 ? 0.5 : 1);
  const offers = await propose(req, deps, state, round, proposeEnd, clock, parent);
  const final = offers.every((o) => o.source !== 'agent' || o.proposal.exhausted);
  if (offers.length === 0) {
    trace.source = 'none';
    return { offered: 0, rejected: 0, final: true };
  }
  trace.source = offers.some((o) => o.source === 'agent') ? 'agent' : offers[0]!.source;
  trace.modelVersion = offers.map((o) => o.proposal.modelVersion).join(',');

  // Broker-side screening (also protects against a stale cache or a sloppy agent).
  const overrides = deps.overrides ?? ActiveOverrides.EMPTY;
  const octx: OverrideContext = {
    scenario: state.snapshot.scenario,
    explicit: req.signals.explicitContent,
    nowMs: clock.now(),
  };
  const s = deps.settings;
  const excludedAdvertisers = new Set(req.excludedAdvertisers);
  const excludedCategories = new Set(req.excludedCategories.map((c) => c.toLowerCase()));
  const offered: Array<{ candidate: Candidate; proposer: ProposerPort }> = [];
  let rejected = 0;
  const reject = (c: Candidate, reason: ReasonCode, detail: string) => {
    const r: Rejection = { creativeId: c.creativeId, reason, detail };
    state.rejected.push(r);
    trace.screened.push(r);
    rejected++;
  };
  for (const { proposer, proposal } of offers) {
    trace.proposed.push(...proposal.candidates);
    trace.removedByProposers.push(...proposal.removed);
    state.removedByProposers.push(...proposal.removed);
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
      } else if (state.guard && c.tier !== 'house') {
        reject(c, 'REASON_HOUSE_ONLY_GUARD', state.guardDetail);
      } else offered.push({ candidate: c, proposer });
    }
  }
  const considered = rejected + offered.length;

  // Critics judge what is left, in parallel.
  const verdicts = offered.length > 0 ? await critique(req, deps, state, round, offered, clock, parent) : [];
  for (const [name, critiqueOf] of verdicts) trace.critiques.set(name, critiqueOf.critique);
  trace.guard = state.guard;

  // Score what no one vetoed.
  for (const { candidate: c, proposer } of offered) {
    if (state.guard && c.tier !== 'house') {
      reject(c, 'REASON_HOUSE_ONLY_GUARD', state.guardDetail);
      continue;
    }
    const values: Array<{ term: string; value: number }> = [];
    let veto: Verdict | null = null;
    let missing = '';
    for (const [name, v] of verdicts) {
      const verdict = v.byId.get(c.creativeId);
      if (!verdict) {
        missing = name;
        break;
      }
      if (!verdict.eligible) {
        veto = verdict;
        break;
      }
      values.push({ term: v.term, value: verdict.value });
    }
    if (missing) reject(c, 'REASON_UNSPECIFIED', `${missing} returned no verdict for it`);
    else if (veto) reject(c, veto.reason ?? 'REASON_UNSPECIFIED', veto.detail);
    else state.eligible.push(score(c, proposer.spec.term, values, deps, state, overrides, octx));
  }
  return { offered: considered, rejected, final };
}

function score(
  c: Candidate,
  proposerTerm: string,
  values: Array<{ term: string; value: number }>,
  deps: NegotiationDeps,
  state: DecisionState,
  overrides: ActiveOverrides,
  octx: OverrideContext,
): Scored {
  const adj = overrides.adjust(c, octx);
  const terms = utilityOf(c, proposerTerm, values, deps.settings);
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
}

/** Every proposer's offer this round (those that failed give way to their fallback in round 1). */
async function propose(
  req: DecisionRequest,
  deps: NegotiationDeps,
  state: DecisionState,
  round: number,
  end: number,
  clock: RoundClock,
  parent: Span | null,
): Promise<Offer[]> {
  const proposers = deps.agents.proposers.filter((p) => round === 1 || !state.report(p.spec).degraded);
  const excludeCreatives = [...state.seen];
  const settled = await Promise.all(
    proposers.map(async (proposer): Promise<Offer | null> => {
      const started = clock.now();
      try {
        const proposal = await proposer.propose(
          {
            requestId: req.requestId,
            round,
            slot: req.slot,
            signals: req.signals,
            context: state.snapshot,
            excludedAdvertisers: req.excludedAdvertisers,
            excludedCategories: req.excludedCategories,
            shortlistSize: deps.settings.shortlistSize,
            excludeCreatives,
          },
          Math.max(1, hopTimeout(proposer.spec.share, clock.usableMs, end, started)),
          parent,
        );
        state.called(proposer.spec, clock.now() - started, proposal.modelVersion);
        if (round === 1) deps.fallbacks.remember(cacheKey(proposer, req, state), proposal);
        return { proposer, proposal, source: 'agent' };
      } catch (err) {
        state.called(proposer.spec, clock.now() - started);
        if (round > 1) {
          state.degrade(proposer.spec, err, 'none (later round)');
          return null;
        }
        const cached = deps.fallbacks.lookup(cacheKey(proposer, req, state));
        state.degrade(proposer.spec, err, cached ? 'cached ranking' : 'house ads');
        if (!cached) return null;
        state.report(proposer.spec).modelVersion = `cached:${cached.modelVersion}`;
        return {
          proposer,
          proposal: { ...cached, modelVersion: `cached:${cached.modelVersion}`, exhausted: true },
          source: 'cache',
        };
      }
    }),
  );
  const offers = settled.filter((o): o is Offer => o !== null);
  // Nothing from any proposer, not even a cached ranking: the catalogue's house ads.
  if (offers.length === 0 && round === 1 && proposers.length > 0) {
    const house = deps.staticRanking?.(req.signals, clock.now()) ?? [];
    if (house.length > 0) {
      offers.push({
        proposer: proposers[0]!,
        proposal: {
          candidates: house,
          removed: [],
          modelVersion: 'static:house',
          eligibleTotal: house.length,
          exhausted: true,
        },
        source: 'static',
      });
    }
  }
  return offers;
}

function cacheKey(proposer: ProposerPort, req: DecisionRequest, state: DecisionState): string {
  return fallbackKey(proposer.spec.name, req.slot.position, state.snapshot.scenario, req.signals.country);
}

interface CriticVerdicts {
  term: string;
  critique: Critique;
  byId: Map<string, Verdict>;
}

/** Each answering critic's verdicts, by agent name (registry order); a failing critic fails small. */
async function critique(
  req: DecisionRequest,
  deps: NegotiationDeps,
  state: DecisionState,
  round: number,
  offered: ReadonlyArray<{ candidate: Candidate }>,
  clock: RoundClock,
  parent: Span | null,
): Promise<Array<[string, CriticVerdicts]>> {
  const critics = deps.agents.critics.filter((c) => !state.report(c.spec).degraded);
  const candidates = offered.map((o) => o.candidate);
  const results = await Promise.all(
    critics.map(async (critic: CriticPort): Promise<[string, CriticVerdicts] | null> => {
      const started = clock.now();
      try {
        const c = await critic.critique(
          {
            requestId: req.requestId,
            round,
            signals: req.signals,
            context: state.snapshot,
            candidates,
          },
          Math.max(1, hopTimeout(critic.spec.share, clock.usableMs, clock.negotiationEnd, started)),
          parent,
        );
        state.called(critic.spec, clock.now() - started, c.modelVersion);
        const byId = new Map<string, Verdict>();
        for (const v of c.verdicts) byId.set(v.creativeId, v);
        return [critic.spec.name, { term: critic.spec.term, critique: c, byId }];
      } catch (err) {
        state.called(critic.spec, clock.now() - started);
        if (critic.spec.failSmall === 'house-only') {
          state.degrade(critic.spec, err, 'house-only guard');
          state.enterGuard(`${critic.spec.name} unavailable: only house ads are served`);
        } else {
          state.degrade(critic.spec, err, 'verdicts left out');
        }
        return null;
      }
    }),
  );
  return results.filter((r): r is [string, CriticVerdicts] => r !== null);
}
