import { describe, expect, it } from 'vitest';
import { OBJECTIVE_FEATURES } from '../../../learning/objective-policy';
import { BreakCredit } from '../../../learning/reward';
import {
  AD_LOAD_ACTIONS,
  AD_LOAD_DIM,
  adLoadFeatures,
  adLoadPolicy,
  Critic,
  IndependentPolicyGradient,
  OFFER_DIM,
  OFFER_RANK_STEP,
  OfferPolicy,
  offerFeatures,
  ridgeSolve,
  SharedRl,
  SoftmaxPolicy,
  type Step,
  ValueScalePolicy,
} from '../../../learning/shared-rl';
import { seededRng } from '../../../services/common/rng';
import { CONTEXT_FEATURES } from '../../../services/context/assess';

/** A toy two-agent problem: reward 1 when agent A picks action 1 and agent B's log-multiplier is above 0. */
function train(seed: number, rounds = 60) {
  const rng = seededRng(seed);
  const a = new SoftmaxPolicy(3, 2);
  const b = new ValueScalePolicy(new Float64Array(OBJECTIVE_FEATURES.length), 0.3);
  const pg = new IndependentPolicyGradient(
    {
      a: { theta: a.theta, lr: 0.5, maxStep: 0.5 },
      b: { theta: b.theta, lr: 0.1, maxStep: 0.1 },
    },
    2,
  );
  const phi = Float32Array.from([1, 0, 0, 0, 0]);
  for (let r = 0; r < rounds; r++) {
    const batch: Step[] = [];
    for (let i = 0; i < 100; i++) {
      const x = Float64Array.from([1, rng.next()]);
      const ga = new Float64Array(a.theta.length);
      const gb = new Float64Array(b.theta.length);
      const act = a.sample(x, rng);
      a.addGradLogP(x, act, ga);
      const m = b.sample(phi, rng, gb);
      const reward = (act === 1 ? 1 : 0) + (m > 1 ? 0.5 : 0) + 0.2 * rng.next();
      batch.push({ psi: x, reward, grads: { a: ga, b: gb } });
    }
    pg.update(batch);
  }
  return { a, b, pg, x: Float64Array.from([1, 0.5]) };
}

describe('independent policy gradient on the shared reward', () => {
  it('raises the probability of the action with the higher shared reward, for each agent', () => {
    const before = new SoftmaxPolicy(3, 2).probs([1, 0.5])[1]!;
    const { a, b, pg, x } = train(3);
    expect(before).toBeCloseTo(1 / 3, 9);
    expect(a.probs(x)[1]!).toBeGreaterThan(0.8);
    expect(a.greedy(x)).toBe(1);
    // Agent B's mean log-multiplier moved up: the draws above 1 earned more.
    expect(b.mean([1, 0, 0, 0, 0])).toBeGreaterThan(0.1);
    expect(pg.stats.updates).toBe(60);
    expect(pg.stats.steps).toBe(6000);
  });

  it('gives the same policy for the same seed, and another for another seed', () => {
    const p = train(11, 10);
    const q = train(11, 10);
    const r = train(12, 10);
    expect(Array.from(p.a.theta)).toEqual(Array.from(q.a.theta));
    expect(Array.from(p.b.theta)).toEqual(Array.from(q.b.theta));
    expect(Array.from(p.a.theta)).not.toEqual(Array.from(r.a.theta));
  });

  it('moves nothing when the reward does not depend on the actions (advantage 0 beyond noise-free baseline)', () => {
    const a = new SoftmaxPolicy(2, 1);
    const pg = new IndependentPolicyGradient({ a: { theta: a.theta, lr: 1, maxStep: 1 } }, 1);
    const g0 = new Float64Array(2);
    a.addGradLogP([1], 0, g0);
    const g1 = new Float64Array(2);
    a.addGradLogP([1], 1, g1);
    pg.update([
      { psi: Float64Array.from([1]), reward: 2, grads: { a: g0 } },
      { psi: Float64Array.from([1]), reward: 2, grads: { a: g1 } },
    ]);
    expect(Array.from(a.theta)).toEqual([0, 0]);
  });

  it('caps the norm of one update', () => {
    const a = new SoftmaxPolicy(2, 1);
    const pg = new IndependentPolicyGradient({ a: { theta: a.theta, lr: 100, maxStep: 0.2 } }, 1);
    const g0 = new Float64Array(2);
    a.addGradLogP([1], 0, g0);
    const g1 = new Float64Array(2);
    a.addGradLogP([1], 1, g1);
    pg.update([
      { psi: Float64Array.from([1]), reward: 0, grads: { a: g0 } },
      { psi: Float64Array.from([1]), reward: 1, grads: { a: g1 } },
    ]);
    expect(Math.hypot(...a.theta)).toBeCloseTo(0.2, 9);
    expect(a.theta[1]!).toBeGreaterThan(0);
  });

  it('the gradient of log π matches a finite difference', () => {
    const p = new SoftmaxPolicy(3, 2, [0.1, -0.2, 0.3, 0.05, -0.4, 0.2]);
    const x = [1, 0.7];
    const g = new Float64Array(6);
    p.addGradLogP(x, 2, g);
    for (let i = 0; i < 6; i++) {
      const h = 1e-6;
      const up = new SoftmaxPolicy(3, 2, p.theta);
      up.theta[i]! += h;
      const dn = new SoftmaxPolicy(3, 2, p.theta);
      dn.theta[i]! -= h;
      expect((Math.log(up.probs(x)[2]!) - Math.log(dn.probs(x)[2]!)) / (2 * h)).toBeCloseTo(g[i]!, 5);
    }
  });
});

/** A pool of 6 candidates: offer features with one informative column (index 3, the price column). */
const pool = (price: (i: number) => number) =>
  Array.from({ length: 6 }, (_, i) => {
    const z = new Float64Array(OFFER_DIM);
    z[0] = 0.3 + 0.05 * i;
    z[1] = 0.6 - 0.05 * i;
    z[3] = price(i);
    return z;
  });

describe("the inventory agent's offer policy (Plackett–Luce over its pool)", () => {
  it('the gradient of log P(draws) matches a finite difference', () => {
    const p = new OfferPolicy([0.3, -0.2, 0.1, 0.8, -0.5, 0.2, 0.4]);
    const zs = pool((i) => (i % 3) / 2);
    const picks = [4, 0, 2];
    const g = new Float64Array(OFFER_DIM);
    p.addGradLogP(zs, picks, g);
    for (let j = 0; j < OFFER_DIM; j++) {
      const h = 1e-6;
      const up = new OfferPolicy(p.theta);
      up.theta[j]! += h;
      const dn = new OfferPolicy(p.theta);
      dn.theta[j]! -= h;
      expect((up.logProb(zs, picks) - dn.logProb(zs, picks)) / (2 * h)).toBeCloseTo(g[j]!, 5);
    }
    // sample() adds exactly that gradient for what it drew.
    const rng = seededRng(3);
    const gs = new Float64Array(OFFER_DIM);
    const drawn = p.sample(zs, 3, rng, gs);
    const ref = new Float64Array(OFFER_DIM);
    p.addGradLogP(zs, drawn, ref);
    expect(Array.from(gs)).toEqual(Array.from(ref));
    expect(new Set(drawn).size).toBe(3);
  });

  it('the gradient of log P(draws) with respect to the rank step matches a finite difference', () => {
    const theta = [0.3, -0.2, 0.1, 0.8, -0.5, 0.2, 0.4];
    const p = new OfferPolicy(theta, 0.7);
    const zs = pool((i) => (i % 3) / 2);
    const picks = [4, 0, 2];
    const g = new Float64Array(1);
    p.addGradLogP(zs, picks, new Float64Array(OFFER_DIM), g);
    const h = 1e-6;
    const lp = (step: number) => new OfferPolicy(theta, step).logProb(zs, picks);
    expect((lp(0.7 + h) - lp(0.7 - h)) / (2 * h)).toBeCloseTo(g[0]!, 5);
    // Drawing candidates from below their place raises a smaller step's probability: the gradient is negative.
    expect(g[0]!).toBeLessThan(0);
    // Clamped at 0 the step has no gradient (a negative step would act as 0).
    const flat = new Float64Array(1);
    new OfferPolicy(theta, -0.2).addGradLogP(zs, picks, new Float64Array(OFFER_DIM), flat);
    expect(flat[0]).toBe(0);
    expect(new OfferPolicy(theta, -0.2).rankStep).toBe(0);
  });

  it('log P sums to 1 over every ordered draw of 2 from the pool', () => {
    const p = new OfferPolicy([0.3, -0.2, 0.1, 0.8, -0.5, 0.2, 0.4]);
    const zs = pool((i) => i / 5);
    let total = 0;
    for (let a = 0; a < 6; a++)
      for (let b = 0; b < 6; b++) if (a !== b) total += Math.exp(p.logProb(zs, [a, b]));
    expect(total).toBeCloseTo(1, 12);
  });

  it('untrained, it offers the supervised shortlist (the pool in order) and samples near it', () => {
    const p = new OfferPolicy();
    const zs = pool((i) => i / 5);
    expect(p.greedy(zs, 3)).toEqual([0, 1, 2]);
    // The first draw follows the rank prior: P(first = i) ∝ exp(−step · i).
    const rng = seededRng(9);
    const first = new Array(6).fill(0);
    for (let n = 0; n < 4000; n++) first[p.sample(zs, 1, rng, new Float64Array(OFFER_DIM))[0]!]++;
    const norm = Array.from({ length: 6 }, (_, i) => Math.exp(-OFFER_RANK_STEP * i)).reduce((a, b) => a + b);
    expect(first[0] / 4000).toBeCloseTo(1 / norm, 1);
    expect(first[5]).toBeGreaterThan(0);
  });

  it('learns from the shared return alone to offer the candidates that earn it, against its ranking', () => {
    // The supervised ranking puts the expensive candidates first; the break's shared return is the
    // number of cheap ones (price < 0.5) among the 3 offered.
    const zs = pool((i) => (i < 3 ? 0.9 : 0.1));
    /** 40 updates of 100 breaks, each break's return `reward` of what was offered, from seed `seed`. */
    const run = (seed: number, reward: (picks: number[], u: number) => number) => {
      const rng = seededRng(seed);
      const p = new OfferPolicy();
      const pg = new IndependentPolicyGradient({ inventory: { theta: p.theta, lr: 1, maxStep: 0.25 } }, 1);
      for (let r = 0; r < 40; r++) {
        const batch: Step[] = [];
        for (let i = 0; i < 100; i++) {
          const g = new Float64Array(OFFER_DIM);
          const picks = p.sample(zs, 3, rng, g);
          batch.push({
            psi: Float64Array.from([1]),
            reward: reward(picks, rng.next()),
            grads: { inventory: g },
          });
        }
        pg.update(batch);
      }
      return p;
    };
    const before = new OfferPolicy().greedy(zs, 3);
    const p = run(5, (picks, u) => picks.filter((k) => zs[k]![3]! < 0.5).length + 0.3 * u);
    expect(before).toEqual([0, 1, 2]);
    expect(p.greedy(zs, 3).sort()).toEqual([3, 4, 5]);
    // It moved the price weight down: the credit went to the column that decides the return.
    expect(p.theta[3]!).toBeLessThan(-1);
    // A return that does not depend on the offer moves nothing beyond noise: the price weight stays small.
    const q = run(6, (_, u) => u);
    expect(Math.abs(q.theta[3]!)).toBeLessThan(Math.abs(p.theta[3]!) / 3);
  });

  it('learns its rank step from the shared return: lower when offers from down the ranking earn more, higher when they earn less', () => {
    // Every candidate looks the same to θ, so only the rank step can follow the return.
    const zs = pool(() => 0.5);
    const run = (reward: (deep: number) => number) => {
      const rng = seededRng(11);
      const p = new OfferPolicy();
      const pg = new IndependentPolicyGradient(
        {
          inventory: { theta: p.theta, lr: 1, maxStep: 0.25 },
          inventory_rank: { theta: p.rank, lr: 0.1, maxStep: 0.05 },
        },
        1,
      );
      for (let r = 0; r < 30; r++) {
        const batch: Step[] = [];
        for (let i = 0; i < 100; i++) {
          const g = new Float64Array(OFFER_DIM);
          const gr = new Float64Array(1);
          const picks = p.sample(zs, 3, rng, g, gr);
          const deep = picks.filter((k) => k >= 3).length;
          batch.push({
            psi: Float64Array.from([1]),
            reward: reward(deep) + 0.3 * rng.next(),
            grads: { inventory: g, inventory_rank: gr },
          });
        }
        pg.update(batch);
      }
      return p.rankStep;
    };
    expect(run((deep) => deep)).toBeLessThan(OFFER_RANK_STEP - 0.3);
    expect(run((deep) => -deep)).toBeGreaterThan(OFFER_RANK_STEP + 0.3);
  });

  it('reads only the candidate: its predictions, price, duration and tier', () => {
    const z = offerFeatures(
      { pSkip: 0.4, pComplete: 0.5, pEngage: 0.02, priceMicros: 90_000, durationMs: 30_000, tier: 'house' },
      30_000,
    );
    expect(Array.from(z)).toEqual([0.4, 0.5, 0.02, 2, 0.5, 0, 1]);
  });
});

describe("the agents' policies", () => {
  it("the context agent's ad-load policy starts uniform and reads only its snapshot", () => {
    const p = adLoadPolicy();
    const x = adLoadFeatures({ features: CONTEXT_FEATURES.map(() => 0.5) });
    expect(x.length).toBe(AD_LOAD_DIM);
    expect(x[0]).toBe(1);
    expect(p.probs(x)[AD_LOAD_ACTIONS.length - 1]!).toBeCloseTo(1 / AD_LOAD_ACTIONS.length, 9);
    // Untrained, its greedy choice is today's: no floor.
    expect(AD_LOAD_ACTIONS[p.greedy(x)]).toBe(null);
    // A default snapshot (no features) is the bias alone.
    expect(
      Array.from(adLoadFeatures({ features: [] }))
        .slice(1)
        .every((v) => v === 0),
    ).toBe(true);
  });

  it("the objective agent's multiplier is deployed as its mean, clamped like ObjectivePolicy", () => {
    const v = new ValueScalePolicy([0.2, 0, 0, 0, 0]);
    const phi = [1, 0, 0, 0, 0];
    expect(v.policy('x').multiplierOf(phi)).toBeCloseTo(Math.exp(0.2), 6);
    const rng = seededRng(1);
    const g = new Float64Array(5);
    for (let i = 0; i < 100; i++) {
      const m = v.sample(phi, rng, g);
      expect(m).toBeGreaterThanOrEqual(0.5);
      expect(m).toBeLessThanOrEqual(1.5);
    }
  });

  it('SharedRl starts the multiplier from the off-policy fit', () => {
    const rl = new SharedRl([0.1, 0.2, 0, 0, 0]);
    expect(Array.from(rl.value.theta)).toEqual([0.1, 0.2, 0, 0, 0].map((v) => v));
    expect(rl.learner.learners.context!.theta).toBe(rl.adLoad.theta);
    expect(rl.learner.learners.objective!.theta).toBe(rl.value.theta);
    expect(rl.learner.learners.inventory!.theta).toBe(rl.offer.theta);
    // The rank step is learned in place too, by a learner of its own.
    rl.learner.learners.inventory_rank!.theta[0] = 0.25;
    expect(rl.offer.rankStep).toBe(0.25);
  });

  it('the centralised critic recovers a linear value (ridge)', () => {
    const c = new Critic(2, 1e-6);
    const rng = seededRng(4);
    for (let i = 0; i < 200; i++) {
      const z = rng.next();
      c.add([1, z], 1 + 2 * z);
    }
    c.refit();
    expect(c.value([1, 0.5])).toBeCloseTo(2, 4);
    const w = ridgeSolve(Float64Array.from([2, 0, 0, 4]), Float64Array.from([2, 8]), 2, 0);
    expect(Array.from(w)).toEqual([1, 2]);
  });
});

describe('credit assignment of the long-term term', () => {
  it("goes to the break that preceded it in the same session: the session's next break resolves it as continued", () => {
    const c = new BreakCredit();
    expect(c.arrive('s1')).toEqual([]);
    expect(c.played('s1', 'r1', false)).toEqual([]);
    expect(c.arrive('s2')).toEqual([]);
    expect(c.played('s2', 'r2', false)).toEqual([]);
    // s1's next break: r1 (not r2) listened on.
    expect(c.arrive('s1')).toEqual([{ requestId: 'r1', continued: 1 }]);
    expect(c.played('s1', 'r3', false)).toEqual([]);
    // A quit resolves the break just played as 0 at once.
    expect(c.arrive('s3')).toEqual([]);
    expect(c.played('s3', 'r4', true)).toEqual([{ requestId: 'r4', continued: 0 }]);
    expect(c.pending).toBe(2);
    // The end of the episode: what is open did not reach a next break.
    expect(c.close().sort((a, b) => a.requestId.localeCompare(b.requestId))).toEqual([
      { requestId: 'r2', continued: 0 },
      { requestId: 'r3', continued: 0 },
    ]);
    expect(c.pending).toBe(0);
  });
});
