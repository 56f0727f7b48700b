/**
 * The joint utility the agents negotiate over (DESIGN.md, "One decision"):
 *
 *   U = w_listener · listener_value(p_skip, p_complete)
 *     + w_advertiser · advertiser_value        (the objective agent's pacing-adjusted value)
 *     + w_platform · revenue                   (price / revenueScaleMicros)
 *
 * Each term is kept so the explanation can show where the number came from.
 */
import type { UtilityWeights } from '../common/config';
import type { Candidate } from '../common/domain/types';

export interface UtilitySettings {
  weights: UtilityWeights;
  revenueScaleMicros: number;
  priceFloorMicros: number;
}

/** The unweighted terms of one candidate's utility, and the weighted sum. */
export interface UtilityTerms {
  listenerValue: number;
  advertiserValue: number;
  platformRevenue: number;
  utility: number;
}

export const ZERO_TERMS: UtilityTerms = {
  listenerValue: 0,
  advertiserValue: 0,
  platformRevenue: 0,
  utility: 0,
};

/** How well the ad lands with the listener: in [-1, 1]. */
export function listenerValue(pSkip: number, pComplete: number): number {
  return pComplete - pSkip;
}

/** What the impression earns the platform, scaled so `revenueScaleMicros` reads as 1. */
export function platformRevenue(priceMicros: number, revenueScaleMicros: number): number {
  return priceMicros / revenueScaleMicros;
}

/** A paid (non-house) candidate priced below the floor is never sold. */
export function belowPriceFloor(
  c: Pick<Candidate, 'tier' | 'priceMicros'>,
  priceFloorMicros: number,
): boolean {
  return c.tier !== 'house' && c.priceMicros < priceFloorMicros;
}

/** What one impression of `c` costs its advertiser: house ads are free. */
export function costMicros(c: Pick<Candidate, 'tier' | 'priceMicros'>): number {
  return c.tier === 'house' ? 0 : c.priceMicros;
}

export function utilityOf(
  c: Pick<Candidate, 'pSkip' | 'pComplete' | 'tier' | 'priceMicros'>,
  advertiserValue: number,
  s: UtilitySettings,
): UtilityTerms {
  const l = listenerValue(c.pSkip, c.pComplete);
  const r = platformRevenue(costMicros(c), s.revenueScaleMicros);
  const w = s.weights;
  return {
    listenerValue: l,
    advertiserValue,
    platformRevenue: r,
    utility: w.listener * l + w.advertiser * advertiserValue + w.platform * r,
  };
}

/** Terms of a pod: the sum over its ads. */
export function sumTerms(terms: readonly UtilityTerms[]): UtilityTerms {
  return terms.reduce(
    (acc, t) => ({
      listenerValue: acc.listenerValue + t.listenerValue,
      advertiserValue: acc.advertiserValue + t.advertiserValue,
      platformRevenue: acc.platformRevenue + t.platformRevenue,
      utility: acc.utility + t.utility,
    }),
    ZERO_TERMS,
  );
}
