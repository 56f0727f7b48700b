/** Wire messages for the objective agent's tests: a candidate the broker asks it to critique, a brand-lift survey wave. */
import type { BrandLiftResult__Output } from '../../proto/gen/parley/v1/BrandLiftResult';
import type { Candidate } from '../../proto/gen/parley/v1/Candidate';

/** A proposed creative `<campaign>-cr` of advertiser adv-1 (house tier for the campaign `house`). */
export function wireCandidate(campaignId: string): Candidate {
  return {
    creative_id: `${campaignId}-cr`,
    campaign_id: campaignId,
    advertiser_id: 'adv-1',
    category: 'retail',
    duration_ms: 15_000,
    price_micros: 20_000,
    tier: campaignId === 'house' ? 'house' : 'standard',
    p_skip: 0.3,
    p_complete: 0.6,
    p_engage: 0.05,
    policy_score: 0.4,
    separation_categories: [],
  };
}

/** When surveyResult's wave was fielded; it was published 6 hours later. */
export const SURVEY_FIELDED_MS = Date.UTC(2026, 11, 1);

/** One survey wave of campaign camp-1, as ReportBrandLift carries it. */
export function surveyResult(over: Partial<BrandLiftResult__Output> = {}): BrandLiftResult__Output {
  return {
    campaign_id: 'camp-1',
    wave_id: 'w1',
    exposed_respondents: 400,
    exposed_yes_rate: 0.31,
    control_respondents: 380,
    control_yes_rate: 0.22,
    impressions: 120_000,
    reach: 40_000,
    fielded_at_ms: SURVEY_FIELDED_MS,
    published_at_ms: SURVEY_FIELDED_MS + 6 * 3_600_000,
    ...over,
  };
}
