/**
 * The joint utility the agents negotiate over (DESIGN.md, "One decision"): a
 * weighted sum of named terms, one per agent that values a candidate plus
 * the platform's revenue:
 *
 *   U = w_listener · listener_value(p_skip, p_complete)   (a proposer's predictions)
 *     + w_advertiser · advertiser_value                  (the objective agent's verdict)
 *     + w_<term> · value                                 (every other critic's verdict)
 *     + w_platform · revenue                             (price / revenueScaleMicros)
 *
 * Term names come from the agent registry (services/agents.yaml); weights
 * from the config (PARLEY_W_<TERM>). Each term is kept so the explanation
 * can show where the number came from.
 */
import type { UtilityWeights } from '../common/config';
import type { Candidate } from '../common/domain/types';

export interface UtilitySettings {
  weights: UtilityWeights;
  revenueScaleMicros: number;
  priceFloorMicros: number;
}

/** The platform's own term: what the impression earns. */
export const PLATFORM_TERM = 'platform';

/** The unweighted terms of one candidate's utility, by name, and their weighted sum. */
export interface UtilityTerms {
  terms: Record<string, number>;
  utility: number;
}

/** How well the ad lands with the listener: in [-1, 1]. */
export function listenerValue(pSkip: number, pComplete: number): number {
  return pComplete - pSkip;
}

/** What the impression earns the platform, scaled so `revenueScaleMicros` reads as 1. */
export function platformRevenue(priceMicros: number, revenueScaleMicros: number): number {
  return priceMicros / revenueScaleMicros;
}

/**
 * A paid (non-house) candidate priced below the floor is never sold; nor is
 * one priced at nothing whatever the floor (0 included): the committer
 * refuses a paid reservation of 0, which would fail the whole commit.
 */
export function belowPriceFloor(
  c: Pick<Candidate, 'tier' | 'priceMicros'>,
  priceFloorMicros: number,
): boolean {
  return c.tier !== 'house' && c.priceMicros < Math.max(1, priceFloorMicros);
}

/** What one impression of `c` costs its advertiser: house ads are free. */
export function costMicros(c: Pick<Candidate, 'tier' | 'priceMicros'>): number {
  return c.tier === 'house' ? 0 : c.priceMicros;
}

/** A term's weight; a term the config does not weigh counts once. */
export function weightOf(weights: UtilityWeights, term: string): number {
  return weights[term] ?? 1;
}

/**
 * A candidate's utility: the proposer's listener value under `proposerTerm`,
 * each critic's value under its term, and the platform's revenue.
 */
export function utilityOf(
  c: Pick<Candidate, 'pSkip' | 'pComplete' | 'tier' | 'priceMicros'>,
  proposerTerm: string,
  critics: ReadonlyArray<{ term: string; value: number }>,
  s: UtilitySettings,
): UtilityTerms {
  const terms: Record<string, number> = {
    [proposerTerm]: listenerValue(c.pSkip, c.pComplete),
    [PLATFORM_TERM]: platformRevenue(costMicros(c), s.revenueScaleMicros),
  };
  for (const v of critics) terms[v.term] = (terms[v.term] ?? 0) + v.value;
  let utility = 0;
  for (const term in terms) utility += weightOf(s.weights, term) * terms[term]!;
  return { terms, utility };
}

/** Terms of a pod: the sum over its ads. */
export function sumTerms(all: readonly UtilityTerms[]): UtilityTerms {
  const terms: Record<string, number> = {};
  let utility = 0;
  for (const t of all) {
    utility += t.utility;
    for (const term in t.terms) terms[term] = (terms[term] ?? 0) + t.terms[term]!;
  }
  return { terms, utility };
}
