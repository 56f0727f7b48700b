import { describe, expect, it } from 'vitest';
import { checkEligibility, costOf, type EligibilityInput } from '../../../services/objective/eligibility';
import type { PacingDecision } from '../../../services/objective/pacing';
import { campaign, DAY, DAY0, NO_SPEND } from './fixtures';

const ON_CURVE: PacingDecision = {
  multiplier: 1,
  throttle: false,
  budgetMicros: 0,
  idealMicros: 0,
  spendMicros: 0,
};
const base = campaign({
  id: 'c1',
  totalBudgetMicros: 1_000_000,
  dailyBudgetMicros: 100_000,
  frequencyCap: { maxImpressions: 2, windowMs: 3_600_000 },
});

function check(over: Partial<EligibilityInput>) {
  return checkEligibility({
    campaign: base,
    campaignId: 'c1',
    costMicros: 20_000,
    nowMs: DAY0,
    spend: NO_SPEND,
    sessionImpressions: 0,
    pacing: ON_CURVE,
    ...over,
  });
}

describe('eligibility', () => {
  it('is eligible when nothing stands in the way', () => {
    expect(check({})).toEqual({ eligible: true });
  });

  it('names an unknown campaign', () => {
    expect(check({ campaign: undefined, campaignId: 'ghost' })).toMatchObject({
      eligible: false,
      detail: expect.stringContaining('ghost'),
    });
  });

  it('refuses a paused campaign', () => {
    expect(check({ campaign: { ...base, paused: true } })).toMatchObject({
      reason: 'REASON_CAMPAIGN_PAUSED',
    });
  });

  it('refuses outside the flight (start inclusive, end exclusive)', () => {
    const c = { ...base, flightStartMs: DAY0, flightEndMs: DAY0 + DAY };
    expect(check({ campaign: c, nowMs: DAY0 - 1 })).toMatchObject({ reason: 'REASON_OUTSIDE_FLIGHT' });
    expect(check({ campaign: c, nowMs: DAY0 + DAY })).toMatchObject({ reason: 'REASON_OUTSIDE_FLIGHT' });
    expect(check({ campaign: c, nowMs: DAY0 })).toEqual({ eligible: true });
  });

  it('refuses when the lifetime budget cannot cover the price (reserved counts)', () => {
    const spend = { ...NO_SPEND, lifetimeSpentMicros: 900_000, lifetimeReservedMicros: 90_000 };
    expect(check({ spend })).toMatchObject({ reason: 'REASON_BUDGET_EXHAUSTED', detail: /lifetime/ });
    expect(check({ spend, costMicros: 10_000 })).toEqual({ eligible: true });
  });

  it('refuses when the daily budget cannot cover the price', () => {
    const spend = { ...NO_SPEND, todaySpentMicros: 50_000, todayReservedMicros: 40_000 };
    expect(check({ spend })).toMatchObject({ reason: 'REASON_BUDGET_EXHAUSTED', detail: /daily/ });
    expect(check({ spend, costMicros: 10_000 })).toEqual({ eligible: true });
  });

  it('refuses when the session reached the frequency cap', () => {
    expect(check({ sessionImpressions: 2 })).toMatchObject({ reason: 'REASON_FREQUENCY_CAP' });
    expect(check({ sessionImpressions: 1 })).toEqual({ eligible: true });
  });

  it('refuses when pacing holds', () => {
    expect(check({ pacing: { ...ON_CURVE, throttle: true } })).toMatchObject({
      reason: 'REASON_PACING_THROTTLED',
    });
  });

  it('reports the first reason in order: paused before budget before cap before pacing', () => {
    const all = {
      spend: { ...NO_SPEND, todaySpentMicros: 100_000 },
      sessionImpressions: 5,
      pacing: { ...ON_CURVE, throttle: true },
    };
    expect(check({ ...all, campaign: { ...base, paused: true } })).toMatchObject({
      reason: 'REASON_CAMPAIGN_PAUSED',
    });
    expect(check(all)).toMatchObject({ reason: 'REASON_BUDGET_EXHAUSTED' });
    expect(check({ ...all, spend: NO_SPEND })).toMatchObject({ reason: 'REASON_FREQUENCY_CAP' });
  });

  it('house campaigns cost nothing and have no budget to exhaust', () => {
    const house = campaign({ id: 'h', tier: 'house', totalBudgetMicros: 0, dailyBudgetMicros: 0 });
    expect(costOf(house, 20_000)).toBe(0);
    expect(costOf(base, 20_000)).toBe(20_000);
    const spend = { ...NO_SPEND, lifetimeSpentMicros: 1e12 };
    expect(check({ campaign: house, campaignId: 'h', costMicros: 0, spend })).toEqual({ eligible: true });
  });
});
