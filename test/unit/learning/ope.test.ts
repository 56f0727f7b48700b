import { describe, expect, it } from 'vitest';
import {
  doublyRobust,
  evaluateOffPolicy,
  ips,
  type OpeRecord,
  snips,
  softmaxPolicy,
} from '../../../learning/ope';
import { seededRng } from '../../../services/common/rng';

/**
 * A synthetic contextual bandit with a known answer: 4 actions whose mean
 * reward depends on a context bit; logging = softmax(τ = 1) over noisy
 * scores, target = a sharper softmax over the true means.
 */
function bandit(n: number, seed: number, qNoise: number) {
  const rng = seededRng(seed);
  const means = (ctx: number) => [0.2 + 0.5 * ctx, 0.6 - 0.3 * ctx, 0.4, 0.1 + 0.2 * ctx];
  const records: OpeRecord[] = [];
  let truth = 0;
  for (let i = 0; i < n; i++) {
    const ctx = rng.next() < 0.5 ? 1 : 0;
    const mu = means(ctx);
    const logging = softmaxPolicy([0, 0.1, 0, 0.2], 1, 0.1);
    const target = softmaxPolicy(mu, 0.1, 0.05);
    truth += target.reduce((s, p, a) => s + p * mu[a]!, 0) / n;
    let u = rng.next();
    let a = 0;
    while (a < 3 && u >= logging[a]!) u -= logging[a++]!;
    const reward = rng.next() < mu[a]! ? 1 : 0;
    const q = mu.map((m) => m + qNoise * (rng.next() - 0.5));
    records.push({
      reward,
      propensity: logging[a]!,
      targetP: target[a]!,
      qLogged: q[a]!,
      qTarget: target.reduce((s, p, k) => s + p * q[k]!, 0),
    });
  }
  return { records, truth };
}

describe('off-policy estimators', () => {
  it('IPS, SNIPS and DR land near the true value and their bootstrap CIs cover it', () => {
    const { records, truth } = bandit(6000, 11, 0.2);
    const r = evaluateOffPolicy(records, seededRng(2), 200);
    for (const est of [r.ips, r.snips, r.dr]) {
      expect(est.lo).toBeLessThanOrEqual(truth);
      expect(est.hi).toBeGreaterThanOrEqual(truth);
      expect(Math.abs(est.mean - truth)).toBeLessThan(0.05);
    }
    expect(r.ess).toBeGreaterThan(100);
    expect(r.ess).toBeLessThan(6000);
  });

  it('DR with a good reward model has a tighter interval than IPS', () => {
    const { records } = bandit(4000, 3, 0.02);
    const r = evaluateOffPolicy(records, seededRng(4), 200);
    expect(r.dr.hi - r.dr.lo).toBeLessThan((r.ips.hi - r.ips.lo) * 0.8);
  });

  it('on-policy data (target = logging) gives the plain mean reward', () => {
    const records: OpeRecord[] = [0.3, 0.9, 0.5].map((reward) => ({
      reward,
      propensity: 0.25,
      targetP: 0.25,
      qLogged: 0,
      qTarget: 0,
    }));
    expect(ips(records)).toBeCloseTo(17 / 30, 10);
    expect(snips(records)).toBeCloseTo(17 / 30, 10);
    expect(doublyRobust(records)).toBeCloseTo(17 / 30, 10);
  });

  it('softmaxPolicy is a distribution with the ε floor', () => {
    const p = softmaxPolicy([5, 0, -5], 0.1, 0.3);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Math.min(...p)).toBeGreaterThanOrEqual(0.1 - 1e-12);
  });
});
