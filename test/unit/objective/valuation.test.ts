import { describe, expect, it } from 'vitest';
import { ZERO_COUNTERS } from '../../../services/objective/outcome-log';
import {
  advertiserValue,
  goalValue,
  kpiFactor,
  type ValuationInput,
} from '../../../services/objective/valuation';

const KPI = { completionRate: 0.7, clickRate: 0.02 };

function value(over: Partial<ValuationInput>) {
  return advertiserValue({
    goal: 'awareness',
    pComplete: 0.6,
    pEngage: 0.1,
    counters: ZERO_COUNTERS,
    kpi: KPI,
    pacingMultiplier: 1,
    ...over,
  });
}

describe('valuation', () => {
  it('values each goal by what it buys', () => {
    const p = { pComplete: 0.6, pEngage: 0.1 };
    expect(goalValue('awareness', p)).toBe(0.6);
    expect(goalValue('conversion', p)).toBe(0.1);
    expect(goalValue('engagement', p)).toBeCloseTo(0.35, 12);
  });

  it('is neutral about KPIs with no outcomes yet', () => {
    expect(kpiFactor('awareness', ZERO_COUNTERS, KPI)).toBe(1);
    expect(value({})).toBeCloseTo(0.6, 12);
  });

  it('is worth more when behind the KPI target and less when ahead', () => {
    const behind = { impressions: 1000, completes: 300, clicks: 0, skips: 700 };
    const ahead = { impressions: 1000, completes: 950, clicks: 100, skips: 50 };
    expect(kpiFactor('awareness', behind, KPI)).toBeGreaterThan(1.2);
    expect(kpiFactor('awareness', ahead, KPI)).toBeLessThan(1);
    expect(kpiFactor('conversion', behind, KPI)).toBeCloseTo(1.49, 2); // no clicks at all
    expect(kpiFactor('conversion', ahead, KPI)).toBe(0.75);
    expect(value({ counters: behind })).toBeGreaterThan(value({ counters: ahead }));
  });

  it('shrinks a few impressions towards the target', () => {
    const few = { impressions: 2, completes: 0, clicks: 0, skips: 2 };
    const f = kpiFactor('awareness', few, KPI);
    expect(f).toBeGreaterThan(1);
    expect(f).toBeLessThan(1.1);
  });

  it('scales with the pacing multiplier and stays within [0, 2]', () => {
    expect(value({ pacingMultiplier: 1.5 })).toBeCloseTo(0.9, 12);
    expect(value({ pacingMultiplier: 0.5 })).toBeCloseTo(0.3, 12);
    const max = value({
      pComplete: 1,
      counters: { impressions: 1000, completes: 0, clicks: 0, skips: 0 },
      pacingMultiplier: 1.5,
    });
    expect(max).toBe(2);
    expect(value({ pComplete: 0 })).toBe(0);
  });
});
