/**
 * The ONE shared reward every learner optimises (DESIGN.md, "One decision"):
 * the realised counterpart of the broker's joint utility, with the same
 * weights and revenue scale (services/broker/utility.ts):
 *
 *   r = w_listener · (completed − skipped)                      listener satisfaction
 *     + w_advertiser · goalValue(goal, realised) · kpiFactor    advertiser ROI
 *     + w_platform · cost / revenueScaleMicros                  platform revenue
 *
 * goalValue is the objective agent's own (valuation.ts) with the realised
 * outcome in place of the predictions: awareness → heard to the end,
 * conversion → clicked, engagement → half of each.
 */
import { costMicros, listenerValue, platformRevenue, type UtilitySettings } from '../services/broker/utility';
import type { Goal, Tier } from '../services/common/domain/types';
import { goalValue } from '../services/objective/valuation';

export interface RealisedAd {
  skipped: boolean;
  completed: boolean;
  clicked: boolean;
  priceMicros: number;
  tier: Tier;
  goal: Goal;
  /** The objective agent's KPI factor for the campaign when the ad ran (1 if unknown). */
  kpiFactor?: number;
}

export interface RewardTerms {
  listener: number;
  advertiser: number;
  platform: number;
  reward: number;
}

export type RewardSettings = Pick<UtilitySettings, 'weights' | 'revenueScaleMicros'>;

export function sharedReward(ad: RealisedAd, s: RewardSettings): RewardTerms {
  const listener = listenerValue(ad.skipped ? 1 : 0, ad.completed ? 1 : 0);
  const advertiser =
    goalValue(ad.goal, { pComplete: ad.completed ? 1 : 0, pEngage: ad.clicked ? 1 : 0 }) *
    (ad.kpiFactor ?? 1);
  const platform = platformRevenue(costMicros(ad), s.revenueScaleMicros);
  const w = s.weights;
  return {
    listener,
    advertiser,
    platform,
    reward: w.listener * listener + w.advertiser * advertiser + w.platform * platform,
  };
}

/** Default settings, the same defaults as loadConfig(). */
export const DEFAULT_REWARD: RewardSettings = {
  weights: { listener: 1, advertiser: 1, platform: 1 },
  revenueScaleMicros: 30_000,
};
