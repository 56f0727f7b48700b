import { describe, expect, it } from 'vitest';
import { chooseLead, leadDistribution } from '../../../services/broker/explore';
import { decide } from '../../../services/broker/negotiation';
import type { Scored } from '../../../services/broker/pod';
import type { Tier } from '../../../services/common/domain/types';
import { cand, fakes, proposal, request, SLOT, SNAPSHOT } from './fakes';

const scored = (id: string, utility: number, tier: Tier = 'standard', pinned = false): Scored => ({
  candidate: cand(id, { tier }),
  terms: { terms: {}, utility },
  ...(pinned ? { pinned } : {}),
});

const probs = (d: ReturnType<typeof leadDistribution>) =>
  Object.fromEntries(d.map((x) => [x.scored.candidate.creativeId, x.p]));

describe('the lead distribution', () => {
  const four = [scored('c', 0.5), scored('a', 1.0), scored('d', 0.2), scored('b', 0.9)];

  it('is greedy without exploration and ε-greedy with it; it sums to 1', () => {
    expect(probs(leadDistribution(four, { epsilon: 0, temperature: 0 }))).toEqual({ a: 1, b: 0, c: 0, d: 0 });
    const p = probs(leadDistribution(four, { epsilon: 0.2, temperature: 0 }));
    expect(p.a).toBeCloseTo(0.85, 12);
    for (const id of ['b', 'c', 'd']) expect(p[id]).toBeCloseTo(0.05, 12);
  });

  it('with a temperature, spreads by utility: nearer the best, likelier', () => {
    const d = leadDistribution(four, { epsilon: 0.1, temperature: 0.5 });
    const p = probs(d);
    expect(d.reduce((s, x) => s + x.p, 0)).toBeCloseTo(1, 12);
    expect(p.a).toBeGreaterThan(p.b!);
    expect(p.b).toBeGreaterThan(p.c!);
    expect(p.c).toBeGreaterThan(p.d!);
    expect(p.d).toBeGreaterThan(0.1 / 4 - 1e-12);
  });

  it('never crosses a pin or a priority tier', () => {
    const tiered = [scored('s', 0.1, 'sponsorship'), scored('s2', 0.05, 'sponsorship'), scored('x', 5)];
    expect(Object.keys(probs(leadDistribution(tiered, { epsilon: 1, temperature: 0 })))).toEqual(['s', 's2']);
    const pinned = [scored('pin', 0, 'house', true), ...tiered];
    expect(probs(leadDistribution(pinned, { epsilon: 1, temperature: 3 }))).toEqual({ pin: 1 });
  });

  it('draws reproducibly per request id, at the stated frequencies', () => {
    const x = { epsilon: 0.4, temperature: 0 };
    expect(chooseLead(four, x, 'req-42')?.lead.candidate.creativeId).toBe(
      chooseLead(four, x, 'req-42')?.lead.candidate.creativeId,
    );
    const counts: Record<string, number> = {};
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const c = chooseLead(four, x, `req-${i}`)!;
      counts[c.lead.candidate.creativeId] = (counts[c.lead.candidate.creativeId] ?? 0) + 1;
      expect(c.propensity).toBe(c.probabilities.get(c.lead.candidate.creativeId));
      expect(c.explored).toBe(c.lead.candidate.creativeId !== 'a');
    }
    // 0.7 for the best, 0.1 each for the others; 4 standard errors of slack.
    expect(Math.abs(counts.a! / n - 0.7)).toBeLessThan(4 * Math.sqrt((0.7 * 0.3) / n));
    for (const id of ['b', 'c', 'd'])
      expect(Math.abs(counts[id]! / n - 0.1)).toBeLessThan(4 * Math.sqrt(0.09 / n));
  });
});

describe('a decision with exploration', () => {
  it('sometimes leads with another candidate, logs the propensity, and keeps the rest of the pod ranked', async () => {
    const f = fakes({ exploration: { epsilon: 0.5, temperature: 0 } });
    const slot = { ...SLOT, maxAds: 2, maxTotalDurationMs: 60_000 };
    f.behave.propose = async () =>
      proposal(
        [
          cand('best', { pSkip: 0.05, pComplete: 0.95 }),
          cand('good', { pSkip: 0.2, pComplete: 0.7 }),
          cand('meh', { pSkip: 0.5, pComplete: 0.4 }),
        ],
        { exhausted: true },
      );
    let explored = 0;
    const n = 200;
    for (let i = 0; i < n; i++) {
      const d = await decide(request({ requestId: `r-${i}`, slot }), f.deps);
      const [lead, second] = d.placements;
      expect(second?.propensity).toBe(1);
      if (lead!.candidate.creativeId === 'best') {
        expect(lead!.propensity).toBeCloseTo(0.5 + 0.5 / 3, 12);
        expect(second!.candidate.creativeId).toBe('good');
        expect(d.explanation.explored).toBe(false);
      } else {
        explored++;
        expect(lead!.propensity).toBeCloseTo(0.5 / 3, 12);
        expect(second!.candidate.creativeId).toBe('best');
        expect(d.explanation.explored).toBe(true);
        expect(d.explanation.summary).toMatch(/lead explored \(p 0\.167\)/);
      }
      expect(d.trace?.leadProbabilities?.get('meh')).toBeCloseTo(0.5 / 3, 12);
    }
    // Expected 1/3 of the decisions; far from 0 and from all.
    expect(explored).toBeGreaterThan(n * 0.2);
    expect(explored).toBeLessThan(n * 0.47);
  });

  it('without exploration every placement has propensity 1 and nothing is drawn', async () => {
    const f = fakes();
    f.behave.propose = async () => proposal([cand('best', { pSkip: 0.05 }), cand('meh', { pSkip: 0.5 })]);
    const d = await decide(request(), f.deps);
    expect(d.placements.map((p) => [p.candidate.creativeId, p.propensity])).toEqual([['best', 1]]);
    expect(d.trace?.leadProbabilities).toBeNull();
    expect(d.explanation.explored).toBe(false);
  });

  it('a drawn lead refused at commit leaves an unknown propensity (0), not a wrong one', async () => {
    const f = fakes({ exploration: { epsilon: 1, temperature: 0 } });
    f.behave.propose = async () => proposal([cand('a'), cand('b'), cand('c')], { exhausted: true });
    // 'a' is out of budget: drawn to lead, it is refused and the ranking's next takes its place.
    f.behave.commit = async (input) =>
      input.reservations.map((r) => ({
        creativeId: r.creativeId,
        reserved: r.creativeId !== 'a',
        reservationId: r.creativeId !== 'a' ? `res-${r.creativeId}` : '',
        reason: r.creativeId !== 'a' ? null : ('REASON_BUDGET_EXHAUSTED' as const),
      }));
    const seen = { unknown: 0, known: 0 };
    for (let i = 0; i < 30; i++) {
      const before = f.calls.commit.length;
      const d = await decide(request({ requestId: `q-${i}` }), f.deps);
      expect([...(d.trace?.leadProbabilities?.keys() ?? [])].sort()).toEqual(['a', 'b', 'c']);
      const [first] = d.placements;
      expect(first?.candidate.creativeId).not.toBe('a');
      const refusedLead = f.calls.commit[before]?.reservations[0]?.creativeId === 'a';
      if (refusedLead) {
        seen.unknown++;
        expect(first!.propensity).toBe(0);
        expect(d.explanation.explored).toBe(false);
      } else {
        seen.known++;
        expect(first!.propensity).toBeCloseTo(1 / 3, 12);
      }
    }
    expect(seen.unknown).toBeGreaterThan(0);
    expect(seen.known).toBeGreaterThan(0);
  });
});

describe('the ad-load floor', () => {
  it('leaves out ads worth less than the floor, with the reason, and keeps pins', async () => {
    const f = fakes({ minUtility: 1.2 });
    const slot = { ...SLOT, maxAds: 3, maxTotalDurationMs: 90_000 };
    // Utility = (pComplete − pSkip) + 0.5 (advertiser) + 20_000 / 30_000 (revenue).
    f.behave.propose = async () =>
      proposal(
        [
          cand('worth-it', { pSkip: 0.1, pComplete: 0.9 }), // 0.8 + 1.167
          cand('borderline', { pSkip: 0.4, pComplete: 0.5 }), // 0.1 + 1.167 = 1.267
          cand('annoying', { pSkip: 0.8, pComplete: 0.2 }), // −0.6 + 1.167 = 0.567
        ],
        { exhausted: true },
      );
    const d = await decide(request({ slot }), f.deps);
    expect(d.placements.map((p) => p.candidate.creativeId)).toEqual(['worth-it', 'borderline']);
    const why = d.explanation.runnersUp.find((r) => r.creativeId === 'annoying');
    expect(why?.reason).toBe('REASON_BELOW_MIN_UTILITY');
    expect(why?.detail).toMatch(/utility 0\.567 < 1\.2/);
    // Nothing worth it: no ad, and the reason says why.
    const none = fakes({ minUtility: 5 });
    none.behave.propose = f.behave.propose;
    const empty = await decide(request({ slot }), none.deps);
    expect(empty.noAd).toBe(true);
    expect(empty.noAdReasons).toContain('REASON_BELOW_MIN_UTILITY');
    expect(none.calls.commit).toHaveLength(0);
  });
});

describe("the context agent's ad-load floor", () => {
  const slot = { ...SLOT, maxAds: 3, maxTotalDurationMs: 90_000 };
  // Utilities as above: 1.967, 1.267, 0.567.
  const three = async () =>
    proposal(
      [
        cand('worth-it', { pSkip: 0.1, pComplete: 0.9 }),
        cand('borderline', { pSkip: 0.4, pComplete: 0.5 }),
        cand('annoying', { pSkip: 0.8, pComplete: 0.2 }),
      ],
      { exhausted: true },
    );
  const withAdLoad = (minUtility: number | null, settings: Parameters<typeof fakes>[0] = {}) => {
    const f = fakes(settings);
    f.behave.propose = three;
    f.behave.assess = async () => ({ ...SNAPSHOT, modelVersion: 'ctx-1+ad-load-7', adLoad: { minUtility } });
    return f;
  };
  const placed = (d: Awaited<ReturnType<typeof decide>>) => d.placements.map((p) => p.candidate.creativeId);

  it("is this decision's floor, and the explanation says it removed ads", async () => {
    const d = await decide(request({ slot }), withAdLoad(1.2).deps);
    expect(placed(d)).toEqual(['worth-it', 'borderline']);
    const why = d.explanation.runnersUp.find((r) => r.creativeId === 'annoying');
    expect(why?.reason).toBe('REASON_BELOW_MIN_UTILITY');
    expect(why?.detail).toBe("utility 0.567 < 1.2 (the context agent's ad-load floor)");
    expect(d.explanation.summary).toContain("the context agent's ad-load floor 1.2 removed 1");
    // The policy that decided shows in the context agent's model version.
    expect(d.explanation.agents.get('context')?.modelVersion).toBe('ctx-1+ad-load-7');
  });

  it('raises the configured floor, never lowers it (the operator sets a guardrail)', async () => {
    // Stricter than the broker's: the context agent's applies.
    expect(placed(await decide(request({ slot }), withAdLoad(1.5, { minUtility: 0 }).deps))).toEqual([
      'worth-it',
    ]);
    // "No floor", or a lower one, from the context agent leaves the broker's in place.
    for (const minUtility of [null, 0.5]) {
      const d = await decide(request({ slot }), withAdLoad(minUtility, { minUtility: 1.5 }).deps);
      expect(placed(d)).toEqual(['worth-it']);
      expect(d.explanation.runnersUp.find((r) => r.creativeId === 'borderline')?.detail).toBe(
        'utility 1.267 < 1.5',
      );
      expect(d.explanation.summary).not.toContain('ad-load floor');
    }
    // With nothing configured, its "no floor" serves all three.
    expect(placed(await decide(request({ slot }), withAdLoad(null).deps))).toHaveLength(3);
  });

  it("without one (an older or policy-less context agent), the broker's own applies", async () => {
    const f = fakes({ minUtility: 1.5 });
    f.behave.propose = three;
    const d = await decide(request({ slot }), f.deps);
    expect(placed(d)).toEqual(['worth-it']);
    expect(d.explanation.runnersUp.find((r) => r.creativeId === 'annoying')?.detail).toBe(
      'utility 0.567 < 1.5',
    );
    expect(d.explanation.summary).not.toContain('ad-load floor');
  });
});
