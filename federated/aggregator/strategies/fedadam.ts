/**
 * FedAdam (Reddi et al. 2021, "Adaptive Federated Optimization", Alg. 2): the
 * weighted mean of client deltas Δ is a pseudo-gradient for a server-side Adam
 *   m ← β1·m + (1 − β1)·Δ,  v ← β2·v + (1 − β2)·Δ²,  x ← x + η·m / (√v + τ)
 * (no bias correction, as in the paper). The strategy is stateful: m and v
 * persist across rounds and are sized by the first model it sees.
 */
import type { Rng } from '../../../services/common/rng';
import { partitionResults, planRound, unchanged, weightedMean } from './common';
import type { AggregateOutcome, ClientResult, RoundPlan, SamplingOptions, Strategy } from './types';

export interface FedAdamOptions extends SamplingOptions {
  /** Server learning rate η (default 0.01). */
  eta?: number;
  beta1?: number;
  beta2?: number;
  /** Adaptivity τ (default 1e-3, as in the paper's experiments). */
  tau?: number;
}

export class FedAdam implements Strategy {
  readonly name = 'fedadam';
  private m: Float64Array | null = null;
  private v: Float64Array | null = null;
  private readonly eta: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly tau: number;

  constructor(private readonly options: FedAdamOptions = {}) {
    this.eta = options.eta ?? 0.01;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.99;
    this.tau = options.tau ?? 1e-3;
    if (!(this.eta > 0)) throw new RangeError('eta must be > 0');
    if (!(this.beta1 >= 0 && this.beta1 < 1 && this.beta2 >= 0 && this.beta2 < 1)) {
      throw new RangeError('beta1 and beta2 must be in [0, 1)');
    }
    if (!(this.tau > 0)) throw new RangeError('tau must be > 0');
  }

  configureRound(round: number, available: readonly string[], rng: Rng): RoundPlan {
    return planRound(round, available, rng, this.options);
  }

  aggregate(_round: number, results: readonly ClientResult[], current: Float32Array): AggregateOutcome {
    const { valid, rejected } = partitionResults(results, current.length);
    if (valid.length === 0) return unchanged(current, rejected);
    if (this.m && this.m.length !== current.length) {
      throw new RangeError(`model size changed from ${this.m.length} to ${current.length}`);
    }
    if (!this.m || !this.v) {
      this.m = new Float64Array(current.length);
      this.v = new Float64Array(current.length);
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
      v[i] = this.beta2 * v[i]! + (1 - this.beta2) * g * g;
      weights[i] = current[i]! + (this.eta * m[i]!) / (Math.sqrt(v[i]!) + this.tau);
    }
    return { weights, accepted: valid.map((r) => r.clientId), rejected };
  }
}
