/** Sampling helpers on top of the shared seeded Rng. */
import { gaussian, type Rng } from '../services/common/rng';

/** A discrete distribution over `values` with relative `weights`. */
export class Categorical<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    readonly values: readonly T[],
    weights: readonly number[],
  ) {
    if (values.length === 0 || values.length !== weights.length) throw new Error('Categorical: bad weights');
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.cumulative[i] = sum;
    });
    if (!(sum > 0)) throw new Error('Categorical: weights sum to zero');
    this.total = sum;
  }

  static fromWeights<K extends string>(w: Partial<Record<K, number>>): Categorical<K> {
    const entries = Object.entries(w) as Array<[K, number]>;
    return new Categorical(
      entries.map(([k]) => k),
      entries.map(([, v]) => v),
    );
  }

  sample(rng: Rng): T {
    const x = rng.next() * this.total;
    const c = this.cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x < c[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo]!;
  }
}

export function normal(rng: Rng, mean: number, sd: number): number {
  return sd === 0 ? mean : mean + sd * gaussian(rng);
}

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Poisson sample (Knuth; fine for the small means used here). */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

export function binomial(rng: Rng, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) k++;
  return k;
}
