/**
 * The client learner: runs beside the listener (app or device), keeps its
 * own interaction log locally and turns it into a model update. Only the
 * update (a clipped, optionally noised parameter delta) and the number of
 * interactions behind it ever leave; the log itself never does.
 *
 *   const learner = new ClientLearner('device-42');
 *   learner.record({ features, chosen, propensity, reward });   // after each ad
 *   const { update, numExamples } = learner.computeUpdate(globalWeights, plan, rng);
 */

import type { Rng } from '../../services/common/rng';
import { POLICY_FEATURE_COUNT } from '../../services/inventory/policy';
import { addGaussianNoise, clipToNorm } from '../privacy/dp';
import { PrivacyAccountant } from '../privacy/rdp';
import { POLICY_VECTOR_LENGTH } from './model';
import { accumulateGradient, candidateCount, type Interaction, meanReward } from './reinforce';

/** The hyper-parameters a round hands out (TrainingPlan in federated.proto). */
export interface TrainingPlan {
  learningRate: number;
  localEpochs: number;
  /** Minibatch size (0 = the whole log in one batch). */
  batchSize: number;
  /** L2 bound the update is clipped to. */
  clipNorm: number;
  /** Local Gaussian noise std = multiplier × clipNorm (0 = none). */
  localNoiseMultiplier: number;
  maxImportanceWeight: number;
  temperature: number;
  /** FedProx: weight μ of the proximal term (μ/2)·‖θ − θ_global‖² (0 or absent = none). */
  proximalMu?: number;
}

export const DEFAULT_PLAN: TrainingPlan = {
  learningRate: 1,
  localEpochs: 2,
  batchSize: 16,
  clipNorm: 1,
  localNoiseMultiplier: 0,
  maxImportanceWeight: 5,
  temperature: 0.1,
};

/** How the shared reward is computed from one ad's outcome on the device. */
export function listenerReward(o: { completed: boolean; clicked: boolean }, clickWeight = 1): number {
  return (o.completed ? 1 : 0) + (o.clicked ? clickWeight : 0);
}

export class InteractionLogError extends Error {}

/**
 * A bounded, local log of decisions (oldest dropped first). It has no
 * serialiser to the network on purpose.
 */
export class InteractionLog {
  private readonly items: Interaction[] = [];

  constructor(readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  record(it: Interaction): void {
    const k = it.features.length / POLICY_FEATURE_COUNT;
    if (!Number.isInteger(k) || k < 1) {
      throw new InteractionLogError(`features must hold K × ${POLICY_FEATURE_COUNT} values`);
    }
    if (!Number.isInteger(it.chosen) || it.chosen < 0 || it.chosen >= k) {
      throw new InteractionLogError(`chosen must be a candidate index in [0, ${k})`);
    }
    if (!(it.propensity > 0 && it.propensity <= 1)) {
      throw new InteractionLogError(`propensity must be in (0, 1], got ${it.propensity}`);
    }
    if (!Number.isFinite(it.reward)) throw new InteractionLogError('reward must be finite');
    for (const x of it.features)
      if (!Number.isFinite(x)) throw new InteractionLogError('features must be finite');
    this.items.push({ ...it, features: Float32Array.from(it.features) });
    if (this.items.length > this.capacity) this.items.shift();
  }

  get size(): number {
    return this.items.length;
  }

  /** Read-only view for local training. */
  entries(): readonly Interaction[] {
    return this.items;
  }

  clear(): void {
    this.items.length = 0;
  }
}

export interface LocalUpdate {
  /** θ_local − θ_global, clipped to plan.clipNorm and optionally noised. */
  update: Float32Array;
  numExamples: number;
  /** L2 norm of the delta before clipping. */
  normBeforeClip: number;
  clipped: boolean;
  /** Mean reward of the local data (the baseline used). */
  baseline: number;
}

/**
 * Local training: `localEpochs` passes of minibatch gradient ascent on the
 * off-policy REINFORCE objective, starting from the global weights; returns
 * the clipped (and optionally noised) delta. The order of minibatches is
 * shuffled with `rng`.
 */
export function localUpdate(
  global: Float32Array,
  interactions: readonly Interaction[],
  plan: TrainingPlan,
  rng: Rng,
): LocalUpdate {
  if (global.length !== POLICY_VECTOR_LENGTH) {
    throw new RangeError(`global model must have ${POLICY_VECTOR_LENGTH} values, got ${global.length}`);
  }
  if (interactions.length === 0) throw new RangeError('no local interactions to learn from');
  for (const it of interactions) {
    if (candidateCount(it.features) < 1) throw new RangeError('an interaction has no candidates');
  }
  const theta = Float64Array.from(global);
  const baseline = meanReward(interactions);
  const n = interactions.length;
  const batch = plan.batchSize > 0 ? Math.min(plan.batchSize, n) : n;
  const order = Array.from({ length: n }, (_, i) => i);
  const grad = new Float64Array(theta.length);
  const mu = plan.proximalMu ?? 0;
  const options = {
    baseline,
    temperature: plan.temperature,
    maxImportanceWeight: plan.maxImportanceWeight,
  };
  for (let e = 0; e < plan.localEpochs; e++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let start = 0; start < n; start += batch) {
      const slice = order.slice(start, start + batch).map((i) => interactions[i]!);
      grad.fill(0);
      accumulateGradient(theta, slice, grad, options);
      const step = plan.learningRate / slice.length;
      for (let j = 0; j < theta.length; j++) theta[j]! += step * grad[j]!;
      // FedProx's term (μ/2)·‖θ − θ_global‖² by its proximal step, stable for any μ and learning rate
      // (a plain gradient step on it diverges once μ·η > 2).
      if (mu > 0) {
        const shrink = 1 / (1 + plan.learningRate * mu);
        for (let j = 0; j < theta.length; j++) theta[j] = global[j]! + (theta[j]! - global[j]!) * shrink;
      }
    }
  }
  const delta = new Float32Array(theta.length);
  for (let j = 0; j < theta.length; j++) delta[j] = theta[j]! - global[j]!;
  const { clipped, norm, scale } = clipToNorm(delta, plan.clipNorm);
  if (plan.localNoiseMultiplier > 0)
    addGaussianNoise(clipped, plan.localNoiseMultiplier * plan.clipNorm, rng);
  return { update: clipped, numExamples: n, normBeforeClip: norm, clipped: scale < 1, baseline };
}

/**
 * A client learner: a local log, the update computation, and the privacy
 * this client spent. Every upload is one release of the Gaussian mechanism on
 * its clipped update (sensitivity C, noise multiplier `uploadNoiseMultiplier`;
 * no sampling amplification, since the client knows it took part), composed
 * over its uploads by its own RDP accountant: `privacySpent(δ)` is the ε it
 * can state whatever the server does. An upload without noise makes it ∞.
 */
export class ClientLearner {
  readonly log: InteractionLog;
  private readonly accountant = new PrivacyAccountant();

  constructor(
    readonly clientId: string,
    capacity = 10_000,
  ) {
    this.log = new InteractionLog(capacity);
  }

  record(it: Interaction): void {
    this.log.record(it);
  }

  /** Charges one upload that carried noise multiplier z on the clipped update (0: no local guarantee). */
  chargeUpload(noiseMultiplier: number): void {
    this.accountant.step(1, noiseMultiplier, 1);
  }

  /** Uploads charged so far. */
  get uploads(): number {
    return this.accountant.rounds;
  }

  /** The ε this client spent at δ over its uploads (0 before any; ∞ once one carried no noise). */
  privacySpent(delta: number): number {
    return this.accountant.rounds === 0 ? 0 : this.accountant.epsilon(delta);
  }

  /** The update to upload for a round, or null when the log is empty. */
  computeUpdate(global: Float32Array, plan: TrainingPlan, rng: Rng): LocalUpdate | null {
    if (this.log.size === 0) return null;
    return localUpdate(global, this.log.entries(), plan, rng);
  }
}
