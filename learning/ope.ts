/**
 * Off-policy evaluation from logged decisions and their propensities: what
 * would a target policy's mean reward have been, from data another (the
 * logging) policy collected? Three estimators, each with a bootstrap 95% CI:
 *
 *   IPS    mean( π(a|x)/μ(a|x) · r )
 *   SNIPS  Σ w·r / Σ w                          (self-normalised: less variance, slight bias)
 *   DR     mean( Σ_a π(a|x) q̂(x,a) + w · (r − q̂(x,a_logged)) )   (doubly robust)
 *
 * q̂ is a reward model — here the agents' own joint utility, which is the
 * shared reward's expectation under their predictions.
 */
import type { Rng } from '../services/common/rng';
import { bootstrap, type Interval } from '../services/common/stats';

export interface OpeRecord {
  /** Realised reward of the logged action. */
  reward: number;
  /** μ(a|x): the logging policy's probability of the logged action. */
  propensity: number;
  /** π(a|x): the target policy's probability of the logged action. */
  targetP: number;
  /** q̂(x, a) of the logged action. */
  qLogged: number;
  /** Σ_a π(a|x) q̂(x, a): the reward model's value of the target policy here. */
  qTarget: number;
}

const w = (r: OpeRecord) => r.targetP / r.propensity;

export function ips(rs: readonly OpeRecord[]): number {
  let s = 0;
  for (const r of rs) s += w(r) * r.reward;
  return rs.length ? s / rs.length : Number.NaN;
}

export function snips(rs: readonly OpeRecord[]): number {
  let num = 0;
  let den = 0;
  for (const r of rs) {
    num += w(r) * r.reward;
    den += w(r);
  }
  return den > 0 ? num / den : Number.NaN;
}

export function doublyRobust(rs: readonly OpeRecord[]): number {
  let s = 0;
  for (const r of rs) s += r.qTarget + w(r) * (r.reward - r.qLogged);
  return rs.length ? s / rs.length : Number.NaN;
}

export interface OpeReport {
  n: number;
  /** Effective sample size of the importance weights: (Σw)² / Σw². */
  ess: number;
  ips: Interval;
  snips: Interval;
  dr: Interval;
}

export function evaluateOffPolicy(rs: readonly OpeRecord[], rng: Rng, resamples = 300): OpeReport {
  let sw = 0;
  let sw2 = 0;
  for (const r of rs) {
    sw += w(r);
    sw2 += w(r) ** 2;
  }
  return {
    n: rs.length,
    ess: sw2 > 0 ? (sw * sw) / sw2 : 0,
    ips: bootstrap(rs, ips, rng, resamples),
    snips: bootstrap(rs, snips, rng, resamples),
    dr: bootstrap(rs, doublyRobust, rng, resamples),
  };
}

/** The exploring softmax policy over scores: (1 − ε)·softmax(s/τ) + ε/n. */
export function softmaxPolicy(scores: readonly number[], temperature: number, epsilon: number): number[] {
  if (scores.length === 0) return [];
  const top = Math.max(...scores);
  const e = scores.map((s) => Math.exp((s - top) / temperature));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => (1 - epsilon) * (v / sum) + epsilon / scores.length);
}
