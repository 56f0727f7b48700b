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

/**
 * The shared reward's long-term term, per ad break (not per ad): whether the
 * listener listened on after the break — the same session's next break was
 * requested — as the simulator measures it. 1 if so; 0 if the listener quit
 * right after the break (SimOutcome.quit), the session ended before another
 * break, or the episode ended first. The break's reward is the sum of its
 * ads' sharedReward plus LONG_TERM_WEIGHT × this term, so a break with no
 * ads still earns the listening it kept. Weight 1: a kept listener is worth
 * as much as one ad heard to the end is to the listener term.
 */
export const LONG_TERM_WEIGHT = 1;

/** A break whose long-term term is known: its request id and whether the listener listened on (1) or not (0). */
export interface ResolvedBreak {
  requestId: string;
  continued: 0 | 1;
}

/**
 * Credit assignment of the long-term term: each break's term is decided by
 * what happens next in its own session, and goes to that break only. A
 * session's next break resolves its previous one as 1; a quit resolves the
 * break just played as 0; close() resolves what is left as 0.
 */
export class BreakCredit {
  /** session → the request id of its last break, still open. */
  private readonly open = new Map<string, string>();

  /** A new break of `sessionId` arrived: the session's previous break is resolved as continued. */
  arrive(sessionId: string): ResolvedBreak[] {
    const prev = this.open.get(sessionId);
    if (prev === undefined) return [];
    this.open.delete(sessionId);
    return [{ requestId: prev, continued: 1 }];
  }

  /** The break `requestId` of `sessionId` was played; `quit` = the listener left right after it. */
  played(sessionId: string, requestId: string, quit: boolean): ResolvedBreak[] {
    if (quit) return [{ requestId, continued: 0 }];
    this.open.set(sessionId, requestId);
    return [];
  }

  /** The episode is over: every open break is resolved as not continued (censored at the horizon). */
  close(): ResolvedBreak[] {
    const out = [...this.open.values()].map((requestId) => ({ requestId, continued: 0 as const }));
    this.open.clear();
    return out;
  }

  get pending(): number {
    return this.open.size;
  }
}
