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
 */
export function houseRanking(source: CatalogueSource): StaticRanking {
  return (signals, nowMs) => {
    const cat = source.current();
    const out: Array<{ c: Candidate; disruptiveness: number }> = [];
    for (const cr of cat.creatives.values()) {
      const camp = cat.campaigns.get(cr.campaignId);
      const adv = camp ? cat.advertisers.get(camp.advertiserId) : undefined;
      if (!camp || !adv || camp.tier !== 'house' || camp.paused) continue;
      if (nowMs < camp.flightStartMs || nowMs > camp.flightEndMs) continue;
      const t = camp.targeting;
      if (t.countries.length > 0 && !t.countries.includes(signals.country)) continue;
      if (t.devices.length > 0 && !t.devices.includes(signals.device)) continue;
      if (signals.explicitContent && !t.explicitOk) continue;
      out.push({
        disruptiveness: cr.disruptiveness,
        c: {
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
          separationCategories: [...adv.separationCategories],
        },
      });
    }
    return out
      .sort((a, b) => a.disruptiveness - b.disruptiveness || (a.c.creativeId < b.c.creativeId ? -1 : 1))
      .map((x) => x.c);
  };
}
