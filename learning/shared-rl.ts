/**
 * Agents that learn from the shared reward: an independent policy-gradient
 * learner per agent (REINFORCE with a baseline), the baseline a centralised
 * linear critic used only in training.
 *
 *   context agent    ad-load policy: the ad load this break can bear, as the
 *                    floor on joint utility an ad must clear to be served
 *                    (NegotiationSettings.minUtility), a ∈ AD_LOAD_ACTIONS,
 *                    π(a | x) = softmax(Θ x),
 *                    x = [1, the context snapshot's features]
 *   inventory agent  OfferPolicy: which k candidates it offers (its shortlist,
 *                    k = the broker's shortlist size) out of the OFFER_POOL · k
 *                    its supervised ranking puts first, by Plackett–Luce
 *                    sampling without replacement, logit_i = θ · z_i −
 *                    s · rank_i, z_i = offerFeatures (the candidate's own
 *                    predictions, price, duration, tier), rank_i its place
 *                    in the supervised ranking, θ and the rank step s learned
 *   objective agent  ValueScalePolicy: the multiplier on each campaign's
 *                    advertiser value, log m ~ N(θ · φ, σ²), φ = objectiveFeatures
 *                    (clamped to [0.5, 1.5] like ObjectivePolicy)
 *
 * Credit: every break b has one return R_b = Σ its ads' sharedReward +
 * LONG_TERM_WEIGHT · continued_b (reward.ts). Each agent's own actions in the
 * break get that same R_b (the shared reward, not its own labels):
 * A_b = R_b − V(ψ_b), the critic V a ridge regression over ψ_b = [x_b, mean φ
 * of the campaigns in the inventory agent's first pool in b] — state before
 * any agent acts in the break (so the baseline depends on no agent's action),
 * and more than any one agent sees, so it is used only to train, never to decide. Advantages are standardised per
 * batch; each agent steps θ += η · mean_b(A_b ∇ log π(a_b)), the step's norm
 * capped. At decision time each agent acts on its own inputs only: greedy
 * (argmax / the mean) when deployed, sampled while training.
 */
import type { Candidate, Snapshot } from '../services/common/domain/types';
import { gaussian, type Rng } from '../services/common/rng';
import { CONTEXT_FEATURES } from '../services/context/assess';
import { MAX_MULTIPLIER, MIN_MULTIPLIER, OBJECTIVE_FEATURES, ObjectivePolicy } from './objective-policy';

/** The context agent's actions: the floor on joint utility an ad of this break must clear (null = none). */
export const AD_LOAD_ACTIONS: readonly (number | null)[] = [null, 0, 0.5, 1];
export const AD_LOAD_DIM = 1 + CONTEXT_FEATURES.length;
export const CRITIC_DIM = AD_LOAD_DIM + OBJECTIVE_FEATURES.length;

/** x = [1, snapshot features]; a default snapshot (no features) is the bias alone. */
export function adLoadFeatures(s: Pick<Snapshot, 'features'>): Float64Array {
  const x = new Float64Array(AD_LOAD_DIM);
  x[0] = 1;
  if (s.features.length === CONTEXT_FEATURES.length)
    for (let i = 0; i < s.features.length; i++) x[i + 1] = s.features[i]!;
  return x;
}

function softmax(z: Float64Array): Float64Array {
  let top = -Infinity;
  for (const v of z) top = Math.max(top, v);
  let sum = 0;
  const p = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) sum += p[i] = Math.exp(z[i]! - top);
  for (let i = 0; i < z.length; i++) p[i]! /= sum;
  return p;
}

/** A linear softmax policy over K actions: θ is K rows of d. */
export class SoftmaxPolicy {
  readonly theta: Float64Array;
  constructor(
    readonly actions: number,
    readonly dim: number,
    theta?: ArrayLike<number>,
  ) {
    this.theta = theta ? Float64Array.from(theta) : new Float64Array(actions * dim);
    if (this.theta.length !== actions * dim) throw new Error(`theta: expected ${actions * dim}`);
  }
  probs(x: ArrayLike<number>): Float64Array {
    const z = new Float64Array(this.actions);
    for (let a = 0; a < this.actions; a++) {
      let s = 0;
      for (let j = 0; j < this.dim; j++) s += this.theta[a * this.dim + j]! * x[j]!;
      z[a] = s;
    }
    return softmax(z);
  }
  greedy(x: ArrayLike<number>): number {
    const p = this.probs(x);
    let best = 0;
    for (let a = 1; a < p.length; a++) if (p[a]! > p[best]!) best = a;
    return best;
  }
  sample(x: ArrayLike<number>, rng: Rng): number {
    const p = this.probs(x);
    let u = rng.next();
    let a = 0;
    while (a < p.length - 1 && u >= p[a]!) u -= p[a++]!;
    return a;
  }
  /** ∇_θ log π(a | x) = (onehot(a) − π(· | x)) ⊗ x, added into `out`. */
  addGradLogP(x: ArrayLike<number>, a: number, out: Float64Array): void {
    const p = this.probs(x);
    for (let k = 0; k < this.actions; k++) {
      const c = (k === a ? 1 : 0) - p[k]!;
      for (let j = 0; j < this.dim; j++) out[k * this.dim + j]! += c * x[j]!;
    }
  }
}

/** The context agent's ad-load policy, starting uniform over the floors (its greedy choice then: the first, no floor). */
export function adLoadPolicy(): SoftmaxPolicy {
  return new SoftmaxPolicy(AD_LOAD_ACTIONS.length, AD_LOAD_DIM);
}

/** The objective agent's stochastic value multiplier: log m ~ N(θ · φ, σ²), clamped like ObjectivePolicy. */
export class ValueScalePolicy {
  readonly theta: Float64Array;
  constructor(
    theta: ArrayLike<number>,
    readonly sigma = 0.2,
  ) {
    this.theta = Float64Array.from(theta);
    if (this.theta.length !== OBJECTIVE_FEATURES.length) throw new Error('theta: wrong length');
  }
  mean(phi: ArrayLike<number>): number {
    let s = 0;
    for (let j = 0; j < this.theta.length; j++) s += this.theta[j]! * phi[j]!;
    return s;
  }
  /** A sampled multiplier and ∇_θ log N(log m; θ·φ, σ²) = ε/σ · φ, added into `grad`. */
  sample(phi: ArrayLike<number>, rng: Rng, grad: Float64Array): number {
    const eps = gaussian(rng);
    for (let j = 0; j < this.theta.length; j++) grad[j]! += (eps / this.sigma) * phi[j]!;
    return Math.min(MAX_MULTIPLIER, Math.max(MIN_MULTIPLIER, Math.exp(this.mean(phi) + this.sigma * eps)));
  }
  /** The deterministic policy it deploys (the mean). */
  policy(version: string): ObjectivePolicy {
    return new ObjectivePolicy(version, this.theta);
  }
}

/** What the inventory agent's offer policy reads of each candidate of its own proposal. */
export const OFFER_FEATURES = [
  'p_skip',
  'p_complete',
  'p_engage',
  'price',
  'duration_min',
  'sponsorship',
  'house',
] as const;
export const OFFER_DIM = OFFER_FEATURES.length;
/** The inventory agent ranks OFFER_POOL × the shortlist size of candidates; its offer policy picks the shortlist among them. */
export const OFFER_POOL = 2;
/** The rank step the offer policy starts from (the logit lost per place down the supervised ranking): untrained (θ = 0), the greedy offer is the supervised shortlist. */
export const OFFER_RANK_STEP = 0.5;

/** z = OFFER_FEATURES of one candidate: its predictions, price / revenue scale (≤ 2), minutes, tier flags. */
export function offerFeatures(
  c: Pick<Candidate, 'pSkip' | 'pComplete' | 'pEngage' | 'priceMicros' | 'durationMs' | 'tier'>,
  revenueScaleMicros: number,
): Float64Array {
  return Float64Array.from([
    c.pSkip,
    c.pComplete,
    c.pEngage,
    Math.min(2, c.priceMicros / revenueScaleMicros),
    c.durationMs / 60_000,
    c.tier === 'sponsorship' ? 1 : 0,
    c.tier === 'house' ? 1 : 0,
  ]);
}

/**
 * The inventory agent's offer policy: a Plackett–Luce distribution over
 * orderings of its pool (candidates in its supervised ranking's order),
 * logit_i = θ · z_i − rankStep · i; it offers the first k drawn. θ learns
 * what the shared reward says the supervised ranking gets wrong, and the rank
 * step how far to trust that ranking: it starts at OFFER_RANK_STEP and is
 * learned too (a smaller step lets θ bring candidates from beyond the
 * shortlist; a step below 0 counts as 0).
 */
export class OfferPolicy {
  /** [θ (OFFER_DIM), rank step]: one array, so a learner can step either part in place. */
  readonly params: Float64Array;
  readonly theta: Float64Array;
  /** The rank step as a one-element view of params (what its learner steps). */
  readonly rank: Float64Array;
  constructor(theta?: ArrayLike<number>, rankStep = OFFER_RANK_STEP) {
    if (theta && theta.length !== OFFER_DIM) throw new Error(`theta: expected ${OFFER_DIM}`);
    this.params = new Float64Array(OFFER_DIM + 1);
    if (theta) this.params.set(theta);
    this.params[OFFER_DIM] = rankStep;
    this.theta = this.params.subarray(0, OFFER_DIM);
    this.rank = this.params.subarray(OFFER_DIM);
  }
  /** The logit lost per place down the supervised ranking (≥ 0). */
  get rankStep(): number {
    return Math.max(0, this.params[OFFER_DIM]!);
  }
  logits(zs: readonly ArrayLike<number>[]): Float64Array {
    const step = this.rankStep;
    return Float64Array.from(zs, (z, i) => {
      let s = -step * i;
      for (let j = 0; j < OFFER_DIM; j++) s += this.theta[j]! * z[j]!;
      return s;
    });
  }
  /** The deployed offer: the k highest logits (ties to the better supervised rank), best first. */
  greedy(zs: readonly ArrayLike<number>[], k: number): number[] {
    const s = this.logits(zs);
    return zs
      .map((_, i) => i)
      .sort((a, b) => s[b]! - s[a]! || a - b)
      .slice(0, k);
  }
  /**
   * k draws without replacement (in draw order); ∇_θ log P of the draws is
   * added into `grad`, and ∇ with respect to the rank step into `gradRank[0]` when given.
   */
  sample(
    zs: readonly ArrayLike<number>[],
    k: number,
    rng: Rng,
    grad: Float64Array,
    gradRank?: Float64Array,
  ): number[] {
    const s = this.logits(zs);
    const left = zs.map((_, i) => i);
    const picks: number[] = [];
    while (picks.length < k && left.length > 0) {
      const p = softmax(Float64Array.from(left, (i) => s[i]!));
      let u = rng.next();
      let r = 0;
      while (r < p.length - 1 && u >= p[r]!) u -= p[r++]!;
      picks.push(left[r]!);
      left.splice(r, 1);
    }
    this.addGradLogP(zs, picks, grad, gradRank);
    return picks;
  }
  /** log P(the draws `picks`, in order). */
  logProb(zs: readonly ArrayLike<number>[], picks: readonly number[]): number {
    const s = this.logits(zs);
    const left = new Set(zs.map((_, i) => i));
    let lp = 0;
    for (const a of picks) {
      let top = -Infinity;
      for (const i of left) top = Math.max(top, s[i]!);
      let sum = 0;
      for (const i of left) sum += Math.exp(s[i]! - top);
      lp += s[a]! - top - Math.log(sum);
      left.delete(a);
    }
    return lp;
  }
  /**
   * ∇_θ log P(picks) = Σ_t (z_{a_t} − Σ_{j left at t} p_t(j) z_j), added into
   * `out`; the rank step's, Σ_t (Σ_j p_t(j) j − a_t), into `outRank[0]` when
   * given (0 while the step is clamped at 0, where lowering it changes nothing).
   */
  addGradLogP(
    zs: readonly ArrayLike<number>[],
    picks: readonly number[],
    out: Float64Array,
    outRank?: Float64Array,
  ): void {
    const s = this.logits(zs);
    const left = zs.map((_, i) => i);
    const rankLive = outRank !== undefined && this.params[OFFER_DIM]! > 0;
    for (const a of picks) {
      const p = softmax(Float64Array.from(left, (i) => s[i]!));
      for (let j = 0; j < OFFER_DIM; j++) {
        let expected = 0;
        left.forEach((i, r) => {
          expected += p[r]! * zs[i]![j]!;
        });
        out[j]! += zs[a]![j]! - expected;
      }
      if (rankLive) {
        let expectedPlace = 0;
        left.forEach((i, r) => {
          expectedPlace += p[r]! * i;
        });
        outRank[0]! += expectedPlace - a;
      }
      left.splice(left.indexOf(a), 1);
    }
  }
}

/** Solves (A + λI) w = b for a symmetric positive semi-definite A (Gaussian elimination, partial pivoting). */
export function ridgeSolve(A: Float64Array, b: Float64Array, d: number, lambda: number): Float64Array {
  const m = new Float64Array(d * (d + 1));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) m[i * (d + 1) + j] = A[i * d + j]! + (i === j ? lambda : 0);
    m[i * (d + 1) + d] = b[i]!;
  }
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++)
      if (Math.abs(m[r * (d + 1) + c]!) > Math.abs(m[piv * (d + 1) + c]!)) piv = r;
    if (piv !== c)
      for (let k = 0; k <= d; k++) {
        const t = m[c * (d + 1) + k]!;
        m[c * (d + 1) + k] = m[piv * (d + 1) + k]!;
        m[piv * (d + 1) + k] = t;
      }
    const diag = m[c * (d + 1) + c]!;
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r * (d + 1) + c]! / diag;
      if (f === 0) continue;
      for (let k = c; k <= d; k++) m[r * (d + 1) + k]! -= f * m[c * (d + 1) + k]!;
    }
  }
  const w = new Float64Array(d);
  for (let i = 0; i < d; i++) w[i] = m[i * (d + 1) + d]! / m[i * (d + 1) + i]!;
  return w;
}

/** The centralised critic: V(ψ) = w · ψ, ridge regression on every break seen so far (training only). */
export class Critic {
  private readonly xtx: Float64Array;
  private readonly xty: Float64Array;
  private w: Float64Array;
  n = 0;
  constructor(
    readonly dim: number,
    readonly lambda = 1,
  ) {
    this.xtx = new Float64Array(dim * dim);
    this.xty = new Float64Array(dim);
    this.w = new Float64Array(dim);
  }
  value(psi: ArrayLike<number>): number {
    let s = 0;
    for (let j = 0; j < this.dim; j++) s += this.w[j]! * psi[j]!;
    return s;
  }
  add(psi: ArrayLike<number>, r: number): void {
    for (let i = 0; i < this.dim; i++) {
      this.xty[i]! += psi[i]! * r;
      for (let j = 0; j < this.dim; j++) this.xtx[i * this.dim + j]! += psi[i]! * psi[j]!;
    }
    this.n++;
  }
  refit(): void {
    this.w = ridgeSolve(this.xtx, this.xty, this.dim, this.lambda);
  }
}

/** One break as a training step: the centralised state, the shared return, each agent's ∇ log π of what it did. */
export interface Step {
  psi: Float64Array;
  reward: number;
  grads: Record<string, Float64Array>;
}

export interface LearnerParams {
  theta: Float64Array;
  /** Step size η. */
  lr: number;
  /** Cap on the norm of one update of θ. */
  maxStep: number;
}

/** What one update did (for the report). */
export interface UpdateStats {
  updates: number;
  steps: number;
  meanReturn: number;
}

/**
 * Independent REINFORCE learners, one per agent, with one shared return per
 * break and a centralised critic as their common baseline.
 */
export class IndependentPolicyGradient {
  readonly critic: Critic;
  readonly stats: UpdateStats = { updates: 0, steps: 0, meanReturn: 0 };
  constructor(
    readonly learners: Record<string, LearnerParams>,
    criticDim: number,
  ) {
    this.critic = new Critic(criticDim);
  }

  /** One policy-gradient step per agent from a batch of breaks; then the critic learns the batch. */
  update(batch: readonly Step[]): void {
    if (batch.length < 2) return;
    const adv = batch.map((s) => s.reward - (this.critic.n > 0 ? this.critic.value(s.psi) : 0));
    const mu = adv.reduce((a, b) => a + b, 0) / adv.length;
    const sd = Math.sqrt(adv.reduce((a, b) => a + (b - mu) ** 2, 0) / adv.length) || 1;
    // With no critic yet the batch mean is the baseline.
    const a = adv.map((v) => (this.critic.n > 0 ? v : v - mu) / sd);
    for (const [name, p] of Object.entries(this.learners)) {
      const g = new Float64Array(p.theta.length);
      let used = 0;
      batch.forEach((s, b) => {
        const grad = s.grads[name];
        if (!grad) return;
        used++;
        for (let j = 0; j < g.length; j++) g[j]! += a[b]! * grad[j]!;
      });
      if (used === 0) continue;
      let norm = 0;
      for (let j = 0; j < g.length; j++) {
        g[j] = (p.lr * g[j]!) / used;
        norm += g[j]! ** 2;
      }
      const scale = Math.sqrt(norm) > p.maxStep ? p.maxStep / Math.sqrt(norm) : 1;
      for (let j = 0; j < g.length; j++) p.theta[j]! += scale * g[j]!;
    }
    const total = this.stats.meanReturn * this.stats.steps + batch.reduce((s, x) => s + x.reward, 0);
    this.stats.updates++;
    this.stats.steps += batch.length;
    this.stats.meanReturn = total / this.stats.steps;
    for (const s of batch) this.critic.add(s.psi, s.reward);
    this.critic.refit();
  }
}

/** The three agents' policies and their learner, as the experiment's parley arm uses them. */
export class SharedRl {
  readonly adLoad: SoftmaxPolicy;
  readonly offer: OfferPolicy;
  readonly value: ValueScalePolicy;
  readonly learner: IndependentPolicyGradient;
  /** Breaks per update. */
  readonly batch: number;
  constructor(objectiveStart: ArrayLike<number> | null, o: { batch?: number; lr?: number } = {}) {
    this.adLoad = adLoadPolicy();
    this.offer = new OfferPolicy();
    this.value = new ValueScalePolicy(objectiveStart ?? new Float64Array(OBJECTIVE_FEATURES.length));
    this.batch = o.batch ?? 500;
    const lr = o.lr ?? 2;
    this.learner = new IndependentPolicyGradient(
      {
        context: { theta: this.adLoad.theta, lr, maxStep: 1 },
        inventory: { theta: this.offer.theta, lr: lr / 2, maxStep: 0.25 },
        // The rank step has a learner of its own: its gradient is in places (up to the pool size), θ's in feature units.
        inventory_rank: { theta: this.offer.rank, lr: lr / 20, maxStep: 0.05 },
        objective: { theta: this.value.theta, lr: lr / 20, maxStep: 0.03 },
      },
      CRITIC_DIM,
    );
  }
}

/** ψ = [x, mean φ over the campaigns in the inventory agent's first pool of the break] (zeros with none). */
export function criticFeatures(x: Float64Array, phis: readonly ArrayLike<number>[]): Float64Array {
  const psi = new Float64Array(CRITIC_DIM);
  psi.set(x);
  for (const phi of phis)
    for (let j = 0; j < OBJECTIVE_FEATURES.length; j++) psi[AD_LOAD_DIM + j]! += phi[j]! / phis.length;
  return psi;
}
