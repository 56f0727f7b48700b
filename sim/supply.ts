/**
 * Simulated ad supply: a generated catalogue (advertisers, campaigns with
 * goals, budgets, flights, caps, targeting and tiers, creatives with energy,
 * length, voice and disruptiveness) in the same types the agents read, and a
 * writer that turns any catalogue back into the YAML `parseCatalogue` reads,
 * so the mesh can be run on exactly the supply that was simulated.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type {
  Advertiser,
  BrandSafety,
  Campaign,
  Catalogue,
  Creative,
} from '../services/common/catalogue/types';
import { GARM_CATEGORIES } from '../services/common/domain/types';
import { hashSeed, type Rng, seededRng } from '../services/common/rng';
import { ACTIVITIES } from './profiles';
import { Categorical } from './random';
import type { CountryMix, GenerateBrandSafety, GenerateSupply } from './scenario';

const VOICES: readonly Creative['voiceStyle'][] = ['energetic', 'calm', 'conversational', 'announcer'];
const DURATIONS_MS = [15_000, 30_000, 60_000] as const;
const DAY_MS = 86_400_000;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function pickSome<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0)
    out.push(pool.splice(Math.floor(rng.next() * pool.length), 1)[0]!);
  return out;
}

/**
 * Generates a catalogue whose flights are the simulated horizon (so an
 * episode sees whole flights, and goals are judged at their end). Budgets of
 * paid campaigns split `totalDailyBudgetMicros` by rank^−budgetSkew; house
 * campaigns are free and unlimited.
 */
export function generateCatalogue(
  g: GenerateSupply,
  horizon: { startMs: number; days: number },
  countries: readonly CountryMix[],
  rng: Rng,
): Catalogue {
  const w = String(g.campaigns).length;
  const advertisers = new Map<string, Advertiser>();
  for (let i = 0; i < g.advertisers; i++) {
    const category = g.categories[i % g.categories.length]!;
    const id = `sim-adv-${pad(i + 1, String(g.advertisers).length)}`;
    advertisers.set(id, {
      id,
      name: `Simulated ${category} ${i + 1}`,
      category,
      separationCategories: [category],
    });
  }
  const advertiserIds = [...advertisers.keys()];
  const tiers = Categorical.fromWeights(g.tiers);
  const goals = Categorical.fromWeights(g.goals);
  const durations = new Categorical([...DURATIONS_MS], g.durationWeights);
  const shares = Array.from({ length: g.campaigns }, (_, i) => (i + 1) ** -g.budgetSkew);
  const shareSum = shares.reduce((a, b) => a + b, 0);
  const flightStartMs = horizon.startMs;
  const flightEndMs = horizon.startMs + Math.round(horizon.days * DAY_MS);
  const days = Math.ceil(horizon.days);

  const campaigns = new Map<string, Campaign>();
  const creatives = new Map<string, Creative>();
  for (let i = 0; i < g.campaigns; i++) {
    const id = `sim-cmp-${pad(i + 1, w)}`;
    // Every advertiser gets at least one campaign; the rest are spread at random.
    const advertiserId =
      i < advertiserIds.length
        ? advertiserIds[i]!
        : advertiserIds[Math.floor(rng.next() * advertiserIds.length)]!;
    const tier = tiers.sample(rng);
    const house = tier === 'house';
    const cpm = g.cpmMicros.min + rng.next() * (g.cpmMicros.max - g.cpmMicros.min);
    const dailyBudgetMicros = house
      ? 0
      : Math.max(1, Math.round((g.totalDailyBudgetMicros * shares[i]!) / shareSum));
    const targeted = rng.next() < g.targetedShare;
    campaigns.set(id, {
      id,
      advertiserId,
      name: `Simulated campaign ${i + 1}`,
      goal: goals.sample(rng),
      tier,
      paused: false,
      cpmMicros: house ? 0 : Math.round(tier === 'sponsorship' ? cpm * 1.5 : cpm),
      totalBudgetMicros: house ? 0 : dailyBudgetMicros * days,
      dailyBudgetMicros,
      pacing: rng.next() < 0.8 ? 'even' : 'asap',
      flightStartMs,
      flightEndMs,
      frequencyCap: {
        maxImpressions: g.frequencyCap.maxImpressions,
        windowMs: g.frequencyCap.windowS * 1000,
      },
      targeting: {
        countries:
          targeted && countries.length > 1
            ? pickSome(
                rng,
                countries.map((c) => c.code),
                countries.length - 1,
              )
            : [],
        devices: [],
        scenarios: targeted ? pickSome(rng, ACTIVITIES, 1 + Math.floor(rng.next() * 3)) : [],
        genres: [],
        explicitOk: rng.next() < g.explicitOkShare,
      },
      kpi: { completionRate: 0.7, clickRate: 0.005 }, // drawn below
    });
    const n =
      g.creativesPerCampaign.min +
      Math.floor(rng.next() * (g.creativesPerCampaign.max - g.creativesPerCampaign.min + 1));
    for (let j = 0; j < n; j++) {
      const energy = Math.round(rng.next() * 100) / 100;
      const voiceStyle =
        energy > 0.7 && rng.next() < 0.6
          ? 'energetic'
          : energy < 0.3 && rng.next() < 0.6
            ? 'calm'
            : VOICES[Math.floor(rng.next() * VOICES.length)]!;
      const disruptiveness =
        Math.round(
          (g.disruptiveness.min + rng.next() * (g.disruptiveness.max - g.disruptiveness.min)) * 100,
        ) / 100;
      const cid = `${id}-${String.fromCharCode(97 + (j % 26))}${j >= 26 ? j : ''}`;
      creatives.set(cid, {
        id: cid,
        campaignId: id,
        durationMs: durations.sample(rng),
        energy,
        voiceStyle,
        disruptiveness,
        audioUrl: `https://ads.example/sim/${cid}.mp3`,
      });
    }
  }
  // KPI targets come from their own stream, seeded by the campaigns drawn so far (not from `rng`), so
  // neither they nor the preferences below move the other, and the rest of the supply is as it was.
  const kpiRng = seededRng(hashSeed([...campaigns.values()].map((c) => `${c.id}:${c.cpmMicros}`).join(',')));
  // Drawn last, so that the rest of the supply is what it was before advertisers had preferences.
  for (const a of advertisers.values()) {
    const prefs = brandSafety(g.brandSafety, rng);
    if (prefs) a.brandSafety = prefs;
  }
  const within = (r: { min: number; max: number }) =>
    Math.round((r.min + kpiRng.next() * (r.max - r.min)) * 10_000) / 10_000;
  for (const c of campaigns.values())
    c.kpi = { completionRate: within(g.kpi.completionRate), clickRate: within(g.kpi.clickRate) };
  const catalogue: Catalogue = { version: '', advertisers, campaigns, creatives };
  catalogue.version = `sim-${createHash('sha256').update(catalogueToYaml(catalogue)).digest('hex').slice(0, 12)}`;
  return catalogue;
}

/** One advertiser's preferences: none (with 1 − share), else a tolerance for every category, avoided topics and explicit content. */
function brandSafety(g: GenerateBrandSafety, rng: Rng): BrandSafety | undefined {
  if (rng.next() >= g.share) return undefined;
  const tolerance = Categorical.fromWeights(g.tolerance).sample(rng);
  return {
    maxRisk: Object.fromEntries(GARM_CATEGORIES.map((c) => [c, tolerance])) as BrandSafety['maxRisk'],
    avoidTopics: Object.entries(g.avoidTopics).flatMap(([t, p]) => (rng.next() < p ? [t] : [])),
    avoidExplicit: rng.next() < g.avoidExplicitShare,
  };
}

/** The catalogue as YAML in the format `parseCatalogue` reads (its version is not kept). */
export function catalogueToYaml(c: Catalogue): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  return stringify({
    advertisers: [...c.advertisers.values()].map((a) => ({
      id: a.id,
      name: a.name,
      category: a.category,
      separation_categories: a.separationCategories,
      ...(a.brandSafety
        ? {
            brand_safety: {
              max_risk: a.brandSafety.maxRisk,
              avoid_topics: a.brandSafety.avoidTopics,
              avoid_explicit: a.brandSafety.avoidExplicit,
            },
          }
        : {}),
    })),
    campaigns: [...c.campaigns.values()].map((k) => ({
      id: k.id,
      advertiser: k.advertiserId,
      name: k.name,
      goal: k.goal,
      tier: k.tier,
      status: k.paused ? 'paused' : 'active',
      cpm_micros: k.cpmMicros,
      budget: { total_micros: k.totalBudgetMicros, daily_micros: k.dailyBudgetMicros },
      pacing: k.pacing,
      flight: { start: iso(k.flightStartMs), end: iso(k.flightEndMs) },
      frequency_cap: {
        max_impressions: k.frequencyCap.maxImpressions,
        window_s: k.frequencyCap.windowMs / 1000,
      },
      targeting: {
        countries: k.targeting.countries,
        devices: k.targeting.devices,
        scenarios: k.targeting.scenarios,
        genres: k.targeting.genres,
        explicit_ok: k.targeting.explicitOk,
      },
      kpi: { completion_rate: k.kpi.completionRate, click_rate: k.kpi.clickRate },
    })),
    creatives: [...c.creatives.values()].map((r) => ({
      id: r.id,
      campaign: r.campaignId,
      duration_ms: r.durationMs,
      energy: r.energy,
      voice_style: r.voiceStyle,
      disruptiveness: r.disruptiveness,
      audio_url: r.audioUrl,
    })),
  });
}
