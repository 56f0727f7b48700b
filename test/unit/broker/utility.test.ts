import { describe, expect, it } from 'vitest';
import {
  belowPriceFloor,
  costMicros,
  listenerValue,
  platformRevenue,
  sumTerms,
  utilityOf,
} from '../../../services/broker/utility';
import { cand } from './fakes';

const settings = {
  weights: { listener: 2, advertiser: 3, platform: 5 },
  revenueScaleMicros: 40_000,
  priceFloorMicros: 2_000,
};

describe('joint utility', () => {
  it('is the weighted sum of listener value, advertiser value and revenue, each term kept', () => {
    const c = cand('a', { pSkip: 0.25, pComplete: 0.75, priceMicros: 20_000 });
    const t = utilityOf(c, 0.4, settings);
    expect(t.listenerValue).toBeCloseTo(0.5);
    expect(t.advertiserValue).toBeCloseTo(0.4);
    expect(t.platformRevenue).toBeCloseTo(0.5);
    expect(t.utility).toBeCloseTo(2 * 0.5 + 3 * 0.4 + 5 * 0.5);
  });

  it('rewards a likely completion and penalises a likely skip', () => {
    expect(listenerValue(0.1, 0.9)).toBeGreaterThan(listenerValue(0.9, 0.1));
    expect(listenerValue(0.9, 0.1)).toBeLessThan(0);
  });

  it('scales revenue so that revenueScaleMicros reads as 1, and house ads earn nothing', () => {
    expect(platformRevenue(30_000, 30_000)).toBe(1);
    const house = cand('h', { tier: 'house', priceMicros: 5_000 });
    expect(costMicros(house)).toBe(0);
    expect(utilityOf(house, 0, settings).platformRevenue).toBe(0);
  });

  it('applies the price floor to paid tiers only', () => {
    expect(belowPriceFloor(cand('s', { priceMicros: 1_999 }), 2_000)).toBe(true);
    expect(belowPriceFloor(cand('s', { priceMicros: 2_000 }), 2_000)).toBe(false);
    expect(belowPriceFloor(cand('sp', { tier: 'sponsorship', priceMicros: 0 }), 2_000)).toBe(true);
    expect(belowPriceFloor(cand('h', { tier: 'house', priceMicros: 0 }), 2_000)).toBe(false);
  });

  it('sums the terms of a pod', () => {
    const a = utilityOf(cand('a'), 0.5, settings);
    const b = utilityOf(cand('b', { pSkip: 0.6, pComplete: 0.3 }), 1, settings);
    const s = sumTerms([a, b]);
    expect(s.utility).toBeCloseTo(a.utility + b.utility);
    expect(s.listenerValue).toBeCloseTo(a.listenerValue + b.listenerValue);
    expect(sumTerms([]).utility).toBe(0);
  });
});
