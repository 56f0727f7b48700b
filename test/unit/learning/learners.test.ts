import { beforeAll, describe, expect, it } from 'vitest';
import {
  fitContext,
  fitInventory,
  fitObjective,
  type LoggedDecision,
  type ServedAd,
} from '../../../learning/learners';
import { OBJECTIVE_FEATURES } from '../../../learning/objective-policy';
import { softmaxPolicy } from '../../../learning/ope';
import { DEFAULT_REWARD, sharedReward } from '../../../learning/reward';
import { initTf, type Tf } from '../../../learning/tf';
import { seededRng } from '../../../services/common/rng';
import { CONTEXT_FEATURES } from '../../../services/context/assess';
import { POLICY_FEATURE_COUNT } from '../../../services/inventory/policy';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await initTf({ prefer: 'wasm' }));
});

describe('shared reward', () => {
  it('adds the three terms with the broker weights: listener, advertiser goal, revenue', () => {
    const ad = {
      skipped: false,
      completed: true,
      clicked: false,
      priceMicros: 15_000,
      tier: 'standard' as const,
      goal: 'awareness' as const,
    };
    const r = sharedReward(ad, DEFAULT_REWARD);
    expect(r).toEqual({ listener: 1, advertiser: 1, platform: 0.5, reward: 2.5 });
    expect(sharedReward({ ...ad, skipped: true, completed: false }, DEFAULT_REWARD).reward).toBeCloseTo(
      -1 + 0 + 0.5,
      12,
    );
    expect(sharedReward({ ...ad, tier: 'house' }, DEFAULT_REWARD).platform).toBe(0);
    expect(
      sharedReward({ ...ad, goal: 'conversion', clicked: true, kpiFactor: 1.5 }, DEFAULT_REWARD).advertiser,
    ).toBe(1.5);
    expect(
      sharedReward(ad, { ...DEFAULT_REWARD, weights: { listener: 0, advertiser: 0, platform: 2 } }).reward,
    ).toBeCloseTo(1, 12);
  });
});

describe('learners', () => {
  it('context and inventory learners pick up which features drive skips', async () => {
    const rng = seededRng(1);
    const ads: ServedAd[] = [];
    for (let i = 0; i < 1000; i++) {
      const contextX = Array.from(CONTEXT_FEATURES, () => (rng.next() < 0.5 ? 1 : 0));
      const policyX = Float32Array.from({ length: POLICY_FEATURE_COUNT }, (_, k) =>
        k === 0 ? 1 : rng.next(),
      );
      // Skips driven by context feature 3 and policy feature 1 (energy fit, protective).
      const z = -0.5 + 2 * contextX[3]! - 3 * policyX[1]! + 1;
      const skipped = rng.next() < 1 / (1 + Math.exp(-z));
      ads.push({ contextX, policyX, skipped, completed: !skipped, clicked: false, reward: 0 });
    }
    const ctx = await fitContext(tf, ads, 'ctx-t', null, 100);
    expect(ctx.weights[1 + 3]!).toBeGreaterThan(1);
    const inv = await fitInventory(tf, ads, null, 120);
    expect(inv.skip[1]!).toBeLessThan(-1.5);
    expect(inv.complete[1]!).toBeGreaterThan(1.5);
    expect(Math.max(...Array.from(inv.engage.slice(1), Math.abs))).toBeLessThan(Math.abs(inv.engage[0]!));
  });

  it('the objective learner raises the bid multiplier where it pays off, within its bound', async () => {
    // Options whose campaign is behind its KPI (φ[2] = 1) give a higher reward when picked.
    const rng = seededRng(2);
    const log: LoggedDecision[] = [];
    const d = OBJECTIVE_FEATURES.length;
    for (let i = 0; i < 1500; i++) {
      const options = Array.from({ length: 4 }, () => {
        const phi = new Float32Array(d);
        phi[0] = 1;
        phi[2] = rng.next() < 0.5 ? 1 : 0;
        return { p: 0, base: rng.next(), adv: 0.5, phi };
      });
      const probs = softmaxPolicy(
        options.map((o) => o.base + o.adv),
        0.4,
        0.1,
      );
      options.forEach((o, k) => {
        o.p = probs[k]!;
      });
      let u = rng.next();
      let chosen = 0;
      while (chosen < 3 && u >= probs[chosen]!) u -= probs[chosen++]!;
      const reward = options[chosen]!.phi[2] ? 2 : 0;
      log.push({ chosen, reward, options });
    }
    const { policy, estimate, before } = await fitObjective(tf, log, 'obj-t', {
      temperature: 0.4,
      epsilon: 0.1,
      steps: 60,
      learningRate: 0.1,
      bound: 1.5,
    });
    expect(estimate).toBeGreaterThan(before + 0.1);
    expect(policy.theta[2]!).toBeGreaterThan(0.3);
    for (const t of policy.theta) expect(Math.abs(t)).toBeLessThanOrEqual(1.5 + 1e-6);
  });
});
