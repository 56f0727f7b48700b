/** Small hand-built catalogues and requests for the inventory agent's tests. */
import type { Advertiser, Campaign, Catalogue, Creative } from '../../../services/common/catalogue/types';
import {
  type ProposeInput,
  SCENARIOS,
  type Signals,
  type Slot,
  type Snapshot,
} from '../../../services/common/domain/types';
import { seededRng } from '../../../services/common/rng';

export const NOW = Date.parse('2026-06-10T08:00:00Z');

export function advertiser(o: Partial<Advertiser> = {}): Advertiser {
  return { id: 'adv', name: 'Advertiser', category: 'coffee', separationCategories: ['coffee'], ...o };
}

export function campaign(o: Partial<Campaign> = {}): Campaign {
  return {
    id: 'camp',
    advertiserId: 'adv',
    name: 'Campaign',
    goal: 'awareness',
    tier: 'standard',
    paused: false,
    cpmMicros: 20_000_000,
    totalBudgetMicros: 1e12,
    dailyBudgetMicros: 0,
    pacing: 'even',
    flightStartMs: Date.parse('2026-01-01T00:00:00Z'),
    flightEndMs: Date.parse('2027-12-31T23:59:59Z'),
    frequencyCap: { maxImpressions: 0, windowMs: 86_400_000 },
    targeting: { countries: [], devices: [], scenarios: [], genres: [], explicitOk: false },
    kpi: { completionRate: 0.7, clickRate: 0.005 },
    ...o,
  };
}

export function creative(o: Partial<Creative> = {}): Creative {
  return {
    id: 'cr',
    campaignId: 'camp',
    durationMs: 30_000,
    energy: 0.5,
    voiceStyle: 'conversational',
    disruptiveness: 0.3,
    audioUrl: 'https://cdn.example.com/ads/cr.mp3',
    ...o,
  };
}

export function catalogueOf(parts: {
  advertisers?: Advertiser[];
  campaigns?: Campaign[];
  creatives?: Creative[];
}): Catalogue {
  const byId = <T extends { id: string }>(xs: T[]) => new Map(xs.map((x) => [x.id, x]));
  return {
    version: 'test',
    advertisers: byId(parts.advertisers ?? [advertiser()]),
    campaigns: byId(parts.campaigns ?? [campaign()]),
    creatives: byId(parts.creatives ?? [creative()]),
  };
}

export function signals(o: Partial<Signals> = {}): Signals {
  return {
    sessionId: 'session-1',
    device: 'mobile',
    localTime: { epochMs: NOW, offsetMinutes: 60, hour: 9, dayOfWeek: 3 },
    trackGenre: 'pop',
    previousGenre: 'pop',
    recentSkips: 0,
    playlistKind: 'editorial',
    activityHint: 'unknown',
    explicitContent: false,
    country: 'SE',
    content: null,
    ...o,
  };
}

export function snapshot(o: Partial<Snapshot> = {}): Snapshot {
  return {
    scenario: 'commute',
    focusLevel: 0.4,
    receptiveness: 0.6,
    skipRisk: 0.3,
    features: [],
    modelVersion: 'context-test',
    sessionAdsHeard: 0,
    isDefault: false,
    ...o,
  };
}

export function slot(o: Partial<Slot> = {}): Slot {
  return { slotId: 'slot-1', position: 'mid', maxAds: 1, maxTotalDurationMs: 60_000, ...o };
}

export function proposeInput(o: Partial<ProposeInput> = {}): ProposeInput {
  return {
    requestId: 'req-1',
    round: 1,
    slot: slot(),
    signals: signals(),
    context: snapshot(),
    excludedAdvertisers: [],
    excludedCategories: [],
    shortlistSize: 8,
    excludeCreatives: [],
    ...o,
  };
}

/**
 * Varied propose inputs from one seed, for comparing two ways of proposing: the
 * i-th call draws slot, signals, context, exclusions and shortlist size.
 */
export function randomProposeInputs(seed: number): (i: number) => ProposeInput {
  const rng = seededRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
  return (i: number): ProposeInput =>
    proposeInput({
      requestId: `r-${i}`,
      slot: slot({
        position: pick(['pre', 'mid', 'post'] as const),
        maxAds: pick([1, 2, 3]),
        maxTotalDurationMs: pick([15_000, 20_000, 30_000, 60_000]),
      }),
      signals: signals({
        country: pick(['SE', 'US', 'GB', 'DE', 'FR', 'BR']),
        device: pick(['mobile', 'desktop', 'smart_speaker', 'car', 'tv'] as const),
        trackGenre: pick(['pop', 'Rock', 'jazz', 'indie', 'podcast']),
        explicitContent: rng.next() < 0.3,
      }),
      context: snapshot({
        scenario: pick(SCENARIOS),
        focusLevel: rng.next(),
        receptiveness: rng.next(),
        skipRisk: rng.next(),
        sessionAdsHeard: Math.floor(rng.next() * 12),
      }),
      excludedAdvertisers: rng.next() < 0.2 ? [pick(['adv-1', 'adv-3', 'house'])] : [],
      excludedCategories: rng.next() < 0.2 ? [pick(['Telco', 'food', 'games'])] : [],
      shortlistSize: pick([1, 3, 8, 20, 500]),
      excludeCreatives:
        rng.next() < 0.3
          ? Array.from(
              { length: 30 },
              () => `cr-${pick([1, 2, 3, 4, 5])}-${pick([0, 1])}-${pick([0, 1, 2, 3])}`,
            )
          : [],
    });
}
