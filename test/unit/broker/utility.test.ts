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
  it('is the weighted sum of listener value, each critic value and revenue, each term kept', () => {
    const c = cand('a', { pSkip: 0.25, pComplete: 0.75, priceMicros: 20_000 });
    const t = utilityOf(c, 'listener', [{ term: 'advertiser', value: 0.4 }], settings);
    expect(t.terms.listener).toBeCloseTo(0.5);
    expect(t.terms.advertiser).toBeCloseTo(0.4);
    expect(t.terms.platform).toBeCloseTo(0.5);
    expect(t.utility).toBeCloseTo(2 * 0.5 + 3 * 0.4 + 5 * 0.5);
  });

  it('weighs a new critic term by its configured weight, or once when none is configured', () => {
    const c = cand('a', { pSkip: 0.25, pComplete: 0.75, priceMicros: 20_000 });
    const critics = [
      { term: 'advertiser', value: 0.4 },
      { term: 'brand_safety', value: -0.2 },
    ];
    const base = 2 * 0.5 + 3 * 0.4 + 5 * 0.5;
    expect(utilityOf(c, 'listener', critics, settings).utility).toBeCloseTo(base - 0.2);
    const weighted = { ...settings, weights: { ...settings.weights, brand_safety: 4 } };
    const t = utilityOf(c, 'listener', critics, weighted);
    expect(t.terms.brand_safety).toBeCloseTo(-0.2);
    expect(t.utility).toBeCloseTo(base - 0.8);
  });

  it('rewards a likely completion and penalises a likely skip', () => {
    expect(listenerValue(0.1, 0.9)).toBeGreaterThan(listenerValue(0.9, 0.1));
    expect(listenerValue(0.9, 0.1)).toBeLessThan(0);
  });

  it('scales revenue so that revenueScaleMicros reads as 1, and house ads earn nothing', () => {
    expect(platformRevenue(30_000, 30_000)).toBe(1);
    const house = cand('h', { tier: 'house', priceMicros: 5_000 });
    expect(costMicros(house)).toBe(0);
    expect(utilityOf(house, 'listener', [], settings).terms.platform).toBe(0);
  });

  it('applies the price floor to paid tiers only', () => {
    expect(belowPriceFloor(cand('s', { priceMicros: 1_999 }), 2_000)).toBe(true);
    expect(belowPriceFloor(cand('s', { priceMicros: 2_000 }), 2_000)).toBe(false);
    expect(belowPriceFloor(cand('sp', { tier: 'sponsorship', priceMicros: 0 }), 2_000)).toBe(true);
    expect(belowPriceFloor(cand('h', { tier: 'house', priceMicros: 0 }), 2_000)).toBe(false);
    // With no floor a paid ad still has to cost something: a paid reservation of 0 fails the commit.
    expect(belowPriceFloor(cand('s', { priceMicros: 0 }), 0)).toBe(true);
    expect(belowPriceFloor(cand('s', { priceMicros: 1 }), 0)).toBe(false);
    expect(belowPriceFloor(cand('h', { tier: 'house', priceMicros: 0 }), 0)).toBe(false);
  });

  it('sums the terms of a pod', () => {
    const a = utilityOf(cand('a'), 'listener', [{ term: 'advertiser', value: 0.5 }], settings);
    const b = utilityOf(
      cand('b', { pSkip: 0.6, pComplete: 0.3 }),
      'listener',
      [{ term: 'advertiser', value: 1 }],
      settings,
    );
    const s = sumTerms([a, b]);
    expect(s.utility).toBeCloseTo(a.utility + b.utility);
    expect(s.terms.listener).toBeCloseTo(a.terms.listener! + b.terms.listener!);
    expect(s.terms.advertiser).toBeCloseTo(1.5);
    expect(sumTerms([]).utility).toBe(0);
  });
});
