/**
 * The one statistics module: nearest-rank percentiles (what the dashboard,
 * `traffic` and the benchmarks report), linear quantiles (the bootstrap's
 * interval ends), the median, means and intervals.
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../services/common/rng';
import { bootstrap, ci95, mean, median, percentile, quantile, sd } from '../../../services/common/stats';

describe('statistics', () => {
  it('nearest-rank: the ⌈q·n⌉-th smallest, always a value that was seen', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(xs, 0.5)).toBe(5);
    expect(quantile(xs, 0.95)).toBe(10);
    expect(quantile(xs, 0.91)).toBe(10);
    expect(quantile(xs, 0.9)).toBe(9);
    expect(quantile(xs, 0)).toBe(1);
    expect(quantile(xs, 1)).toBe(10);
    expect(quantile([1, 2], 0.5)).toBe(1);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('percentile takes values in any order and p in 0..100', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile(new Float64Array([3, 1, 2]), 50)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
  });

  it('linear interpolates between neighbours and keeps infinities', () => {
    expect(quantile([0, 10], 0.25, 'linear')).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.5, 'linear')).toBe(2.5);
    expect(quantile([1, 2, 3], 0.975, 'linear')).toBeCloseTo(2.95, 12);
    expect(quantile([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY], 0.5, 'linear')).toBe(
      Number.NEGATIVE_INFINITY,
    );
  });

  it('median, mean, standard deviation and the t interval', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(mean([])).toBeNaN();
    expect(sd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138, 3);
    const i = ci95([1, 2, 3]);
    expect(i.mean).toBe(2);
    expect(i.hi - i.mean).toBeCloseTo((4.303 * 1) / Math.sqrt(3), 12);
    expect(ci95([5])).toEqual({ mean: 5, lo: 5, hi: 5 });
  });

  it('the bootstrap interval holds its estimate for a spread-out sample', () => {
    const xs = Array.from({ length: 200 }, (_, k) => k % 10);
    const b = bootstrap(xs, mean, seededRng(7));
    expect(b.mean).toBe(4.5);
    expect(b.lo).toBeLessThan(4.5);
    expect(b.hi).toBeGreaterThan(4.5);
    expect(b.hi - b.lo).toBeLessThan(1.5);
  });
});
