/** Small statistics helpers: means with t-based CIs, percentile bootstrap. */
import type { Rng } from '../services/common/rng';

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

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

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a === b ? a : a + (b - a) * (pos - lo); // a === b keeps ±Infinity intact
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
  return { mean: est, lo: percentile(values, 0.025), hi: percentile(values, 0.975) };
}
