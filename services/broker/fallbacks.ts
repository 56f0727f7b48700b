/**
 * What the broker falls back on when a proposer (the inventory agent) is down or late:
 *  1. a cached ranking: a bounded LRU of recent good proposals keyed by the
 *     proposer, slot position, scenario and country;
 *  2. when nothing is cached, a static ranking of the catalogue's house ads
 *     (free platform promos), so a cold broker can still fill a slot.
 * Either is only a ranking: the objective agent (or the house-only guard)
 * still decides what may be sold.
 */
import type { CatalogueSource } from '../common/catalogue/load';
import type { Campaign, Catalogue } from '../common/catalogue/types';
import type { Candidate, Position, Proposal, Scenario, Signals } from '../common/domain/types';

export const DEFAULT_FALLBACK_ENTRIES = 256;

/** A proposer's remembered ranking for a slot position, scenario and country. */
export function fallbackKey(
  proposer: string,
  position: Position,
  scenario: Scenario,
  country: string,
): string {
  return `${proposer}|${position}|${scenario}|${country}`;
}

export class FallbackCache {
  private readonly entries = new Map<string, Proposal>();

  constructor(readonly maxEntries = DEFAULT_FALLBACK_ENTRIES) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new Error('maxEntries must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Remembers a good proposal (one with candidates), evicting the least recently used entry. */
  remember(key: string, proposal: Proposal): void {
    if (proposal.candidates.length === 0) return;
    this.entries.delete(key);
    // A shallow copy is enough: decisions never mutate a converted proposal's candidates.
    this.entries.set(key, { ...proposal, candidates: proposal.candidates.slice(), removed: [] });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** The remembered proposal for `key` (a copy), or null. */
  lookup(key: string): Proposal | null {
    const hit = this.entries.get(key);
    if (!hit) return null;
    this.entries.delete(key);
    this.entries.set(key, hit);
    // Decisions never mutate candidates; a fresh array is enough.
    return { ...hit, candidates: hit.candidates.slice(), removed: [] };
  }
}

/** House candidates that may play for these signals now, best first. */
export type StaticRanking = (signals: Signals, nowMs: number) => Candidate[];

/**
 * The catalogue's active house creatives whose campaign's country, device,
 * explicit-content and flight rules allow them here, least disruptive first.
 * Predictions are neutral: no policy has looked at them.
 *
 * A shed decision asks for this every time, so the catalogue's house
 * creatives are picked out and sorted once per catalogue version, not on
 * every call (a catalogue holds far more paid creatives than house ones).
 */
export function houseRanking(source: CatalogueSource): StaticRanking {
  let indexed: { of: Catalogue; house: HouseEntry[] } | null = null;
  return (signals, nowMs) => {
    const cat = source.current();
    if (indexed?.of !== cat) indexed = { of: cat, house: houseEntries(cat) };
    const out: Candidate[] = [];
    for (const { campaign: camp, candidate } of indexed.house) {
      if (camp.paused || nowMs < camp.flightStartMs || nowMs > camp.flightEndMs) continue;
      const t = camp.targeting;
      if (t.countries.length > 0 && !t.countries.includes(signals.country)) continue;
      if (t.devices.length > 0 && !t.devices.includes(signals.device)) continue;
      if (signals.explicitContent && !t.explicitOk) continue;
      out.push({ ...candidate, separationCategories: [...candidate.separationCategories] });
    }
    return out;
  };
}

interface HouseEntry {
  campaign: Campaign;
  candidate: Candidate;
}

/** Every house creative of `cat` as a neutral candidate, least disruptive first. */
function houseEntries(cat: Catalogue): HouseEntry[] {
  const entries: Array<HouseEntry & { disruptiveness: number }> = [];
  for (const cr of cat.creatives.values()) {
    const camp = cat.campaigns.get(cr.campaignId);
    const adv = camp ? cat.advertisers.get(camp.advertiserId) : undefined;
    if (!camp || !adv || camp.tier !== 'house') continue;
    entries.push({
      campaign: camp,
      disruptiveness: cr.disruptiveness,
      candidate: {
        creativeId: cr.id,
        campaignId: camp.id,
        advertiserId: adv.id,
        category: adv.category,
        durationMs: cr.durationMs,
        priceMicros: 0,
        tier: 'house',
        pSkip: 0.5,
        pComplete: 0.5,
        pEngage: 0,
        policyScore: 0,
        audioUrl: cr.audioUrl,
        separationCategories: adv.separationCategories,
      },
    });
  }
  return entries.sort(
    (a, b) =>
      a.disruptiveness - b.disruptiveness || (a.candidate.creativeId < b.candidate.creativeId ? -1 : 1),
  );
}
