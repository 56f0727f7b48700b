import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogueError, loadCatalogueFile, parseCatalogue } from '../../services/common/catalogue/load';
import { DEFAULT_CATALOGUE, loadConfig } from '../../services/common/config';
import { useCleanup } from '../support/cleanup';

describe('the sample catalogue', () => {
  const cat = loadCatalogueFile(DEFAULT_CATALOGUE);
  const campaigns = [...cat.campaigns.values()];
  const creatives = [...cat.creatives.values()];

  it('loads with a realistic size', () => {
    expect(cat.advertisers.size).toBeGreaterThanOrEqual(12);
    expect(campaigns.length).toBeGreaterThanOrEqual(20);
    expect(creatives.length).toBeGreaterThanOrEqual(40);
  });

  it('covers the categories, tiers, goals, pacing modes and spot lengths', () => {
    const categories = new Set([...cat.advertisers.values()].map((a) => a.category));
    for (const c of [
      'sportswear',
      'coffee',
      'fintech',
      'automotive',
      'grocery',
      'travel',
      'telco',
      'alcohol',
      'gambling',
      'insurance',
      'house',
    ]) {
      expect(categories).toContain(c);
    }
    expect(new Set(campaigns.map((c) => c.tier))).toEqual(new Set(['sponsorship', 'standard', 'house']));
    expect(new Set(campaigns.map((c) => c.goal))).toEqual(new Set(['awareness', 'conversion', 'engagement']));
    expect(new Set(campaigns.map((c) => c.pacing))).toEqual(new Set(['even', 'asap']));
    expect(new Set(creatives.map((c) => c.durationMs))).toEqual(new Set([15_000, 30_000, 60_000]));
    for (const a of cat.advertisers.values()) expect(a.separationCategories.length).toBeGreaterThan(0);
  });

  it('has one expired and one paused campaign, the rest in flight for 2026-2027', () => {
    const inFlight = (ms: number) => campaigns.filter((c) => c.flightStartMs <= ms && ms < c.flightEndMs);
    const jan2026 = Date.parse('2026-01-01T00:00:00Z');
    const dec2027 = Date.parse('2027-12-31T12:00:00Z');
    expect(campaigns.length - inFlight(jan2026).length).toBe(1);
    expect(campaigns.length - inFlight(dec2027).length).toBe(1);
    expect(campaigns.filter((c) => c.paused).map((c) => c.id)).toEqual(['nordlink-family']);
  });

  it('prices paid campaigns above the default floor and keeps house ads free', () => {
    const floor = loadConfig({}).priceFloorMicros;
    for (const c of campaigns) {
      if (c.tier === 'house') expect(c.cpmMicros).toBe(0);
      else {
        expect(Math.floor(c.cpmMicros / 1000)).toBeGreaterThanOrEqual(floor);
        expect(c.totalBudgetMicros).toBeGreaterThan(0);
        expect(Number.isInteger(c.totalBudgetMicros) && Number.isInteger(c.dailyBudgetMicros)).toBe(true);
      }
    }
  });

  it('sizes daily budgets so that pacing binds at a few hundred decisions per second', () => {
    // An even-paced campaign winning just 1% of 300 decisions/s for a day
    // would spend far more than its daily cap.
    const winsPerDay = 300 * 0.01 * 86_400;
    for (const c of campaigns.filter((x) => x.dailyBudgetMicros > 0)) {
      expect(winsPerDay * Math.floor(c.cpmMicros / 1000)).toBeGreaterThan(c.dailyBudgetMicros);
    }
  });

  it('gives most advertisers brand-safety preferences, from a default tier to single topics', () => {
    const prefs = [...cat.advertisers.values()].flatMap((a) => (a.brandSafety ? [a.brandSafety] : []));
    expect(prefs.length).toBeGreaterThanOrEqual(8);
    expect(prefs.some((p) => p.avoidExplicit)).toBe(true);
    expect(prefs.some((p) => p.avoidTopics.includes('true-crime'))).toBe(true);
    expect(prefs.some((p) => Object.values(p.maxRisk).every((l) => l === 'low'))).toBe(true);
    expect(cat.advertisers.get('stride')!.brandSafety).toBeUndefined();
  });

  it('gives every creative sane attributes and an https audio url', () => {
    for (const c of creatives) {
      expect(c.audioUrl).toMatch(/^https:\/\//);
      expect(c.energy).toBeGreaterThanOrEqual(0);
      expect(c.energy).toBeLessThanOrEqual(1);
    }
  });
});

describe('catalogue errors name the path', () => {
  const cleanup = useCleanup('parley-catalogue-');
  const base = {
    advertisers: '- { id: a, category: coffee }',
    campaigns: `- id: c
    advertiser: a
    goal: awareness
    cpm_micros: 1000000
    budget: { total_micros: 1000000 }
    flight: { start: 2026-01-01, end: 2027-01-01 }`,
    creatives: '- { id: x, campaign: c, duration_ms: 15000 }',
  };
  const doc = (o: Partial<typeof base>) => {
    const p = { ...base, ...o };
    return `advertisers:\n  ${p.advertisers}\ncampaigns:\n  ${p.campaigns}\ncreatives:\n  ${p.creatives}\n`;
  };
  const errorOf = (text: string): string => {
    try {
      parseCatalogue(text);
    } catch (err) {
      expect(err).toBeInstanceOf(CatalogueError);
      return (err as Error).message;
    }
    throw new Error('parsed without error');
  };

  it('accepts the minimal document', () => {
    expect(parseCatalogue(doc({})).creatives.size).toBe(1);
  });

  it.each([
    [
      'an unknown advertiser',
      { campaigns: base.campaigns.replace('advertiser: a', 'advertiser: nobody') },
      'campaigns[0].advertiser: unknown advertiser "nobody"',
    ],
    [
      'a paid campaign without budget',
      { campaigns: base.campaigns.replace('total_micros: 1000000', 'daily_micros: 5') },
      'campaigns[0].budget.total_micros: required for paid tiers',
    ],
    [
      'an unknown device',
      { campaigns: `${base.campaigns}\n    targeting: { devices: [mobile, toaster] }` },
      'campaigns[0].targeting.devices[1]: must be one of',
    ],
    [
      'a flight ending before it starts',
      { campaigns: base.campaigns.replace('end: 2027-01-01', 'end: 2025-01-01') },
      'campaigns[0].flight.end: must be after flight.start',
    ],
    [
      'a creative that is too long',
      { creatives: '- { id: x, campaign: c, duration_ms: 999999 }' },
      'creatives[0].duration_ms: must be a number in [1000, 180000]',
    ],
    [
      'a number written with underscores',
      { creatives: '- { id: x, campaign: c, duration_ms: 15_000 }' },
      'creatives[0].duration_ms',
    ],
    [
      'a duplicate id',
      { advertisers: '- { id: a, category: coffee }\n  - { id: a, category: tea }' },
      'advertisers[1].id: duplicate id "a"',
    ],
    [
      'an unknown campaign',
      { creatives: '- { id: x, campaign: nope, duration_ms: 15000 }' },
      'creatives[0].campaign: unknown campaign "nope"',
    ],
  ])('%s', (_name, parts, message) => {
    expect(errorOf(doc(parts))).toContain(message);
  });

  it('reads a brand-lift hold-out share; absent, empty or 0 is none', () => {
    const share = (block: string) =>
      parseCatalogue(doc({ campaigns: `${base.campaigns}${block}` })).campaigns.get('c')?.brandLift;
    expect(share('\n    brand_lift: { holdout: 0.1 }')).toEqual({ holdoutShare: 0.1 });
    expect(share('')).toBeUndefined();
    expect(share('\n    brand_lift: {}')).toBeUndefined();
    expect(share('\n    brand_lift: { holdout: 0 }')).toBeUndefined();
  });

  it.each([
    [
      'a hold-out above half',
      '{ holdout: 0.7 }',
      'campaigns[0].brand_lift.holdout: must be a number in [0, 0.5]',
    ],
    [
      'a negative hold-out',
      '{ holdout: -0.1 }',
      'campaigns[0].brand_lift.holdout: must be a number in [0, 0.5]',
    ],
    [
      'a hold-out that is not a number',
      '{ holdout: ten }',
      'campaigns[0].brand_lift.holdout: must be a number in [0, 0.5]',
    ],
    [
      'a misspelt key',
      '{ hold_out: 0.1 }',
      'campaigns[0].brand_lift.hold_out: unknown key (expected one of holdout)',
    ],
    ['a brand_lift that is not a mapping', '0.1', 'campaigns[0].brand_lift: must be a mapping'],
  ])('refuses %s, naming the field and its line', (_name, value, message) => {
    expect(errorOf(doc({ campaigns: `${base.campaigns}\n    brand_lift: ${value}` }))).toBe(
      `line 10: ${message}`,
    );
  });

  it('reports the shape of every field before references between them', () => {
    // The creative names an unknown campaign and has no duration: the schema's problem comes first.
    const text = doc({ creatives: '- { id: x, campaign: nope }' });
    expect(errorOf(text)).toBe('line 11: creatives[0].duration_ms: must be a number in [1000, 180000]');
    expect(errorOf('campaigns: 3')).toBe('line 1: campaigns: must be a list');
    expect(errorOf('- a')).toBe('line 1: catalogue: must be a mapping');
  });

  it('reports broken YAML', () => {
    expect(errorOf('advertisers: [')).toMatch(/not valid YAML/);
  });

  it('names the line of the problem, and the file when loading one', () => {
    const text = doc({
      creatives:
        '- { id: x, campaign: c, duration_ms: 15000 }\n  - { id: y, campaign: nope, duration_ms: 15000 }',
    });
    expect(errorOf(text)).toBe('line 12: creatives[1].campaign: unknown campaign "nope"');
    const file = join(cleanup.tempRoot(), 'catalogue.yaml');
    writeFileSync(file, text);
    expect(() => loadCatalogueFile(file)).toThrow(
      `${file}:12: creatives[1].campaign: unknown campaign "nope"`,
    );
  });
});

describe('brand-safety preferences', () => {
  const withPrefs = (block: string) =>
    `advertisers:\n  - id: a\n    category: toys\n    brand_safety:\n${block
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n')}\ncampaigns: []\ncreatives: []\n`;
  const errorOf = (text: string): string => {
    try {
      parseCatalogue(text);
    } catch (err) {
      expect(err).toBeInstanceOf(CatalogueError);
      return (err as Error).message;
    }
    throw new Error('parsed without error');
  };

  it('reads the highest level accepted per category, with a default for the rest (high when none)', () => {
    const a = parseCatalogue(
      withPrefs('max_risk: { crime: low, adult: medium }\navoid_topics: [true-crime, politics, true-crime]'),
    ).advertisers.get('a')!;
    expect(a.brandSafety!.maxRisk).toMatchObject({ crime: 'low', adult: 'medium', terrorism: 'high' });
    expect(a.brandSafety!.avoidTopics).toEqual(['true-crime', 'politics']);
    expect(a.brandSafety!.avoidExplicit).toBe(false);
    const b = parseCatalogue(
      withPrefs('max_risk: { default: low, arms: high }\navoid_explicit: true'),
    ).advertisers.get('a')!.brandSafety!;
    expect(Object.values(b.maxRisk).filter((l) => l === 'low')).toHaveLength(10);
    expect([b.maxRisk.arms, b.avoidExplicit]).toEqual(['high', true]);
  });

  it('keeps loading a catalogue without preferences (none declared)', () => {
    const c = parseCatalogue('advertisers: [{ id: a, category: toys }]\ncampaigns: []\ncreatives: []');
    expect(c.advertisers.get('a')!.brandSafety).toBeUndefined();
  });

  it.each([
    [
      'an unknown category',
      'max_risk: { crimes: low }',
      'line 5: advertisers[0].brand_safety.max_risk.crimes: unknown key',
    ],
    [
      'an unknown level',
      'max_risk: { adult: none }',
      'line 5: advertisers[0].brand_safety.max_risk.adult: must be one of low, medium, high',
    ],
    [
      'the floor as acceptable',
      'max_risk:\n  arms: floor',
      'line 6: advertisers[0].brand_safety.max_risk.arms: must be one of low, medium, high',
    ],
    [
      'a level that is not a word',
      'max_risk: { default: 2 }',
      'advertisers[0].brand_safety.max_risk.default: must be one of',
    ],
    [
      'a malformed topic',
      'avoid_topics:\n  - true-crime\n  - True Crime',
      'line 7: advertisers[0].brand_safety.avoid_topics[1]: must be lower-case words joined by "-"',
    ],
    [
      'a topic list that is not a list',
      'avoid_topics: true-crime',
      'advertisers[0].brand_safety.avoid_topics: must be a list',
    ],
    [
      'avoid_explicit that is not a boolean',
      'avoid_explicit: sometimes',
      'line 5: advertisers[0].brand_safety.avoid_explicit: must be true or false',
    ],
    [
      'an unknown key',
      'avoid_topic: [politics]',
      'line 5: advertisers[0].brand_safety.avoid_topic: unknown key',
    ],
  ])('refuses %s, naming its line', (_name, block, message) => {
    expect(errorOf(withPrefs(block))).toContain(message);
  });

  it('refuses a misspelt brand_safety instead of silently dropping the preferences', () => {
    expect(
      errorOf('advertisers:\n  - id: a\n    category: toys\n    brand_saftey: { avoid_explicit: true }\n'),
    ).toBe(
      'line 4: advertisers[0].brand_saftey: unknown key (expected one of id, name, category, separation_categories, brand_safety)',
    );
  });
});
