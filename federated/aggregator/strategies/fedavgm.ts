/**
 * FedAvgM (Hsu et al. 2019, "Measuring the Effects of Non-Identical Data
 * Distribution for Federated Visual Classification"): FedAvg with server
 * momentum. The sample-weighted mean delta Δ feeds a heavy-ball step
 *   m ← β·m + Δ,   x ← x + η·m
 * (η = 1, β = 0 is FedAvg). m persists across rounds.
 */
import { partitionResults, SampledStrategy, unchanged, weightedMean } from './common';
import type { AggregateOutcome, ClientResult, SelectionOptions } from './types';

export interface FedAvgMOptions extends SelectionOptions {
  /** Server learning rate η (default 1). */
  eta?: number;
  /** Server momentum β (default 0.9). */
  momentum?: number;
}

export class FedAvgM extends SampledStrategy {
  readonly name = 'fedavgm';
  private m: Float64Array | null = null;
  private readonly eta: number;
  private readonly momentum: number;

  constructor(options: FedAvgMOptions = {}) {
    super(options);
    this.eta = options.eta ?? 1;
    this.momentum = options.momentum ?? 0.9;
    if (!(this.eta > 0)) throw new RangeError('eta must be > 0');
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new RangeError('momentum must be in [0, 1)');
  }

  aggregate(_round: number, results: readonly ClientResult[], current: Float32Array): AggregateOutcome {
    const { valid, rejected } = partitionResults(results, current.length);
    if (valid.length === 0) return unchanged(current, rejected);
    if (this.m && this.m.length !== current.length) {
      throw new RangeError(`model size changed from ${this.m.length} to ${current.length}`);
    }
    this.m ??= new Float64Array(current.length);
    const m = this.m;
    const delta = weightedMean(
      valid.map((r) => r.update),
      valid.map((r) => r.numExamples),
    );
    const weights = new Float32Array(current.length);
    for (let i = 0; i < current.length; i++) {
      m[i] = this.momentum * m[i]! + delta[i]!;
      weights[i] = current[i]! + this.eta * m[i]!;
    }
    return { weights, accepted: valid.map((r) => r.clientId), rejected };
  }
}
