/**
 * Hard eligibility: a pipeline of small named stages. Each stage looks at one
 * creative (with its campaign and advertiser) in the request's context and
 * either lets it through or removes it with a stable reason code. The first
 * stage that objects wins, so every removal has exactly one reason.
 *
 * Targeting lists are "any of"; an empty list means no restriction. Budget,
 * pacing and frequency caps are not checked here: they are the objective
 * agent's state.
 */
import type { Advertiser, Campaign, Catalogue, Creative } from '../common/catalogue/types';
import type { ProposeInput, ReasonCode, Rejection } from '../common/domain/types';

/** One creative with the records it belongs to. */
export interface Supply {
  creative: Creative;
  campaign: Campaign;
  advertiser: Advertiser;
}

/** What a stage can see besides the creative. */
export interface EligibilityContext {
  input: ProposeInput;
  nowMs: number;
  excludedAdvertisers: ReadonlySet<string>;
  /** Lower case. */
  excludedCategories: ReadonlySet<string>;
}

export interface Stage {
  name: string;
  /**
   * 'campaign' when the verdict depends only on the campaign and advertiser
   * (most targeting): it is then computed once per campaign per proposal.
   */
  level: 'campaign' | 'creative';
  /** null = keep; otherwise why the creative is removed. */
  check(s: Supply, ctx: EligibilityContext): Verdict;
}

type Verdict = { reason: ReasonCode; detail: string } | null;

const remove = (reason: ReasonCode, detail: string) => ({ reason, detail });

export const STAGES: readonly Stage[] = [
  {
    name: 'flight',
    level: 'campaign',
    check: ({ campaign }, { nowMs }) =>
      nowMs < campaign.flightStartMs || nowMs >= campaign.flightEndMs
        ? remove(
            'REASON_OUTSIDE_FLIGHT',
            `campaign ${campaign.id} flight is ${new Date(campaign.flightStartMs).toISOString()} .. ${new Date(campaign.flightEndMs).toISOString()}`,
          )
        : null,
  },
  {
    name: 'paused',
    level: 'campaign',
    check: ({ campaign }) =>
      campaign.paused ? remove('REASON_CAMPAIGN_PAUSED', `campaign ${campaign.id} is paused`) : null,
  },
  {
    name: 'country',
    level: 'campaign',
    check: ({ campaign }, { input }) => {
      const allowed = campaign.targeting.countries;
      const country = input.signals.country;
      return allowed.length > 0 && !allowed.includes(country)
        ? remove('REASON_TARGETING_COUNTRY', `country ${country} not in [${allowed.join(', ')}]`)
        : null;
    },
  },
  {
    name: 'device',
    level: 'campaign',
    check: ({ campaign }, { input }) => {
      const allowed = campaign.targeting.devices;
      const device = input.signals.device;
      return allowed.length > 0 && !(allowed as string[]).includes(device)
        ? remove('REASON_TARGETING_DEVICE', `device ${device} not in [${allowed.join(', ')}]`)
        : null;
    },
  },
  {
    name: 'scenario',
    level: 'campaign',
    check: ({ campaign }, { input }) => {
      const allowed = campaign.targeting.scenarios;
      const scenario = input.context.scenario;
      return allowed.length > 0 && !allowed.includes(scenario)
        ? remove('REASON_TARGETING_SCENARIO', `scenario ${scenario} not in [${allowed.join(', ')}]`)
        : null;
    },
  },
  {
    name: 'genre',
    level: 'campaign',
    check: ({ campaign }, { input }) => {
      const allowed = campaign.targeting.genres;
      const genre = input.signals.trackGenre.toLowerCase();
      return allowed.length > 0 && !allowed.includes(genre)
        ? remove('REASON_TARGETING_GENRE', `genre "${genre}" not in [${allowed.join(', ')}]`)
        : null;
    },
  },
  {
    name: 'explicit',
    level: 'campaign',
    check: ({ campaign }, { input }) =>
      input.signals.explicitContent && !campaign.targeting.explicitOk
        ? remove('REASON_EXPLICIT_CONTENT', `campaign ${campaign.id} may not run next to explicit content`)
        : null,
  },
  {
    name: 'excluded-advertiser',
    level: 'campaign',
    check: ({ advertiser }, { excludedAdvertisers }) =>
      excludedAdvertisers.has(advertiser.id)
        ? remove('REASON_EXCLUDED_ADVERTISER', `advertiser ${advertiser.id} excluded by the request`)
        : null,
  },
  {
    name: 'excluded-category',
    level: 'campaign',
    // The advertiser's category or any of its separation keys.
    check: ({ advertiser }, { excludedCategories }) => {
      if (excludedCategories.size === 0) return null;
      const hit = [advertiser.category, ...advertiser.separationCategories].find((c) =>
        excludedCategories.has(c),
      );
      return hit ? remove('REASON_EXCLUDED_CATEGORY', `category ${hit} excluded by the request`) : null;
    },
  },
  {
    name: 'duration',
    level: 'creative',
    check: ({ creative }, { input }) =>
      creative.durationMs > input.slot.maxTotalDurationMs
        ? remove(
            'REASON_DURATION_TOO_LONG',
            `${creative.durationMs} ms > slot max ${input.slot.maxTotalDurationMs} ms`,
          )
        : null,
  },
];

export interface EligibilityResult {
  eligible: Supply[];
  /** Every removal, in catalogue order (not capped here). */
  removed: Rejection[];
}

/**
 * Runs every creative of the catalogue through the stages. Creatives listed
 * in `input.excludeCreatives` (proposed in an earlier round) are skipped
 * silently: they are neither eligible nor removed.
 */
export function filterEligible(
  catalogue: Catalogue,
  input: ProposeInput,
  nowMs: number,
  stages: readonly Stage[] = STAGES,
): EligibilityResult {
  const ctx: EligibilityContext = {
    input,
    nowMs,
    excludedAdvertisers: new Set(input.excludedAdvertisers),
    excludedCategories: new Set(input.excludedCategories.map((c) => c.toLowerCase())),
  };
  const skip = new Set(input.excludeCreatives);
  const eligible: Supply[] = [];
  const removed: Rejection[] = [];
  const campaignStages = stages.filter((st) => st.level === 'campaign');
  const creativeStages = stages.filter((st) => st.level === 'creative');
  const byCampaign = new Map<string, Verdict>();
  const firstObjection = (list: readonly Stage[], supply: Supply): Verdict => {
    for (const stage of list) {
      const why = stage.check(supply, ctx);
      if (why) return why;
    }
    return null;
  };
  for (const creative of catalogue.creatives.values()) {
    if (skip.has(creative.id)) continue;
    const campaign = catalogue.campaigns.get(creative.campaignId);
    const advertiser = campaign && catalogue.advertisers.get(campaign.advertiserId);
    if (!campaign || !advertiser) continue; // the loader guarantees both exist
    const supply: Supply = { creative, campaign, advertiser };
    let why = byCampaign.get(campaign.id);
    if (why === undefined) {
      why = firstObjection(campaignStages, supply);
      byCampaign.set(campaign.id, why);
    }
    why ??= firstObjection(creativeStages, supply);
    if (why) removed.push({ creativeId: creative.id, reason: why.reason, detail: why.detail });
    else eligible.push(supply);
  }
  return { eligible, removed };
}
