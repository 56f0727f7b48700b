/**
 * Parses and validates a catalogue file; every problem names its line and
 * path in the file (e.g. "catalogue.yaml:42: campaigns[2].budget.total_micros:
 * required for paid tiers"). A watcher reloads the file when it changes,
 * keeping the last good catalogue when the new one is bad, so a change is
 * picked up without a restart and a typo never empties supply.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { DOC_DEVICES, DOC_GOALS, lineOf } from '../doc-fields';
import type { SafetyCategory, Scenario } from '../domain/types';
import { GARM_CATEGORIES, isTopic, SCENARIOS, TIERS_BY_PRIORITY } from '../domain/types';
import type { Logger } from '../log';
import { doc, parseDoc } from '../schema';
import { pollFile } from '../watch';
import { parseYamlOffThread } from '../yaml-worker';
import {
  ACCEPTED_RISKS,
  type AcceptedRisk,
  type Advertiser,
  type Campaign,
  type Catalogue,
  type Creative,
  type PacingMode,
} from './types';

export class CatalogueError extends Error {
  /**
   * @param problem what is wrong and where in the document ("advertisers[1].id: duplicate id")
   * @param path the document path the problem names ('' = none)
   * @param line its 1-based line in the file (0 = unknown)
   */
  constructor(
    readonly problem: string,
    readonly path = '',
    readonly line = 0,
    file = '',
  ) {
    const where = file ? (line ? `${file}:${line}` : file) : line ? `line ${line}` : '';
    super(where ? `${where}: ${problem}` : problem);
  }
}

const fail = (path: string, problem: string): never => {
  throw new CatalogueError(`${path}: ${problem}`, path);
};

const PACING: readonly PacingMode[] = ['even', 'asap'];
/** The largest brand-lift hold-out a campaign may ask for (half its audience). */
export const MAX_HOLDOUT_SHARE = 0.5;
const VOICES = ['energetic', 'calm', 'conversational', 'announcer'] as const;

function unique<T extends { id: string }>(items: T[], path: string): Map<string, T> {
  const m = new Map<string, T>();
  items.forEach((it, i) => {
    if (m.has(it.id)) fail(`${path}[${i}].id`, `duplicate id "${it.id}"`);
    m.set(it.id, it);
  });
  return m;
}

const NOT_ACCEPTED =
  'must be one of low, medium, high: the highest risk level accepted (low is the strictest: content ' +
  'a classifier does not flag is low; floor is never accepted, it is the GARM brand-safety floor)';
const level = doc.optional(
  z.enum(ACCEPTED_RISKS as [AcceptedRisk, ...AcceptedRisk[]], { error: NOT_ACCEPTED }),
);
const TOPIC = 'must be lower-case words joined by "-", e.g. true-crime (at most 64 characters)';

/** An advertiser's `brand_safety` block (docs/brand-safety.md). Unknown keys are errors. */
const brandSafetySchema = doc.strict({
  max_risk: doc.optional(
    doc.strict(
      Object.fromEntries(['default', ...GARM_CATEGORIES].map((k) => [k, level])) as Record<
        'default' | SafetyCategory,
        typeof level
      >,
    ),
  ),
  avoid_topics: doc.list(doc.str().refine(isTopic, TOPIC)),
  avoid_explicit: doc.bool(false),
});

// Unknown keys of an advertiser are errors: a misspelt brand_safety must not silently drop its preferences.
const advertiserSchema = doc.strict({
  id: doc.str(),
  name: doc.optStr(),
  category: doc.str(),
  separation_categories: doc.list(doc.str()),
  brand_safety: doc.optional(brandSafetySchema),
});

/** A mapping whose fields all have defaults (other keys ignored): missing (or null) = every default. */
const section = <T extends z.ZodRawShape>(shape: T) => doc.section(shape, false);

const campaignSchema = doc.mapping({
  id: doc.str(),
  advertiser: doc.str(),
  name: doc.optStr(),
  goal: doc.oneOf(DOC_GOALS),
  tier: doc.oneOf(TIERS_BY_PRIORITY, 'standard'),
  status: z.unknown().optional(),
  cpm_micros: doc.num(0, 1e12, 0),
  budget: section({ total_micros: doc.num(0, 1e15, 0), daily_micros: doc.num(0, 1e15, 0) }),
  pacing: doc.oneOf(PACING, 'even'),
  flight: doc.mapping({ start: doc.time(), end: doc.time() }),
  frequency_cap: section({ max_impressions: doc.num(0, 1e6, 0), window_s: doc.num(1, 1e8, 86_400) }),
  targeting: section({
    countries: doc.list(doc.str()),
    devices: doc.list(doc.oneOf(DOC_DEVICES)),
    scenarios: doc.list(doc.oneOf(SCENARIOS as readonly Scenario[])),
    genres: doc.list(doc.str()),
    explicit_ok: z.unknown().optional(),
  }),
  kpi: section({ completion_rate: doc.num(0, 1, 0.7), click_rate: doc.num(0, 1, 0.005) }),
  // A misspelt key is an error: a study whose hold-out silently vanished would measure nothing.
  brand_lift: doc.optional(doc.strict({ holdout: doc.num(0, MAX_HOLDOUT_SHARE, 0) })),
});

const creativeSchema = doc.mapping({
  id: doc.str(),
  campaign: doc.str(),
  duration_ms: doc.num(1000, 180_000),
  energy: doc.num(0, 1, 0.5),
  voice_style: doc.oneOf(VOICES, 'conversational'),
  disruptiveness: doc.num(0, 1, 0.3),
  audio_url: doc.str(''),
});

/** The catalogue's shape: every field's type, range and default (what depends on other fields is checked after). */
export const catalogueSchema = doc.mapping({
  advertisers: doc.list(advertiserSchema),
  campaigns: doc.list(campaignSchema),
  creatives: doc.list(creativeSchema),
});

/** Parses a catalogue; an error names the line of the problem in `source` ("line 42: advertisers[3]…"). */
export function parseCatalogue(source: string): Catalogue {
  try {
    return readCatalogue(source);
  } catch (err) {
    if (!(err instanceof CatalogueError) || !err.path) throw err;
    throw new CatalogueError(err.problem, err.path, lineOf(source, err.path));
  }
}

/** The catalogue in `source`; an error names its path in the document. */
function readCatalogue(source: string): Catalogue {
  let doc: unknown;
  try {
    doc = parse(source);
  } catch (err) {
    throw new CatalogueError(`not valid YAML: ${(err as Error).message}`);
  }
  return catalogueFromDocument(doc, catalogueVersion(source));
}

/** A catalogue's version: a hash of its source text. */
export function catalogueVersion(source: string): string {
  return createHash('sha256').update(source).digest('hex').slice(0, 12);
}

/** The catalogue in a parsed YAML document (what parseCatalogue checks after parsing). */
export function catalogueFromDocument(document: unknown, version: string): Catalogue {
  const root = parseDoc(catalogueSchema, document, (m, path) => new CatalogueError(m, path), 'catalogue');
  const advertisers = unique(
    root.advertisers.map((a): Advertiser => {
      const b = a.brand_safety;
      const maxRisk = {} as Record<SafetyCategory, AcceptedRisk>;
      for (const c of GARM_CATEGORIES) maxRisk[c] = b?.max_risk?.[c] ?? b?.max_risk?.default ?? 'high';
      return {
        id: a.id,
        name: a.name ?? a.id,
        category: a.category.toLowerCase(),
        separationCategories: a.separation_categories.map((c) => c.toLowerCase()),
        ...(b
          ? {
              brandSafety: {
                maxRisk,
                avoidTopics: [...new Set(b.avoid_topics)],
                avoidExplicit: b.avoid_explicit,
              },
            }
          : {}),
      };
    }),
    'advertisers',
  );
  const campaigns = unique(
    root.campaigns.map((c, i): Campaign => {
      const p = `campaigns[${i}]`;
      if (!advertisers.has(c.advertiser)) fail(`${p}.advertiser`, `unknown advertiser "${c.advertiser}"`);
      if (c.tier !== 'house' && c.budget.total_micros <= 0)
        fail(`${p}.budget.total_micros`, 'required for paid tiers');
      if (c.flight.end <= c.flight.start) fail(`${p}.flight.end`, 'must be after flight.start');
      const t = c.targeting;
      return {
        id: c.id,
        advertiserId: c.advertiser,
        name: c.name ?? c.id,
        goal: c.goal,
        tier: c.tier,
        paused: c.status === 'paused',
        cpmMicros: c.cpm_micros,
        totalBudgetMicros: c.budget.total_micros,
        dailyBudgetMicros: c.budget.daily_micros,
        pacing: c.pacing,
        flightStartMs: c.flight.start,
        flightEndMs: c.flight.end,
        frequencyCap: {
          maxImpressions: c.frequency_cap.max_impressions,
          windowMs: c.frequency_cap.window_s * 1000,
        },
        targeting: {
          countries: t.countries.map((x) => x.toUpperCase()),
          devices: t.devices,
          scenarios: t.scenarios,
          genres: t.genres.map((x) => x.toLowerCase()),
          explicitOk: t.explicit_ok === true,
        },
        kpi: { completionRate: c.kpi.completion_rate, clickRate: c.kpi.click_rate },
        ...(c.brand_lift && c.brand_lift.holdout > 0
          ? { brandLift: { holdoutShare: c.brand_lift.holdout } }
          : {}),
      };
    }),
    'campaigns',
  );
  const creatives = unique(
    root.creatives.map((c, i): Creative => {
      if (!campaigns.has(c.campaign)) fail(`creatives[${i}].campaign`, `unknown campaign "${c.campaign}"`);
      return {
        id: c.id,
        campaignId: c.campaign,
        durationMs: c.duration_ms,
        energy: c.energy,
        voiceStyle: c.voice_style,
        disruptiveness: c.disruptiveness,
        audioUrl: c.audio_url,
      };
    }),
    'creatives',
  );
  return { version, advertisers, campaigns, creatives };
}

/** Loads a catalogue file; an error names the file and line ("catalogue.yaml:42: advertisers[3]…"). */
export function loadCatalogueFile(path: string): Catalogue {
  try {
    return parseCatalogue(readFileSync(path, 'utf8'));
  } catch (err) {
    if (!(err instanceof CatalogueError)) throw err;
    throw new CatalogueError(err.problem, err.path, err.line, path);
  }
}

export interface CatalogueSource {
  current(): Catalogue;
  onChange(listener: (c: Catalogue) => void): void;
  close(): void;
}

/**
 * Loads `path` now (throwing if bad) and reloads it whenever it changes. A
 * reload reads the file asynchronously and parses the YAML on a worker
 * thread (yaml-worker.ts), so a big catalogue does not stall the decisions
 * being served meanwhile; a file whose text is unchanged is not parsed again.
 */
export function watchCatalogue(path: string, intervalMs: number, log: Logger): CatalogueSource {
  let current = loadCatalogueFile(path);
  let closed = false;
  const listeners: Array<(c: Catalogue) => void> = [];
  log.info('catalogue loaded', {
    path,
    version: current.version,
    campaigns: current.campaigns.size,
    creatives: current.creatives.size,
  });
  const check = async () => {
    try {
      const source = await readFile(path, 'utf8');
      const version = catalogueVersion(source);
      if (version === current.version) return;
      const doc = await parseYamlOffThread(source).catch((err: Error) => {
        throw new CatalogueError(`not valid YAML: ${err.message}`);
      });
      const next = catalogueFromDocument(doc, version);
      if (closed) return;
      current = next;
      log.info('catalogue reloaded', { path, version: next.version, creatives: next.creatives.size });
      for (const l of listeners) l(next);
    } catch (err) {
      log.warn('catalogue reload failed; keeping the last good one', { path, error: (err as Error).message });
    }
  };
  const watch = pollFile(path, intervalMs, check);
  return {
    current: () => current,
    onChange: (l) => listeners.push(l),
    close: () => {
      closed = true;
      watch.close();
    },
  };
}

/** A fixed catalogue (tests, simulations). */
export function staticCatalogue(c: Catalogue): CatalogueSource {
  return { current: () => c, onChange: () => undefined, close: () => undefined };
}
