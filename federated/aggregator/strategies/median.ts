/**
 * Coordinate-wise median of client deltas (Yin et al. 2018). Unweighted:
 * weighting by self-reported sample counts would let an attacker buy influence.
 */
import { applyDelta, coordinateWise, partitionResults, SampledStrategy, unchanged } from './common';
import type { AggregateOutcome, ClientResult } from './types';

export function median(sorted: Float64Array): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export class CoordinateMedian extends SampledStrategy {
  readonly name = 'median';

  aggregate(_round: number, results: readonly ClientResult[], current: Float32Array): AggregateOutcome {
    const { valid, rejected } = partitionResults(results, current.length);
    if (valid.length === 0) return unchanged(current, rejected);
    const agg = coordinateWise(
      valid.map((r) => r.update),
      median,
    );
    return { weights: applyDelta(current, agg), accepted: valid.map((r) => r.clientId), rejected };
  }
}
