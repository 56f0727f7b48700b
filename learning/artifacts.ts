/**
 * Versioned model artifacts under models/ and hot-swapping them at run time.
 *
 *   models/<kind>/<version>.json   every version ever published (immutable)
 *   models/<kind>/current.json     the version agents load (and watch)
 *
 * Files are written to a temporary name and renamed over the target, so a
 * reader never sees half a file. Formats (each validated by its parser, with a zod
 * schema built from services/common/schema.ts's modelHeader):
 *   inventory  parley-policy-logistic/1     services/inventory/policy.ts (PolicyHolder loads it as is)
 *   context    parley-context-skip/1        learning/context-estimator.ts
 *   objective  parley-objective-pacing/1    learning/objective-policy.ts (the shared-reward
 *                                           ValueScalePolicy deployed as its mean)
 *   ad-load    parley-context-ad-load/1     learning/ad-load-policy.ts (the context agent's ad load)
 *   offer      parley-inventory-offer/1     learning/offer-policy.ts (the inventory agent's offer)
 *   monolithic parley-monolithic-mlp/1      learning/monolithic.ts (experiments only)
 *   forecast   parley-slot-forecast/1       learning/forecast.ts (the objective agent's pacing profile)
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../services/common/log';
import { pollFile } from '../services/common/watch';
import { type LogisticWeights, POLICY_FEATURES, POLICY_FILE_FORMAT } from '../services/inventory/policy';

export type ModelKind =
  | 'inventory'
  | 'context'
  | 'objective'
  | 'ad-load'
  | 'offer'
  | 'monolithic'
  | 'forecast';

export function writeJsonAtomic(path: string, doc: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 1)}\n`);
  renameSync(tmp, path);
}

/** Writes models/<kind>/<version>.json and points current.json at it. Returns both paths. */
export function publishModel(
  root: string,
  kind: ModelKind,
  doc: { version: string },
): { versionPath: string; currentPath: string } {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(doc.version)) throw new Error(`version: bad name "${doc.version}"`);
  const versionPath = join(root, kind, `${doc.version}.json`);
  const currentPath = join(root, kind, 'current.json');
  writeJsonAtomic(versionPath, doc);
  writeJsonAtomic(currentPath, doc);
  return { versionPath, currentPath };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** The inventory policy in the agent's own weights-file format. */
export function inventoryPolicyDoc(version: string, w: LogisticWeights) {
  return {
    format: POLICY_FILE_FORMAT,
    version,
    features: [...POLICY_FEATURES],
    heads: {
      skip: Array.from(w.skip, round6),
      complete: Array.from(w.complete, round6),
      engage: Array.from(w.engage, round6),
    },
  };
}

/**
 * `a+b`: the model version of an answer two models made (e.g. a ranking and
 * the policy that chose from it). Remembers the last pair, so a decision
 * builds no string while neither model changes.
 */
export class JoinedVersion {
  private a = '';
  private b = '';
  private joined = '+';
  of(a: string, b: string): string {
    if (a !== this.a || b !== this.b) {
      this.a = a;
      this.b = b;
      this.joined = `${a}+${b}`;
    }
    return this.joined;
  }
}

/** Holds the model in use; a swap is one assignment, so a decision sees one version throughout. */
export class ModelHolder<T extends { readonly version: string }> {
  private model: T;
  constructor(initial: T) {
    this.model = initial;
  }
  current(): T {
    return this.model;
  }
  get version(): string {
    return this.model.version;
  }
  swap(next: T): T {
    const previous = this.model;
    this.model = next;
    return previous;
  }
}

/**
 * Loads `path` into `holder` when it exists and swaps in every later valid
 * version; a missing or bad file keeps the current model (logged).
 */
/** A model held for the decisions, and the watch that swaps it. */
export interface Watched<T extends { readonly version: string }> {
  holder: ModelHolder<T>;
  close(): void;
}

/**
 * A holder that starts with `initial`, loads the model at `path` if it is
 * there and hot-swaps every later valid version (a missing or broken file
 * keeps the model in use; logged).
 */
export function watchModel<T extends { readonly version: string }>(
  initial: T,
  path: string,
  parse: (json: string) => T,
  intervalMs: number,
  log?: Logger,
): Watched<T> {
  const holder = new ModelHolder<T>(initial);
  const w = watchModelFile(holder, path, parse, intervalMs, log);
  return { holder, close: () => w.close() };
}

export function watchModelFile<T extends { readonly version: string }>(
  holder: ModelHolder<T>,
  path: string,
  parse: (json: string) => T,
  intervalMs: number,
  log?: Logger,
): { close(): void } {
  const check = () => {
    try {
      const next = parse(readFileSync(path, 'utf8'));
      if (next.version === holder.version) return;
      const previous = holder.swap(next);
      log?.info('model swapped', { path, from: previous.version, to: next.version });
    } catch (err) {
      log?.warn('model file rejected; keeping the current model', {
        path,
        version: holder.version,
        error: (err as Error).message,
      });
    }
  };
  return pollFile(path, intervalMs, check, { initial: true });
}
