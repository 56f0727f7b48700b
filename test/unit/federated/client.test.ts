import { describe, expect, it } from 'vitest';
import {
  ClientLearner,
  DEFAULT_PLAN,
  InteractionLog,
  InteractionLogError,
  listenerReward,
  localUpdate,
} from '../../../federated/client/learner';
import {
  baselineVector,
  POLICY_VECTOR_LENGTH,
  policyFileJson,
  vectorToPolicy,
  vectorToWeights,
  weightsToVector,
} from '../../../federated/client/model';
import {
  actionProbabilities,
  type Interaction,
  offPolicyValue,
  policyGradient,
  sampleAction,
} from '../../../federated/client/reinforce';
import { l2Norm, uploadNoiseMultiplier } from '../../../federated/privacy/dp';
import { PrivacyAccountant } from '../../../federated/privacy/rdp';
import { gaussian, type Rng, seededRng } from '../../../services/common/rng';
import {
  BASELINE_WEIGHTS,
  baselinePolicy,
  POLICY_FEATURE_COUNT,
  parsePolicyWeights,
} from '../../../services/inventory/policy';

const F = POLICY_FEATURE_COUNT;

function randomFeatures(k: number, rng: Rng): Float32Array {
  const x = new Float32Array(k * F);
  for (let c = 0; c < k; c++) {
    x[c * F] = 1; // bias
    for (let i = 1; i < F; i++) x[c * F + i] = rng.next();
  }
  return x;
}

/**
 * A synthetic log: 4 candidates, the reward is 1 with probability equal to the
 * candidate's feature 1 (energy_fit), chosen by the baseline policy.
 */
function syntheticLog(n: number, seed: number): Interaction[] {
  const rng = seededRng(seed);
  const theta = baselineVector();
  return Array.from({ length: n }, () => {
    const features = randomFeatures(4, rng);
    const { index, propensity } = sampleAction(theta, features, rng);
    const reward = rng.next() < features[index * F + 1]! ? 1 : 0;
    return { features, chosen: index, propensity, reward };
  });
}

describe('the federated model is the inventory policy', () => {
  it('round-trips weights ⇄ flat vector ⇄ weights file with identical predictions', () => {
    const v = weightsToVector(BASELINE_WEIGHTS);
    expect(v).toHaveLength(POLICY_VECTOR_LENGTH);
    expect(vectorToWeights(v).complete).toEqual(Array.from(BASELINE_WEIGHTS.complete, (w) => Math.fround(w)));
    const parsed = parsePolicyWeights(policyFileJson('inventory-fed-7', v));
    expect(parsed.version).toBe('inventory-fed-7');
    const x = randomFeatures(1, seededRng(1));
    expect(parsed.predict(x)).toEqual(vectorToPolicy('v', v).predict(x));
    const b = baselinePolicy().predict(x);
    expect(parsed.predict(x).pSkip).toBeCloseTo(b.pSkip, 6);
  });

  it('refuses a vector of the wrong length', () => {
    expect(() => vectorToWeights(new Float32Array(5))).toThrow(/36 values/);
  });
});

describe('REINFORCE with logged propensities', () => {
  it('action probabilities are a distribution and sampling follows them', () => {
    const rng = seededRng(3);
    const x = randomFeatures(5, rng);
    const p = actionProbabilities(baselineVector(), x);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 20_000; i++) counts[sampleAction(baselineVector(), x, rng).index]++;
    counts.forEach((c, i) => {
      expect(c / 20_000).toBeCloseTo(p[i]!, 1);
    });
  });

  it('the gradient matches finite differences of the importance-weighted objective', () => {
    const log = syntheticLog(50, 5);
    const theta = Float64Array.from(baselineVector());
    const baseline = 0.4;
    const opts = { baseline, maxImportanceWeight: 1e9, temperature: 0.1 };
    const J = (t: ArrayLike<number>) =>
      log.reduce(
        (s, it) =>
          s + (actionProbabilities(t, it.features)[it.chosen]! / it.propensity) * (it.reward - baseline),
        0,
      ) / log.length;
    const g = policyGradient(theta, log, opts);
    const h = 1e-5;
    for (const j of [0, 1, 3, 12, 13, 20, 24, 30, 35]) {
      const plus = Float64Array.from(theta);
      const minus = Float64Array.from(theta);
      plus[j]! += h;
      minus[j]! -= h;
      expect(g[j]).toBeCloseTo((J(plus) - J(minus)) / (2 * h), 5);
    }
  });

  it('local training moves the policy toward the rewarded candidates', () => {
    const log = syntheticLog(400, 9);
    const before = offPolicyValue(baselineVector(), log);
    const { update } = localUpdate(baselineVector(), log, { ...DEFAULT_PLAN, clipNorm: 100 }, seededRng(1));
    const after = baselineVector().map((w, i) => w + update[i]!);
    expect(offPolicyValue(after, log)).toBeGreaterThan(before + 0.02);
  });

  it("FedProx's proximal term keeps local training closer to the global model, the more the larger μ", () => {
    const log = syntheticLog(400, 9);
    const norm = (proximalMu: number) =>
      localUpdate(
        baselineVector(),
        log,
        { ...DEFAULT_PLAN, clipNorm: 100, localEpochs: 5, proximalMu },
        seededRng(1),
      ).normBeforeClip;
    expect(norm(0)).toBeGreaterThan(norm(0.5));
    expect(norm(0.5)).toBeGreaterThan(norm(5));
    expect(norm(0)).toBe(
      localUpdate(baselineVector(), log, { ...DEFAULT_PLAN, clipNorm: 100, localEpochs: 5 }, seededRng(1))
        .normBeforeClip,
    );
  });
});

describe('the client learner', () => {
  it('clips the update to the L2 bound, is deterministic per seed and reports its sample count', () => {
    const learner = new ClientLearner('device-1');
    for (const it of syntheticLog(60, 2)) learner.record(it);
    const plan = { ...DEFAULT_PLAN, learningRate: 5, clipNorm: 0.25 };
    const a = learner.computeUpdate(baselineVector(), plan, seededRng(4))!;
    const b = learner.computeUpdate(baselineVector(), plan, seededRng(4))!;
    expect(a.numExamples).toBe(60);
    expect(a.normBeforeClip).toBeGreaterThan(0.25);
    expect(a.clipped).toBe(true);
    expect(l2Norm(a.update)).toBeCloseTo(0.25, 5);
    expect(Array.from(a.update)).toEqual(Array.from(b.update));
  });

  it('adds local Gaussian noise of std multiplier × clip when asked', () => {
    const log = syntheticLog(30, 3);
    const plan = { ...DEFAULT_PLAN, clipNorm: 1 };
    const clean = localUpdate(baselineVector(), log, plan, seededRng(8)).update;
    const noisy = localUpdate(
      baselineVector(),
      log,
      { ...plan, localNoiseMultiplier: 2 },
      seededRng(8),
    ).update;
    const diff = clean.map((v, i) => noisy[i]! - v);
    const std = Math.sqrt(diff.reduce((s, d) => s + d * d, 0) / diff.length);
    expect(std).toBeGreaterThan(1.2);
    expect(std).toBeLessThan(2.8);
  });

  it('accounts the ε it spent over its uploads: local noise and its secure-aggregation share add as variances', () => {
    // Local noise 0.6 and a share 2/√4 = 1 of z = 2 over 4: one upload carries √(0.6² + 1²).
    const z = uploadNoiseMultiplier(0.6, { noiseMultiplier: 2, minContributors: 4 });
    expect(z).toBeCloseTo(Math.hypot(0.6, 1), 12);
    expect(uploadNoiseMultiplier(0.6)).toBe(0.6);
    expect(uploadNoiseMultiplier(0.6, { noiseMultiplier: 0, minContributors: 4 })).toBe(0.6);

    const learner = new ClientLearner('device-1');
    expect(learner.privacySpent(1e-5)).toBe(0);
    for (let i = 0; i < 3; i++) learner.chargeUpload(z);
    const reference = new PrivacyAccountant();
    reference.step(1, z, 3); // no sampling amplification: the client knows it took part
    expect(learner.uploads).toBe(3);
    expect(learner.privacySpent(1e-5)).toBeCloseTo(reference.epsilon(1e-5), 12);
    // One upload without any noise: no finite guarantee is left.
    learner.chargeUpload(0);
    expect(learner.privacySpent(1e-5)).toBe(Number.POSITIVE_INFINITY);
  });

  it('has nothing to upload without local data', () => {
    expect(new ClientLearner('empty').computeUpdate(baselineVector(), DEFAULT_PLAN, seededRng(1))).toBeNull();
  });

  it('validates and bounds its local log', () => {
    const log = new InteractionLog(3);
    const features = randomFeatures(2, seededRng(1));
    expect(() => log.record({ features, chosen: 2, propensity: 0.5, reward: 1 })).toThrow(
      InteractionLogError,
    );
    expect(() => log.record({ features, chosen: 0, propensity: 0, reward: 1 })).toThrow(/propensity/);
    expect(() => log.record({ features: new Float32Array(5), chosen: 0, propensity: 1, reward: 1 })).toThrow(
      /K ×/,
    );
    for (let i = 0; i < 5; i++) log.record({ features, chosen: 0, propensity: 0.5, reward: i });
    expect(log.size).toBe(3);
    expect(log.entries().map((e) => e.reward)).toEqual([2, 3, 4]);
  });

  it('computes the shared reward from an outcome', () => {
    expect(listenerReward({ completed: true, clicked: true })).toBe(2);
    expect(listenerReward({ completed: false, clicked: false })).toBe(0);
    expect(listenerReward({ completed: true, clicked: false }, 3)).toBe(1);
  });

  it('a noisy gradient still points uphill on average (sanity of the baseline)', () => {
    const rng = seededRng(12);
    const log = syntheticLog(300, 12).map((it) => ({ ...it, reward: it.reward + 0.01 * gaussian(rng) }));
    const g = policyGradient(baselineVector(), log);
    const step = baselineVector().map((w, i) => w + 0.5 * g[i]!);
    expect(offPolicyValue(step, log)).toBeGreaterThan(offPolicyValue(baselineVector(), log));
  });
});
