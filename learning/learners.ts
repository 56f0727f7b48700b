/**
 * The three agents' learners (plus the monolithic baseline's), each fitted
 * independently from the same logged, served ads and the same shared reward
 * (reward.ts). They take plain arrays, so the running mesh (online.ts) and
 * the experiments (sim/experiments/train.ts) feed them alike.
 *
 *   context     logistic: rules snapshot features → P(skip)
 *   inventory   three logistic heads: POLICY_FEATURES → P(skip), P(complete), P(click)
 *   objective   bid-multiplier θ by off-policy policy gradient: maximise the
 *               self-normalised IPS estimate of the shared reward of the
 *               softmax-over-utility logging policy's first pick, re-weighted
 *               as if the multiplier were exp(θ·φ)
 *   monolithic  an MLP: all features → shared reward
 */
import type { Scalar } from '@tensorflow/tfjs';
import { CONTEXT_FEATURES } from '../services/context/assess';
import { POLICY_FEATURE_COUNT } from '../services/inventory/policy';
import { ContextEstimator } from './context-estimator';
import { MONOLITHIC_FEATURES, MonolithicModel } from './monolithic';
import { MAX_MULTIPLIER, MIN_MULTIPLIER, OBJECTIVE_FEATURES, ObjectivePolicy } from './objective-policy';
import type { Tf } from './tf';
import { trainLogistic, trainMlp } from './train';

export interface ServedAd {
  contextX: readonly number[];
  policyX?: Float32Array;
  monoX?: Float32Array;
  skipped: boolean;
  completed: boolean;
  clicked: boolean;
  reward: number;
}

export async function fitContext(
  tf: Tf,
  ads: readonly ServedAd[],
  version: string,
  previous?: ContextEstimator | null,
  steps = 300,
): Promise<ContextEstimator> {
  const cols = CONTEXT_FEATURES.length + 1;
  const x = new Float32Array(ads.length * cols);
  const y = new Float32Array(ads.length);
  ads.forEach((a, r) => {
    x[r * cols] = 1;
    for (let i = 0; i < CONTEXT_FEATURES.length; i++) x[r * cols + 1 + i] = a.contextX[i] ?? 0;
    y[r] = a.skipped ? 1 : 0;
  });
  const { weights } = await trainLogistic(tf, { x, rows: ads.length, cols }, y, 1, {
    steps,
    learningRate: 0.05,
    l2: 1e-5,
    ...(previous ? { init: [previous.weights] } : {}),
  });
  return new ContextEstimator(version, weights[0]!);
}

export async function fitInventory(
  tf: Tf,
  ads: readonly ServedAd[],
  previous?: { skip: ArrayLike<number>; complete: ArrayLike<number>; engage: ArrayLike<number> } | null,
  steps = 400,
): Promise<{ skip: Float32Array; complete: Float32Array; engage: Float32Array; loss: number }> {
  const rows = ads.filter((a) => a.policyX);
  const cols = POLICY_FEATURE_COUNT;
  const x = new Float32Array(rows.length * cols);
  const y = new Float32Array(rows.length * 3);
  rows.forEach((a, r) => {
    x.set(a.policyX!, r * cols);
    y[r * 3] = a.skipped ? 1 : 0;
    y[r * 3 + 1] = a.completed ? 1 : 0;
    y[r * 3 + 2] = a.clicked ? 1 : 0;
  });
  const init = previous
    ? [
        Float32Array.from(previous.skip),
        Float32Array.from(previous.complete),
        Float32Array.from(previous.engage),
      ]
    : undefined;
  const { weights, loss } = await trainLogistic(tf, { x, rows: rows.length, cols }, y, 3, {
    steps,
    learningRate: 0.05,
    l2: 1e-5,
    ...(init ? { init } : {}),
  });
  return { skip: weights[0]!, complete: weights[1]!, engage: weights[2]!, loss };
}

/** A logged exploring decision's first pick, with every option it had. */
export interface LoggedDecision {
  /** Index of the chosen option. */
  chosen: number;
  reward: number;
  options: Array<{ p: number; base: number; adv: number; phi: ArrayLike<number> }>;
}

export interface ObjectiveFitOptions {
  temperature: number;
  epsilon: number;
  steps?: number;
  learningRate?: number;
  /** |θ_i| is kept within this bound (a guard against runaway multipliers). */
  bound?: number;
}

/**
 * Off-policy policy gradient for the bid multiplier. The target policy is the
 * logging policy's own form — (1−ε)·softmax((base + min(2, adv·m_θ(φ)))/τ) + ε/n —
 * with m_θ(φ) = clamp(exp(θ·φ), 0.5, 1.5); the objective is the
 * self-normalised IPS estimate of its mean shared reward.
 */
export async function fitObjective(
  tf: Tf,
  log: readonly LoggedDecision[],
  version: string,
  o: ObjectiveFitOptions,
  start?: ObjectivePolicy | null,
): Promise<{ policy: ObjectivePolicy; estimate: number; before: number }> {
  const d = OBJECTIVE_FEATURES.length;
  const n = log.length;
  const k = Math.max(1, ...log.map((l) => l.options.length));
  const base = new Float32Array(n * k);
  const adv = new Float32Array(n * k);
  const phi = new Float32Array(n * k * d);
  const mask = new Float32Array(n * k);
  const chosen = new Float32Array(n * k);
  const reward = new Float32Array(n);
  const logP = new Float32Array(n);
  const count = new Float32Array(n);
  const meanR = log.reduce((s, l) => s + l.reward, 0) / Math.max(1, n);
  log.forEach((l, r) => {
    reward[r] = l.reward - meanR; // a baseline: the estimate's gradient is the same, its variance lower
    logP[r] = l.options[l.chosen]!.p;
    count[r] = l.options.length;
    l.options.forEach((opt, j) => {
      base[r * k + j] = opt.base;
      adv[r * k + j] = opt.adv;
      mask[r * k + j] = 1;
      if (j === l.chosen) chosen[r * k + j] = 1;
      for (let i = 0; i < d; i++) phi[(r * k + j) * d + i] = opt.phi[i] as number;
    });
  });
  const theta = tf.variable(tf.tensor1d(start ? start.theta : new Float32Array(d)));
  const B = tf.tensor2d(base, [n, k]);
  const A = tf.tensor2d(adv, [n, k]);
  const P = tf.tensor3d(phi, [n, k, d]);
  const M = tf.tensor2d(mask, [n, k]);
  const C = tf.tensor2d(chosen, [n, k]);
  const R = tf.tensor1d(reward);
  const P0 = tf.tensor1d(logP);
  const N = tf.tensor1d(count);
  const bound = o.bound ?? 2;
  const value = () => {
    const m = tf.clipByValue(tf.exp(tf.sum(tf.mul(P, theta), 2)), MIN_MULTIPLIER, MAX_MULTIPLIER);
    const u = tf.add(B, tf.minimum(tf.mul(A, m), 2));
    const masked = tf.add(tf.div(u, o.temperature), tf.mul(tf.sub(M, 1), 1e9));
    const soft = tf.softmax(masked, 1);
    const probs = tf.add(tf.mul(soft, 1 - o.epsilon), tf.div(tf.mul(M, o.epsilon), tf.expandDims(N, 1)));
    const pChosen = tf.sum(tf.mul(probs, C), 1);
    const w = tf.div(pChosen, P0);
    return tf.div(tf.sum(tf.mul(w, R)), tf.sum(w)) as Scalar;
  };
  const opt = tf.train.adam(o.learningRate ?? 0.05);
  try {
    const before = tf.tidy(() => value().dataSync()[0]!) + meanR;
    for (let s = 0; s < (o.steps ?? 150); s++) {
      tf.tidy(() => {
        opt.minimize(() => tf.neg(value()) as Scalar);
        theta.assign(tf.clipByValue(theta, -bound, bound));
      });
    }
    const estimate = tf.tidy(() => value().dataSync()[0]!) + meanR;
    return { policy: new ObjectivePolicy(version, await theta.data()), estimate, before };
  } finally {
    for (const t of [theta, B, A, P, M, C, R, P0, N]) t.dispose();
    opt.dispose();
  }
}

export async function fitMonolithic(
  tf: Tf,
  ads: readonly ServedAd[],
  version: string,
  steps = 400,
  seed = 1,
): Promise<MonolithicModel> {
  const rows = ads.filter((a) => a.monoX);
  const cols = MONOLITHIC_FEATURES.length;
  const x = new Float32Array(rows.length * cols);
  const y = new Float32Array(rows.length);
  rows.forEach((a, r) => {
    x.set(a.monoX!, r * cols);
    y[r] = a.reward;
  });
  const { model } = await trainMlp(tf, { x, rows: rows.length, cols }, y, {
    hidden: 32,
    steps,
    learningRate: 0.01,
    batch: 512,
    l2: 1e-5,
    seed,
  });
  return new MonolithicModel(version, model);
}
