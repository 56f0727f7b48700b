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
import { ACCEPTED_RISKS, type AcceptedRisk } from '../services/common/catalogue/types';
import {
  DOC_DEVICES,
  DOC_GOALS,
  DOC_PLAYLISTS,
  docFields,
  fieldPath,
  lineOf,
} from '../services/common/doc-fields';
import type { Goal, RiskLevel, SafetyCategory, Tier } from '../services/common/domain/types';
import { GARM_CATEGORIES, isTopic, RISK_LEVELS, TIERS_BY_PRIORITY } from '../services/common/domain/types';
import { type ContentParams, DEFAULT_CONTENT, type LevelOdds, type PodcastTopic } from './content';
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
  supply: GenerateSupply | CatalogueSupply;
}

const fields = docFields((m, path) => new ScenarioError(m, path));
// Annotated, so that TypeScript knows the code after a fail() is unreachable.
const fail: (path: string, problem: string) => never = fields.fail;
const { mapping, num, int, str, oneOf, time } = fields;

function numbers(v: unknown, path: string, length: number | null, def: number[]): number[] {
  if (v === undefined || v === null) return def;
  if (!Array.isArray(v)) fail(path, 'must be a list of numbers');
  if (length !== null && v.length !== length) fail(path, `must have exactly ${length} entries`);
  if (v.length === 0) fail(path, 'must not be empty');
  const out = v.map((x, i) => num(x, `${path}[${i}]`, 0, 1e9, 0));
  if (!out.some((x) => x > 0)) fail(path, 'needs at least one positive weight');
  return out;
}

function weights<K extends string>(
  v: unknown,
  path: string,
  allowed: readonly K[] | null,
  def: Weights<K>,
): Weights<K> {
  if (v === undefined || v === null) return def;
  const o = mapping(v, path, allowed ?? undefined);
  const out: Weights<K> = {};
  for (const [k, w] of Object.entries(o)) out[k as K] = num(w, fieldPath(path, k), 0, 1e9, 0);
  if (!Object.values(out).some((w) => (w as number) > 0)) fail(path, 'needs at least one positive weight');
  return out;
}

function range(v: unknown, path: string, min: number, max: number, def: { min: number; max: number }) {
  const o = mapping(v, path, ['min', 'max']);
  const r = {
    min: num(o.min, `${path}.min`, min, max, def.min),
    max: num(o.max, `${path}.max`, min, max, def.max),
  };
  if (r.max < r.min) fail(`${path}.max`, 'must be at least min');
  return r;
}

function meanSd(v: unknown, path: string, max: number, def: { mean: number; sd: number }) {
  const o = mapping(v, path, ['mean', 'sd']);
  return { mean: num(o.mean, `${path}.mean`, 0, max, def.mean), sd: num(o.sd, `${path}.sd`, 0, max, def.sd) };
}

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
};

function parsePopulation(v: unknown): PopulationParams {
  const p = 'population';
  const o = mapping(v, p, [
    'size',
    'sessions_per_day',
    'ad_tolerance',
    'category_affinity_sd',
    'click_propensity_sd',
    'explicit_share',
    'activity_hint_rate',
    'genre_shift_rate',
    'countries',
  ]);
  let countries = DEFAULT_COUNTRIES;
  if (o.countries !== undefined && o.countries !== null) {
    if (!Array.isArray(o.countries) || o.countries.length === 0)
      fail(`${p}.countries`, 'must be a non-empty list');
    countries = o.countries.map((raw, i) => {
      const cp = `${p}.countries[${i}]`;
      const c = mapping(raw, cp, ['code', 'share', 'utc_offset_minutes']);
      const code = str(c.code, `${cp}.code`, '');
      if (!/^[A-Z]{2}$/.test(code))
        fail(`${cp}.code`, 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. SE');
      return {
        code,
        share: num(c.share, `${cp}.share`, 0, 1e9, 1),
        utcOffsetMinutes: int(c.utc_offset_minutes, `${cp}.utc_offset_minutes`, -720, 840, 0),
      };
    });
    if (!countries.some((c) => c.share > 0)) fail(`${p}.countries`, 'needs at least one positive share');
  }
  return {
    size: int(o.size, `${p}.size`, 1, 10_000_000, 2000),
    sessionsPerDay: num(o.sessions_per_day, `${p}.sessions_per_day`, 0, 50, 2.2),
    adTolerance: meanSd(o.ad_tolerance, `${p}.ad_tolerance`, 1, { mean: 0.5, sd: 0.2 }),
    categoryAffinitySd: num(o.category_affinity_sd, `${p}.category_affinity_sd`, 0, 5, 0.5),
    clickPropensitySd: num(o.click_propensity_sd, `${p}.click_propensity_sd`, 0, 5, 0.5),
    explicitShare: num(o.explicit_share, `${p}.explicit_share`, 0, 1, 0.15),
    activityHintRate: num(o.activity_hint_rate, `${p}.activity_hint_rate`, 0, 1, 0.4),
    genreShiftRate: num(o.genre_shift_rate, `${p}.genre_shift_rate`, 0, 1, 0.25),
    countries,
  };
}

function parseAds(v: unknown): AdBreakParams {
  const p = 'ads';
  const o = mapping(v, p, ['break_every_minutes', 'pre_roll_share', 'max_ads_weights', 'max_total_s']);
  const maxAdsWeights = numbers(o.max_ads_weights, `${p}.max_ads_weights`, null, [0.5, 0.35, 0.15]);
  if (maxAdsWeights.length > 6) fail(`${p}.max_ads_weights`, 'at most 6 entries (pods of 1..6 ads)');
  return {
    breakEveryMinutes: num(o.break_every_minutes, `${p}.break_every_minutes`, 1, 600, 12),
    preRollShare: num(o.pre_roll_share, `${p}.pre_roll_share`, 0, 1, 0.5),
    maxAdsWeights,
    maxTotalDurationMs: int(o.max_total_s, `${p}.max_total_s`, 15, 180, 90) * 1000,
  };
}

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

function parseResponse(v: unknown): ResponseParams {
  const keys = Object.entries(RESPONSE_KEYS) as Array<[keyof ResponseParams, string]>;
  const o = mapping(v, 'response', [...keys.map(([, yamlKey]) => yamlKey), 'hidden_interaction']);
  const out = { ...DEFAULT_RESPONSE };
  for (const [key, yamlKey] of keys) {
    const path = `response.${yamlKey}`;
    const positive = key === 'fatigueWindowMinutes' || key === 'annoyanceHalfLifeHours';
    out[key] = num(o[yamlKey], path, positive ? 0.001 : -50, 1e6, DEFAULT_RESPONSE[key]);
  }
  return out;
}

function parseHiddenInteraction(response: unknown): HiddenInteraction | null {
  if (response === undefined || response === null) return null;
  const v = mapping(response, 'response').hidden_interaction;
  if (v === undefined || v === null) return null;
  const p = 'response.hidden_interaction';
  const o = mapping(v, p, ['weight', 'local_hours', 'categories', 'fatigue_ads']);
  const window = numbers(o.local_hours, `${p}.local_hours`, 2, [18, 24]);
  for (const [i, h] of window.entries())
    if (!Number.isInteger(h) || h < 0 || h > 24) fail(`${p}.local_hours[${i}]`, 'must be an hour 0..24');
  if (!Array.isArray(o.categories) || o.categories.length === 0)
    fail(`${p}.categories`, 'must be a non-empty list of ad categories');
  return {
    weight: num(o.weight, `${p}.weight`, -50, 50, 2),
    fromHour: window[0]!,
    toHour: window[1]!,
    categories: o.categories.map((c, i) => str(c, `${p}.categories[${i}]`, '').toLowerCase()),
    fatigueAds: num(o.fatigue_ads, `${p}.fatigue_ads`, 0.001, 1000, 4),
  };
}

function parseActivities(v: unknown): Record<Activity, ActivityProfile> {
  const o = mapping(v, 'activities', ACTIVITIES);
  const out = {} as Record<Activity, ActivityProfile>;
  for (const a of ACTIVITIES) {
    const p = `activities.${a}`;
    const d = DEFAULT_ACTIVITIES[a];
    const x = mapping(o[a], p, [
      'weekday',
      'weekend',
      'session_minutes',
      'ideal_energy',
      'focus',
      'track_skip_rate',
      'devices',
      'genres',
      'playlists',
    ]);
    const genres = weights<string>(x.genres, `${p}.genres`, null, d.genres);
    out[a] = {
      // An activity may be switched off on some days (all zeros); the totals are checked below.
      weekday: x.weekday === undefined ? d.weekday : hours(x.weekday, `${p}.weekday`),
      weekend: x.weekend === undefined ? d.weekend : hours(x.weekend, `${p}.weekend`),
      sessionMinutes: meanSd(x.session_minutes, `${p}.session_minutes`, 24 * 60, d.sessionMinutes),
      idealEnergy: num(x.ideal_energy, `${p}.ideal_energy`, 0, 1, d.idealEnergy),
      focus: num(x.focus, `${p}.focus`, 0, 1, d.focus),
      trackSkipRate: num(x.track_skip_rate, `${p}.track_skip_rate`, 0, 1, d.trackSkipRate),
      devices: weights(x.devices, `${p}.devices`, DOC_DEVICES, d.devices),
      genres: Object.fromEntries(Object.entries(genres).map(([g, w]) => [g.toLowerCase(), w])),
      playlists: weights(x.playlists, `${p}.playlists`, DOC_PLAYLISTS, d.playlists),
    };
  }
  for (const day of ['weekday', 'weekend'] as const) {
    if (!ACTIVITIES.some((a) => out[a][day].some((w) => w > 0))) {
      fail('activities', `every ${day} hour table is zero: no listening would ever start`);
    }
  }
  return out;
}

/** A topic name as content signals carry it (lower-case words joined by '-'). */
function topic(t: string, path: string): string {
  if (!isTopic(t))
    fail(path, 'must be lower-case words joined by "-", e.g. true-crime (at most 64 characters)');
  return t;
}

function parseContent(v: unknown): ContentParams {
  const p = 'content';
  const d = DEFAULT_CONTENT;
  const o = mapping(v, p, ['signals_share', 'episode_change_rate', 'explicit_track_risks', 'podcast_topics']);
  let explicitTrackRisks = d.explicitTrackRisks;
  if (o.explicit_track_risks !== undefined) {
    const r = mapping(o.explicit_track_risks, `${p}.explicit_track_risks`, GARM_CATEGORIES);
    explicitTrackRisks = {};
    for (const [c, level] of Object.entries(r))
      explicitTrackRisks[c as SafetyCategory] = oneOf(level, `${p}.explicit_track_risks.${c}`, RISK_LEVELS);
  }
  let podcastTopics = d.podcastTopics;
  if (o.podcast_topics !== undefined) {
    const topics = mapping(o.podcast_topics, `${p}.podcast_topics`);
    podcastTopics = {};
    for (const [name, raw] of Object.entries(topics)) {
      const tp = `${p}.podcast_topics.${topic(name, `${p}.podcast_topics.${name}`)}`;
      const t = mapping(raw, tp, ['weight', 'risks']);
      const risks: PodcastTopic['risks'] = {};
      for (const [c, odds] of Object.entries(mapping(t.risks, `${tp}.risks`, GARM_CATEGORIES))) {
        const op = `${tp}.risks.${c}`;
        const levels = RISK_LEVELS.filter((l): l is Exclude<RiskLevel, 'low'> => l !== 'low');
        const x = mapping(odds, op, levels);
        const out: LevelOdds = {};
        for (const l of levels) if (x[l] !== undefined) out[l] = num(x[l], `${op}.${l}`, 0, 1);
        if (Object.values(out).reduce((a, b) => a + b, 0) > 1)
          fail(op, 'the odds of medium, high and floor add up to more than 1');
        risks[c as SafetyCategory] = out;
      }
      podcastTopics[name] = { weight: num(t.weight, `${tp}.weight`, 0, 1e9, 1), risks };
    }
    if (!Object.values(podcastTopics).some((t) => t.weight > 0))
      fail(`${p}.podcast_topics`, 'needs at least one topic with a positive weight');
  }
  return {
    signalsShare: num(o.signals_share, `${p}.signals_share`, 0, 1, d.signalsShare),
    episodeChangeRate: num(o.episode_change_rate, `${p}.episode_change_rate`, 0, 1, d.episodeChangeRate),
    explicitTrackRisks,
    podcastTopics,
  };
}

function parseBrandSafety(v: unknown, p: string, d: GenerateBrandSafety): GenerateBrandSafety {
  const o = mapping(v, p, ['share', 'tolerance', 'avoid_topics', 'avoid_explicit_share']);
  let avoidTopics = d.avoidTopics;
  if (o.avoid_topics !== undefined) {
    avoidTopics = {};
    for (const [t, chance] of Object.entries(mapping(o.avoid_topics, `${p}.avoid_topics`)))
      avoidTopics[topic(t, `${p}.avoid_topics.${t}`)] = num(chance, `${p}.avoid_topics.${t}`, 0, 1);
  }
  return {
    share: num(o.share, `${p}.share`, 0, 1, d.share),
    tolerance: weights(o.tolerance, `${p}.tolerance`, ACCEPTED_RISKS, d.tolerance),
    avoidTopics,
    avoidExplicitShare: num(o.avoid_explicit_share, `${p}.avoid_explicit_share`, 0, 1, d.avoidExplicitShare),
  };
}

function hours(v: unknown, path: string): number[] {
  if (!Array.isArray(v)) fail(path, 'must be a list of 24 numbers (local hours 0..23)');
  if (v.length !== 24) fail(path, 'must have exactly 24 entries (local hours 0..23)');
  return v.map((x, i) => num(x, `${path}[${i}]`, 0, 1e9, 0));
}

function parseSupply(v: unknown, baseDir: string): GenerateSupply | CatalogueSupply {
  const o = mapping(v, 'supply', ['catalogue', 'generate']);
  if (o.catalogue !== undefined && o.generate !== undefined) {
    fail('supply', 'give either catalogue or generate, not both');
  }
  if (o.catalogue !== undefined)
    return { kind: 'catalogue', path: resolve(baseDir, str(o.catalogue, 'supply.catalogue', '')) };
  const p = 'supply.generate';
  const d = DEFAULT_SUPPLY;
  const g = mapping(o.generate, p, [
    'advertisers',
    'campaigns',
    'creatives_per_campaign',
    'categories',
    'tiers',
    'goals',
    'cpm_micros',
    'total_daily_budget_micros',
    'budget_skew',
    'targeted_share',
    'explicit_ok_share',
    'frequency_cap',
    'duration_weights',
    'disruptiveness',
    'brand_safety',
  ]);
  let categories = d.categories;
  if (g.categories !== undefined) {
    if (!Array.isArray(g.categories) || g.categories.length === 0)
      fail(`${p}.categories`, 'must be a non-empty list');
    categories = g.categories.map((c, i) => str(c, `${p}.categories[${i}]`, '').toLowerCase());
  }
  const per = range(g.creatives_per_campaign, `${p}.creatives_per_campaign`, 1, 20, d.creativesPerCampaign);
  if (!Number.isInteger(per.min) || !Number.isInteger(per.max)) {
    fail(`${p}.creatives_per_campaign`, 'min and max must be integers');
  }
  const cap = mapping(g.frequency_cap, `${p}.frequency_cap`, ['max_impressions', 'window_s']);
  const advertisers = int(g.advertisers, `${p}.advertisers`, 1, 100_000, d.advertisers);
  const campaigns = int(g.campaigns, `${p}.campaigns`, 1, 100_000, d.campaigns);
  if (campaigns < advertisers) fail(`${p}.campaigns`, `must be at least advertisers (${advertisers})`);
  return {
    kind: 'generate',
    advertisers,
    campaigns,
    creativesPerCampaign: per,
    categories,
    tiers: weights(g.tiers, `${p}.tiers`, TIERS_BY_PRIORITY, d.tiers),
    goals: weights(g.goals, `${p}.goals`, DOC_GOALS, d.goals),
    cpmMicros: range(g.cpm_micros, `${p}.cpm_micros`, 0, 1e12, d.cpmMicros),
    totalDailyBudgetMicros: int(
      g.total_daily_budget_micros,
      `${p}.total_daily_budget_micros`,
      1,
      1e15,
      d.totalDailyBudgetMicros,
    ),
    budgetSkew: num(g.budget_skew, `${p}.budget_skew`, 0, 10, d.budgetSkew),
    targetedShare: num(g.targeted_share, `${p}.targeted_share`, 0, 1, d.targetedShare),
    explicitOkShare: num(g.explicit_ok_share, `${p}.explicit_ok_share`, 0, 1, d.explicitOkShare),
    frequencyCap: {
      maxImpressions: int(
        cap.max_impressions,
        `${p}.frequency_cap.max_impressions`,
        0,
        1e6,
        d.frequencyCap.maxImpressions,
      ),
      windowS: int(cap.window_s, `${p}.frequency_cap.window_s`, 1, 1e8, d.frequencyCap.windowS),
    },
    durationWeights: numbers(g.duration_weights, `${p}.duration_weights`, 3, d.durationWeights) as [
      number,
      number,
      number,
    ],
    disruptiveness: range(g.disruptiveness, `${p}.disruptiveness`, 0, 1, d.disruptiveness),
    brandSafety: parseBrandSafety(g.brand_safety, `${p}.brand_safety`, d.brandSafety),
  };
}

/**
 * Parses a scenario. `baseDir` resolves a relative `supply.catalogue` path
 * (loadScenarioFile passes the scenario file's folder).
 */
export function parseScenario(source: string, baseDir = process.cwd()): SimScenario {
  let doc: unknown;
  try {
    doc = parse(source);
  } catch (err) {
    throw new ScenarioError(`not valid YAML: ${(err as Error).message}`);
  }
  const root = mapping(doc, '', [
    'name',
    'seed',
    'start',
    'days',
    'population',
    'ads',
    'response',
    'activities',
    'content',
    'supply',
  ]);
  return {
    name: str(root.name, 'name', 'unnamed'),
    seed: int(root.seed, 'seed', 0, 2 ** 32 - 1, 1),
    startMs: time(root.start, 'start', Date.parse('2026-11-27T00:00:00Z')),
    days: num(root.days, 'days', 0.01, 366, 1),
    population: parsePopulation(root.population),
    ads: parseAds(root.ads),
    response: parseResponse(root.response),
    hiddenInteraction: parseHiddenInteraction(root.response),
    activities: parseActivities(root.activities),
    content: parseContent(root.content),
    supply: parseSupply(root.supply, baseDir),
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
