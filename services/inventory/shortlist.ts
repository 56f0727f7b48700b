/**
 * Ranking eligible creatives into the shortlist the inventory agent proposes:
 * priority tiers first (sponsorship, then standard, then house), then by a
 * score combining the policy's predictions with the price, then by creative
 * id so equal scores rank the same way every time.
 */
import type { UtilityWeights } from '../common/config';
import { TIERS_BY_PRIORITY, type Tier } from '../common/domain/types';
import type { Supply } from './eligibility';
import type { Prediction } from './policy';

export interface Scored {
  supply: Supply;
  prediction: Prediction;
  /** Price of one impression: cpmMicros / 1000, rounded down. */
  priceMicros: number;
  score: number;
}

const TIER_RANK: Record<Tier, number> = Object.fromEntries(TIERS_BY_PRIORITY.map((t, i) => [t, i])) as Record<
  Tier,
  number
>;

/** One impression's price in integer micros. */
export function impressionPriceMicros(cpmMicros: number): number {
  return Math.floor(cpmMicros / 1000);
}

/**
 * The inventory agent's score of a candidate (reported as policy_score):
 *   w_listener · p_complete · (1 - p_skip) + w_platform · min(1, price / revenueScale)
 * The advertiser term of the joint utility is the objective agent's to judge
 * (it knows goals, KPIs and pacing), so it is left out here.
 */
export function candidateScore(
  p: Prediction,
  priceMicros: number,
  weights: UtilityWeights,
  revenueScaleMicros: number,
): number {
  const listener = p.pComplete * (1 - p.pSkip);
  const revenue = Math.min(1, priceMicros / revenueScaleMicros);
  return weights.listener * listener + weights.platform * revenue;
}

export function compareCandidates(a: Scored, b: Scored): number {
  return (
    TIER_RANK[a.supply.campaign.tier] - TIER_RANK[b.supply.campaign.tier] ||
    b.score - a.score ||
    (a.supply.creative.id < b.supply.creative.id ? -1 : a.supply.creative.id > b.supply.creative.id ? 1 : 0)
  );
}

export interface Shortlist {
  top: Scored[];
  /** Eligible creatives before the cut. */
  eligibleTotal: number;
  /** True when nothing eligible is left beyond `top`. */
  exhausted: boolean;
}

/** The best k in rank order: a partial selection, O(n·k) for the small k of a shortlist. */
export function shortlist(scored: Scored[], k: number): Shortlist {
  const top: Scored[] = [];
  for (const s of scored) {
    if (top.length === k && compareCandidates(s, top[k - 1]!) >= 0) continue;
    let i = top.length === k ? k - 1 : top.length;
    while (i > 0 && compareCandidates(s, top[i - 1]!) < 0) {
      top[i] = top[i - 1]!;
      i--;
    }
    top[i] = s;
  }
  return { top, eligibleTotal: scored.length, exhausted: scored.length <= k };
}
