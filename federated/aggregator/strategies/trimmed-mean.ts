/**
 * Coordinate-wise trimmed mean (Yin et al. 2018): per coordinate, drop the
 * k = floor(β·n) largest and k smallest client values and average the rest.
 * Unweighted, like the median. β must be < 0.5.
 */
import { applyDelta, coordinateWise, partitionResults, SampledStrategy, unchanged } from './common';
import type { AggregateOutcome, ClientResult, SelectionOptions } from './types';

export interface TrimmedMeanOptions extends SelectionOptions {
  /** Fraction trimmed from EACH end (default 0.2). */
  beta?: number;
}

export class TrimmedMean extends SampledStrategy {
  readonly name = 'trimmed-mean';
  private readonly beta: number;

  constructor(options: TrimmedMeanOptions = {}) {
    super(options);
    this.beta = options.beta ?? 0.2;
    if (!(this.beta >= 0 && this.beta < 0.5)) throw new RangeError('beta must be in [0, 0.5)');
  }

  aggregate(_round: number, results: readonly ClientResult[], current: Float32Array): AggregateOutcome {
    const { valid, rejected } = partitionResults(results, current.length);
    if (valid.length === 0) return unchanged(current, rejected);
    const n = valid.length;
    const k = Math.floor(this.beta * n);
    const agg = coordinateWise(
      valid.map((r) => r.update),
      (sorted) => {
        let s = 0;
        for (let i = k; i < n - k; i++) s += sorted[i]!;
        return s / (n - 2 * k);
      },
    );
    return { weights: applyDelta(current, agg), accepted: valid.map((r) => r.clientId), rejected };
  }
}
