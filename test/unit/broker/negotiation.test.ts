import { describe, expect, it } from 'vitest';
import { fallbackKey } from '../../../services/broker/fallbacks';
import type { DecisionRequest } from '../../../services/broker/negotiation';
import { decide } from '../../../services/broker/negotiation';
import { ATTR, SPAN } from '../../../services/common/semconv';
import { tracer } from '../../../services/common/telemetry';
import { spans, useMemorySpans } from '../../support/spans';
import {
  allEligible,
  cand,
  type Fakes,
  fakes,
  hang,
  proposal,
  request,
  SLOT,
  SNAPSHOT,
  withinDeadline,
} from './fakes';

useMemorySpans();

const placedIds = (d: Awaited<ReturnType<typeof decide>>) => d.placements.map((p) => p.candidate.creativeId);
const runnerUp = (d: Awaited<ReturnType<typeof decide>>, id: string) =>
  d.explanation.runnersUp.find((r) => r.creativeId === id);

describe('a decision', () => {
  it('serves the best candidate, commits it at its price and explains why', async () => {
    const f = fakes();
    f.behave.propose = async () =>
      proposal([cand('good', { pSkip: 0.1, pComplete: 0.9 }), cand('meh', { pSkip: 0.5, pComplete: 0.4 })], {
        removed: [{ creativeId: 'geo', reason: 'REASON_TARGETING_COUNTRY', detail: 'DE only' }],
      });
    const d = await decide(request(), f.deps);
    expect(d.noAd).toBe(false);
    expect(placedIds(d)).toEqual(['good']);
    expect(d.placements[0]).toMatchObject({ podPosition: 0, reservationId: 'res-good', priceMicros: 20_000 });
    expect(f.calls.commit).toEqual([
      {
        requestId: 'req-1',
        sessionId: 'sess-1',
        reservations: [{ creativeId: 'good', campaignId: 'camp-good', amountMicros: 20_000 }],
      },
    ]);
    const e = d.explanation;
    expect(e.terms.listener).toBeCloseTo(0.8);
    expect(e.terms.advertiser).toBeCloseTo(0.5);
    expect(e.terms.platform).toBeCloseTo(20_000 / 30_000);
    expect(e.utility).toBeCloseTo(0.8 + 0.5 + 20_000 / 30_000);
    expect(e).toMatchObject({
      rounds: 1,
      scenario: 'workout',
      candidatesConsidered: 2,
    });
    expect(Object.fromEntries([...e.agents].map(([name, a]) => [name, a.modelVersion]))).toEqual({
      context: 'ctx-v3',
      inventory: 'inv-v1',
      objective: 'obj-v2',
    });
    expect(runnerUp(d, 'meh')?.reason).toBe('REASON_OUTRANKED');
    expect(runnerUp(d, 'geo')?.reason).toBe('REASON_TARGETING_COUNTRY');
    expect(e.summary).toContain('good');
    expect(e.summary).toContain('workout');
    expect(d.degraded).toEqual([]);
  });

  it('says "an unknown scenario" in the summary when the context agent could not place the moment', async () => {
    const f = fakes();
    f.behave.assess = async () => ({ ...SNAPSHOT, scenario: 'unknown' });
    f.behave.propose = async () => proposal([cand('a')]);
    const d = await decide(request(), f.deps);
    expect(d.explanation.scenario).toBe('unknown');
    expect(d.explanation.summary).toMatch(/^1 ad \(a \[\w+\]\) for an unknown scenario after 1 round/);
  });

  it('passes the snapshot, exclusions and K to the agents', async () => {
    const f = fakes({ shortlistSize: 5 });
    f.behave.propose = async () => proposal([cand('a')]);
    await decide(request({ excludedAdvertisers: ['rival'], excludedCategories: ['gambling'] }), f.deps);
    expect(f.calls.propose[0]).toMatchObject({
      round: 1,
      shortlistSize: 5,
      context: SNAPSHOT,
      excludedAdvertisers: ['rival'],
      excludedCategories: ['gambling'],
      excludeCreatives: [],
    });
    expect(f.calls.evaluate[0]).toMatchObject({ round: 1, sessionId: 'sess-1', context: SNAPSHOT });
  });

  it('ranks sponsorship before standard before house, whatever the utility', async () => {
    const f = fakes();
    f.behave.propose = async () =>
      proposal([
        cand('std', { tier: 'standard', priceMicros: 30_000, pSkip: 0, pComplete: 1 }),
        cand('spon', { tier: 'sponsorship', priceMicros: 3_000, pSkip: 0.5, pComplete: 0.5 }),
        cand('house', { tier: 'house', priceMicros: 0 }),
      ]);
    const d = await decide(request(), f.deps);
    expect(placedIds(d)).toEqual(['spon']);
    expect(runnerUp(d, 'std')?.reason).toBe('REASON_LOWER_PRIORITY_TIER');
    expect(runnerUp(d, 'house')?.reason).toBe('REASON_LOWER_PRIORITY_TIER');
  });

  it('assembles a pod within max ads and duration, keeping competitors apart', async () => {
    const f = fakes();
    f.behave.propose = async () =>
      proposal([
        cand('a', { advertiserId: 'acme', durationMs: 15_000, pComplete: 0.9 }),
        cand('a2', { advertiserId: 'acme', durationMs: 10_000, pComplete: 0.85 }),
        cand('b', {
          advertiserId: 'bolt',
          separationCategories: ['auto'],
          durationMs: 10_000,
          pComplete: 0.8,
        }),
        cand('c', {
          advertiserId: 'car',
          separationCategories: ['auto'],
          durationMs: 5_000,
          pComplete: 0.75,
        }),
        cand('d', { advertiserId: 'dice', durationMs: 10_000, pComplete: 0.7 }),
        cand('e', { advertiserId: 'echo', durationMs: 5_000, pComplete: 0.6 }),
      ]);
    const d = await decide(request({ slot: { ...SLOT, maxAds: 3, maxTotalDurationMs: 30_000 } }), f.deps);
    expect(placedIds(d)).toEqual(['a', 'b', 'e']);
    expect(d.placements.map((p) => p.podPosition)).toEqual([0, 1, 2]);
    expect(d.placements.reduce((s, p) => s + p.candidate.durationMs, 0)).toBeLessThanOrEqual(30_000);
    expect(runnerUp(d, 'a2')?.reason).toBe('REASON_COMPETITIVE_SEPARATION');
    expect(runnerUp(d, 'c')?.reason).toBe('REASON_COMPETITIVE_SEPARATION');
    expect(runnerUp(d, 'd')?.reason).toBe('REASON_POD_FULL');
    expect(d.explanation.utility).toBeCloseTo(d.placements.reduce((s, p) => s + p.terms.utility, 0));
  });

  it('never sells a paid ad below the price floor, but a free house ad may fill', async () => {
    const f = fakes({ priceFloorMicros: 5_000 });
    f.behave.propose = async () =>
      proposal([
        cand('cheap', { priceMicros: 4_999, pComplete: 1, pSkip: 0 }),
        cand('house', { tier: 'house', priceMicros: 0 }),
      ]);
    const d = await decide(request(), f.deps);
    expect(placedIds(d)).toEqual(['house']);
    expect(runnerUp(d, 'cheap')?.reason).toBe('REASON_BELOW_PRICE_FLOOR');
    expect(f.calls.evaluate[0]!.candidates.map((c) => c.creativeId)).toEqual(['house']);
    expect(f.calls.commit[0]!.reservations).toEqual([
      { creativeId: 'house', campaignId: 'camp-house', amountMicros: 0 },
    ]);
  });

  it('drops candidates of excluded advertisers or categories even when the agent proposes them', async () => {
    const f = fakes();
    f.behave.propose = async () =>
      proposal([cand('x', { advertiserId: 'rival' }), cand('y', { category: 'gambling' }), cand('z')]);
    const d = await decide(
      request({ excludedAdvertisers: ['rival'], excludedCategories: ['Gambling'] }),
      f.deps,
    );
    expect(placedIds(d)).toEqual(['z']);
    expect(runnerUp(d, 'x')?.reason).toBe('REASON_EXCLUDED_ADVERTISER');
    expect(runnerUp(d, 'y')?.reason).toBe('REASON_EXCLUDED_CATEGORY');
  });
});

describe('no ad', () => {
  it('says NO_INVENTORY when nothing is proposed', async () => {
    const f = fakes();
    const d = await decide(request(), f.deps);
    expect(d).toMatchObject({ noAd: true, placements: [], noAdReasons: ['REASON_NO_INVENTORY'] });
    expect(f.calls.commit).toEqual([]);
  });

  it('says NO_ELIGIBLE_CANDIDATES with the reasons candidates were removed for', async () => {
    const f = fakes({ maxRounds: 1 });
    f.behave.propose = async () => proposal([cand('a'), cand('b'), cand('c', { priceMicros: 1 })]);
    f.behave.evaluate = async (input) => ({
      values: input.candidates.map((c) => ({
        creativeId: c.creativeId,
        eligible: false,
        reason: 'REASON_FREQUENCY_CAP' as const,
        detail: 'heard twice',
        advertiserValue: 0,
        pacingMultiplier: 1,
        goal: 'awareness' as const,
      })),
      modelVersion: 'obj-v2',
    });
    const d = await decide(request(), f.deps);
    expect(d.noAd).toBe(true);
    expect(d.noAdReasons).toEqual([
      'REASON_NO_ELIGIBLE_CANDIDATES',
      'REASON_FREQUENCY_CAP',
      'REASON_BELOW_PRICE_FLOOR',
    ]);
    expect(f.calls.commit).toEqual([]);
    expect(d.explanation.summary).toContain('no ad');
  });

  it('says DEADLINE_TOO_SHORT, without calling any agent, when there is no time', async () => {
    const f = fakes();
    const d = await decide(request({ deadline: Date.now() }), f.deps);
    expect(d.noAdReasons).toEqual(['REASON_DEADLINE_TOO_SHORT']);
    expect(f.calls.assess + f.calls.propose.length + f.calls.evaluate.length + f.calls.commit.length).toBe(0);
  });

  it('says COMMIT_REJECTED when every reservation is refused', async () => {
    const f = fakes();
    f.behave.propose = async () => proposal([cand('a'), cand('b')]);
    f.behave.commit = async (input) =>
      input.reservations.map((r) => ({
        creativeId: r.creativeId,
        reserved: false,
        reservationId: '',
        reason: 'REASON_BUDGET_EXHAUSTED' as const,
      }));
    const d = await decide(request(), f.deps);
    expect(d.noAd).toBe(true);
    expect(d.noAdReasons[0]).toBe('REASON_COMMIT_REJECTED');
    expect(d.noAdReasons).toContain('REASON_BUDGET_EXHAUSTED');
    expect(f.calls.commit).toHaveLength(2); // the first choice, then the next best once
  });
});

describe('rounds', () => {
  it('asks for more when round 1 was mostly rejected, excluding what was already seen', async () => {
    const f = fakes();
    f.behave.propose = async (input) =>
      input.round === 1 ? proposal([cand('r1'), cand('r2')]) : proposal([cand('n1'), cand('n2')]);
    f.behave.evaluate = async (input) => {
      const counter = await allEligible(input);
      for (const v of counter.values) {
        if (v.creativeId.startsWith('r'))
          Object.assign(v, { eligible: false, reason: 'REASON_BUDGET_EXHAUSTED' });
      }
      return counter;
    };
    const d = await decide(request(), f.deps);
    expect(f.calls.propose.map((p) => p.round)).toEqual([1, 2]);
    expect(f.calls.propose[1]!.excludeCreatives.sort()).toEqual(['r1', 'r2']);
    expect(d.explanation.rounds).toBe(2);
    expect(placedIds(d)).toEqual(['n1']);
    expect(d.explanation.candidatesConsidered).toBe(4);
  });

  it('stops when a round does not improve the pod, well before maxRounds', async () => {
    const f = fakes({ maxRounds: 6 });
    let n = 0;
    f.behave.propose = async () => proposal([cand(`c${n++}`)]);
    f.behave.evaluate = async (input) => ({
      values: input.candidates.map((c) => ({
        creativeId: c.creativeId,
        eligible: false,
        reason: 'REASON_PACING_THROTTLED' as const,
        detail: '',
        advertiserValue: 0,
        pacingMultiplier: 0,
        goal: 'awareness' as const,
      })),
      modelVersion: 'obj',
    });
    const d = await decide(request(), f.deps);
    expect(f.calls.propose).toHaveLength(2);
    expect(d.explanation.rounds).toBe(2);
    expect(d.noAd).toBe(true);
  });

  it('needs no second round when round 1 fills the pod', async () => {
    const f = fakes();
    f.behave.propose = async () => proposal([cand('a'), cand('b')]);
    const d = await decide(request(), f.deps);
    expect(f.calls.propose).toHaveLength(1);
    expect(d.explanation.rounds).toBe(1);
  });

  it('keeps asking to fill a pod while rounds improve it, up to maxRounds', async () => {
    const f = fakes({ maxRounds: 3 });
    f.behave.propose = async (input) => proposal([cand(`p${input.round}`)]);
    const d = await decide(request({ slot: { ...SLOT, maxAds: 5, maxTotalDurationMs: 120_000 } }), f.deps);
    expect(f.calls.propose).toHaveLength(3);
    expect(placedIds(d).sort()).toEqual(['p1', 'p2', 'p3']);
  });

  it('stops asking when the inventory says it is exhausted', async () => {
    const f = fakes();
    f.behave.propose = async () => proposal([cand('only')], { exhausted: true });
    await decide(request({ slot: { ...SLOT, maxAds: 3, maxTotalDurationMs: 60_000 } }), f.deps);
    expect(f.calls.propose).toHaveLength(1);
  });

  it('records a span per round with its number and counts', async () => {
    const f = fakes();
    f.behave.propose = async () => proposal([cand('a'), cand('b', { priceMicros: 1 })]);
    const root = tracer().startSpan('test-root');
    const d = await decide(request({ span: root }), f.deps);
    root.end();
    const rounds = spans.get().filter((s) => s.name === SPAN.round);
    expect(rounds).toHaveLength(1);
    expect(rounds[0]!.attributes).toMatchObject({
      [ATTR.round]: 1,
      [ATTR.candidatesProposed]: 2,
      [ATTR.candidatesEligible]: 1,
      [ATTR.candidatesRemoved]: 1,
    });
    expect(rounds[0]!.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(d.explanation.traceId).toBe(root.spanContext().traceId);
    expect(d.explanation.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('commit', () => {
  it('replaces a rejected ad with the next best, once', async () => {
    const f = fakes();
    f.behave.propose = async () =>
      proposal([
        cand('first', { pComplete: 0.9 }),
        cand('second', { pComplete: 0.8 }),
        cand('third', { pComplete: 0.7 }),
      ]);
    f.behave.commit = async (input) =>
      input.reservations.map((r) => ({
        creativeId: r.creativeId,
        reserved: r.creativeId !== 'first',
        reservationId: r.creativeId === 'first' ? '' : `res-${r.creativeId}`,
        reason: r.creativeId === 'first' ? ('REASON_BUDGET_EXHAUSTED' as const) : null,
      }));
    const d = await decide(request(), f.deps);
    expect(f.calls.commit.map((c) => c.reservations.map((r) => r.creativeId))).toEqual([
      ['first'],
      ['second'],
    ]);
    expect(placedIds(d)).toEqual(['second']);
    expect(d.placements[0]!.reservationId).toBe('res-second');
    expect(runnerUp(d, 'first')?.reason).toBe('REASON_BUDGET_EXHAUSTED');
  });

  it('keeps the reserved ads of a pod and only re-commits the replacement', async () => {
    const f = fakes();
    f.behave.propose = async () =>
      proposal([cand('a', { pComplete: 0.9 }), cand('b', { pComplete: 0.8 }), cand('c', { pComplete: 0.7 })]);
    f.behave.commit = async (input) =>
      input.reservations.map((r) => ({
        creativeId: r.creativeId,
        reserved: r.creativeId !== 'b',
        reservationId: r.creativeId === 'b' ? '' : `res-${r.creativeId}`,
        reason: r.creativeId === 'b' ? ('REASON_COMMIT_REJECTED' as const) : null,
      }));
    const d = await decide(request({ slot: { ...SLOT, maxAds: 2, maxTotalDurationMs: 30_000 } }), f.deps);
    expect(f.calls.commit.map((c) => c.reservations.map((r) => r.creativeId))).toEqual([['a', 'b'], ['c']]);
    expect(placedIds(d)).toEqual(['a', 'c']);
  });
});

describe('failing small', () => {
  /**
   * Real timers. A decision must settle before a plain timer set for its
   * deadline fires (see withinDeadline): fair on a loaded machine, since
   * timers fire in due order, and the hanging fakes never answer at all.
   */
  const DEADLINE_MS = 200;

  const decideWithin = (ms: number, f: Fakes, over: Partial<DecisionRequest> = {}) => {
    const req = request({ ...over, deadline: Date.now() + ms });
    return withinDeadline(ms, () => decide(req, f.deps));
  };

  it('uses a default snapshot when the context agent hangs, and answers in time', async () => {
    const f = fakes();
    f.behave.assess = () => hang();
    f.behave.propose = async () => proposal([cand('a')]);
    const d = await decideWithin(DEADLINE_MS, f);
    expect(d.degraded).toEqual(['context']);
    expect(f.calls.propose[0]!.context).toMatchObject({ scenario: 'commute', isDefault: true });
    expect(d.explanation.scenario).toBe('commute');
    expect(placedIds(d)).toEqual(['a']);
  });

  it('uses a default snapshot when the context agent throws', async () => {
    const f = fakes();
    f.behave.assess = async () => {
      throw new Error('boom');
    };
    f.behave.propose = async () => proposal([cand('a')]);
    const d = await decide(request(), f.deps);
    expect(d.degraded).toEqual(['context']);
    expect(placedIds(d)).toEqual(['a']);
  });

  it('falls back on the cached ranking when the inventory agent hangs', async () => {
    const f = fakes();
    f.behave.propose = async () => proposal([cand('cached-a'), cand('cached-b')]);
    await decide(request(), f.deps); // primes the cache for (mid, workout, SE)
    f.behave.propose = () => hang();
    f.calls.commit.length = 0;
    const d = await decideWithin(DEADLINE_MS, f);
    expect(d.degraded).toEqual(['inventory']);
    expect(placedIds(d)).toEqual(['cached-a']);
    expect(d.explanation.agents.get('inventory')?.modelVersion).toBe('cached:inv-v1');
    expect(f.calls.commit).toHaveLength(1); // cached candidates still go through the objective agent
  });

  it('says NO_INVENTORY, degraded, when the inventory agent throws and nothing is cached', async () => {
    const f = fakes();
    f.behave.propose = async () => {
      throw new Error('down');
    };
    const d = await decide(request(), f.deps);
    expect(d).toMatchObject({ noAd: true, noAdReasons: ['REASON_NO_INVENTORY'], degraded: ['inventory'] });
  });

  it('falls back on the static house ranking when nothing is cached', async () => {
    const f = fakes();
    f.deps.staticRanking = () => [cand('promo', { tier: 'house', priceMicros: 0 })];
    f.behave.propose = async () => {
      throw new Error('down');
    };
    const d = await decide(request(), f.deps);
    expect(d.degraded).toEqual(['inventory']);
    expect(placedIds(d)).toEqual(['promo']);
    expect(d.explanation.agents.get('inventory')?.degraded).toBe(true);
    expect(d.trace?.rounds[0]?.modelVersion).toBe('static:house');
  });

  it('never commits a paid ad when the objective agent hangs: house only, in time', async () => {
    const f = fakes();
    f.behave.propose = async () =>
      proposal([
        cand('paid', { pComplete: 1, pSkip: 0 }),
        cand('spon', { tier: 'sponsorship' }),
        cand('house', { tier: 'house', priceMicros: 0 }),
      ]);
    f.behave.evaluate = () => hang();
    const d = await decideWithin(DEADLINE_MS, f);
    expect(d.degraded).toEqual(['objective']);
    expect(f.calls.commit).toEqual([]);
    expect(placedIds(d)).toEqual(['house']);
    expect(d.placements[0]).toMatchObject({ reservationId: '', priceMicros: 0 });
    expect(runnerUp(d, 'paid')?.reason).toBe('REASON_HOUSE_ONLY_GUARD');
    expect(runnerUp(d, 'spon')?.reason).toBe('REASON_HOUSE_ONLY_GUARD');
  });

  it('serves house only when the commit itself hangs', async () => {
    const f = fakes();
    f.behave.propose = async () => proposal([cand('paid'), cand('house', { tier: 'house', priceMicros: 0 })]);
    f.behave.commit = () => hang();
    const d = await decideWithin(DEADLINE_MS, f);
    expect(d.degraded).toEqual(['objective']);
    expect(f.calls.commit).toHaveLength(1);
    expect(placedIds(d)).toEqual(['house']);
    expect(d.placements[0]!.reservationId).toBe('');
  });

  it('answers before its deadline when every agent hangs', async () => {
    const f = fakes();
    f.behave.assess = () => hang();
    f.behave.propose = () => hang();
    f.behave.evaluate = () => hang();
    f.behave.commit = () => hang();
    f.deps.staticRanking = () => [cand('promo', { tier: 'house', priceMicros: 0 })];
    const d = await decideWithin(50, f);
    expect(d.degraded).toEqual(['context', 'inventory', 'objective']);
    expect(placedIds(d)).toEqual(['promo']);
    expect(f.calls.commit).toEqual([]);
  });

  it('treats a late round-2 proposal as degraded inventory but keeps round 1', async () => {
    const f = fakes();
    f.behave.propose = (input) => (input.round === 1 ? Promise.resolve(proposal([cand('a')])) : hang());
    const d = await decideWithin(DEADLINE_MS, f, {
      slot: { ...SLOT, maxAds: 2, maxTotalDurationMs: 60_000 },
    });
    expect(f.calls.propose).toHaveLength(2);
    expect(d.degraded).toEqual(['inventory']);
    expect(placedIds(d)).toEqual(['a']);
  });

  it('remembers proposals per position, scenario and country', async () => {
    const f = fakes();
    f.behave.propose = async () => proposal([cand('a')]);
    await decide(request(), f.deps);
    const hit = f.deps.fallbacks.lookup(fallbackKey('inventory', 'mid', 'workout', 'SE'));
    expect(hit?.candidates.map((c) => c.creativeId)).toEqual(['a']);
  });
});

describe('more critics (the agent seam)', () => {
  /** A second critic: vetoes `b`, says nothing of `c`, values the rest at −1 under its term. */
  function judge(behave: () => Promise<void> = async () => undefined) {
    const calls: string[][] = [];
    const port = {
      spec: { name: 'judge', share: 0.25, failSmall: 'pass' as const, term: 'judgement' },
      critique: async (input: { candidates: Array<{ creativeId: string }> }) => {
        calls.push(input.candidates.map((c) => c.creativeId));
        await behave();
        return {
          modelVersion: 'judge-v1',
          verdicts: input.candidates
            .filter((c) => c.creativeId !== 'c')
            .map((c) => ({
              creativeId: c.creativeId,
              eligible: c.creativeId !== 'b',
              reason: c.creativeId === 'b' ? ('REASON_UNSUITABLE_CONTENT' as const) : null,
              detail: c.creativeId === 'b' ? 'too dark' : '',
              value: -1,
              pacingMultiplier: 0,
              goal: '' as const,
            })),
        };
      },
    };
    return { port, calls };
  }

  it('asks every critic in parallel; a veto removes with its reason, no verdict removes, a value joins the utility under its term and weight', async () => {
    const f = fakes({ weights: { listener: 1, advertiser: 1, platform: 1, judgement: 0.5 } });
    const j = judge();
    f.deps.agents.critics.push(j.port);
    f.behave.propose = async () => proposal([cand('a'), cand('b'), cand('c')]);
    const d = await decide(request(), f.deps);
    expect(j.calls).toEqual([['a', 'b', 'c']]);
    expect(placedIds(d)).toEqual(['a']);
    expect(runnerUp(d, 'b')).toMatchObject({ reason: 'REASON_UNSUITABLE_CONTENT', detail: 'too dark' });
    expect(runnerUp(d, 'c')).toMatchObject({
      reason: 'REASON_UNSPECIFIED',
      detail: 'judge returned no verdict for it',
    });
    const t = d.placements[0]!.terms;
    expect(t.terms.judgement).toBe(-1);
    expect(t.utility).toBeCloseTo(t.terms.listener! + t.terms.advertiser! + t.terms.platform! - 0.5);
    expect(d.explanation.agents.get('judge')).toMatchObject({
      modelVersion: 'judge-v1',
      degraded: false,
      calls: 1,
    });
    expect(d.trace?.rounds[0]?.critiques.get('judge')?.verdicts).toHaveLength(2);
  });

  it('a critic that fails small with `pass` is left out: nothing vetoed, its term absent, the decision says it was degraded', async () => {
    const f = fakes();
    const j = judge(() => Promise.reject(new Error('down')));
    f.deps.agents.critics.push(j.port);
    f.behave.propose = async () => proposal([cand('a'), cand('b')]);
    const d = await decide(request(), f.deps);
    expect(d.degraded).toEqual(['judge']);
    expect(d.explanation.agents.get('judge')).toMatchObject({
      degraded: true,
      fallback: 'verdicts left out',
    });
    expect(placedIds(d)).toHaveLength(1);
    expect(d.placements[0]!.reservationId).not.toBe(''); // paid ads still sell: no guard
    expect(d.placements[0]!.terms.terms.judgement).toBeUndefined();
  });
});
