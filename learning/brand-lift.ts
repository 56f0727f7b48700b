/**
 * Brand lift as a delayed reward for the objective agent. Survey results
 * (campaign level, noisy, published a while after they were fielded) reach
 * the objective side as they come out; it values awareness campaigns by
 * their measured lift per impression.
 *
 * Credit assignment. A wave measures lift = exposed − control yes-rate among
 * the listeners the campaign reached up to the wave; lift × reach is the
 * number of listeners who recall the brand because of its ads, and spread
 * evenly over the campaign's impressions in the survey window (the flight
 * up to the wave) it is a lift per impression: every impression of the
 * window gets the same credit. Each wave surveys new respondents, so a
 * campaign's waves are combined, weighted by their precision.
 *
 * Learning. Each campaign's lift per impression is shrunk towards the mean
 * over the campaigns measured so far by its sampling precision (empirical
 * Bayes: weight τ² / (τ² + v), v the estimate's sampling variance, τ² the
 * spread between campaigns beyond sampling noise, but at least
 * (PRIOR_RELATIVE_SD · mean)²: a prior that campaigns do differ, without
 * which one day's surveys of a 2,000-listener population are too noisy for
 * the moment estimate to see any spread before the flight is nearly over,
 * and the valuer would never move). The multiplier on an
 * awareness campaign's advertiser value is
 *
 *   clamp(1 + strength · (shrunk / mean − 1), MIN, MAX)
 *
 * and 1 until at least MIN_CAMPAIGNS campaigns are measured or for other
 * goals. Pure and deterministic; no sockets.
 */

/** What the objective side reads of one published survey result. */
export interface LiftReading {
  campaignId: string;
  exposedN: number;
  controlN: number;
  exposedRate: number;
  controlRate: number;
  /** The campaign's impressions and distinct listeners reached in the survey window. */
  impressions: number;
  reach: number;
}

export const MIN_LIFT_MULTIPLIER = 0.75;
export const MAX_LIFT_MULTIPLIER = 1.5;
/** A group smaller than this gives no reading. */
export const MIN_GROUP = 20;
/** Campaigns measured before any multiplier departs from 1. */
export const MIN_CAMPAIGNS = 3;
/** The prior spread of campaigns' lift per impression, relative to their mean (a floor on τ). */
export const PRIOR_RELATIVE_SD = 0.3;

interface Estimate {
  perImpression: number;
  variance: number;
  /** Σ x / v and Σ 1 / v over the campaign's waves. */
  weighted: number;
  precision: number;
}

export class LiftValuer {
  private readonly estimates = new Map<string, Estimate>();
  private multipliers = new Map<string, number>();
  /** Survey results received, and those that gave a reading. */
  received = 0;
  used = 0;

  constructor(readonly strength = 1) {}

  /** One published survey result (call as each comes out). */
  observe(r: LiftReading): void {
    this.received++;
    if (r.exposedN < MIN_GROUP || r.controlN < MIN_GROUP || r.impressions <= 0 || r.reach <= 0) return;
    const pe = r.exposedRate;
    const pc = r.controlRate;
    if (!Number.isFinite(pe) || !Number.isFinite(pc)) return;
    const perListener = r.reach / r.impressions;
    // Sampling variance of the lift (with a floor so a 0 % or 100 % group is not taken as exact).
    const v = Math.max(pe * (1 - pe), 0.01) / r.exposedN + Math.max(pc * (1 - pc), 0.01) / r.controlN;
    const x = (pe - pc) * perListener;
    const precision = 1 / (v * perListener * perListener);
    const e = this.estimates.get(r.campaignId) ?? {
      perImpression: 0,
      variance: 0,
      weighted: 0,
      precision: 0,
    };
    e.weighted += x * precision;
    e.precision += precision;
    e.perImpression = e.weighted / e.precision;
    e.variance = 1 / e.precision;
    this.estimates.set(r.campaignId, e);
    this.used++;
    this.refit();
  }

  private refit(): void {
    const xs = [...this.estimates.values()];
    this.multipliers = new Map();
    if (xs.length < MIN_CAMPAIGNS) return;
    const mean = xs.reduce((s, x) => s + x.perImpression, 0) / xs.length;
    if (!(mean > 0)) return; // no measurable lift on average: nothing to rank by
    const spread = xs.reduce((s, x) => s + (x.perImpression - mean) ** 2, 0) / (xs.length - 1);
    const noise = xs.reduce((s, x) => s + x.variance, 0) / xs.length;
    const tau2 = Math.max((PRIOR_RELATIVE_SD * mean) ** 2, spread - noise);
    for (const [id, x] of this.estimates) {
      const shrunk = mean + (tau2 / (tau2 + x.variance)) * (x.perImpression - mean);
      const m = 1 + this.strength * (shrunk / mean - 1);
      this.multipliers.set(id, Math.min(MAX_LIFT_MULTIPLIER, Math.max(MIN_LIFT_MULTIPLIER, m)));
    }
  }

  /** The multiplier on the campaign's advertiser value (1 for goals other than awareness, or without readings). */
  multiplier(campaignId: string, goal: string): number {
    if (goal !== 'awareness') return 1;
    return this.multipliers.get(campaignId) ?? 1;
  }

  /** The current lift-per-impression estimate of a campaign (its waves combined, unshrunk), if measured. */
  estimate(campaignId: string): number | undefined {
    return this.estimates.get(campaignId)?.perImpression;
  }
}
