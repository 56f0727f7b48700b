/**
 * A generated benchmark catalogue (YAML, the format catalogue/load.ts
 * parses): enough campaigns, budget and reach that a benchmark run never
 * runs dry. Budgets are huge with no daily cap and ASAP pacing (so pacing
 * never throttles a short burst), flights span the run, frequency caps stay
 * on (so the real code path runs) but the workload spreads requests over
 * many sessions. Targeting mixes broad and narrow campaigns so eligibility
 * filtering does real work, and two in three advertisers declare brand-safety
 * preferences so a brand-safety critic does real work too.
 */
import { stringify } from 'yaml';
import { type Rng, seededRng } from '../services/common/rng';
import { COUNTRIES, GENRES } from './workload';

export interface BenchCatalogueOptions {
  seed: number;
  nowMs: number;
  advertisers: number;
  campaignsPerAdvertiser: number;
  creativesPerCampaign: number;
  /**
   * Every this-many-th campaign gets a total budget of `smallBudgetMicros`
   * instead of a huge one, so it runs dry during a run (the load test checks
   * that none is overspent); 0 or absent = none.
   */
  smallBudgetEvery?: number;
  smallBudgetMicros?: number;
}

export const DEFAULT_BENCH_CATALOGUE: Omit<BenchCatalogueOptions, 'nowMs'> = {
  seed: 7,
  advertisers: 20,
  campaignsPerAdvertiser: 5,
  creativesPerCampaign: 4,
};

const CATEGORIES = ['auto', 'telco', 'retail', 'food', 'travel', 'finance', 'games', 'beverage'];
const GOALS = ['awareness', 'conversion', 'engagement'];
const SCENARIOS = ['workout', 'commute', 'focus', 'relax', 'party', 'sleep', 'chores'];
const DEVICES = ['mobile', 'desktop', 'smart_speaker', 'car', 'tv'];

/** Brand-safety preferences by advertiser index (no random draws, so the rest of the catalogue stays as it was). */
const BRAND_SAFETY = [
  undefined,
  { max_risk: { default: 'medium', crime: 'low' }, avoid_topics: ['true-crime', 'politics'] },
  { max_risk: { adult: 'low', obscenity: 'low' }, avoid_explicit: true },
];

function some<T>(rng: Rng, items: readonly T[], n: number): T[] {
  return [...items].sort(() => rng.next() - 0.5).slice(0, n);
}

/** The small budget of the `index`-th campaign (0-based), if it gets one. */
function smallBudget(opts: BenchCatalogueOptions, index: number): number | null {
  const every = opts.smallBudgetEvery ?? 0;
  return every > 0 && index % every === every - 1 ? (opts.smallBudgetMicros ?? 1_000_000) : null;
}

export function benchCatalogueYaml(opts: BenchCatalogueOptions): string {
  const rng = seededRng(opts.seed);
  const day = 86_400_000;
  const flight = {
    start: new Date(opts.nowMs - 30 * day).toISOString(),
    end: new Date(opts.nowMs + 30 * day).toISOString(),
  };
  const advertisers = [];
  const campaigns = [];
  const creatives = [];
  for (let a = 0; a < opts.advertisers; a++) {
    const category = CATEGORIES[a % CATEGORIES.length]!;
    const brandSafety = BRAND_SAFETY[a % BRAND_SAFETY.length];
    advertisers.push({
      id: `adv-${a}`,
      name: `Advertiser ${a}`,
      category,
      separation_categories: [category],
      ...(brandSafety ? { brand_safety: brandSafety } : {}),
    });
    for (let c = 0; c < opts.campaignsPerAdvertiser; c++) {
      const id = `cmp-${a}-${c}`;
      // Two in three campaigns target broadly; the rest narrow on two axes.
      const narrow = rng.next() < 1 / 3;
      campaigns.push({
        id,
        advertiser: `adv-${a}`,
        name: `Campaign ${a}.${c}`,
        goal: GOALS[(a + c) % GOALS.length],
        tier: a === 0 && c === 0 ? 'sponsorship' : 'standard',
        cpm_micros: 5_000_000 + Math.floor(rng.next() * 15) * 1_000_000,
        budget: { total_micros: smallBudget(opts, campaigns.length) ?? 1e13, daily_micros: 0 },
        pacing: 'asap',
        flight,
        frequency_cap: { max_impressions: 3, window_s: 3600 },
        targeting: narrow
          ? {
              countries: some(rng, COUNTRIES, 3),
              devices: some(rng, DEVICES, 3),
              genres: some(rng, GENRES, 4),
              scenarios: rng.next() < 0.5 ? some(rng, SCENARIOS, 4) : [],
              explicit_ok: rng.next() < 0.5,
            }
          : { explicit_ok: rng.next() < 0.5 },
        kpi: { completion_rate: 0.7, click_rate: 0.01 },
      });
      for (let k = 0; k < opts.creativesPerCampaign; k++) {
        creatives.push({
          id: `cr-${a}-${c}-${k}`,
          campaign: id,
          duration_ms: [15_000, 20_000, 30_000][k % 3],
          energy: Math.round(rng.next() * 100) / 100,
          voice_style: ['energetic', 'calm', 'conversational', 'announcer'][k % 4],
          disruptiveness: Math.round(rng.next() * 100) / 100,
          audio_url: `https://cdn.example.invalid/bench/${a}/${c}/${k}.mp3`,
        });
      }
    }
  }
  // A house campaign so no request is ever left with nothing at all.
  advertisers.push({ id: 'house', name: 'House', category: 'house', separation_categories: [] });
  campaigns.push({
    id: 'cmp-house',
    advertiser: 'house',
    name: 'House promos',
    goal: 'awareness',
    tier: 'house',
    cpm_micros: 0,
    pacing: 'asap',
    flight,
    targeting: { explicit_ok: true },
  });
  creatives.push({ id: 'cr-house', campaign: 'cmp-house', duration_ms: 15_000 });
  return stringify({ advertisers, campaigns, creatives }, { aliasDuplicateObjects: false });
}
