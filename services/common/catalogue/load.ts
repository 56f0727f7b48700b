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
import { DOC_DEVICES, DOC_GOALS, docFields, lineOf } from '../doc-fields';
import type { SafetyCategory, Scenario } from '../domain/types';
import { GARM_CATEGORIES, isTopic, SCENARIOS, TIERS_BY_PRIORITY } from '../domain/types';
import type { Logger } from '../log';
import { pollFile } from '../watch';
import { parseYamlOffThread } from '../yaml-worker';
import {
  ACCEPTED_RISKS,
  type AcceptedRisk,
  type Advertiser,
  type BrandSafety,
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

const fields = docFields((m, path) => new CatalogueError(m, path));
// Annotated, so that TypeScript knows the code after a fail() is unreachable.
const fail: (path: string, problem: string) => never = fields.fail;
const { obj, mapping, list, str, num, bool, oneOf, time } = fields;

const PACING: readonly PacingMode[] = ['even', 'asap'];
const VOICES = ['energetic', 'calm', 'conversational', 'announcer'] as const;

function unique<T extends { id: string }>(items: T[], path: string): Map<string, T> {
  const m = new Map<string, T>();
  items.forEach((it, i) => {
    if (m.has(it.id)) fail(`${path}[${i}].id`, `duplicate id "${it.id}"`);
    m.set(it.id, it);
  });
  return m;
}

const MAX_RISK_KEYS = ['default', ...GARM_CATEGORIES] as const;
const NOT_ACCEPTED =
  'must be one of low, medium, high: the highest risk level accepted (low is the strictest: content ' +
  'a classifier does not flag is low; floor is never accepted, it is the GARM brand-safety floor)';

/** An advertiser's `brand_safety` block (docs/brand-safety.md). */
function brandSafety(v: unknown, p: string): BrandSafety {
  const b = mapping(v, p, ['max_risk', 'avoid_topics', 'avoid_explicit']);
  const m = mapping(b.max_risk, `${p}.max_risk`, MAX_RISK_KEYS);
  const level = (x: unknown, path: string, def: AcceptedRisk): AcceptedRisk => {
    if (x === undefined || x === null) return def;
    if (typeof x !== 'string' || !ACCEPTED_RISKS.includes(x as AcceptedRisk)) fail(path, NOT_ACCEPTED);
    return x as AcceptedRisk;
  };
  const fallback = level(m.default, `${p}.max_risk.default`, 'high');
  const maxRisk = {} as Record<SafetyCategory, AcceptedRisk>;
  for (const c of GARM_CATEGORIES) maxRisk[c] = level(m[c], `${p}.max_risk.${c}`, fallback);
  const avoidTopics = list(b.avoid_topics, `${p}.avoid_topics`).map((t, j) => {
    const topic = str(t, `${p}.avoid_topics[${j}]`);
    if (!isTopic(topic))
      fail(
        `${p}.avoid_topics[${j}]`,
        'must be lower-case words joined by "-", e.g. true-crime (at most 64 characters)',
      );
    return topic;
  });
  return {
    maxRisk,
    avoidTopics: [...new Set(avoidTopics)],
    avoidExplicit: bool(b.avoid_explicit, `${p}.avoid_explicit`, false),
  };
}

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
export function catalogueFromDocument(doc: unknown, version: string): Catalogue {
  const root = obj(doc, 'catalogue');
  const advertisers = unique(
    list(root.advertisers, 'advertisers').map((raw, i): Advertiser => {
      const p = `advertisers[${i}]`;
      obj(raw, p);
      // Unknown keys are errors here: a misspelt brand_safety must not silently drop an advertiser's preferences.
      const a = mapping(raw, p, ['id', 'name', 'category', 'separation_categories', 'brand_safety']);
      return {
        id: str(a.id, `${p}.id`),
        name: str(a.name, `${p}.name`, String(a.id)),
        category: str(a.category, `${p}.category`).toLowerCase(),
        separationCategories: list(a.separation_categories, `${p}.separation_categories`).map((c, j) =>
          str(c, `${p}.separation_categories[${j}]`).toLowerCase(),
        ),
        ...(a.brand_safety !== undefined && a.brand_safety !== null
          ? { brandSafety: brandSafety(a.brand_safety, `${p}.brand_safety`) }
          : {}),
      };
    }),
    'advertisers',
  );
  const campaigns = unique(
    list(root.campaigns, 'campaigns').map((raw, i): Campaign => {
      const p = `campaigns[${i}]`;
      const c = obj(raw, p);
      const advertiserId = str(c.advertiser, `${p}.advertiser`);
      if (!advertisers.has(advertiserId)) fail(`${p}.advertiser`, `unknown advertiser "${advertiserId}"`);
      const tier = oneOf(c.tier, `${p}.tier`, TIERS_BY_PRIORITY, 'standard');
      const budget = obj(c.budget ?? {}, `${p}.budget`);
      const totalBudgetMicros = num(budget.total_micros, `${p}.budget.total_micros`, 0, 1e15, 0);
      if (tier !== 'house' && totalBudgetMicros <= 0)
        fail(`${p}.budget.total_micros`, 'required for paid tiers');
      const flight = obj(c.flight, `${p}.flight`);
      const flightStartMs = time(flight.start, `${p}.flight.start`);
      const flightEndMs = time(flight.end, `${p}.flight.end`);
      if (flightEndMs <= flightStartMs) fail(`${p}.flight.end`, 'must be after flight.start');
      const cap = obj(c.frequency_cap ?? {}, `${p}.frequency_cap`);
      const t = obj(c.targeting ?? {}, `${p}.targeting`);
      const kpi = obj(c.kpi ?? {}, `${p}.kpi`);
      return {
        id: str(c.id, `${p}.id`),
        advertiserId,
        name: str(c.name, `${p}.name`, String(c.id)),
        goal: oneOf(c.goal, `${p}.goal`, DOC_GOALS),
        tier,
        paused: c.status === 'paused',
        cpmMicros: num(c.cpm_micros, `${p}.cpm_micros`, 0, 1e12, 0),
        totalBudgetMicros,
        dailyBudgetMicros: num(budget.daily_micros, `${p}.budget.daily_micros`, 0, 1e15, 0),
        pacing: oneOf(c.pacing, `${p}.pacing`, PACING, 'even'),
        flightStartMs,
        flightEndMs,
        frequencyCap: {
          maxImpressions: num(cap.max_impressions, `${p}.frequency_cap.max_impressions`, 0, 1e6, 0),
          windowMs: num(cap.window_s, `${p}.frequency_cap.window_s`, 1, 1e8, 86_400) * 1000,
        },
        targeting: {
          countries: list(t.countries, `${p}.targeting.countries`).map((x, j) =>
            str(x, `${p}.targeting.countries[${j}]`).toUpperCase(),
          ),
          devices: list(t.devices, `${p}.targeting.devices`).map((x, j) =>
            oneOf(x, `${p}.targeting.devices[${j}]`, DOC_DEVICES),
          ),
          scenarios: list(t.scenarios, `${p}.targeting.scenarios`).map((x, j) =>
            oneOf(x, `${p}.targeting.scenarios[${j}]`, SCENARIOS as readonly Scenario[]),
          ),
          genres: list(t.genres, `${p}.targeting.genres`).map((x, j) =>
            str(x, `${p}.targeting.genres[${j}]`).toLowerCase(),
          ),
          explicitOk: t.explicit_ok === true,
        },
        kpi: {
          completionRate: num(kpi.completion_rate, `${p}.kpi.completion_rate`, 0, 1, 0.7),
          clickRate: num(kpi.click_rate, `${p}.kpi.click_rate`, 0, 1, 0.005),
        },
      };
    }),
    'campaigns',
  );
  const creatives = unique(
    list(root.creatives, 'creatives').map((raw, i): Creative => {
      const p = `creatives[${i}]`;
      const c = obj(raw, p);
      const campaignId = str(c.campaign, `${p}.campaign`);
      if (!campaigns.has(campaignId)) fail(`${p}.campaign`, `unknown campaign "${campaignId}"`);
      return {
        id: str(c.id, `${p}.id`),
        campaignId,
        durationMs: num(c.duration_ms, `${p}.duration_ms`, 1000, 180_000),
        energy: num(c.energy, `${p}.energy`, 0, 1, 0.5),
        voiceStyle: oneOf(c.voice_style, `${p}.voice_style`, VOICES, 'conversational'),
        disruptiveness: num(c.disruptiveness, `${p}.disruptiveness`, 0, 1, 0.3),
        audioUrl: str(c.audio_url, `${p}.audio_url`, ''),
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
