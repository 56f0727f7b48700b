/** Small catalogues and policies shared by the simulator tests. */
import { parseCatalogue } from '../../../services/common/catalogue/load';
import type { Catalogue } from '../../../services/common/catalogue/types';
import type { SimRequest, Simulator } from '../../../sim/index';

export interface TestCreative {
  id: string;
  campaign?: string;
  energy?: number;
  voice?: 'energetic' | 'calm' | 'conversational' | 'announcer';
  disruptiveness?: number;
  durationMs?: number;
  cpmMicros?: number;
  /** The advertiser's brand_safety block, as YAML flow, e.g. "{ avoid_explicit: true }". */
  brandSafety?: string;
}

/** A catalogue in the services' YAML format, read by the shared parser: one advertiser and campaign per creative unless told. */
export function catalogueOf(creatives: TestCreative[]): Catalogue {
  const campaigns = new Map<string, number>();
  const prefs = new Map<string, string>();
  for (const c of creatives) {
    const k = c.campaign ?? `cmp-${c.id}`;
    campaigns.set(k, c.cpmMicros ?? 10_000_000);
    if (c.brandSafety) prefs.set(k, c.brandSafety);
  }
  const yaml = [
    'advertisers:',
    ...[...campaigns.keys()].map(
      (k) => `  - { id: adv-${k}, category: retail${prefs.has(k) ? `, brand_safety: ${prefs.get(k)}` : ''} }`,
    ),
    'campaigns:',
    ...[...campaigns].map(
      ([k, cpm]) =>
        `  - { id: ${k}, advertiser: adv-${k}, goal: awareness, cpm_micros: ${cpm}, budget: { total_micros: 1000000000000 }, flight: { start: 2026-01-01T00:00:00Z, end: 2027-01-01T00:00:00Z } }`,
    ),
    'creatives:',
    ...creatives.map(
      (c) =>
        `  - { id: ${c.id}, campaign: ${c.campaign ?? `cmp-${c.id}`}, duration_ms: ${c.durationMs ?? 30_000}, energy: ${c.energy ?? 0.5}, voice_style: ${c.voice ?? 'conversational'}, disruptiveness: ${c.disruptiveness ?? 0.3} }`,
    ),
  ].join('\n');
  return parseCatalogue(yaml);
}

export type Policy = (r: SimRequest, sim: Simulator) => string[];

/** Plays the whole horizon with `policy`; returns how many requests there were. */
export function runDay(
  sim: Simulator,
  policy: Policy,
  onOutcome?: (o: ReturnType<Simulator['respond']>) => void,
): number {
  let n = 0;
  for (let r = sim.nextRequest(); r; r = sim.nextRequest()) {
    const o = sim.respond(r.handle, policy(r, sim));
    onOutcome?.(o);
    n++;
  }
  return n;
}

/** The n-th creative that fits the slot, cycling through the catalogue by request handle. */
export const rotate: Policy = (r, sim) => {
  const fitting = [...sim.catalogue.creatives.values()].filter(
    (c) => c.durationMs <= r.slot.maxTotalDurationMs,
  );
  return fitting.length === 0 ? [] : [fitting[r.handle % fitting.length]!.id];
};
