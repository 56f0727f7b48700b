/**
 * Scenario files: everything that configures one simulation (population, the
 * ad breaks, the hidden response model, the activity profiles and the ad
 * supply). Parsed with `yaml`; every problem names its path in the file, e.g.
 * "population.countries[1].share: must be a number in [0, 1e9]". Unknown keys
 * are errors too, so a typo never silently falls back to a default.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ACCEPTED_RISKS, type AcceptedRisk } from '../services/common/catalogue/types';
import { DOC_DEVICES, DOC_GOALS, DOC_PLAYLISTS, lineOf } from '../services/common/doc-fields';
import type { Goal, RiskLevel, Tier } from '../services/common/domain/types';
import { GARM_CATEGORIES, isTopic, RISK_LEVELS, TIERS_BY_PRIORITY } from '../services/common/domain/types';
import { doc, parseDoc } from '../services/common/schema';
import { type ContentParams, DEFAULT_CONTENT, type LevelOdds, type PodcastTopic } from './content';
import { DEFAULT_LIFT, type LiftParams } from './lift';
import {
  ACTIVITIES,
  type Activity,
  type ActivityProfile,
  DEFAULT_ACTIVITIES,
  type Weights,
} from './profiles';
import { DEFAULT_RESPONSE, type HiddenInteraction, type ResponseParams } from './response';

export class ScenarioError extends Error {
  /** @param path the document path the message names ('' = none) */
  constructor(
    message: string,
    readonly path = '',
  ) {
    super(message);
  }
}

export interface CountryMix {
  code: string;
  share: number;
  utcOffsetMinutes: number;
}

export interface PopulationParams {
  size: number;
  /** Mean planned sessions per listener per local day. */
  sessionsPerDay: number;
  /** Hidden trait: normal(mean, sd) clipped to [0, 1]. */
  adTolerance: { mean: number; sd: number };
  /** Hidden trait: per-category affinity ~ normal(0, sd). */
  categoryAffinitySd: number;
  /** Hidden trait: click propensity ~ lognormal(0, sd). */
  clickPropensitySd: number;
  /** Share of tracks with explicit content. */
  explicitShare: number;
  /** How often the app reports the true activity as `activityHint` (else "unknown"). */
  activityHintRate: number;
  /** Chance that the next track is of another genre. */
  genreShiftRate: number;
  countries: CountryMix[];
}

export interface AdBreakParams {
  /** Mean minutes of listening between ad breaks (each gap is 0.75..1.25 × this). */
  breakEveryMinutes: number;
  /** Share of sessions that open with a pre-roll break. */
  preRollShare: number;
  /** Weights of pods of 1, 2, 3 … ads (at most 6). */
  maxAdsWeights: number[];
  maxTotalDurationMs: number;
}

export interface GenerateSupply {
  kind: 'generate';
  advertisers: number;
  campaigns: number;
  creativesPerCampaign: { min: number; max: number };
  categories: string[];
  tiers: Weights<Tier>;
  goals: Weights<Goal>;
  cpmMicros: { min: number; max: number };
  /** Daily budget of all paid campaigns together, split by `budgetSkew`. */
  totalDailyBudgetMicros: number;
  /** 0 = budgets split evenly; larger = a few big campaigns (budget ∝ rank^−skew). */
  budgetSkew: number;
  /** Share of campaigns that target a few scenarios and countries (the rest run everywhere). */
  targetedShare: number;
  explicitOkShare: number;
  frequencyCap: { maxImpressions: number; windowS: number };
  /** Weights of 15 s, 30 s and 60 s creatives. */
  durationWeights: [number, number, number];
  disruptiveness: { min: number; max: number };
  brandSafety: GenerateBrandSafety;
  /**
   * Each paid campaign's KPI targets, drawn uniformly from these ranges
   * (drawn last, so the rest of the supply does not depend on them).
   */
  kpi: { completionRate: { min: number; max: number }; clickRate: { min: number; max: number } };
}

/** Generated advertisers' brand-safety preferences (catalogue `brand_safety`). */
export interface GenerateBrandSafety {
  /** Share of advertisers that declare preferences. */
  share: number;
  /** Weights of the level such an advertiser accepts in every category (its max_risk.default). */
  tolerance: Weights<AcceptedRisk>;
  /** Per topic, the chance that such an advertiser avoids it. */
  avoidTopics: Record<string, number>;
  /** The chance that such an advertiser avoids explicit content. */
  avoidExplicitShare: number;
}

export interface CatalogueSupply {
  kind: 'catalogue';
  /** Absolute path (resolved against the scenario file's folder). */
  path: string;
}

export interface SimScenario {
  name: string;
  seed: number;
  /** UTC start of the simulated horizon. */
  startMs: number;
  days: number;
  population: PopulationParams;
  ads: AdBreakParams;
  response: ResponseParams;
  /** A response term the agents' features cannot express (stress scenarios); null = none. */
  hiddenInteraction: HiddenInteraction | null;
  activities: Record<Activity, ActivityProfile>;
  /** What listeners hear (content signals). */
  content: ContentParams;
  /** Latent brand memory, hold-out and surveys (lift.ts). */
  lift: LiftParams;
  supply: GenerateSupply | CatalogueSupply;
}

const fail = (path: string, problem: string): never => {
  throw new ScenarioError(`${path}: ${problem}`, path);
};

const int = doc.int;
const section = doc.section;

const POSITIVE = 'needs at least one positive weight';

/** Weights by name (`allowed` names only, when given): numbers in [0, 1e9], at least one positive. Missing = the default. */
function weights<K extends string>(allowed: readonly K[] | null) {
  return doc.optional(
    doc.keyed(allowed, doc.num(0, 1e9, 0)).refine((w) => Object.values(w).some((x) => x > 0), POSITIVE),
  ) as unknown as z.ZodType<Partial<Record<K, number>> | undefined>;
}

/** A list of weights (exactly `length` when given): numbers in [0, 1e9], at least one positive. Missing = the default. */
function numberList(length: number | null) {
  return doc.optional(
    z.array(doc.num(0, 1e9, 0), { error: 'must be a list of numbers' }).superRefine((v, ctx) => {
      const problem =
        length !== null && v.length !== length
          ? `must have exactly ${length} entries`
          : v.length === 0
            ? 'must not be empty'
            : v.some((x) => x > 0)
              ? ''
              : POSITIVE;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );
}

/** {min, max} within [lo, hi], max at least min; missing fields take the default's. */
function range(lo: number, hi: number, def: { min: number; max: number }) {
  return section({ min: doc.num(lo, hi, def.min), max: doc.num(lo, hi, def.max) }).superRefine((r, ctx) => {
    if (r.max < r.min) ctx.addIssue({ code: 'custom', path: ['max'], message: 'must be at least min' });
  });
}

function meanSd(max: number, def: { mean: number; sd: number }) {
  return section({ mean: doc.num(0, max, def.mean), sd: doc.num(0, max, def.sd) });
}

/** 24 hourly weights (local hours 0..23). */
const hours = z
  .array(doc.num(0, 1e9, 0), { error: 'must be a list of 24 numbers (local hours 0..23)' })
  .length(24, 'must have exactly 24 entries (local hours 0..23)');

const TOPIC = 'must be lower-case words joined by "-", e.g. true-crime (at most 64 characters)';
/** A topic name as content signals carry it (lower-case words joined by '-'). */
const topicKey = z.string().refine(isTopic, TOPIC);

export const DEFAULT_COUNTRIES: CountryMix[] = [
  { code: 'SE', share: 0.25, utcOffsetMinutes: 60 },
  { code: 'DE', share: 0.25, utcOffsetMinutes: 60 },
  { code: 'GB', share: 0.2, utcOffsetMinutes: 0 },
  { code: 'US', share: 0.3, utcOffsetMinutes: -300 },
];

export const DEFAULT_SUPPLY: GenerateSupply = {
  kind: 'generate',
  advertisers: 12,
  campaigns: 24,
  creativesPerCampaign: { min: 1, max: 3 },
  categories: ['auto', 'food', 'fitness', 'finance', 'travel', 'tech', 'retail', 'entertainment'],
  tiers: { sponsorship: 0.1, standard: 0.8, house: 0.1 },
  goals: { awareness: 0.4, conversion: 0.3, engagement: 0.3 },
  cpmMicros: { min: 4_000_000, max: 30_000_000 },
  totalDailyBudgetMicros: 2_000_000_000,
  budgetSkew: 0,
  targetedShare: 0.3,
  explicitOkShare: 0.5,
  frequencyCap: { maxImpressions: 4, windowS: 3600 },
  durationWeights: [0.3, 0.5, 0.2],
  disruptiveness: { min: 0, max: 0.9 },
  brandSafety: {
    share: 0.6,
    tolerance: { low: 0.3, medium: 0.5, high: 0.2 },
    avoidTopics: { 'true-crime': 0.3, politics: 0.25, news: 0.1 },
    avoidExplicitShare: 0.3,
  },
  kpi: { completionRate: { min: 0.15, max: 0.45 }, clickRate: { min: 0.001, max: 0.005 } },
};

const countrySchema = doc.strict({
  code: doc
    .str('')
    .refine((c) => /^[A-Z]{2}$/.test(c), 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. SE'),
  share: doc.num(0, 1e9, 1),
  utc_offset_minutes: int(-720, 840, 0),
});

const populationSchema = section({
  size: int(1, 10_000_000, 2000),
  sessions_per_day: doc.num(0, 50, 2.2),
  ad_tolerance: meanSd(1, { mean: 0.5, sd: 0.2 }),
  category_affinity_sd: doc.num(0, 5, 0.5),
  click_propensity_sd: doc.num(0, 5, 0.5),
  explicit_share: doc.num(0, 1, 0.15),
  activity_hint_rate: doc.num(0, 1, 0.4),
  genre_shift_rate: doc.num(0, 1, 0.25),
  countries: doc.optional(
    z
      .array(countrySchema, { error: 'must be a non-empty list' })
      .min(1, 'must be a non-empty list')
      .refine((cs) => cs.some((c) => c.share > 0), 'needs at least one positive share'),
  ),
});

const adsSchema = section({
  break_every_minutes: doc.num(1, 600, 12),
  pre_roll_share: doc.num(0, 1, 0.5),
  max_ads_weights: numberList(null).refine(
    (w) => w === undefined || w.length <= 6,
    'at most 6 entries (pods of 1..6 ads)',
  ),
  max_total_s: int(15, 180, 90),
});

const RESPONSE_KEYS: Record<keyof ResponseParams, string> = {
  baseSkipLogit: 'base_skip_logit',
  misfitWeight: 'misfit_weight',
  disruptionWeight: 'disruption_weight',
  focusDisruptionWeight: 'focus_disruption_weight',
  creativeFatigueWeight: 'creative_fatigue_weight',
  campaignFatigueWeight: 'campaign_fatigue_weight',
  fatigueWindowMinutes: 'fatigue_window_minutes',
  podPositionWeight: 'pod_position_weight',
  earlierSkipWeight: 'earlier_skip_weight',
  durationWeight: 'duration_weight',
  toleranceWeight: 'tolerance_weight',
  affinityWeight: 'affinity_weight',
  annoyanceWeight: 'annoyance_weight',
  baseClickLogit: 'base_click_logit',
  clickAffinityWeight: 'click_affinity_weight',
  clickFitWeight: 'click_fit_weight',
  annoyancePerSkip: 'annoyance_per_skip',
  annoyancePerDisruption: 'annoyance_per_disruption',
  annoyanceHalfLifeHours: 'annoyance_half_life_hours',
  quitWeight: 'quit_weight',
  sessionShrinkWeight: 'session_shrink_weight',
  sessionAbandonWeight: 'session_abandon_weight',
  unsafeSkipWeight: 'unsafe_skip_weight',
  annoyancePerUnsafe: 'annoyance_per_unsafe',
  unsafeBrandCost: 'unsafe_brand_cost',
};
const RESPONSE_ENTRIES = Object.entries(RESPONSE_KEYS) as Array<[keyof ResponseParams, string]>;

/** A local-time window of whole hours, [from, to]. */
const hourWindow = doc.optional(
  z
    .array(doc.int(0, 24), {
      error: 'must be a list of 2 hours',
    })
    .length(2, 'must have exactly 2 entries'),
);

/** The stress scenarios' term no agent feature encodes (response.ts, HiddenInteraction). */
const hiddenInteractionSchema = doc.optional(
  section({
    weight: doc.num(-50, 50, 2),
    local_hours: hourWindow,
    categories: z
      .array(doc.str(), { error: 'must be a non-empty list of ad categories' })
      .min(1, 'must be a non-empty list of ad categories'),
    fatigue_ads: doc.num(0.001, 1000, 4),
  }),
);

const responseSchema = section({
  ...(Object.fromEntries(
    RESPONSE_ENTRIES.map(([key, yamlKey]) => {
      const positive = key === 'fatigueWindowMinutes' || key === 'annoyanceHalfLifeHours';
      return [yamlKey, doc.num(positive ? 0.001 : -50, 1e6, DEFAULT_RESPONSE[key])];
    }),
  ) as Record<string, ReturnType<typeof doc.num>>),
  hidden_interaction: hiddenInteractionSchema,
});

/** One activity's profile; missing fields take that activity's defaults. */
function activitySchema(d: ActivityProfile) {
  return section({
    // An activity may be switched off on some days (all zeros); the totals are checked after.
    weekday: hours.optional(),
    weekend: hours.optional(),
    session_minutes: meanSd(24 * 60, d.sessionMinutes),
    ideal_energy: doc.num(0, 1, d.idealEnergy),
    focus: doc.num(0, 1, d.focus),
    track_skip_rate: doc.num(0, 1, d.trackSkipRate),
    devices: weights(DOC_DEVICES),
    genres: weights<string>(null),
    playlists: weights(DOC_PLAYLISTS),
  });
}

const activitiesSchema = section(
  Object.fromEntries(ACTIVITIES.map((a) => [a, activitySchema(DEFAULT_ACTIVITIES[a])])) as Record<
    Activity,
    ReturnType<typeof activitySchema>
  >,
);

const PODCAST_LEVELS = RISK_LEVELS.filter((l): l is Exclude<RiskLevel, 'low'> => l !== 'low');
const levelOdds = section(
  Object.fromEntries(PODCAST_LEVELS.map((l) => [l, doc.num(0, 1).optional()])) as Record<
    Exclude<RiskLevel, 'low'>,
    z.ZodOptional<ReturnType<typeof doc.num>>
  >,
).refine(
  (odds) => Object.values(odds).reduce<number>((a, b) => a + (b ?? 0), 0) <= 1,
  'the odds of medium, high and floor add up to more than 1',
);

const contentSchema = section({
  signals_share: doc.num(0, 1, DEFAULT_CONTENT.signalsShare),
  episode_change_rate: doc.num(0, 1, DEFAULT_CONTENT.episodeChangeRate),
  explicit_track_risks: doc.optional(
    doc.keyed(
      GARM_CATEGORIES,
      z.enum(RISK_LEVELS as unknown as [RiskLevel, ...RiskLevel[]], {
        error: `must be one of ${RISK_LEVELS.join(', ')}`,
      }),
    ),
  ),
  podcast_topics: doc.optional(
    z
      .record(
        topicKey,
        section({
          weight: doc.num(0, 1e9, 1),
          risks: z.preprocess((v) => v ?? {}, doc.keyed(GARM_CATEGORIES, levelOdds)),
        }),
        { error: 'must be a mapping' },
      )
      .refine(
        (ts) => Object.values(ts).some((t) => t.weight > 0),
        'needs at least one topic with a positive weight',
      ),
  ),
});

const brandSafetySchema = section({
  share: doc.num(0, 1, DEFAULT_SUPPLY.brandSafety.share),
  tolerance: weights(ACCEPTED_RISKS),
  avoid_topics: doc.optional(z.record(topicKey, doc.num(0, 1), { error: 'must be a mapping' })),
  avoid_explicit_share: doc.num(0, 1, DEFAULT_SUPPLY.brandSafety.avoidExplicitShare),
});

const generateSchema = section({
  advertisers: int(1, 100_000, DEFAULT_SUPPLY.advertisers),
  campaigns: int(1, 100_000, DEFAULT_SUPPLY.campaigns),
  creatives_per_campaign: range(1, 20, DEFAULT_SUPPLY.creativesPerCampaign).refine(
    (r) => Number.isInteger(r.min) && Number.isInteger(r.max),
    'min and max must be integers',
  ),
  categories: doc.optional(
    z.array(doc.str(''), { error: 'must be a non-empty list' }).min(1, 'must be a non-empty list'),
  ),
  tiers: weights(TIERS_BY_PRIORITY),
  goals: weights(DOC_GOALS),
  cpm_micros: range(0, 1e12, DEFAULT_SUPPLY.cpmMicros),
  total_daily_budget_micros: int(1, 1e15, DEFAULT_SUPPLY.totalDailyBudgetMicros),
  budget_skew: doc.num(0, 10, DEFAULT_SUPPLY.budgetSkew),
  targeted_share: doc.num(0, 1, DEFAULT_SUPPLY.targetedShare),
  explicit_ok_share: doc.num(0, 1, DEFAULT_SUPPLY.explicitOkShare),
  frequency_cap: section({
    max_impressions: int(0, 1e6, DEFAULT_SUPPLY.frequencyCap.maxImpressions),
    window_s: int(1, 1e8, DEFAULT_SUPPLY.frequencyCap.windowS),
  }),
  duration_weights: numberList(3),
  disruptiveness: range(0, 1, DEFAULT_SUPPLY.disruptiveness),
  brand_safety: brandSafetySchema,
  kpi: section({
    completion_rate: range(0, 1, DEFAULT_SUPPLY.kpi.completionRate),
    click_rate: range(0, 1, DEFAULT_SUPPLY.kpi.clickRate),
  }),
});

const LIFT_KEYS: Record<keyof LiftParams, [yamlKey: string, lo: number, hi: number]> = {
  holdoutShare: ['holdout_share', 0, 0.9],
  encoding: ['encoding', 0, 10],
  memoryHalfLifeDays: ['memory_half_life_days', 0.001, 1e4],
  wearOutExposures: ['wear_out_exposures', 0, 1e6],
  wearOutFactor: ['wear_out_factor', 0, 1],
  wearOutHours: ['wear_out_hours', 0.001, 1e6],
  baselineAwareness: ['baseline_awareness', 0, 0.95],
  baselineSpread: ['baseline_spread', 0, 0.95],
  noise: ['noise', 0, 1],
  surveyEveryHours: ['survey_every_hours', 0.1, 1e5],
  surveyDelayHours: ['survey_delay_hours', 0, 1e5],
  surveySample: ['survey_sample', 0, 1e7],
};
const LIFT_ENTRIES = Object.entries(LIFT_KEYS) as Array<[keyof LiftParams, [string, number, number]]>;

/** Brand memory, hold-out and surveys (lift.ts); every knob optional. */
const liftSchema = section(
  Object.fromEntries(
    LIFT_ENTRIES.map(([key, [yamlKey, lo, hi]]) => [yamlKey, doc.num(lo, hi, DEFAULT_LIFT[key])]),
  ) as Record<string, ReturnType<typeof doc.num>>,
).refine((l) => Number.isInteger(l.survey_sample), {
  path: ['survey_sample'],
  message: 'must be an integer',
});

const supplySchema = section({
  catalogue: doc.optStr(),
  generate: doc.optional(generateSchema),
});

/** A scenario's shape: every field's type, range and default (checks across sections follow in parseScenario). */
export const scenarioSchema = section({
  name: doc.str('unnamed'),
  seed: int(0, 2 ** 32 - 1, 1),
  start: doc.optional(doc.time()),
  days: doc.num(0.01, 366, 1),
  population: populationSchema,
  ads: adsSchema,
  response: responseSchema,
  activities: activitiesSchema,
  content: contentSchema,
  lift: liftSchema,
  supply: supplySchema,
});

export function parseScenario(source: string, baseDir = process.cwd()): SimScenario {
  let document: unknown;
  try {
    document = parse(source);
  } catch (err) {
    throw new ScenarioError(`not valid YAML: ${(err as Error).message}`);
  }
  const r = parseDoc(scenarioSchema, document, (m, path) => new ScenarioError(m, path));
  const pop = r.population;
  const activities = {} as Record<Activity, ActivityProfile>;
  for (const a of ACTIVITIES) {
    const x = r.activities[a];
    const d = DEFAULT_ACTIVITIES[a];
    activities[a] = {
      weekday: x.weekday ?? d.weekday,
      weekend: x.weekend ?? d.weekend,
      sessionMinutes: x.session_minutes,
      idealEnergy: x.ideal_energy,
      focus: x.focus,
      trackSkipRate: x.track_skip_rate,
      devices: x.devices ?? d.devices,
      genres: x.genres
        ? Object.fromEntries(Object.entries(x.genres).map(([g, w]) => [g.toLowerCase(), w as number]))
        : d.genres,
      playlists: x.playlists ?? d.playlists,
    };
  }
  for (const day of ['weekday', 'weekend'] as const) {
    if (!ACTIVITIES.some((a) => activities[a][day].some((w) => w > 0)))
      fail('activities', `every ${day} hour table is zero: no listening would ever start`);
  }
  const c = r.content;
  const response = { ...DEFAULT_RESPONSE };
  const numbers = r.response as unknown as Record<string, number>;
  for (const [key, yamlKey] of RESPONSE_ENTRIES) response[key] = numbers[yamlKey]!;
  const h = r.response.hidden_interaction;
  const [fromHour, toHour] = h?.local_hours ?? [18, 24];
  return {
    name: r.name,
    seed: r.seed,
    startMs: r.start ?? Date.parse('2026-11-27T00:00:00Z'),
    days: r.days,
    population: {
      size: pop.size,
      sessionsPerDay: pop.sessions_per_day,
      adTolerance: pop.ad_tolerance,
      categoryAffinitySd: pop.category_affinity_sd,
      clickPropensitySd: pop.click_propensity_sd,
      explicitShare: pop.explicit_share,
      activityHintRate: pop.activity_hint_rate,
      genreShiftRate: pop.genre_shift_rate,
      countries:
        pop.countries?.map((x) => ({
          code: x.code,
          share: x.share,
          utcOffsetMinutes: x.utc_offset_minutes,
        })) ?? DEFAULT_COUNTRIES,
    },
    ads: {
      breakEveryMinutes: r.ads.break_every_minutes,
      preRollShare: r.ads.pre_roll_share,
      maxAdsWeights: r.ads.max_ads_weights ?? [0.5, 0.35, 0.15],
      maxTotalDurationMs: r.ads.max_total_s * 1000,
    },
    response,
    hiddenInteraction: h
      ? {
          weight: h.weight,
          fromHour: fromHour!,
          toHour: toHour!,
          categories: h.categories.map((c) => c.toLowerCase()),
          fatigueAds: h.fatigue_ads,
        }
      : null,
    activities,
    content: {
      signalsShare: c.signals_share,
      episodeChangeRate: c.episode_change_rate,
      explicitTrackRisks: c.explicit_track_risks ?? DEFAULT_CONTENT.explicitTrackRisks,
      podcastTopics: c.podcast_topics
        ? Object.fromEntries(
            Object.entries(c.podcast_topics).map(([name, t]) => [
              name,
              { weight: t.weight, risks: stripUndefined(t.risks) as PodcastTopic['risks'] },
            ]),
          )
        : DEFAULT_CONTENT.podcastTopics,
    },
    lift: Object.fromEntries(
      LIFT_ENTRIES.map(([key, [yamlKey]]) => [key, (r.lift as Record<string, number>)[yamlKey]!]),
    ) as unknown as LiftParams,
    supply: supplyOf(r.supply, baseDir),
  };
}

/** Odds as the old reader built them: only the levels written. */
function stripUndefined(
  risks: Record<string, Record<string, number | undefined>>,
): Record<string, LevelOdds> {
  return Object.fromEntries(
    Object.entries(risks).map(([cat, odds]) => [
      cat,
      Object.fromEntries(Object.entries(odds).filter(([, v]) => v !== undefined)) as LevelOdds,
    ]),
  );
}

function supplyOf(s: z.output<typeof supplySchema>, baseDir: string): GenerateSupply | CatalogueSupply {
  const p = 'supply.generate';
  const d = DEFAULT_SUPPLY;
  if (s.catalogue !== undefined && s.generate !== undefined)
    fail('supply', 'give either catalogue or generate, not both');
  if (s.catalogue !== undefined) return { kind: 'catalogue', path: resolve(baseDir, s.catalogue) };
  const g = s.generate ?? generateSchema.parse({});
  if (g.campaigns < g.advertisers) fail(`${p}.campaigns`, `must be at least advertisers (${g.advertisers})`);
  const b = g.brand_safety;
  return {
    kind: 'generate',
    advertisers: g.advertisers,
    campaigns: g.campaigns,
    creativesPerCampaign: g.creatives_per_campaign,
    categories: g.categories?.map((x) => x.toLowerCase()) ?? d.categories,
    tiers: g.tiers ?? d.tiers,
    goals: g.goals ?? d.goals,
    cpmMicros: g.cpm_micros,
    totalDailyBudgetMicros: g.total_daily_budget_micros,
    budgetSkew: g.budget_skew,
    targetedShare: g.targeted_share,
    explicitOkShare: g.explicit_ok_share,
    frequencyCap: { maxImpressions: g.frequency_cap.max_impressions, windowS: g.frequency_cap.window_s },
    durationWeights: (g.duration_weights ?? d.durationWeights) as [number, number, number],
    disruptiveness: g.disruptiveness,
    brandSafety: {
      share: b.share,
      tolerance: b.tolerance ?? d.brandSafety.tolerance,
      avoidTopics: b.avoid_topics ?? d.brandSafety.avoidTopics,
      avoidExplicitShare: b.avoid_explicit_share,
    },
    kpi: { completionRate: g.kpi.completion_rate, clickRate: g.kpi.click_rate },
  };
}

/** Loads a scenario file; an error names the file and line ("my-day.yaml:12: population.size: …"). */
export function loadScenarioFile(path: string): SimScenario {
  const source = readFileSync(path, 'utf8');
  try {
    return parseScenario(source, dirname(resolve(path)));
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    const line = err.path ? lineOf(source, err.path) : 0;
    throw new ScenarioError(`${path}${line ? `:${line}` : ''}: ${err.message}`, err.path);
  }
}

/** The built-in defaults, as if parsed from an empty file. */
export function defaultScenario(): SimScenario {
  return parseScenario('{}');
}
