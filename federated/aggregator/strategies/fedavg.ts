/**
 * FedAvg (McMahan et al. 2017): the sample-count-weighted mean of client deltas.
 *
 * One pass per update: the finiteness check is fused with the weighted
 * accumulation (float64); an update found non-finite part-way is subtracted
 * back out (exact up to float64 rounding, far below float32 precision) and
 * rejected, exactly as `partitionResults` would have rejected it.
 */
import { nonFinite, SampledStrategy, unchanged, validateShape } from './common';
import type { AggregateOutcome, ClientResult, Rejection } from './types';

export class FedAvg extends SampledStrategy {
  readonly name: string = 'fedavg';

  aggregate(_round: number, results: readonly ClientResult[], current: Float32Array): AggregateOutcome {
    const dim = current.length;
    const sum = new Float64Array(dim);
    const accepted: string[] = [];
    const rejected: Rejection[] = [];
    const seen = new Set<string>();
    let total = 0;
    for (const r of results) {
      const reason = validateShape(r, dim);
      if (reason !== null) {
        rejected.push({ clientId: String(r.clientId ?? ''), reason });
        continue;
      }
      if (seen.has(r.clientId)) {
        rejected.push({ clientId: r.clientId, reason: 'duplicate update from this client in the round' });
        continue;
      }
      const u = r.update;
      const w = r.numExamples;
      let bad = -1;
      for (let i = 0; i < dim; i++) {
        const x = u[i]!;
        if (x - x !== 0) {
          bad = i;
          break;
        }
        sum[i]! += w * x;
      }
      if (bad >= 0) {
        for (let i = 0; i < bad; i++) sum[i]! -= w * u[i]!;
        rejected.push({ clientId: r.clientId, reason: nonFinite(u, bad) });
        continue;
      }
      seen.add(r.clientId);
      accepted.push(r.clientId);
      total += w;
    }
    if (accepted.length === 0) return unchanged(current, rejected);
    const weights = new Float32Array(dim);
    for (let i = 0; i < dim; i++) weights[i] = current[i]! + sum[i]! / total;
    return { weights, accepted, rejected };
  }
}
