/**
 * The FedOpt family (Reddi et al. 2021, "Adaptive Federated Optimization",
 * Alg. 2): the sample-weighted mean of client deltas Δ is a pseudo-gradient
 * for a server optimiser,
 *   m ← β1·m + (1 − β1)·Δ,   v ← (one of three rules),   x ← x + η·m / (√v + τ)
 * with v from Adam (v ← β2·v + (1 − β2)·Δ²), Yogi (v ← v − (1 − β2)·Δ²·sign(v − Δ²))
 * or Adagrad (v ← v + Δ²); no bias correction, as in the paper. m and v
 * persist across rounds and are sized by the first model seen.
 */
import { partitionResults, SampledStrategy, unchanged, weightedMean } from './common';
import type { AggregateOutcome, ClientResult, SelectionOptions } from './types';

export interface FedOptOptions extends SelectionOptions {
  /** Server learning rate η (default 0.01). */
  eta?: number;
  beta1?: number;
  beta2?: number;
  /** Adaptivity τ (default 1e-3, as in the paper's experiments). */
  tau?: number;
}

abstract class FedOpt extends SampledStrategy {
  private m: Float64Array | null = null;
  private v: Float64Array | null = null;
  private readonly eta: number;
  protected readonly beta1: number;
  protected readonly beta2: number;
  private readonly tau: number;
  private readonly initialV: number;

  constructor(options: FedOptOptions, initialV: number) {
    super(options);
    this.eta = options.eta ?? 0.01;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.99;
    this.tau = options.tau ?? 1e-3;
    this.initialV = initialV;
    if (!(this.eta > 0)) throw new RangeError('eta must be > 0');
    if (!(this.beta1 >= 0 && this.beta1 < 1 && this.beta2 >= 0 && this.beta2 < 1)) {
      throw new RangeError('beta1 and beta2 must be in [0, 1)');
    }
    if (!(this.tau > 0)) throw new RangeError('tau must be > 0');
  }

  /** The second-moment update for one coordinate: v given the pseudo-gradient g. */
  protected abstract nextV(v: number, g: number): number;

  aggregate(_round: number, results: readonly ClientResult[], current: Float32Array): AggregateOutcome {
    const { valid, rejected } = partitionResults(results, current.length);
    if (valid.length === 0) return unchanged(current, rejected);
    if (this.m && this.m.length !== current.length) {
      throw new RangeError(`model size changed from ${this.m.length} to ${current.length}`);
    }
    if (!this.m || !this.v) {
      this.m = new Float64Array(current.length);
      this.v = new Float64Array(current.length).fill(this.initialV);
    }
    const { m, v } = this;
    const delta = weightedMean(
      valid.map((r) => r.update),
      valid.map((r) => r.numExamples),
    );
    const weights = new Float32Array(current.length);
    for (let i = 0; i < current.length; i++) {
      const g = delta[i]!;
      m[i] = this.beta1 * m[i]! + (1 - this.beta1) * g;
      v[i] = this.nextV(v[i]!, g);
      weights[i] = current[i]! + (this.eta * m[i]!) / (Math.sqrt(v[i]!) + this.tau);
    }
    return { weights, accepted: valid.map((r) => r.clientId), rejected };
  }
}

/** FedAdam: v ← β2·v + (1 − β2)·Δ². */
export class FedAdam extends FedOpt {
  readonly name = 'fedadam';
  constructor(options: FedOptOptions = {}) {
    super(options, 0);
  }
  protected nextV(v: number, g: number): number {
    return this.beta2 * v + (1 - this.beta2) * g * g;
  }
}

/** FedYogi: v ← v − (1 − β2)·Δ²·sign(v − Δ²) (v grows more slowly than Adam's when gradients shrink). */
export class FedYogi extends FedOpt {
  readonly name = 'fedyogi';
  constructor(options: FedOptOptions = {}) {
    // The paper starts v at τ² (v₋₁ ≥ τ²).
    super(options, (options.tau ?? 1e-3) ** 2);
  }
  protected nextV(v: number, g: number): number {
    const g2 = g * g;
    return v - (1 - this.beta2) * g2 * Math.sign(v - g2);
  }
}

/** FedAdagrad: v ← v + Δ². */
export class FedAdagrad extends FedOpt {
  readonly name = 'fedadagrad';
  constructor(options: FedOptOptions = {}) {
    super(options, (options.tau ?? 1e-3) ** 2);
  }
  protected nextV(v: number, g: number): number {
    return v + g * g;
  }
}
