import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIFT,
  defaultScenario,
  isHeldOut,
  type SimScenario,
  Simulator,
  type SurveyResult,
} from '../../../sim/index';
import { decayed, encode, wearFactor, yesProbability } from '../../../sim/lift';
import { type Policy, runDay } from './helpers';

const HOUR = 3_600_000;

function scenario(lift: Partial<SimScenario['lift']> = {}, size = 400): SimScenario {
  const sc = defaultScenario();
  sc.population.size = size;
  sc.lift = { ...DEFAULT_LIFT, ...lift };
  return sc;
}

/** The n-th creative that fits the slot, cycling by handle, leaving out the listener's held-out campaigns. */
const respectful: Policy = (r, sim) => {
  const held = new Set(r.heldOutCampaigns);
  const fitting = [...sim.catalogue.creatives.values()].filter(
    (c) => c.durationMs <= r.slot.maxTotalDurationMs && !held.has(c.campaignId),
  );
  return fitting.length === 0 ? [] : [fitting[r.handle % fitting.length]!.id];
};

/** Pools every wave's answers per group: the campaign-level lift over the horizon. */
function pooled(results: readonly SurveyResult[]) {
  let en = 0;
  let ey = 0;
  let cn = 0;
  let cy = 0;
  for (const r of results) {
    en += r.exposedN;
    ey += r.exposedYes;
    cn += r.controlN;
    cy += r.controlYes;
  }
  return { en, cn, exposed: ey / en, control: cy / cn, lift: ey / en - cy / cn };
}

describe('brand memory: build-up, wear-out, decay', () => {
  const p = DEFAULT_LIFT;

  it('builds up with diminishing returns: each fresh exposure adds less than the one before', () => {
    let m = 0;
    const gains: number[] = [];
    for (let i = 0; i < 5; i++) {
      const next = encode(p, m, 0.5, 0);
      gains.push(next - m);
      m = next;
    }
    expect(gains[0]).toBeCloseTo(p.encoding * 0.5, 10);
    for (let i = 1; i < gains.length; i++) expect(gains[i]!).toBeLessThan(gains[i - 1]!);
    expect(m).toBeLessThan(1);
  });

  it('wears out: exposures beyond the wear-out frequency add geometrically less', () => {
    expect(wearFactor(p, 0)).toBe(1);
    expect(wearFactor(p, p.wearOutExposures - 0.5)).toBe(1);
    expect(wearFactor(p, p.wearOutExposures)).toBeCloseTo(p.wearOutFactor, 10);
    expect(wearFactor(p, p.wearOutExposures + 2)).toBeCloseTo(p.wearOutFactor ** 3, 10);
    const fresh = encode(p, 0.2, 0.5, 0) - 0.2;
    const worn = encode(p, 0.2, 0.5, p.wearOutExposures + 1) - 0.2;
    expect(worn).toBeLessThan(fresh / 3);
  });

  it('decays with its half-life and answers yes more often with more memory', () => {
    expect(decayed(p, 0.4, p.memoryHalfLifeDays * 24 * HOUR)).toBeCloseTo(0.2, 10);
    expect(decayed(p, 0.4, 0)).toBe(0.4);
    expect(yesProbability(0.2, 0)).toBe(0.2);
    expect(yesProbability(0.2, 1)).toBe(1);
    expect(yesProbability(0.2, 0.5)).toBeCloseTo(0.6, 10);
  });

  it('a burst of exposures saturates: beyond the wear-out frequency they add almost nothing', () => {
    const sc = scenario();
    const sim = new Simulator({ scenario: sc });
    const memory = (
      sim as unknown as {
        brand: {
          expose(l: number, c: number, q: number, t: number): boolean;
          memoryAt(k: number, t: number): number;
        };
      }
    ).brand;
    const after: number[] = [];
    for (let i = 0; i < 10; i++) {
      memory.expose(0, 0, 0.3, sc.startMs + i * 60_000);
      after.push(memory.memoryAt(0, sc.startMs + i * 60_000));
    }
    // Without wear-out, ten exposures of quality 0.3 would reach this:
    let free = 0;
    for (let i = 0; i < 10; i++) free = encode(sc.lift, free, 0.3, 0);
    expect(after[9]!).toBeLessThan(free - 0.1);
    // The last five exposures together add less than the first one did.
    expect(after[9]! - after[4]!).toBeLessThan(after[0]!);
  });
});

describe('hold-out', () => {
  it('puts a stable, seeded share of listeners in each campaign’s control group', () => {
    let held = 0;
    for (let i = 0; i < 5000; i++) if (isHeldOut(DEFAULT_LIFT, 7, i, 'sim-cmp-01')) held++;
    expect(held / 5000).toBeGreaterThan(0.08);
    expect(held / 5000).toBeLessThan(0.12);
    expect(isHeldOut(DEFAULT_LIFT, 7, 123, 'sim-cmp-01')).toBe(isHeldOut(DEFAULT_LIFT, 7, 123, 'sim-cmp-01'));
    // Another campaign or seed draws another group.
    const same = (f: (i: number) => boolean, g: (i: number) => boolean) =>
      Array.from({ length: 5000 }, (_, i) => f(i) === g(i)).every(Boolean);
    expect(
      same(
        (i) => isHeldOut(DEFAULT_LIFT, 7, i, 'sim-cmp-01'),
        (i) => isHeldOut(DEFAULT_LIFT, 7, i, 'sim-cmp-02'),
      ),
    ).toBe(false);
    expect(
      same(
        (i) => isHeldOut(DEFAULT_LIFT, 7, i, 'sim-cmp-01'),
        (i) => isHeldOut(DEFAULT_LIFT, 8, i, 'sim-cmp-01'),
      ),
    ).toBe(false);
  });

  it('tells each request which campaigns hold its listener out; a policy that respects it never breaks it', () => {
    const sc = scenario();
    const sim = new Simulator({ scenario: sc });
    let withHoldout = 0;
    for (let r = sim.nextRequest(); r; r = sim.nextRequest()) {
      const listener = sim.groundTruth(r.handle).listenerId;
      const expected = [...sim.catalogue.campaigns.keys()].filter((id) =>
        isHeldOut(sc.lift, sim.seed, listener, id),
      );
      expect([...r.heldOutCampaigns].sort()).toEqual(expected.sort());
      if (r.heldOutCampaigns.length > 0) withHoldout++;
      sim.respond(r.handle, respectful(r, sim));
    }
    expect(withHoldout).toBeGreaterThan(100);
    expect(sim.metrics().holdoutViolations).toBe(0);
    // Nobody in a control group was surveyed as exposed: the control groups are intact.
    const all = sim.closeSurveys();
    expect(all.some((x) => x.controlN > 0)).toBe(true);
  });

  it('counts an ad played to a held-out listener and takes that listener out of the control group', () => {
    const sim = new Simulator({ scenario: scenario() });
    const ignoring: Policy = (r, s) => {
      const fitting = [...s.catalogue.creatives.values()].filter(
        (c) => c.durationMs <= r.slot.maxTotalDurationMs,
      );
      return fitting.length === 0 ? [] : [fitting[r.handle % fitting.length]!.id];
    };
    runDay(sim, ignoring);
    expect(sim.metrics().holdoutViolations).toBeGreaterThan(0);
  });
});

describe('surveys', () => {
  it('publishes nothing before the delay has passed, and each wave exactly its delay after fielding', () => {
    const sc = scenario({ surveyEveryHours: 4, surveyDelayHours: 10 });
    const sim = new Simulator({ scenario: sc });
    const firstPublication = sc.startMs + 14 * HOUR;
    const received: SurveyResult[] = [];
    for (let r = sim.nextRequest(); r; r = sim.nextRequest()) {
      sim.respond(r.handle, respectful(r, sim));
      const got = sim.takeSurveys();
      for (const x of got) {
        expect(x.publishedAtMs).toBe(x.fieldedAtMs + 10 * HOUR);
        expect(x.publishedAtMs).toBeLessThanOrEqual(r.nowMs);
      }
      if (r.nowMs < firstPublication) {
        expect(got).toEqual([]);
        expect(sim.surveys()).toEqual([]);
      }
      received.push(...got);
    }
    expect(received.length).toBeGreaterThan(0);
    expect(Math.min(...received.map((x) => x.publishedAtMs))).toBe(firstPublication);
    // Waves at 4, 8, 12, 16, 20 h and at the end; those published after the horizon are only in closeSurveys().
    const all = sim.closeSurveys();
    expect(new Set(all.map((x) => x.fieldedAtMs))).toEqual(
      new Set([4, 8, 12, 16, 20, 24].map((h) => sc.startMs + h * HOUR)),
    );
    expect(all.length).toBeGreaterThan(received.length);
    // Sample sizes are capped per group.
    for (const x of all) {
      expect(x.exposedN).toBeLessThanOrEqual(sc.lift.surveySample);
      expect(x.controlN).toBeLessThanOrEqual(sc.lift.surveySample);
    }
  });

  it('measures a positive lift when ads are heard, and a lift ≈ 0 when they leave no memory', () => {
    const heard = new Simulator({ scenario: scenario({}, 800) });
    runDay(heard, respectful);
    const withMemory = pooled(heard.closeSurveys());
    expect(withMemory.en).toBeGreaterThan(1000);
    expect(withMemory.cn).toBeGreaterThan(1000);
    expect(withMemory.lift).toBeGreaterThan(0.05);

    const forgotten = new Simulator({ scenario: scenario({ encoding: 0 }, 800) });
    runDay(forgotten, respectful);
    const none = pooled(forgotten.closeSurveys());
    expect(none.en).toBeGreaterThan(1000);
    expect(Math.abs(none.lift)).toBeLessThan(0.04);
  });

  it('with no ads shown, surveys find no exposed listeners and a control yes-rate near the baseline', () => {
    const sc = scenario({ noise: 0, baselineSpread: 0 }, 800);
    const sim = new Simulator({ scenario: sc });
    runDay(sim, () => []);
    const all = sim.closeSurveys();
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((x) => x.exposedN === 0 && Number.isNaN(x.lift))).toBe(true);
    const p = pooled(all);
    expect(p.cn).toBeGreaterThan(1000);
    expect(Math.abs(p.control - sc.lift.baselineAwareness)).toBeLessThan(0.03);
  });

  it('gives the same surveys for the same seed and policy, other ones for another seed', () => {
    const run = (seed: number) => {
      const sim = new Simulator({ scenario: scenario(), seed });
      runDay(sim, respectful);
      return sim.closeSurveys();
    };
    const a = run(5);
    expect(run(5)).toEqual(a);
    expect(run(6)).not.toEqual(a);
  });

  it('leaves the listeners, sessions and responses as they were: surveys draw from their own stream', () => {
    const outcomes = (lift: Partial<SimScenario['lift']>) => {
      const sim = new Simulator({ scenario: scenario(lift) });
      const skips: boolean[] = [];
      runDay(sim, respectful, (o) => skips.push(...o.ads.map((a) => a.skipped)));
      return skips;
    };
    expect(outcomes({ surveySample: 5, noise: 0.5 })).toEqual(outcomes({}));
  });
});
