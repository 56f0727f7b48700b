/** FedAvg (McMahan et al. 2017): the sample-count-weighted mean of client deltas. */
import type { Rng } from '../../../services/common/rng';
import { applyDelta, partitionResults, planRound, unchanged, weightedMean } from './common';
import type { AggregateOutcome, ClientResult, RoundPlan, SamplingOptions, Strategy } from './types';

export class FedAvg implements Strategy {
  readonly name = 'fedavg';

  constructor(private readonly sampling: SamplingOptions = {}) {}

  configureRound(round: number, available: readonly string[], rng: Rng): RoundPlan {
    return planRound(round, available, rng, this.sampling);
  }

  aggregate(_round: number, results: readonly ClientResult[], current: Float32Array): AggregateOutcome {
    const { valid, rejected } = partitionResults(results, current.length);
    if (valid.length === 0) return unchanged(current, rejected);
    const mean = weightedMean(
      valid.map((r) => r.update),
      valid.map((r) => r.numExamples),
    );
    return { weights: applyDelta(current, mean), accepted: valid.map((r) => r.clientId), rejected };
  }
}
