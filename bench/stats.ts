/**
 * The benchmark's own statistics helpers (pure); percentiles and the median
 * come from the project's one statistics module, services/common/stats.ts.
 */
import { median } from '../services/common/stats';

export { median, percentile } from '../services/common/stats';

/**
 * Per-key values divided by `decisions` (e.g. CPU ms per process over a
 * window -> CPU ms per decision); NaN for each key when there were none.
 */
export function perDecision(byKey: Record<string, number>, decisions: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(byKey)) out[k] = decisions > 0 ? v / decisions : Number.NaN;
  return out;
}

/** The sum of a record's values. */
export function total(byKey: Record<string, number>): number {
  return Object.values(byKey).reduce((a, b) => a + b, 0);
}

/** Per key, the median over the records that have it (a non-finite value is left out). */
export function medianByKey(records: Array<Record<string, number>>): Record<string, number> {
  const values: Record<string, number[]> = {};
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      if (!Number.isFinite(v)) continue;
      values[k] = [...(values[k] ?? []), v];
    }
  }
  return Object.fromEntries(Object.entries(values).map(([k, vs]) => [k, median(vs)]));
}

/**
 * Growth over the second half of a series of (time, value) samples: the
 * least-squares line through the samples of the second half, evaluated at
 * its end minus at its start (so one GC sawtooth does not read as growth or
 * shrinkage the way end-minus-middle would). NaN with fewer than 2 samples
 * in the second half.
 */
export function growthOverSecondHalf(samples: Array<[number, number]>): number {
  if (samples.length === 0) return Number.NaN;
  const t0 = samples[0]![0];
  const t1 = samples[samples.length - 1]![0];
  const mid = (t0 + t1) / 2;
  const half = samples.filter(([t]) => t >= mid);
  if (half.length < 2) return Number.NaN;
  const n = half.length;
  const mt = half.reduce((s, [t]) => s + t, 0) / n;
  const mv = half.reduce((s, [, v]) => s + v, 0) / n;
  let cov = 0;
  let varT = 0;
  for (const [t, v] of half) {
    cov += (t - mt) * (v - mv);
    varT += (t - mt) ** 2;
  }
  return varT > 0 ? (cov / varT) * (half[n - 1]![0] - half[0]![0]) : 0;
}

/** `part` as a share of `whole` (0..1); NaN when `whole` is 0. */
export function shareOf(part: number, whole: number): number {
  return whole > 0 ? part / whole : Number.NaN;
}
