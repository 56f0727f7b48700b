/**
 * Rényi-DP (RDP) accounting for the Poisson-subsampled Gaussian mechanism
 * (the mechanism behind DP-SGD and DP-FedAvg), following Mironov, Talwar &
 * Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism"
 * (arXiv:1908.10530, Sec. 3.3) — the same computation as TensorFlow Privacy's
 * `rdp_accountant.compute_rdp` and Opacus' `accountants/analysis/rdp.py`:
 *
 *   RDP(α) = log(A_α) / (α − 1)   per step, for sampling rate q and noise
 *   multiplier σ (noise std / L2 sensitivity); A_α is a finite binomial sum for
 *   integer α and a two-sided series with erfc terms for fractional α.
 *   RDP composes additively: T steps cost T·RDP(α), and rounds with different
 *   (q, σ) add their vectors order by order.
 *
 * Conversion of an RDP curve to (ε, δ)-DP (minimised over the orders):
 *   - 'improved' (the DEFAULT): ε = rdp − (log δ + log α)/(α − 1) + log((α − 1)/α)
 *     (Balle et al. 2020, "Hypothesis testing interpretations and Rényi DP",
 *     Thm 21; Canonne, Kamath & Steinke 2020, Prop. 12). It is always at least
 *     as tight as the classic bound (both extra terms are negative for α > 1),
 *     it is still a sound upper bound, and it is what TF Privacy /
 *     dp_accounting and Opacus report today, so our numbers can be compared
 *     with theirs directly. Like dp_accounting, orders α ≤ 1.01 are skipped
 *     (numerically unstable and never useful there), and an order whose RDP is
 *     tiny enough that the KL bound δ ≤ sqrt(1 − exp(−rdp)) already holds gives ε = 0.
 *   - 'classic': ε = rdp + log(1/δ)/(α − 1) (Mironov 2017, Prop. 3). Looser;
 *     kept to reproduce older published figures (e.g. TF Privacy's 2019
 *     tutorials and papers that predate the improved bound).
 */

export type Conversion = 'improved' | 'classic';

/**
 * How the fractional-order series for A_α is summed:
 *   - 'signed' (DEFAULT): the exact binomial series, whose coefficients C(α, i)
 *     alternate in sign for i > α + 1 — as Opacus and TF Privacy's original
 *     `rdp_accountant.py` do.
 *   - 'absolute': sums |C(α, i)| terms, a slightly larger but still valid upper
 *     bound on A_α — what Google's `dp_accounting` RdpAccountant (the backend
 *     of today's TF Privacy `compute_dp_sgd_privacy`) does. Integer orders are
 *     identical either way.
 */
export type FractionalSeries = 'signed' | 'absolute';

/** The order list TF Privacy's `compute_dp_sgd_privacy` uses; our default. */
export const DEFAULT_ORDERS: readonly number[] = Object.freeze([
  1.25,
  1.5,
  1.75,
  2,
  2.25,
  2.5,
  3,
  3.5,
  4,
  4.5,
  ...Array.from({ length: 59 }, (_, i) => 5 + i), // 5..63
  128,
  256,
  512,
]);

/** Opacus' `RDPAccountant.DEFAULT_ALPHAS`: 1.1, 1.2, …, 10.9, then 12..63. */
export const OPACUS_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
]);

// ---------------------------------------------------------------------------
// Log-space arithmetic and log(erfc)
// ---------------------------------------------------------------------------

function logAdd(logx: number, logy: number): number {
  const a = Math.min(logx, logy);
  const b = Math.max(logx, logy);
  if (a === Number.NEGATIVE_INFINITY) return b;
  return Math.log1p(Math.exp(a - b)) + b;
}

function logSub(logx: number, logy: number): number {
  if (logx < logy) throw new RangeError('log-space subtraction would be negative');
  if (logy === Number.NEGATIVE_INFINITY) return logx;
  if (logx === logy) return Number.NEGATIVE_INFINITY;
  return Math.log(Math.expm1(logx - logy)) + logy;
}

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);

/** erf(x) by the all-positive series erf(x) = 2/√π·e^{−x²}·Σ 2ⁿx^{2n+1}/(2n+1)!! (fine for |x| ≲ 3). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
}

/**
 * log(erfc(x)) for x > 0 by the continued fraction
 * erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated
 * with the modified Lentz method; never underflows.
 */
function logErfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 10_000; k++) {
    const a = k / 2;
    d = x + a * d;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -x * x - LOG_SQRT_PI - Math.log(f);
}

/** log(erfc(x)) accurate to ~1e-14 relative for every real x (also far in the tail). */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 2) return logErfcContinuedFraction(x);
  if (x <= -2) return Math.log(2 - Math.exp(logErfcContinuedFraction(-x)));
  return Math.log(1 - erfSeries(x));
}

// ---------------------------------------------------------------------------
// RDP of the sampled Gaussian mechanism
// ---------------------------------------------------------------------------

/** log(A_α) for integer α ≥ 2 and 0 < q < 1. */
function logAInteger(q: number, sigma: number, alpha: number): number {
  const logq = Math.log(q);
  const log1mq = Math.log1p(-q);
  let logA = Number.NEGATIVE_INFINITY;
  let logBinom = 0; // log C(α, 0)
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log((alpha - i + 1) / i);
    const s = logBinom + i * logq + (alpha - i) * log1mq + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, s);
  }
  return logA;
}

const MAX_FRACTIONAL_TERMS = 1000;

/**
 * log(A_α) for fractional α > 1 and 0 < q < 1: the integrals over (−∞, z0]
 * and [z0, ∞) expanded as binomial series (coefficients C(α, i) change sign
 * for i > α + 1; see FractionalSeries for 'signed' vs 'absolute'). Stops when both series are decreasing and their terms
 * are e^30 below the total; an order that does not converge in 1000 terms
 * yields +∞ (so it is simply never the optimal order).
 */
function logAFractional(q: number, sigma: number, alpha: number, series: FractionalSeries): number {
  const logq = Math.log(q);
  const log1mq = Math.log1p(-q);
  const s2 = sigma * sigma;
  const z0 = s2 * Math.log(1 / q - 1) + 0.5;
  let logA0 = Number.NEGATIVE_INFINITY;
  let logA1 = Number.NEGATIVE_INFINITY;
  let last0 = Number.NEGATIVE_INFINITY;
  let last1 = Number.NEGATIVE_INFINITY;
  let logAbsBinom = 0;
  let sign = 1;
  for (let i = 0; i < MAX_FRACTIONAL_TERMS; i++) {
    if (i > 0) {
      const factor = (alpha - i + 1) / i;
      logAbsBinom += Math.log(Math.abs(factor));
      if (factor < 0) sign = -sign;
    }
    const j = alpha - i;
    const logT0 = logAbsBinom + i * logq + j * log1mq;
    const logT1 = logAbsBinom + j * logq + i * log1mq;
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const s0 = logT0 + (i * i - i) / (2 * s2) + logE0;
    const s1 = logT1 + (j * j - j) / (2 * s2) + logE1;
    if (sign > 0 || series === 'absolute') {
      logA0 = logAdd(logA0, s0);
      logA1 = logAdd(logA1, s1);
    } else {
      logA0 = logSub(logA0, s0);
      logA1 = logSub(logA1, s1);
    }
    const total = logAdd(logA0, logA1);
    if (s0 < last0 && s1 < last1 && Math.max(s0, s1) < total - 30) return total;
    last0 = s0;
    last1 = s1;
  }
  return Number.POSITIVE_INFINITY;
}

function checkMechanism(q: number, sigma: number): void {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`sampling rate q must be in [0, 1], got ${q}`);
  if (!(sigma >= 0) || Number.isNaN(sigma)) {
    throw new RangeError(`noise multiplier must be >= 0, got ${sigma}`);
  }
}

function checkOrder(alpha: number): void {
  if (!(alpha > 1)) throw new RangeError(`RDP orders must be > 1, got ${alpha}`);
}

/** RDP at order α of ONE step of the sampled Gaussian mechanism (can be +∞). */
export function rdpSampledGaussian(
  q: number,
  sigma: number,
  alpha: number,
  series: FractionalSeries = 'signed',
): number {
  checkMechanism(q, sigma);
  checkOrder(alpha);
  if (q === 0) return 0;
  if (sigma === 0) return Number.POSITIVE_INFINITY;
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (alpha === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  const logA = Number.isInteger(alpha)
    ? logAInteger(q, sigma, alpha)
    : logAFractional(q, sigma, alpha, series);
  return logA / (alpha - 1);
}

/**
 * RDP of `steps` compositions of the sampled Gaussian mechanism at each order
 * (TF Privacy's `compute_rdp(q, noise_multiplier, steps, orders)`).
 */
export function computeRdp(
  q: number,
  sigma: number,
  steps: number,
  orders: readonly number[],
  series: FractionalSeries = 'signed',
): number[] {
  if (!(steps >= 0) || !Number.isFinite(steps)) throw new RangeError(`steps must be >= 0, got ${steps}`);
  return orders.map((alpha) => (steps === 0 ? 0 : rdpSampledGaussian(q, sigma, alpha, series) * steps));
}

export interface PrivacySpent {
  epsilon: number;
  /** The order at which the minimum was attained (NaN if every order was +∞). */
  order: number;
}

/** Converts an RDP curve to the smallest ε such that the mechanism is (ε, δ)-DP. */
export function rdpToEpsilon(
  orders: readonly number[],
  rdp: readonly number[],
  delta: number,
  conversion: Conversion = 'improved',
): PrivacySpent {
  if (orders.length !== rdp.length || orders.length === 0) {
    throw new RangeError('orders and rdp must be non-empty and of the same length');
  }
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  let best: PrivacySpent = { epsilon: Number.POSITIVE_INFINITY, order: Number.NaN };
  for (let k = 0; k < orders.length; k++) {
    const a = orders[k]!;
    const r = rdp[k]!;
    checkOrder(a);
    let eps: number;
    if (Number.isNaN(r)) continue;
    if (conversion === 'classic') {
      eps = r - Math.log(delta) / (a - 1);
    } else if (r <= 0 || delta * delta + Math.expm1(-r) > 0) {
      eps = 0; // KL bound: δ ≤ sqrt(1 − e^{−rdp}) already holds
    } else if (a > 1.01) {
      eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
    } else {
      eps = Number.POSITIVE_INFINITY;
    }
    if (eps < best.epsilon) best = { epsilon: eps, order: a };
  }
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

// ---------------------------------------------------------------------------
// The accountant
// ---------------------------------------------------------------------------

export interface RoundPrivacy {
  /** 1-based index of the round (one `step` call). */
  round: number;
  q: number;
  sigma: number;
  steps: number;
  /** ε of this round on its own, at the requested δ. */
  epsilon: number;
  /** ε of all rounds up to and including this one, at the requested δ. */
  cumulativeEpsilon: number;
}

export interface PrivacyReport extends PrivacySpent {
  delta: number;
  rounds: RoundPrivacy[];
}

export interface AccountantOptions {
  orders?: readonly number[];
  conversion?: Conversion;
  series?: FractionalSeries;
}

/**
 * Tracks the privacy spent by a sequence of rounds of the (Poisson)
 * subsampled Gaussian mechanism. Each `step(q, sigma, steps)` call is one
 * round (e.g. one federated round with client sampling rate q and noise
 * multiplier sigma, steps = 1; or a local DP-SGD epoch with many steps).
 */
export class PrivacyAccountant {
  readonly orders: readonly number[];
  readonly conversion: Conversion;
  readonly series: FractionalSeries;
  private readonly total: number[];
  private readonly history: { q: number; sigma: number; steps: number; rdp: number[] }[] = [];
  private readonly perStepCache = new Map<string, number[]>();

  constructor(options: AccountantOptions = {}) {
    this.orders = options.orders ?? DEFAULT_ORDERS;
    if (this.orders.length === 0) throw new RangeError('at least one RDP order is needed');
    for (const a of this.orders) checkOrder(a);
    this.conversion = options.conversion ?? 'improved';
    this.series = options.series ?? 'signed';
    this.total = this.orders.map(() => 0);
  }

  /** Records one round of `steps` sampled-Gaussian steps; returns the round number. */
  step(q: number, sigma: number, steps = 1): number {
    checkMechanism(q, sigma);
    if (!(steps >= 0) || !Number.isFinite(steps)) throw new RangeError(`steps must be >= 0, got ${steps}`);
    const key = `${q}/${sigma}`;
    let perStep = this.perStepCache.get(key);
    if (!perStep) {
      perStep = computeRdp(q, sigma, 1, this.orders, this.series);
      this.perStepCache.set(key, perStep);
    }
    const rdp = perStep.map((r) => (steps === 0 ? 0 : r * steps));
    for (let k = 0; k < rdp.length; k++) this.total[k]! += rdp[k]!;
    this.history.push({ q, sigma, steps, rdp });
    return this.history.length;
  }

  /** Number of rounds recorded. */
  get rounds(): number {
    return this.history.length;
  }

  /** The composed RDP curve so far (one value per order). */
  rdp(): number[] {
    return [...this.total];
  }

  /** Cumulative ε at the given δ. */
  epsilon(delta: number): number {
    return this.spent(delta).epsilon;
  }

  /** Cumulative ε at δ and the optimal order. */
  spent(delta: number): PrivacySpent {
    return rdpToEpsilon(this.orders, this.total, delta, this.conversion);
  }

  /** (ε, δ) per round and cumulatively after each round. */
  report(delta: number): PrivacyReport {
    const running = this.orders.map(() => 0);
    const rounds = this.history.map((h, idx) => {
      for (let k = 0; k < running.length; k++) running[k]! += h.rdp[k]!;
      return {
        round: idx + 1,
        q: h.q,
        sigma: h.sigma,
        steps: h.steps,
        epsilon: rdpToEpsilon(this.orders, h.rdp, delta, this.conversion).epsilon,
        cumulativeEpsilon: rdpToEpsilon(this.orders, running, delta, this.conversion).epsilon,
      };
    });
    return { ...this.spent(delta), delta, rounds };
  }
}

// ---------------------------------------------------------------------------
// Calibration: the noise for a target ε
// ---------------------------------------------------------------------------

export interface NoiseTarget {
  /** The ε to reach (at most) after every round. */
  targetEpsilon: number;
  delta: number;
  /** Sampling rate q of each round. */
  samplingRate: number;
  /** Rounds (steps of the sampled Gaussian mechanism) the budget must last. */
  rounds: number;
  /** Stop once ε is within this of the target (default 0.01, as Opacus). */
  tolerance?: number;
  orders?: readonly number[];
  conversion?: Conversion;
}

/** Past this the budget cannot be met by noise alone (Opacus' MAX_SIGMA). */
const MAX_NOISE_MULTIPLIER = 1e6;

/**
 * The smallest noise multiplier (to within `tolerance` in ε) whose `rounds`
 * rounds at rate q spend at most the target ε at δ: a bisection over the
 * accountant, the same search as Opacus' `get_noise_multiplier`, so that an
 * operator states ε, δ and rounds instead of z. The answer always meets the
 * target (ε(z) ≤ targetEpsilon).
 */
export function noiseMultiplierFor(target: NoiseTarget): number {
  const { targetEpsilon, delta, samplingRate, rounds } = target;
  const tolerance = target.tolerance ?? 0.01;
  const orders = target.orders ?? DEFAULT_ORDERS;
  if (!(targetEpsilon > 0) || !Number.isFinite(targetEpsilon)) {
    throw new RangeError(`target ε must be a finite number > 0, got ${targetEpsilon}`);
  }
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new RangeError(`rounds must be an integer >= 1, got ${rounds}`);
  if (!(tolerance > 0)) throw new RangeError(`tolerance must be > 0, got ${tolerance}`);
  checkMechanism(samplingRate, 1);
  const epsilonAt = (z: number) =>
    rdpToEpsilon(orders, computeRdp(samplingRate, z, rounds, orders), delta, target.conversion).epsilon;
  let low = 0;
  let high = 10;
  let epsHigh = Number.POSITIVE_INFINITY;
  while (epsHigh > targetEpsilon) {
    high *= 2;
    if (high > MAX_NOISE_MULTIPLIER) {
      throw new RangeError(`ε ${targetEpsilon} over ${rounds} rounds at q = ${samplingRate} is out of reach`);
    }
    epsHigh = epsilonAt(high);
  }
  while (targetEpsilon - epsHigh > tolerance) {
    const mid = (low + high) / 2;
    const eps = epsilonAt(mid);
    if (eps < targetEpsilon) {
      high = mid;
      epsHigh = eps;
    } else {
      low = mid;
    }
  }
  return high;
}
