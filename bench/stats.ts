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
 * Growth over the second half of a series of (time, value) samples, for RSS
 * under a garbage collector: how much higher the second half's peak is than
 * the first half's. A process that keeps growing needs more memory in the
 * second half than it ever did in the first; one whose collector swings it
 * up and down over a level does not. (A least-squares line through the
 * second half, used before, read that swing as growth whenever the half
 * began at a trough: a broker flat over a whole minute, 482 MiB at its start
 * and 483 at its end, "grew" 20.6% by it; bench/ANALYSIS.md, section 18.)
 * NaN with fewer than 2 samples.
 */
export function growthOverSecondHalf(samples: Array<[number, number]>): number {
  if (samples.length < 2) return Number.NaN;
  const t0 = samples[0]![0];
  const t1 = samples[samples.length - 1]![0];
  const mid = (t0 + t1) / 2;
  // A sample at the middle belongs to both halves: a steady climb then grows by exactly its second half.
  let first = Number.NEGATIVE_INFINITY;
  let second = Number.NEGATIVE_INFINITY;
  for (const [t, v] of samples) {
    if (t <= mid) first = Math.max(first, v);
    if (t >= mid) second = Math.max(second, v);
  }
  return Number.isFinite(first) && Number.isFinite(second) ? second - first : Number.NaN;
}

/** `part` as a share of `whole` (0..1); NaN when `whole` is 0. */
export function shareOf(part: number, whole: number): number {
  return whole > 0 ? part / whole : Number.NaN;
}
