/**
 * What the documents people write by hand (the catalogue, simulator
 * scenarios, the agent registry) share besides their zod schemas
 * (services/common/schema.ts `doc`): the devices, goals and playlist kinds
 * they may name, and `lineOf`, which turns the path an error names
 * ("campaigns[2].budget.total_micros") into the line of the file, for the
 * loaders to say "catalogue.yaml:42: …".
 */
import { LineCounter, parseDocument } from 'yaml';
import type { Device, Goal, PlaylistKind } from './domain/types';

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
