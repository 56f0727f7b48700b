/**
 * Differential privacy for federated rounds (user-level, central model):
 *
 * - DP-FedAvg (McMahan et al. 2018, "Learning Differentially Private Recurrent
 *   Language Models"): every client delta is clipped to L2 norm C, the clipped
 *   deltas are summed, Gaussian noise with std z·C is added to the SUM, and the
 *   noised sum is divided by the EXPECTED number of clients m = q·N (the
 *   fixed-denominator estimator: dividing by the actual count would leak it).
 *   One round is one step of the sampled Gaussian mechanism with sampling
 *   rate q and noise multiplier z — feed it to `PrivacyAccountant.step(q, z)`.
 * - Adaptive clipping (Andrew et al. 2021, "Differentially Private Learning
 *   with Adaptive Clipping"): the server also releases a noised count of
 *   clients whose norm was ≤ C and moves C geometrically toward the target
 *   quantile γ: C ← C·exp(−η_C·(b̄ − γ)),
 *   b̄ = (Σ (1[‖Δ‖ ≤ C] − ½) + N(0, σ_b²)) / m + ½. The indicator is centred
 *   (as in TF Privacy's quantile estimator) so that one client more or fewer
 *   moves the released sum by at most ½: its noise multiplier is then 2σ_b,
 *   and to keep the round's total noise multiplier at z the update noise uses
 *   z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) (their Thm. 1). With the plain {0, 1}
 *   indicator the sensitivity would be 1 and this split would charge about
 *   half the true ε.
 * - `DpStrategy` decorates any `Strategy`: it computes the privatised mean
 *   delta and hands the wrapped strategy ONE result carrying it, so whatever
 *   the wrapped strategy does afterwards is post-processing and the DP
 *   guarantee holds for any of them. FedAvg then applies the noised mean;
 *   FedAdam uses it as its pseudo-gradient. Robust aggregators (median,
 *   Multi-Krum) need the individual updates and so do not compose with
 *   central DP this way; with secure aggregation, clients clip and add noise
 *   themselves (see federated/secagg).
 */
import { gaussian, type Rng } from '../../services/common/rng';
import { partitionResults, unchanged } from '../aggregator/strategies/common';
import type { AggregateOutcome, ClientResult, Strategy } from '../aggregator/strategies/types';
import type { PrivacyAccountant } from './rdp';

export function l2Norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

export interface Clipped {
  clipped: Float32Array;
  /** L2 norm before clipping. */
  norm: number;
  /** Factor applied: min(1, C / norm). */
  scale: number;
}

/** Scales `update` (a copy) down to L2 norm ≤ clip; leaves it alone if already within. */
export function clipToNorm(update: Float32Array, clip: number): Clipped {
  if (!(clip > 0) || !Number.isFinite(clip)) throw new RangeError(`clip norm must be > 0, got ${clip}`);
  const norm = l2Norm(update);
  const scale = norm > clip ? clip / norm : 1;
  const clipped = new Float32Array(update.length);
  for (let i = 0; i < update.length; i++) clipped[i] = update[i]! * scale;
  return { clipped, norm, scale };
}

/** Adds i.i.d. N(0, std²) to every entry, in place. */
export function addGaussianNoise(v: Float32Array | Float64Array, std: number, rng: Rng): void {
  if (!(std >= 0)) throw new RangeError(`noise std must be >= 0, got ${std}`);
  if (std === 0) return;
  for (let i = 0; i < v.length; i++) v[i]! += std * gaussian(rng);
}

export interface DpFedAvgParams {
  /** L2 clip norm C. */
  clipNorm: number;
  /** Noise multiplier z: the std of the noise on the sum is z·C. */
  noiseMultiplier: number;
  /** Expected number of participating clients m (= q·N), the divisor. */
  expectedClients: number;
}

export interface DpMean {
  /** (Σ clip(Δ_k) + N(0, (zC)²)) / m */
  mean: Float64Array;
  /** Norms of the updates before clipping. */
  norms: number[];
}

/** The DP-FedAvg estimate of the mean delta (uniform client weights). */
export function dpFedAvgMean(updates: readonly Float32Array[], params: DpFedAvgParams, rng: Rng): DpMean {
  const { clipNorm, noiseMultiplier, expectedClients } = params;
  if (!(expectedClients > 0)) throw new RangeError(`expectedClients must be > 0, got ${expectedClients}`);
  if (!(noiseMultiplier >= 0)) throw new RangeError(`noiseMultiplier must be >= 0, got ${noiseMultiplier}`);
  const dim = updates[0]?.length ?? 0;
  const sum = new Float64Array(dim);
  const norms: number[] = [];
  for (const u of updates) {
    if (u.length !== dim) throw new RangeError('all updates must have the same length');
    const { clipped, norm } = clipToNorm(u, clipNorm);
    norms.push(norm);
    for (let i = 0; i < dim; i++) sum[i]! += clipped[i]!;
  }
  addGaussianNoise(sum, noiseMultiplier * clipNorm, rng);
  for (let i = 0; i < dim; i++) sum[i]! /= expectedClients;
  return { mean: sum, norms };
}

/**
 * Noise multiplier left for the update sum when the clipped-count query uses
 * noise std σ_b and the round as a whole must have noise multiplier z
 * (Andrew et al. 2021): z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2). Needs 2σ_b > z.
 */
export function adaptiveUpdateNoiseMultiplier(z: number, countNoiseStd: number): number {
  if (!(z > 0)) throw new RangeError(`noise multiplier must be > 0, got ${z}`);
  if (!(2 * countNoiseStd > z)) {
    throw new RangeError(
      `count noise std ${countNoiseStd} too small for noise multiplier ${z} (need 2σ_b > z)`,
    );
  }
  return (z ** -2 - (2 * countNoiseStd) ** -2) ** -0.5;
}

export interface AdaptiveClippingOptions {
  initialClip: number;
  /** Target quantile γ of update norms (default 0.5: the median). */
  targetQuantile?: number;
  /** Geometric learning rate η_C (default 0.2, as in the paper). */
  learningRate?: number;
  /** Std σ_b of the noise on the clipped count (default m/20, the paper's choice). */
  countNoiseStd?: number;
}

/**
 * The adaptive clipper's count query before noise: Σ (1[norm ≤ clip] − ½).
 * Adding or removing one client changes it by exactly ½, the sensitivity the
 * noise split in `adaptiveUpdateNoiseMultiplier` assumes.
 */
export function centredClippedCount(norms: readonly number[], clip: number): number {
  let sum = 0;
  for (const n of norms) sum += (n <= clip ? 1 : 0) - 0.5;
  return sum;
}

/** Geometric adaptive clipping toward a target quantile with a noised count. */
export class AdaptiveClipper {
  private current: number;
  readonly targetQuantile: number;
  readonly learningRate: number;
  readonly countNoiseStd: number;

  constructor(
    options: AdaptiveClippingOptions,
    private readonly expectedClients: number,
  ) {
    this.countNoiseStd = options.countNoiseStd ?? expectedClients / 20;
    if (!(options.initialClip > 0)) throw new RangeError('initialClip must be > 0');
    this.current = options.initialClip;
    this.targetQuantile = options.targetQuantile ?? 0.5;
    this.learningRate = options.learningRate ?? 0.2;
    if (!(this.targetQuantile >= 0 && this.targetQuantile <= 1)) {
      throw new RangeError('targetQuantile must be in [0, 1]');
    }
    if (!(this.learningRate > 0)) throw new RangeError('learningRate must be > 0');
    if (!(expectedClients > 0)) throw new RangeError('expectedClients must be > 0');
  }

  get clip(): number {
    return this.current;
  }

  /** Updates C from this round's (pre-clip) norms; returns the new C. */
  update(norms: readonly number[], rng: Rng): number {
    const count = centredClippedCount(norms, this.current);
    const noisyFraction = (count + this.countNoiseStd * gaussian(rng)) / this.expectedClients + 0.5;
    this.current *= Math.exp(-this.learningRate * (noisyFraction - this.targetQuantile));
    return this.current;
  }
}

export interface DpStrategyOptions {
  /** Clip norm C (the initial one when adaptive). */
  clipNorm: number;
  /** The round's total noise multiplier z (what the accountant is charged). */
  noiseMultiplier: number;
  /** Expected clients per round m = q·N. */
  expectedClients: number;
  rng: Rng;
  /** Turn on adaptive clipping (Andrew et al. 2021). */
  adaptive?: Omit<AdaptiveClippingOptions, 'initialClip'>;
  /** Charge every aggregated round to this accountant at sampling rate q. */
  privacy?: { accountant: PrivacyAccountant; samplingRate: number };
}

export interface DpRoundStats {
  clipNorm: number;
  /** Std of the noise added to the sum of clipped updates. */
  noiseStd: number;
  /** Fraction of this round's updates that were clipped. */
  clippedFraction: number;
}

/** Decorator: DP-FedAvg noise (and optional adaptive clipping) in front of any strategy. */
export class DpStrategy implements Strategy {
  readonly name: string;
  private readonly clipper: AdaptiveClipper | null;
  private readonly updateNoiseMultiplier: number;
  private readonly fixedClip: number;
  lastStats: DpRoundStats | null = null;

  constructor(
    private readonly inner: Strategy,
    private readonly options: DpStrategyOptions,
  ) {
    this.name = `dp(${inner.name})`;
    if (!(options.clipNorm > 0)) throw new RangeError('clipNorm must be > 0');
    if (!(options.noiseMultiplier >= 0)) throw new RangeError('noiseMultiplier must be >= 0');
    if (!(options.expectedClients > 0)) throw new RangeError('expectedClients must be > 0');
    this.fixedClip = options.clipNorm;
    if (options.adaptive) {
      this.clipper = new AdaptiveClipper(
        { ...options.adaptive, initialClip: options.clipNorm },
        options.expectedClients,
      );
      this.updateNoiseMultiplier = adaptiveUpdateNoiseMultiplier(
        options.noiseMultiplier,
        this.clipper.countNoiseStd,
      );
    } else {
      this.clipper = null;
      this.updateNoiseMultiplier = options.noiseMultiplier;
    }
  }

  /** The clip norm the next round will use. */
  get clipNorm(): number {
    return this.clipper ? this.clipper.clip : this.fixedClip;
  }

  get samplingRate(): number {
    return this.inner.samplingRate;
  }

  selects(round: number, clientId: string): boolean {
    return this.inner.selects(round, clientId);
  }

  get clientPlan(): Strategy['clientPlan'] {
    return this.inner.clientPlan;
  }

  get privacy(): NonNullable<Strategy['privacy']> {
    return { clipNorm: this.clipNorm, lastClipNorm: this.lastStats?.clipNorm };
  }

  aggregate(round: number, results: readonly ClientResult[], current: Float32Array): AggregateOutcome {
    const { valid, rejected } = partitionResults(results, current.length);
    // Nothing to release: no model change, nothing charged to the accountant.
    if (valid.length === 0) return unchanged(current, rejected);
    const clip = this.clipNorm;
    const { mean, norms } = dpFedAvgMean(
      valid.map((r) => r.update),
      {
        clipNorm: clip,
        noiseMultiplier: this.updateNoiseMultiplier,
        expectedClients: this.options.expectedClients,
      },
      this.options.rng,
    );
    this.clipper?.update(norms, this.options.rng);
    this.options.privacy?.accountant.step(this.options.privacy.samplingRate, this.options.noiseMultiplier, 1);
    this.lastStats = {
      clipNorm: clip,
      noiseStd: this.updateNoiseMultiplier * clip,
      clippedFraction: norms.filter((n) => n > clip).length / norms.length,
    };
    const aggregate: ClientResult = {
      clientId: 'dp-aggregate',
      update: Float32Array.from(mean),
      numExamples: 1,
    };
    const outcome = this.inner.aggregate(round, [aggregate], current);
    return { weights: outcome.weights, accepted: valid.map((r) => r.clientId), rejected };
  }
}

// ---------------------------------------------------------------------------
// DP with secure aggregation (distributed noise)
// ---------------------------------------------------------------------------

/**
 * Per-client noise std when clients add the noise themselves before secure
 * aggregation: z·C/√t. The server only ever sees the sum of at least t
 * (the secagg threshold) clients, whose noise adds up to std ≥ z·C — the
 * same as DP-FedAvg's noise on the sum. More survivors only add noise.
 * Caveat: each client rounds its own noised value to fixed point, so the sum
 * is that Gaussian-noised sum perturbed by at most n/(2·scale); that
 * rounding is negligible but not covered by the Gaussian analysis (a
 * distributed discrete Gaussian, Kairouz et al. 2021, would close the gap).
 */
export function secAggNoiseStd(noiseMultiplier: number, clipNorm: number, minContributors: number): number {
  if (!(minContributors >= 1)) throw new RangeError(`minContributors must be >= 1, got ${minContributors}`);
  return (noiseMultiplier * clipNorm) / Math.sqrt(minContributors);
}

/** Client side of DP + secure aggregation: clip to C, then add this client's share of the noise. */
export function privatizeForSecAgg(
  update: Float32Array,
  params: { clipNorm: number; noiseMultiplier: number; minContributors: number },
  rng: Rng,
): Float32Array {
  const { clipped } = clipToNorm(update, params.clipNorm);
  addGaussianNoise(
    clipped,
    secAggNoiseStd(params.noiseMultiplier, params.clipNorm, params.minContributors),
    rng,
  );
  return clipped;
}

/**
 * The noise multiplier one client's upload carries on its own clipped update:
 * its local noise (`TrainingPlan.localNoiseMultiplier`) and, under secure
 * aggregation with DP, its share z/√dpMinContributors, independent
 * Gaussians whose variances add. This is what protects the client against a
 * server that sees its update (plain upload), or against a server colluding
 * with every other client of the round (secure aggregation).
 */
export function uploadNoiseMultiplier(
  local: number,
  secure?: { noiseMultiplier: number; minContributors: number },
): number {
  if (!(local >= 0)) throw new RangeError(`local noise multiplier must be >= 0, got ${local}`);
  const share =
    secure && secure.noiseMultiplier > 0 ? secure.noiseMultiplier / Math.sqrt(secure.minContributors) : 0;
  return Math.hypot(local, share);
}
