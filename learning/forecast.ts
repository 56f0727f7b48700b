/**
 * Slot availability forecast per context and hour, learned from the event
 * log: how many ad slots (breaks) come up per UTC hour for each (scenario,
 * country). Each observed day updates the per-hour estimate by exponential
 * smoothing, so the forecast follows a drifting audience. The objective
 * agent's even pacing takes it as its traffic profile: a campaign's profile
 * is the forecast summed over the scenarios and countries it targets, so it
 * spends where its listeners are (ObjectiveAgentOptions.trafficProfile).
 */

import { z } from 'zod';
import type { Campaign } from '../services/common/catalogue/types';
import type { Scenario } from '../services/common/domain/types';
import { finiteNumbers, modelFile, modelHeader, parseModelJson } from '../services/common/schema';
import { FLAT_PROFILE, type TrafficProfile } from '../services/objective/pacing';

export const FORECAST_FORMAT = 'parley-slot-forecast/1';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface SlotObservation {
  atMs: number;
  scenario: Scenario;
  country: string;
  /** Slots this observation stands for (default 1). */
  count?: number;
}

export class SlotForecaster {
  /** key "scenario|country" → 24 smoothed counts per UTC hour. */
  private readonly estimate = new Map<string, Float64Array>();
  /** Counts of the day being observed, folded in by endDay(). */
  private readonly today = new Map<string, Float64Array>();
  private days = 0;

  /** `alpha`: weight of the newest day (1 = only the last day counts). */
  constructor(readonly alpha = 0.5) {
    if (!(alpha > 0 && alpha <= 1)) throw new Error('alpha must be in (0, 1]');
  }

  observe(o: SlotObservation): void {
    const key = `${o.scenario}|${o.country}`;
    let row = this.today.get(key);
    if (!row) {
      row = new Float64Array(24);
      this.today.set(key, row);
    }
    const hour = Math.floor((o.atMs - Math.floor(o.atMs / DAY_MS) * DAY_MS) / HOUR_MS);
    row[hour]! += o.count ?? 1;
  }

  /**
   * Folds the observed counts in as one day's worth (`days` = how many days
   * they span, e.g. a 25 h log counts as 25/24 days).
   */
  endDay(days = 1): void {
    const keys = new Set([...this.estimate.keys(), ...this.today.keys()]);
    for (const key of keys) {
      const obs = this.today.get(key) ?? new Float64Array(24);
      const est = this.estimate.get(key);
      const next = new Float64Array(24);
      for (let h = 0; h < 24; h++) {
        const daily = obs[h]! / days;
        next[h] = est && this.days > 0 ? (1 - this.alpha) * est[h]! + this.alpha * daily : daily;
      }
      this.estimate.set(key, next);
    }
    this.today.clear();
    this.days++;
  }

  get daysObserved(): number {
    return this.days;
  }

  /** Expected slots per UTC hour for the scenarios/countries given ([] = all). */
  forecast(scenarios: readonly Scenario[] = [], countries: readonly string[] = []): Float64Array {
    const out = new Float64Array(24);
    for (const [key, row] of this.estimate) {
      const [scenario, country] = key.split('|') as [Scenario, string];
      if (scenarios.length > 0 && !scenarios.includes(scenario)) continue;
      if (countries.length > 0 && !countries.includes(country)) continue;
      for (let h = 0; h < 24; h++) out[h]! += row[h]!;
    }
    return out;
  }

  /** Versioned artifact (`parley-slot-forecast/1`): the smoothed counts per "scenario|country". */
  toJSON(version: string) {
    return {
      format: FORECAST_FORMAT,
      version,
      alpha: this.alpha,
      days: this.days,
      hourly: Object.fromEntries(
        [...this.estimate].map(([k, row]) => [k, Array.from(row, (v) => Math.round(v * 1000) / 1000)]),
      ),
    };
  }

  static parse(json: string): SlotForecaster & { version: string } {
    const alpha = 'must be in (0, 1]';
    const d = parseModelJson(
      json,
      modelFile({
        ...modelHeader(FORECAST_FORMAT),
        alpha: z.number({ error: alpha }).gt(0, alpha).lte(1, alpha),
        // One row of 24 hourly counts per "scenario|country" key.
        hourly: z.record(
          z.string().regex(/^[a-z]+\|[A-Za-z]*$/, 'bad key'),
          finiteNumbers(24).refine((row) => row.every((v) => v >= 0), 'counts must be >= 0'),
          { error: 'required' },
        ),
        days: z.unknown().optional(),
      }),
    );
    const f = Object.assign(new SlotForecaster(d.alpha), { version: d.version });
    // Through float32, as the loader always read them (a forecast reads the same as before).
    for (const [key, row] of Object.entries(d.hourly))
      f.estimate.set(key, Float64Array.from(Float32Array.from(row)));
    f.days = typeof d.days === 'number' && d.days >= 0 ? d.days : 1;
    return f;
  }

  /** The campaign's pacing profile; flat until something was observed for its audience. */
  profileFor(campaign: Pick<Campaign, 'targeting'>): TrafficProfile {
    const f = this.forecast(campaign.targeting.scenarios, campaign.targeting.countries);
    const total = f.reduce((a, b) => a + b, 0);
    if (!(total > 0)) return FLAT_PROFILE;
    // A small floor keeps every hour buyable (an hour never seen is not impossible).
    const floor = (0.02 * total) / 24;
    return Array.from(f, (v) => v + floor);
  }
}

/** Weighted absolute percentage error of a forecast against actual counts: Σ|f − a| / Σa. */
export function wape(forecast: ArrayLike<number>, actual: ArrayLike<number>): number {
  let err = 0;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    err += Math.abs((forecast[i] ?? 0) - (actual[i] as number));
    sum += actual[i] as number;
  }
  return sum > 0 ? err / sum : 0;
}
