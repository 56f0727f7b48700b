import { describe, expect, it } from 'vitest';
import { FallbackCache, fallbackKey, houseRanking } from '../../../services/broker/fallbacks';
import { parseCatalogue, staticCatalogue } from '../../../services/common/catalogue/load';
import { cand, proposal, SIGNALS } from './fakes';

describe('fallback cache', () => {
  it('returns what was remembered for the same position, scenario and country only', () => {
    const cache = new FallbackCache(4);
    cache.remember(fallbackKey('inventory', 'mid', 'workout', 'SE'), proposal([cand('a')]));
    expect(
      cache.lookup(fallbackKey('inventory', 'mid', 'workout', 'SE'))?.candidates.map((c) => c.creativeId),
    ).toEqual(['a']);
    expect(cache.lookup(fallbackKey('inventory', 'pre', 'workout', 'SE'))).toBeNull();
    expect(cache.lookup(fallbackKey('inventory', 'mid', 'relax', 'SE'))).toBeNull();
    expect(cache.lookup(fallbackKey('inventory', 'mid', 'workout', 'DE'))).toBeNull();
  });

  it('is bounded and evicts the least recently used entry', () => {
    const cache = new FallbackCache(2);
    cache.remember('k1', proposal([cand('1')]));
    cache.remember('k2', proposal([cand('2')]));
    cache.lookup('k1'); // k1 is now the most recent
    cache.remember('k3', proposal([cand('3')]));
    expect(cache.size).toBe(2);
    expect(cache.lookup('k2')).toBeNull();
    expect(cache.lookup('k1')).not.toBeNull();
    expect(cache.lookup('k3')).not.toBeNull();
  });

  it('ignores empty proposals and hands out copies', () => {
    const cache = new FallbackCache(2);
    cache.remember('k', proposal([]));
    expect(cache.lookup('k')).toBeNull();
    cache.remember('k', proposal([cand('a')]));
    cache.lookup('k')!.candidates.pop();
    expect(cache.lookup('k')!.candidates).toHaveLength(1);
  });
});

const CATALOGUE = `
advertisers:
  - { id: house, name: House, category: house, separation_categories: [house-promo] }
  - { id: acme, name: Acme, category: retail }
campaigns:
  - id: promo
    advertiser: house
    name: Promo
    goal: awareness
    tier: house
    cpm_micros: 0
    pacing: even
    flight: { start: 2026-01-01T00:00:00Z, end: 2027-12-31T23:59:59Z }
    targeting: { countries: [SE], explicit_ok: false }
  - id: paid
    advertiser: acme
    name: Paid
    goal: awareness
    tier: standard
    cpm_micros: 20000000
    pacing: even
    budget: { total_micros: 1000000000 }
    flight: { start: 2026-01-01T00:00:00Z, end: 2027-12-31T23:59:59Z }
creatives:
  - { id: promo-calm, campaign: promo, duration_ms: 15000, energy: 0.2, voice_style: calm, disruptiveness: 0.1, audio_url: https://cdn.example/a.mp3 }
  - { id: promo-loud, campaign: promo, duration_ms: 15000, energy: 0.9, voice_style: energetic, disruptiveness: 0.8, audio_url: https://cdn.example/b.mp3 }
  - { id: paid-1, campaign: paid, duration_ms: 15000, energy: 0.5, voice_style: calm, disruptiveness: 0.1, audio_url: https://cdn.example/c.mp3 }
`;

describe('static house ranking', () => {
  it('offers only active house creatives allowed here, least disruptive first, free', () => {
    const catalogue = parseCatalogue(CATALOGUE);
    const rank = houseRanking(staticCatalogue(catalogue));
    const now = Date.UTC(2026, 5, 1);
    const here = rank(SIGNALS, now);
    expect(here.map((c) => c.creativeId)).toEqual(['promo-calm', 'promo-loud']);
    expect(here.every((c) => c.tier === 'house' && c.priceMicros === 0)).toBe(true);
    expect(here[0]!.separationCategories).toEqual(['house-promo']);
    expect(rank({ ...SIGNALS, country: 'DE' }, now)).toEqual([]);
    expect(rank({ ...SIGNALS, explicitContent: true }, now)).toEqual([]);
    expect(rank(SIGNALS, Date.UTC(2030, 0, 1))).toEqual([]);
  });

  it('follows a reloaded catalogue, and hands out candidates a caller may change', () => {
    let catalogue = parseCatalogue(CATALOGUE);
    const rank = houseRanking({ ...staticCatalogue(catalogue), current: () => catalogue });
    const now = Date.UTC(2026, 5, 1);
    const first = rank(SIGNALS, now);
    first[0]!.separationCategories.push('changed by a caller');
    first[0]!.durationMs = 1;
    expect(rank(SIGNALS, now)[0]).toMatchObject({ durationMs: 15000, separationCategories: ['house-promo'] });
    // A reload that drops the calm creative: the next call ranks the new catalogue.
    catalogue = parseCatalogue(CATALOGUE.replace(/ {2}- \{ id: promo-calm.*\n/, ''));
    expect(rank(SIGNALS, now).map((c) => c.creativeId)).toEqual(['promo-loud']);
  });
});
