/**
 * The action policy the federated model drives, and its REINFORCE gradient.
 *
 * The inventory policy's three logistic heads predict, per candidate k with
 * feature vector x_k (POLICY_FEATURES), p_skip, p_complete and p_engage. The
 * listener-facing score of a candidate is
 *
 *   s_k = p_complete · (1 − p_skip) + λ · p_engage        (λ = engageWeight)
 *
 * (the listener term of the inventory agent's candidateScore, plus
 * engagement) and the action policy picks one candidate of a decision with
 *
 *   π(k) = softmax_k(s_k / T)                              (T = temperature).
 *
 * REINFORCE with logged propensities and a baseline: every logged decision
 * kept the propensity μ(a) with which the deployed policy chose the ad a, and
 * the reward r it earned. The off-policy gradient of the expected reward at
 * parameters θ is
 *
 *   g = mean_i  min(π_θ(a_i) / μ(a_i), ρ_max) · (r_i − b) · ∇_θ log π_θ(a_i)
 *   ∇ log π(a) = (∇s_a − Σ_k π(k) ∇s_k) / T
 *   ∂s/∂w_skip     = −p_c · p_s(1 − p_s) · x
 *   ∂s/∂w_complete = (1 − p_s) · p_c(1 − p_c) · x
 *   ∂s/∂w_engage   = λ · p_e(1 − p_e) · x
 *
 * with b the mean reward of the data (a baseline lowers the variance and
 * leaves the expectation unchanged) and the importance weight capped at ρ_max
 * (bias for variance, as usual). Pure functions on flat vectors (model.ts).
 */
import type { Rng } from '../../services/common/rng';
import { POLICY_FEATURE_COUNT } from '../../services/inventory/policy';
import { POLICY_VECTOR_LENGTH } from './model';

const F = POLICY_FEATURE_COUNT;

export interface ActionPolicyOptions {
  /** Softmax temperature T (default 0.1). */
  temperature?: number;
  /** Weight λ of p_engage in the score (default 1). */
  engageWeight?: number;
}

/**
 * One logged decision, kept on the listener's device: the candidates' feature
 * vectors (K × POLICY_FEATURE_COUNT, row-major), which one was played, the
 * probability the deployed policy gave it, and the reward it earned.
 */
export interface Interaction {
  features: Float32Array;
  chosen: number;
  propensity: number;
  reward: number;
}

/** Number of candidates in a decision. */
export function candidateCount(features: Float32Array): number {
  return features.length / F;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

interface Heads {
  ps: Float64Array;
  pc: Float64Array;
  pe: Float64Array;
  score: Float64Array;
}

function heads(theta: ArrayLike<number>, features: Float32Array, engageWeight: number): Heads {
  const k = candidateCount(features);
  const ps = new Float64Array(k);
  const pc = new Float64Array(k);
  const pe = new Float64Array(k);
  const score = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let zs = 0;
    let zc = 0;
    let ze = 0;
    const base = c * F;
    for (let i = 0; i < F; i++) {
      const x = features[base + i]!;
      zs += theta[i]! * x;
      zc += theta[F + i]! * x;
      ze += theta[2 * F + i]! * x;
    }
    ps[c] = sigmoid(zs);
    pc[c] = sigmoid(zc);
    pe[c] = sigmoid(ze);
    score[c] = pc[c]! * (1 - ps[c]!) + engageWeight * pe[c]!;
  }
  return { ps, pc, pe, score };
}

function softmax(score: Float64Array, temperature: number): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const s of score) if (s > max) max = s;
  const out = new Float64Array(score.length);
  let sum = 0;
  for (let i = 0; i < score.length; i++) {
    out[i] = Math.exp((score[i]! - max) / temperature);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** π_θ(·) over the candidates of one decision. */
export function actionProbabilities(
  theta: ArrayLike<number>,
  features: Float32Array,
  options: ActionPolicyOptions = {},
): Float64Array {
  const { score } = heads(theta, features, options.engageWeight ?? 1);
  return softmax(score, options.temperature ?? 0.1);
}

/** Samples a candidate from π_θ; returns its index and propensity. */
export function sampleAction(
  theta: ArrayLike<number>,
  features: Float32Array,
  rng: Rng,
  options: ActionPolicyOptions = {},
): { index: number; propensity: number } {
  const p = actionProbabilities(theta, features, options);
  const u = rng.next();
  let acc = 0;
  for (let i = 0; i < p.length; i++) {
    acc += p[i]!;
    if (u < acc) return { index: i, propensity: p[i]! };
  }
  return { index: p.length - 1, propensity: p[p.length - 1]! };
}

export interface GradientOptions extends ActionPolicyOptions {
  /** Reward baseline b (default: the mean reward of the interactions given). */
  baseline?: number;
  /** Cap ρ_max on the importance weight π/μ (default 5). */
  maxImportanceWeight?: number;
}

/** Mean reward of a set of interactions (0 when empty). */
export function meanReward(interactions: readonly Interaction[]): number {
  if (interactions.length === 0) return 0;
  let s = 0;
  for (const it of interactions) s += it.reward;
  return s / interactions.length;
}

/**
 * Adds Σ_i ρ_i (r_i − b) ∇ log π_θ(a_i) over `interactions` to `out` (a sum,
 * not a mean: callers divide). Returns the sum of ρ_i (r_i − b) π-weighted
 * terms' count for bookkeeping (the number of interactions used).
 */
export function accumulateGradient(
  theta: ArrayLike<number>,
  interactions: readonly Interaction[],
  out: Float64Array,
  options: GradientOptions & { baseline: number },
): number {
  const T = options.temperature ?? 0.1;
  const lambda = options.engageWeight ?? 1;
  const rhoMax = options.maxImportanceWeight ?? 5;
  const grad = new Float64Array(3 * F); // ∇s of one candidate, reused
  for (const it of interactions) {
    const h = heads(theta, it.features, lambda);
    const pi = softmax(h.score, T);
    const a = it.chosen;
    const rho = Math.min(pi[a]! / it.propensity, rhoMax);
    const coef = (rho * (it.reward - options.baseline)) / T;
    if (coef === 0) continue;
    const k = pi.length;
    for (let c = 0; c < k; c++) {
      // weight of ∇s_c in ∇ log π(a): 1[c = a] − π(c)
      const w = coef * ((c === a ? 1 : 0) - pi[c]!);
      if (w === 0) continue;
      const ps = h.ps[c]!;
      const pc = h.pc[c]!;
      const pe = h.pe[c]!;
      const gs = -pc * ps * (1 - ps);
      const gc = (1 - ps) * pc * (1 - pc);
      const ge = lambda * pe * (1 - pe);
      const base = c * F;
      for (let i = 0; i < F; i++) {
        const x = it.features[base + i]!;
        grad[i] = gs * x;
        grad[F + i] = gc * x;
        grad[2 * F + i] = ge * x;
      }
      for (let j = 0; j < grad.length; j++) out[j]! += w * grad[j]!;
    }
  }
  return interactions.length;
}

/** The mean off-policy REINFORCE gradient (ascent direction) at θ. */
export function policyGradient(
  theta: ArrayLike<number>,
  interactions: readonly Interaction[],
  options: GradientOptions = {},
): Float64Array {
  const out = new Float64Array(POLICY_VECTOR_LENGTH);
  if (interactions.length === 0) return out;
  const baseline = options.baseline ?? meanReward(interactions);
  accumulateGradient(theta, interactions, out, { ...options, baseline });
  for (let j = 0; j < out.length; j++) out[j]! /= interactions.length;
  return out;
}

/**
 * Self-normalised importance-sampling estimate of the expected reward of π_θ
 * on logged data: Σ ρ_i r_i / Σ ρ_i (uncapped ρ). Used for training curves;
 * the evaluation's headline numbers come from running the simulator.
 */
export function offPolicyValue(
  theta: ArrayLike<number>,
  interactions: readonly Interaction[],
  options: ActionPolicyOptions = {},
): number {
  let num = 0;
  let den = 0;
  for (const it of interactions) {
    const pi = actionProbabilities(theta, it.features, options);
    const rho = pi[it.chosen]! / it.propensity;
    num += rho * it.reward;
    den += rho;
  }
  return den > 0 ? num / den : 0;
}
