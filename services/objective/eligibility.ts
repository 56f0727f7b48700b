/**
 * Whether a campaign may buy an impression now, and if not, the stable reason
 * code (common.proto Reason) with a human-readable detail. Pure: the caller
 * passes the campaign, its spend, the session's frequency count and the
 * pacing decision. Checks run in order: unknown campaign, paused, flight,
 * brand-lift hold-out, budget, frequency cap, pacing.
 */
import type { Campaign } from '../common/catalogue/types';
import { holdoutDetail, isHeldOut } from '../common/domain/brand-lift';
import type { ReasonCode } from '../common/domain/types';
import type { SpendState } from './ledger';
import type { PacingDecision } from './pacing';

export type Eligibility = { eligible: true } | { eligible: false; reason: ReasonCode; detail: string };

const OK: Eligibility = { eligible: true };

const refuse = (reason: ReasonCode, detail: string): Eligibility => ({ eligible: false, reason, detail });

/** House campaigns (the platform's own promos) cost nothing. */
export function costOf(campaign: Campaign, priceMicros: number): number {
  return campaign.tier === 'house' ? 0 : priceMicros;
}

/** The checks that do not depend on spend: paused, flight dates. */
export function checkStatus(campaign: Campaign | undefined, campaignId: string, nowMs: number): Eligibility {
  if (!campaign) return refuse('REASON_UNSPECIFIED', `unknown campaign "${campaignId}"`);
  if (campaign.paused) return refuse('REASON_CAMPAIGN_PAUSED', `campaign ${campaign.id} is paused`);
  if (nowMs < campaign.flightStartMs || nowMs >= campaign.flightEndMs) {
    const start = new Date(campaign.flightStartMs).toISOString();
    const end = new Date(campaign.flightEndMs).toISOString();
    return refuse('REASON_OUTSIDE_FLIGHT', `campaign ${campaign.id} runs from ${start} to ${end}`);
  }
  return OK;
}

export interface EligibilityInput {
  campaign: Campaign | undefined;
  campaignId: string;
  /** What the impression costs this campaign (0 for house). */
  costMicros: number;
  nowMs: number;
  spend: SpendState;
  /** The session's impressions of this campaign within the cap's window. */
  sessionImpressions: number;
  pacing: PacingDecision;
  /** Who is listening, for the campaign's brand-lift hold-out (the listener id, else the session id); absent = no hold-out. */
  listenerKey?: string;
}

/** Is the listener in the campaign's brand-lift control group (its ads are held back from them)? */
export function checkHoldout(campaign: Campaign, listenerKey: string | undefined): Eligibility {
  const share = campaign.brandLift?.holdoutShare ?? 0;
  if (!listenerKey || !isHeldOut(share, listenerKey, campaign.id)) return OK;
  return refuse('REASON_BRAND_LIFT_HOLDOUT', holdoutDetail(campaign.id, share));
}

export function checkEligibility(input: EligibilityInput): Eligibility {
  const status = checkStatus(input.campaign, input.campaignId, input.nowMs);
  if (!status.eligible || !input.campaign) return status;
  const c = input.campaign;
  const holdout = checkHoldout(c, input.listenerKey);
  if (!holdout.eligible) return holdout;
  const { spend, costMicros } = input;
  const lifetime = spend.lifetimeSpentMicros + spend.lifetimeReservedMicros;
  if (c.totalBudgetMicros > 0 && lifetime + costMicros > c.totalBudgetMicros) {
    return refuse(
      'REASON_BUDGET_EXHAUSTED',
      `lifetime budget: ${lifetime} of ${c.totalBudgetMicros} micros spent or reserved, price ${costMicros}`,
    );
  }
  const today = spend.todaySpentMicros + spend.todayReservedMicros;
  if (c.dailyBudgetMicros > 0 && today + costMicros > c.dailyBudgetMicros) {
    return refuse(
      'REASON_BUDGET_EXHAUSTED',
      `daily budget: ${today} of ${c.dailyBudgetMicros} micros spent or reserved today, price ${costMicros}`,
    );
  }
  const cap = c.frequencyCap;
  if (cap.maxImpressions > 0 && input.sessionImpressions >= cap.maxImpressions) {
    return refuse(
      'REASON_FREQUENCY_CAP',
      `session heard ${input.sessionImpressions} of at most ${cap.maxImpressions} in ${cap.windowMs / 1000} s`,
    );
  }
  if (input.pacing.throttle) {
    const p = input.pacing;
    return refuse(
      'REASON_PACING_THROTTLED',
      `ahead of the even-pacing curve: ${p.spendMicros} micros spent, ideal ${Math.round(p.idealMicros)} of ${p.budgetMicros}`,
    );
  }
  return OK;
}
