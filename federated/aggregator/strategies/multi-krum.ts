/**
 * Multi-Krum (Blanchard et al. 2017): with at most f Byzantine clients among
 * n (n > 2f + 2), score each update by the sum of squared distances to its
 * n − f − 2 nearest other updates, keep the m best-scored (default m = n − f)
 * and average them (unweighted). Updates not selected are reported as
 * rejected with reason 'not selected by Multi-Krum'.
 */
import {
  applyDelta,
  partitionResults,
  SampledStrategy,
  squaredDistance,
  unchanged,
  weightedMean,
} from './common';
import type { AggregateOutcome, ClientResult, SelectionOptions } from './types';

export interface MultiKrumOptions extends SelectionOptions {
  /** Assumed upper bound on Byzantine clients per round. */
  byzantine: number;
  /** How many updates to average (default n − f). */
  select?: number;
}

export class MultiKrum extends SampledStrategy {
  readonly name = 'multi-krum';

  constructor(private readonly options: MultiKrumOptions) {
    super(options);
    if (!Number.isInteger(options.byzantine) || options.byzantine < 0) {
      throw new RangeError('byzantine must be a non-negative integer');
    }
  }

  aggregate(_round: number, results: readonly ClientResult[], current: Float32Array): AggregateOutcome {
    const { valid, rejected } = partitionResults(results, current.length);
    const n = valid.length;
    const f = this.options.byzantine;
    if (n === 0) return unchanged(current, rejected);
    if (n <= 2 * f + 2) {
      throw new RangeError(`Multi-Krum with f=${f} needs more than ${2 * f + 2} valid updates, got ${n}`);
    }
    const m = Math.min(n, Math.max(1, this.options.select ?? n - f));
    const dist: number[][] = valid.map(() => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const d = squaredDistance(valid[i]!.update, valid[j]!.update);
        dist[i]![j] = d;
        dist[j]![i] = d;
      }
    }
    const neighbours = n - f - 2;
    const scores = valid.map((_, i) => {
      const others = dist[i]!.filter((_, j) => j !== i).sort((a, b) => a - b);
      return others.slice(0, neighbours).reduce((s, d) => s + d, 0);
    });
    const order = valid.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b);
    const chosen = order.slice(0, m);
    const dropped = order.slice(m);
    const mean = weightedMean(
      chosen.map((i) => valid[i]!.update),
      chosen.map(() => 1),
    );
    return {
      weights: applyDelta(current, mean),
      accepted: chosen.map((i) => valid[i]!.clientId),
      rejected: [
        ...rejected,
        ...dropped.map((i) => ({ clientId: valid[i]!.clientId, reason: 'not selected by Multi-Krum' })),
      ],
    };
  }
}
