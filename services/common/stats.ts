/**
 * The project's one statistics module (pure): percentiles, the median, means
 * with confidence intervals and the percentile bootstrap. The dashboard, the
 * `traffic` command, the benchmarks, the learners and the experiments all
 * use these, so one "p99" means the same everywhere.
 *
 * Percentiles are nearest-rank by default: the p-th percentile of n values
 * is the ⌈p·n⌉-th smallest (at least the first), always a value that was
 * seen. `linear` interpolates between neighbours (R's type 7), which the
 * bootstrap's interval ends use.
 */
import type { Rng } from './rng';

export type QuantileMethod = 'nearest-rank' | 'linear';

/** The q-quantile (0..1) of values sorted ascending; NaN when there are none. */
export function quantile(
  sorted: ArrayLike<number>,
  q: number,
  method: QuantileMethod = 'nearest-rank',
): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (method === 'nearest-rank') return sorted[Math.min(n, Math.max(1, Math.ceil(q * n))) - 1]!;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a === b ? a : a + (b - a) * (pos - lo); // a === b keeps ±Infinity intact
}

/** The p-th percentile (0..100) of values in any order, nearest-rank; NaN when there are none. */
export function percentile(values: ArrayLike<number>, p: number): number {
  return quantile(Float64Array.from(values).sort(), p / 100);
}

/** The median of values in any order (the mean of the two middle ones when even); NaN when there are none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/** The sample standard deviation (n − 1); 0 with fewer than two values. */
export function sd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom (then ≈ normal). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
}

/** Mean and 95% confidence interval (Student's t) of independent runs. */
export function ci95(xs: readonly number[]): Interval {
  const m = mean(xs);
  if (xs.length < 2) return { mean: m, lo: m, hi: m };
  const t = T975[Math.min(xs.length - 1, T975.length) - 1] ?? 1.96;
  const half = (t * sd(xs)) / Math.sqrt(xs.length);
  return { mean: m, lo: m - half, hi: m + half };
}

/** Percentile bootstrap 95% CI of `stat` over `items` (resampled with replacement). */
export function bootstrap<T>(
  items: readonly T[],
  stat: (sample: readonly T[]) => number,
  rng: Rng,
  resamples = 500,
): Interval {
  const est = stat(items);
  const values: number[] = [];
  const buf: T[] = new Array(items.length);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < items.length; i++) buf[i] = items[Math.floor(rng.next() * items.length)]!;
    values.push(stat(buf));
  }
  values.sort((a, b) => a - b);
  return { mean: est, lo: quantile(values, 0.025, 'linear'), hi: quantile(values, 0.975, 'linear') };
}
