/**
 * Readers for the fields of documents people write by hand (today only the
 * agent registry, services/agents.yaml; the catalogue and the simulator's
 * scenarios are checked with zod schemas, services/common/schema.ts `doc`,
 * which give the same messages): each checks one value and throws an error that names
 * where in the file it is ("campaigns[2].budget.total_micros: must be a
 * number in [0, …]"); `lineOf` turns that path into the line of the file, for
 * the loaders to say "catalogue.yaml:42: …". A missing value (undefined or
 * null) takes the default when one is given and is an error otherwise.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { Device, Goal, PlaylistKind } from './domain/types';

export type Obj = Record<string, unknown>;

/** Devices, goals and playlist kinds a document may name (the domain's, without `unknown`). */
export const DOC_DEVICES: readonly Device[] = ['mobile', 'desktop', 'smart_speaker', 'car', 'tv', 'wearable'];
export const DOC_GOALS: readonly Goal[] = ['awareness', 'conversion', 'engagement'];
export const DOC_PLAYLISTS: readonly PlaylistKind[] = [
  'editorial',
  'user',
  'algorithmic',
  'radio',
  'album',
  'podcast',
];

const missing = (v: unknown): v is undefined | null => v === undefined || v === null;

/** `path.key`, or `key` at the top. */
export const fieldPath = (base: string, key: string) => (base ? `${base}.${key}` : key);

/**
 * The 1-based line of `path` (as the readers name it, e.g.
 * "campaigns[2].budget.total_micros") in the YAML `source`: of its value, or
 * of its closest ancestor in the file when it is missing; 0 when the source
 * does not parse. For error messages only (it parses the source again).
 */
export function lineOf(source: string, path: string): number {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter });
  if (doc.errors.length > 0) return 0;
  const keys: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    keys.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  for (let n = keys.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lineCounter.linePos(range[0]).line;
  }
  return 0;
}

/** The readers, throwing errors made by `error` (e.g. the document's own error class) from a message and the path it names. */
export function docFields(error: (message: string, path: string) => Error) {
  const fail = (path: string, problem: string): never => {
    throw error(`${path}: ${problem}`, path);
  };

  function num(v: unknown, path: string, min: number, max: number, def?: number): number {
    if (missing(v) && def !== undefined) return def;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      fail(path, `must be a number in [${min}, ${max}]`);
    }
    return v as number;
  }

  return {
    fail,
    /** A required mapping. */
    obj(v: unknown, path: string): Obj {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'must be a mapping');
      return v as Obj;
    },
    /** A mapping (missing = empty) whose keys must all be in `allowed`. */
    mapping(v: unknown, path: string, allowed?: readonly string[]): Obj {
      if (missing(v)) return {};
      if (typeof v !== 'object' || Array.isArray(v) || v instanceof Date)
        fail(path || 'the document', 'must be a mapping');
      const o = v as Obj;
      for (const k of allowed ? Object.keys(o) : []) {
        if (!allowed!.includes(k))
          fail(fieldPath(path, k), `unknown key (expected one of ${allowed!.join(', ')})`);
      }
      return o;
    },
    /** A list (missing = empty). */
    list(v: unknown, path: string): unknown[] {
      if (missing(v)) return [];
      if (!Array.isArray(v)) fail(path, 'must be a list');
      return v as unknown[];
    },
    str(v: unknown, path: string, def?: string): string {
      if (missing(v) && def !== undefined) return def;
      if (typeof v !== 'string' || v.length === 0) fail(path, 'must be a non-empty string');
      return v as string;
    },
    num,
    bool(v: unknown, path: string, def: boolean): boolean {
      if (missing(v)) return def;
      if (typeof v !== 'boolean') fail(path, 'must be true or false');
      return v as boolean;
    },
    int(v: unknown, path: string, min: number, max: number, def?: number): number {
      const n = num(v, path, min, max, def);
      if (!Number.isInteger(n)) fail(path, `must be an integer in [${min}, ${max}]`);
      return n;
    },
    oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[], def?: T): T {
      if (missing(v) && def !== undefined) return def;
      if (typeof v !== 'string' || !allowed.includes(v as T))
        fail(path, `must be one of ${allowed.join(', ')}`);
      return v as T;
    },
    /** An ISO 8601 date or time (YAML may hand over a Date), as epoch ms. */
    time(v: unknown, path: string, def?: number): number {
      if (missing(v) && def !== undefined) return def;
      const raw = v instanceof Date ? v.toISOString() : v;
      const ms = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
      if (!Number.isFinite(ms)) fail(path, 'must be an ISO 8601 date or time');
      return ms;
    },
  };
}
