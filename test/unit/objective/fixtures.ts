/** Builders for the objective agent's unit tests: campaigns, catalogues, candidates. */
import type { Campaign, Catalogue, Creative } from '../../../services/common/catalogue/types';
import type { Candidate, EvaluateInput, Snapshot } from '../../../services/common/domain/types';
import type { SpendState } from '../../../services/objective/ledger';

/** 2026-11-27T00:00:00Z, the start of the simulated UTC day. */
export const DAY0 = Date.UTC(2026, 10, 27);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function campaign(over: Partial<Campaign> & { id: string }): Campaign {
  return {
    advertiserId: 'adv-1',
    name: over.id,
    goal: 'awareness',
    tier: 'standard',
    paused: false,
    cpmMicros: 20_000_000,
    totalBudgetMicros: 1_000_000_000_000,
    dailyBudgetMicros: 0,
    pacing: 'asap',
    flightStartMs: DAY0 - 10 * DAY,
    flightEndMs: DAY0 + 10 * DAY,
    frequencyCap: { maxImpressions: 0, windowMs: 86_400_000 },
    targeting: { countries: [], devices: [], scenarios: [], genres: [], explicitOk: true },
    kpi: { completionRate: 0.7, clickRate: 0.01 },
    ...over,
  };
}

/** A catalogue with one creative per campaign, `<campaign id>-cr`. */
export function catalogueOf(campaigns: Campaign[]): Catalogue {
  const creatives = new Map<string, Creative>();
  for (const c of campaigns) {
    creatives.set(`${c.id}-cr`, {
      id: `${c.id}-cr`,
      campaignId: c.id,
      durationMs: 15_000,
      energy: 0.5,
      voiceStyle: 'conversational',
      disruptiveness: 0.3,
      audioUrl: '',
    });
  }
  return {
    version: 'test',
    advertisers: new Map([
      ['adv-1', { id: 'adv-1', name: 'adv', category: 'retail', separationCategories: [] }],
    ]),
    campaigns: new Map(campaigns.map((c) => [c.id, c])),
    creatives,
  };
}

export function candidate(campaignId: string, over: Partial<Candidate> = {}): Candidate {
  return {
    creativeId: `${campaignId}-cr`,
    campaignId,
    advertiserId: 'adv-1',
    category: 'retail',
    durationMs: 15_000,
    priceMicros: 20_000,
    tier: 'standard',
    pSkip: 0.3,
    pComplete: 0.6,
    pEngage: 0.05,
    policyScore: 0.5,
    audioUrl: '',
    separationCategories: [],
    ...over,
  };
}

export const SNAPSHOT: Snapshot = {
  scenario: 'commute',
  focusLevel: 0.5,
  receptiveness: 0.5,
  skipRisk: 0.3,
  features: [],
  modelVersion: 'test',
  sessionAdsHeard: 0,
  isDefault: false,
};

export function evaluateInput(candidates: Candidate[], sessionId = 'session-1'): EvaluateInput {
  return { requestId: 'req-1', round: 0, sessionId, context: SNAPSHOT, candidates };
}

export const NO_SPEND: SpendState = {
  lifetimeSpentMicros: 0,
  lifetimeReservedMicros: 0,
  todaySpentMicros: 0,
  todayReservedMicros: 0,
};
