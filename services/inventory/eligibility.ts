/**
 * Hard eligibility: a pipeline of small named stages. Each stage looks at one
 * creative (with its campaign and advertiser) in the request's context and
 * either lets it through or removes it with a stable reason code. The first
 * stage that objects wins, so every removal has exactly one reason.
 *
 * Targeting lists are "any of"; an empty list means no restriction. Budget,
 * pacing and frequency caps are not checked here: they are the objective
 * agent's state.
 *
 * A proposal runs on the hot path, so the catalogue is prepared once per
 * catalogue version (SupplyIndex: each creative with its records and its
 * campaign's number, in catalogue order), campaign-level stages run once per
 * campaign, and a removal's detail text is only written for the removals a
 * proposal lists (all of them are counted).
 */
import type { Advertiser, Campaign, Catalogue, Creative } from '../common/catalogue/types';
import { holdoutDetail, holdoutKey, isHeldOut } from '../common/domain/brand-lift';
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
  /** The track's genre, lower case. */
  genre: string;
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
  /** The reason code of a removal by this stage. */
  reason: ReasonCode;
  /** True when the creative may stay. */
  passes(s: Supply, ctx: EligibilityContext): boolean;
  /** Why `passes` said no, for people (only written for the removals a proposal lists). */
  detail(s: Supply, ctx: EligibilityContext): string;
}

/** The first of the advertiser's category and separation keys the request excludes, if any. */
function excludedCategoryOf({ category, separationCategories }: Advertiser, excluded: ReadonlySet<string>) {
  if (excluded.size === 0) return undefined;
  return [category, ...separationCategories].find((c) => excluded.has(c));
}

const iso = (ms: number) => new Date(ms).toISOString();

export const STAGES: readonly Stage[] = [
  {
    name: 'flight',
    level: 'campaign',
    reason: 'REASON_OUTSIDE_FLIGHT',
    passes: ({ campaign }, { nowMs }) => nowMs >= campaign.flightStartMs && nowMs < campaign.flightEndMs,
    detail: ({ campaign }) =>
      `campaign ${campaign.id} flight is ${iso(campaign.flightStartMs)} .. ${iso(campaign.flightEndMs)}`,
  },
  {
    name: 'paused',
    level: 'campaign',
    reason: 'REASON_CAMPAIGN_PAUSED',
    passes: ({ campaign }) => !campaign.paused,
    detail: ({ campaign }) => `campaign ${campaign.id} is paused`,
  },
  {
    name: 'country',
    level: 'campaign',
    reason: 'REASON_TARGETING_COUNTRY',
    passes: ({ campaign: { targeting } }, { input }) =>
      targeting.countries.length === 0 || targeting.countries.includes(input.signals.country),
    detail: ({ campaign: { targeting } }, { input }) =>
      `country ${input.signals.country} not in [${targeting.countries.join(', ')}]`,
  },
  {
    name: 'device',
    level: 'campaign',
    reason: 'REASON_TARGETING_DEVICE',
    passes: ({ campaign: { targeting } }, { input }) =>
      targeting.devices.length === 0 || targeting.devices.includes(input.signals.device),
    detail: ({ campaign: { targeting } }, { input }) =>
      `device ${input.signals.device} not in [${targeting.devices.join(', ')}]`,
  },
  {
    name: 'scenario',
    level: 'campaign',
    reason: 'REASON_TARGETING_SCENARIO',
    passes: ({ campaign: { targeting } }, { input }) =>
      targeting.scenarios.length === 0 || targeting.scenarios.includes(input.context.scenario),
    detail: ({ campaign: { targeting } }, { input }) =>
      `scenario ${input.context.scenario} not in [${targeting.scenarios.join(', ')}]`,
  },
  {
    name: 'genre',
    level: 'campaign',
    reason: 'REASON_TARGETING_GENRE',
    passes: ({ campaign: { targeting } }, { genre }) =>
      targeting.genres.length === 0 || targeting.genres.includes(genre),
    detail: ({ campaign: { targeting } }, { genre }) =>
      `genre "${genre}" not in [${targeting.genres.join(', ')}]`,
  },
  {
    name: 'explicit',
    level: 'campaign',
    reason: 'REASON_EXPLICIT_CONTENT',
    passes: ({ campaign }, { input }) => !input.signals.explicitContent || campaign.targeting.explicitOk,
    detail: ({ campaign }) => `campaign ${campaign.id} may not run next to explicit content`,
  },
  {
    name: 'excluded-advertiser',
    level: 'campaign',
    reason: 'REASON_EXCLUDED_ADVERTISER',
    passes: ({ advertiser }, { excludedAdvertisers }) => !excludedAdvertisers.has(advertiser.id),
    detail: ({ advertiser }) => `advertiser ${advertiser.id} excluded by the request`,
  },
  {
    name: 'excluded-category',
    level: 'campaign',
    // The advertiser's category or any of its separation keys.
    reason: 'REASON_EXCLUDED_CATEGORY',
    passes: ({ advertiser }, { excludedCategories }) =>
      excludedCategoryOf(advertiser, excludedCategories) === undefined,
    detail: ({ advertiser }, { excludedCategories }) =>
      `category ${excludedCategoryOf(advertiser, excludedCategories)} excluded by the request`,
  },
  {
    // The objective agent vetoes these too; left out here, they take no place in the shortlist.
    name: 'brand-lift-holdout',
    level: 'campaign',
    reason: 'REASON_BRAND_LIFT_HOLDOUT',
    passes: ({ campaign }, { input }) =>
      !isHeldOut(campaign.brandLift?.holdoutShare ?? 0, holdoutKey(input.signals), campaign.id),
    detail: ({ campaign }) => holdoutDetail(campaign.id, campaign.brandLift?.holdoutShare ?? 0),
  },
  {
    name: 'duration',
    level: 'creative',
    reason: 'REASON_DURATION_TOO_LONG',
    passes: ({ creative }, { input }) => creative.durationMs <= input.slot.maxTotalDurationMs,
    detail: ({ creative }, { input }) =>
      `${creative.durationMs} ms > slot max ${input.slot.maxTotalDurationMs} ms`,
  },
];

/**
 * A catalogue prepared for proposals, built once per catalogue version:
 * every creative with its campaign and advertiser, in catalogue order, and
 * which campaign each belongs to.
 */
export class SupplyIndex {
  /** Creatives (with their records) in catalogue order; a creative's index is its position here. */
  readonly supplies: Supply[] = [];
  /** The creative index of each id. */
  readonly indexOf = new Map<string, number>();
  /** The campaign number (into `campaigns`) of each creative. */
  readonly campaignOf: Int32Array;
  /** One supply per campaign that has creatives (its first creative), for campaign-level stages. */
  readonly campaigns: Supply[] = [];
  /** walkEligible's scratch (one walk at a time: walks are synchronous): skipped creatives, campaign verdicts. */
  readonly excluded: Uint8Array;
  readonly verdict: Int32Array;

  constructor(readonly catalogue: Catalogue) {
    const campaignNumber = new Map<string, number>();
    const of: number[] = [];
    for (const creative of catalogue.creatives.values()) {
      const campaign = catalogue.campaigns.get(creative.campaignId);
      const advertiser = campaign && catalogue.advertisers.get(campaign.advertiserId);
      if (!campaign || !advertiser) continue; // the loader guarantees both exist
      const supply: Supply = { creative, campaign, advertiser };
      let c = campaignNumber.get(campaign.id);
      if (c === undefined) {
        c = this.campaigns.length;
        campaignNumber.set(campaign.id, c);
        this.campaigns.push(supply);
      }
      this.indexOf.set(creative.id, this.supplies.length);
      this.supplies.push(supply);
      of.push(c);
    }
    this.campaignOf = Int32Array.from(of);
    this.excluded = new Uint8Array(this.supplies.length);
    this.verdict = new Int32Array(this.campaigns.length);
  }
}

export interface Removals {
  /** The first removals, in catalogue order (at most the walk's cap). */
  removed: Rejection[];
  /** Every removal, listed or not. */
  total: number;
}

const NONE: ReadonlySet<string> = new Set();
const PASS = -1;

/**
 * Runs every creative of the catalogue through the stages, in catalogue
 * order: `keep(i)` is called with the index (into `index.supplies`) of each
 * eligible creative; the first `cap` removals are listed with their reason
 * and detail, and all are counted. Creatives listed in
 * `input.excludeCreatives` (proposed in an earlier round) are skipped
 * silently: they are neither eligible nor removed.
 */
export function walkEligible(
  index: SupplyIndex,
  input: ProposeInput,
  nowMs: number,
  cap: number,
  keep: (i: number) => void,
  stages: readonly Stage[] = STAGES,
): Removals {
  const ctx: EligibilityContext = {
    input,
    nowMs,
    genre: input.signals.trackGenre.toLowerCase(),
    excludedAdvertisers: input.excludedAdvertisers.length > 0 ? new Set(input.excludedAdvertisers) : NONE,
    excludedCategories:
      input.excludedCategories.length > 0
        ? new Set(input.excludedCategories.map((c) => c.toLowerCase()))
        : NONE,
  };
  // Campaign-level stages once per campaign: the index of the first that objects, or PASS.
  const { campaign: campaignStages, creative: creativeStages } =
    stages === STAGES ? BY_LEVEL : byLevel(stages);
  const { supplies, campaignOf, campaigns, verdict, excluded } = index;
  for (let c = 0; c < campaigns.length; c++) verdict[c] = firstObjection(campaignStages, campaigns[c]!, ctx);
  const skipped: number[] = [];
  for (const id of input.excludeCreatives) {
    const i = index.indexOf.get(id);
    if (i !== undefined && excluded[i] === 0) {
      excluded[i] = 1;
      skipped.push(i);
    }
  }
  const list = new RemovalList(cap);
  const campaignDetail: Array<string | undefined> = [];
  let total = 0;
  try {
    for (let i = 0; i < supplies.length; i++) {
      if (excluded[i] === 1) continue;
      const c = campaignOf[i]!;
      const supply = supplies[i]!;
      let why = verdict[c]!;
      const byCampaign = why !== PASS;
      if (!byCampaign) why = firstObjection(creativeStages, supply, ctx);
      if (why === PASS) {
        keep(i);
        continue;
      }
      total++;
      const stage = (byCampaign ? campaignStages : creativeStages)[why]!;
      list.offer(stage.reason, () => {
        // A campaign's removals share one detail: written once.
        let detail = byCampaign ? campaignDetail[c] : undefined;
        if (detail === undefined) {
          detail = stage.detail(supply, ctx);
          if (byCampaign) campaignDetail[c] = detail;
        }
        return { creativeId: supply.creative.id, reason: stage.reason, detail };
      });
    }
  } finally {
    for (const i of skipped) excluded[i] = 0;
  }
  return { removed: list.removed, total };
}

/**
 * The removals that travel: the first `cap`, except that a reason not listed
 * yet takes the place of the latest entry of a reason listed more than once,
 * so the few that travel show as many different reasons as they can.
 * `offer` builds a removal (its detail text) only when it is kept.
 */
export class RemovalList {
  readonly removed: Rejection[] = [];
  /** How many removals of each reason the list holds. */
  private readonly listed = new Map<ReasonCode, number>();

  constructor(private readonly cap: number) {}

  offer(reason: ReasonCode, make: () => Rejection): void {
    const { removed, listed } = this;
    let at = removed.length;
    if (at >= this.cap) {
      if (listed.has(reason)) return;
      at = -1;
      for (let i = removed.length - 1; i >= 0 && at < 0; i--) if (listed.get(removed[i]!.reason)! > 1) at = i;
      if (at < 0) return;
      const old = removed[at]!.reason;
      listed.set(old, listed.get(old)! - 1);
    }
    removed[at] = make();
    listed.set(reason, (listed.get(reason) ?? 0) + 1);
  }
}

/** The removals of `all` (in catalogue order) that travel: see RemovalList. */
export function listRemovals(all: readonly Rejection[], cap: number): Rejection[] {
  const list = new RemovalList(cap);
  for (const r of all) list.offer(r.reason, () => r);
  return list.removed;
}

/** The index of the first of `stages` that removes `supply`, or PASS. */
function firstObjection(stages: readonly Stage[], supply: Supply, ctx: EligibilityContext): number {
  for (let s = 0; s < stages.length; s++) if (!stages[s]!.passes(supply, ctx)) return s;
  return PASS;
}

function byLevel(stages: readonly Stage[]) {
  return {
    campaign: stages.filter((s) => s.level === 'campaign'),
    creative: stages.filter((s) => s.level === 'creative'),
  };
}

const BY_LEVEL = byLevel(STAGES);

export interface EligibilityResult {
  eligible: Supply[];
  /** Every removal, in catalogue order (not capped here). */
  removed: Rejection[];
}

/** walkEligible over a whole catalogue (indexed for this call), listing every eligible creative and every removal. */
export function filterEligible(
  catalogue: Catalogue,
  input: ProposeInput,
  nowMs: number,
  stages: readonly Stage[] = STAGES,
): EligibilityResult {
  const index = new SupplyIndex(catalogue);
  const eligible: Supply[] = [];
  const { removed } = walkEligible(
    index,
    input,
    nowMs,
    Number.POSITIVE_INFINITY,
    (i) => eligible.push(index.supplies[i]!),
    stages,
  );
  return { eligible, removed };
}
