import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCatalogue } from '../../../services/common/catalogue/load';
import { seededRng } from '../../../services/common/rng';
import {
  catalogueToYaml,
  DEFAULT_ACTIVITIES,
  DEFAULT_LIFT,
  DEFAULT_RESPONSE,
  defaultScenario,
  generateCatalogue,
  loadScenarioFile,
  parseScenario,
  ScenarioError,
  Simulator,
} from '../../../sim/index';
import { rotate } from './helpers';

const SCENARIOS = join(import.meta.dirname, '../../../sim/scenarios');

describe('scenario files', () => {
  it.each(['default-day', 'skewed', 'sparse-inventory', 'stress-hidden-evening'])(
    '%s.yaml loads and simulates',
    (name) => {
      const sc = loadScenarioFile(join(SCENARIOS, `${name}.yaml`));
      expect(sc.name).toBe(name);
      sc.population.size = 50; // keep the run short; the file itself is what is under test
      const sim = new Simulator({ scenario: sc });
      expect(sim.catalogue.creatives.size).toBeGreaterThan(0);
      const r = sim.nextRequest();
      expect(r).not.toBeNull();
      expect(r!.nowMs).toBeGreaterThanOrEqual(sc.startMs);
    },
  );

  it('default-day.yaml spells out exactly the built-in defaults', () => {
    const file = loadScenarioFile(join(SCENARIOS, 'default-day.yaml'));
    const builtIn = defaultScenario();
    expect(file.response).toEqual(DEFAULT_RESPONSE);
    expect(file.population).toEqual(builtIn.population);
    expect(file.ads).toEqual(builtIn.ads);
    expect(file.activities).toEqual(builtIn.activities);
    expect(file.content).toEqual(builtIn.content);
    expect(file.supply).toEqual(builtIn.supply);
    expect(file.lift).toEqual(DEFAULT_LIFT);
  });

  it('files without a lift section or KPI ranges get the built-in ones; given knobs override them', () => {
    const old = parseScenario('name: old\ndays: 1\n');
    expect(old.lift).toEqual(DEFAULT_LIFT);
    const tuned = parseScenario(
      'lift: { holdout_share: 0.2, survey_delay_hours: 36 }\nsupply: { generate: { kpi: { click_rate: { min: 0.01, max: 0.02 } } } }\n',
    );
    expect(tuned.lift).toEqual({ ...DEFAULT_LIFT, holdoutShare: 0.2, surveyDelayHours: 36 });
    if (tuned.supply.kind !== 'generate') throw new Error('generated');
    expect(tuned.supply.kpi).toEqual({
      completionRate: { min: 0.15, max: 0.45 },
      clickRate: { min: 0.01, max: 0.02 },
    });
    const sim = new Simulator({ scenario: { ...tuned, population: { ...tuned.population, size: 20 } } });
    for (const c of sim.catalogue.campaigns.values()) {
      expect(c.kpi.clickRate).toBeGreaterThanOrEqual(0.01);
      expect(c.kpi.clickRate).toBeLessThanOrEqual(0.02);
      expect(c.kpi.completionRate).toBeGreaterThanOrEqual(0.15);
      expect(c.kpi.completionRate).toBeLessThanOrEqual(0.45);
    }
  });

  it('stress-hidden-evening.yaml adds a hidden response term that raises skips; files without one have none', () => {
    for (const name of ['default-day', 'skewed', 'sparse-inventory'])
      expect(loadScenarioFile(join(SCENARIOS, `${name}.yaml`)).hiddenInteraction).toBeNull();
    const stress = loadScenarioFile(join(SCENARIOS, 'stress-hidden-evening.yaml'));
    expect(stress.hiddenInteraction).toEqual({
      weight: 2.5,
      fromHour: 18,
      toHour: 24,
      categories: ['food', 'retail', 'entertainment'],
      fatigueAds: 2,
    });
    // The same day and policy with the term switched off: the evening ads of its categories
    // are skipped much more with it.
    stress.population.size = 300;
    const eveningSkipRate = (hidden: typeof stress.hiddenInteraction) => {
      const sim = new Simulator({ scenario: { ...stress, hiddenInteraction: hidden } });
      const categoryOf = (creativeId: string) => {
        const campaign = sim.catalogue.campaigns.get(sim.catalogue.creatives.get(creativeId)!.campaignId)!;
        return sim.catalogue.advertisers.get(campaign.advertiserId)!.category;
      };
      let ads = 0;
      let skips = 0;
      for (let r = sim.nextRequest(); r; r = sim.nextRequest()) {
        const o = sim.respond(r.handle, rotate(r, sim));
        if (r.signals.localTime.hour < 18) continue;
        for (const ad of o.ads)
          if (['food', 'retail', 'entertainment'].includes(categoryOf(ad.creativeId))) {
            ads++;
            if (ad.skipped) skips++;
          }
      }
      expect(ads).toBeGreaterThan(100);
      return skips / ads;
    };
    expect(eveningSkipRate(stress.hiddenInteraction)).toBeGreaterThan(eveningSkipRate(null) + 0.1);
  });

  it('skewed.yaml concentrates the budget in a few campaigns', () => {
    const sim = new Simulator({ scenario: loadScenarioFile(join(SCENARIOS, 'skewed.yaml')) });
    const budgets = [...sim.catalogue.campaigns.values()]
      .filter((c) => c.tier !== 'house')
      .map((c) => c.dailyBudgetMicros)
      .sort((a, b) => b - a);
    const total = budgets.reduce((a, b) => a + b, 0);
    expect((budgets[0]! + budgets[1]!) / total).toBeGreaterThan(0.6);
  });
});

describe('scenario validation', () => {
  const cases: Array<[string, string]> = [
    ['population: { size: 0 }', 'population.size'],
    ['population: { size: 2.5 }', 'population.size'],
    ['population: { countries: [{ code: SE }, { code: se }] }', 'population.countries[1].code'],
    ['population: { ad_tolerance: { mean: 2 } }', 'population.ad_tolerance.mean'],
    ['ads: { max_ads_weights: [1, 1, 1, 1, 1, 1, 1] }', 'ads.max_ads_weights'],
    ['ads: { max_ads_weights: [1, -1] }', 'ads.max_ads_weights[1]'],
    ['response: { base_skip_logit: high }', 'response.base_skip_logit'],
    ['response: { base_skip_logt: 1 }', 'response.base_skip_logt'],
    ['activities: { workout: { weekday: [1, 2, 3] } }', 'activities.workout.weekday'],
    [
      'activities: { workout: { weekend: [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,x] } }',
      'activities.workout.weekend[23]',
    ],
    ['activities: { jogging: {} }', 'activities.jogging'],
    ['activities: { sleep: { devices: { toaster: 1 } } }', 'activities.sleep.devices.toaster'],
    ['activities: { sleep: { genres: { ambient: 0 } } }', 'activities.sleep.genres'],
    ['supply: { generate: { tiers: { gold: 1 } } }', 'supply.generate.tiers.gold'],
    ['supply: { generate: { cpm_micros: { min: 5, max: 1 } } }', 'supply.generate.cpm_micros.max'],
    ['supply: { generate: { advertisers: 5, campaigns: 2 } }', 'supply.generate.campaigns'],
    ['supply: { catalogue: a.yaml, generate: {} }', 'supply'],
    ['content: { signals_share: 2 }', 'content.signals_share'],
    ['lift: { holdout_share: 2 }', 'lift.holdout_share'],
    ['lift: { survey_sample: 2.5 }', 'lift.survey_sample'],
    ['lift: { surveys: 1 }', 'lift.surveys'],
    [
      'supply: { generate: { kpi: { completion_rate: { min: 0.5, max: 0.2 } } } }',
      'supply.generate.kpi.completion_rate.max',
    ],
    ['content: { explicit_track_risks: { swearing: medium } }', 'content.explicit_track_risks.swearing'],
    ['content: { explicit_track_risks: { obscenity: extreme } }', 'content.explicit_track_risks.obscenity'],
    ['content: { podcast_topics: { True Crime: { weight: 1 } } }', 'content.podcast_topics.True Crime'],
    [
      'content: { podcast_topics: { news: { risks: { crime: { medium: 0.7, high: 0.4 } } } } }',
      'content.podcast_topics.news.risks.crime',
    ],
    [
      'content: { podcast_topics: { news: { risks: { crime: { low: 0.5 } } } } }',
      'content.podcast_topics.news.risks.crime.low',
    ],
    ['content: { podcast_topics: { news: { weight: 0 } } }', 'content.podcast_topics'],
    [
      'supply: { generate: { brand_safety: { tolerance: { floor: 1 } } } }',
      'supply.generate.brand_safety.tolerance.floor',
    ],
    [
      'supply: { generate: { brand_safety: { avoid_topics: { news: 2 } } } }',
      'supply.generate.brand_safety.avoid_topics.news',
    ],
    ['response: { hidden_interaction: { categories: [] } }', 'response.hidden_interaction.categories'],
    [
      'response: { hidden_interaction: { categories: [food], local_hours: [18, 25] } }',
      'response.hidden_interaction.local_hours[1]',
    ],
    ['response: { hidden_interaction: { categories: [food], hue: 1 } }', 'response.hidden_interaction.hue'],
    [
      'response: { hidden_interaction: { categories: [food], fatigue_ads: 0 } }',
      'response.hidden_interaction.fatigue_ads',
    ],
    ['start: yesterday', 'start'],
    ['colour: blue', 'colour'],
  ];
  it.each(cases)('%s → names %s', (source, path) => {
    let error: unknown;
    try {
      parseScenario(source);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as Error).message.startsWith(`${path}: `)).toBe(true);
  });

  it('rejects hour tables that never start a session', () => {
    const zero = `[${Array(24).fill(0).join(',')}]`;
    const all = Object.keys(DEFAULT_ACTIVITIES)
      .map((a) => `  ${a}: { weekend: ${zero} }`)
      .join('\n');
    expect(() => parseScenario(`activities:\n${all}`)).toThrow(
      /^activities: every weekend hour table is zero/,
    );
  });

  it('rejects YAML that does not parse, and a file error names the file and line', () => {
    expect(() => parseScenario('population: [')).toThrow(ScenarioError);
    const dir = mkdtempSync(join(tmpdir(), 'parley-sim-'));
    try {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, 'name: bad\npopulation:\n  size: 10\ndays: 0\n');
      expect(() => loadScenarioFile(file)).toThrow(`${file}:4: days: must be a number`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the content model and the generated brand-safety preferences, each key defaulting', () => {
    const sc = parseScenario(
      [
        'content:',
        '  signals_share: 0.5',
        '  explicit_track_risks: { obscenity: high, drugs_alcohol_tobacco: medium }',
        '  podcast_topics: { gaming: { weight: 2 }, true-crime: { risks: { crime: { high: 0.5, floor: 0.1 } } } }',
        'supply: { generate: { brand_safety: { share: 1, avoid_topics: { gaming: 0.5 } } } }',
      ].join('\n'),
    );
    expect(sc.content).toEqual({
      signalsShare: 0.5,
      episodeChangeRate: defaultScenario().content.episodeChangeRate,
      explicitTrackRisks: { obscenity: 'high', drugs_alcohol_tobacco: 'medium' },
      podcastTopics: {
        gaming: { weight: 2, risks: {} },
        'true-crime': { weight: 1, risks: { crime: { high: 0.5, floor: 0.1 } } },
      },
    });
    if (sc.supply.kind !== 'generate') throw new Error('generated supply');
    expect(sc.supply.brandSafety).toMatchObject({
      share: 1,
      avoidTopics: { gaming: 0.5 },
      avoidExplicitShare: 0.3,
    });
  });

  it('merges an activity override with the built-in profile', () => {
    const sc = parseScenario('activities: { workout: { ideal_energy: 0.95, genres: { EDM: 1 } } }');
    expect(sc.activities.workout.idealEnergy).toBe(0.95);
    expect(sc.activities.workout.genres).toEqual({ edm: 1 });
    expect(sc.activities.workout.weekday).toEqual(DEFAULT_ACTIVITIES.workout.weekday);
    expect(sc.activities.sleep).toEqual(DEFAULT_ACTIVITIES.sleep);
  });
});

describe('supply', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-sim-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a generated catalogue round-trips through the services’ catalogue parser', () => {
    const sc = defaultScenario();
    if (sc.supply.kind !== 'generate') throw new Error('default supply is generated');
    const generated = generateCatalogue(sc.supply, sc, sc.population.countries, seededRng(3));
    const parsed = parseCatalogue(catalogueToYaml(generated));
    expect(parsed.advertisers).toEqual(generated.advertisers);
    expect(parsed.campaigns).toEqual(generated.campaigns);
    expect(parsed.creatives).toEqual(generated.creatives);
    const campaigns = [...generated.campaigns.values()];
    expect(campaigns).toHaveLength(24);
    for (const c of campaigns) {
      // The flight is the horizon: an episode sees whole flights.
      expect(c.flightStartMs).toBe(sc.startMs);
      expect(c.flightEndMs).toBe(sc.startMs + sc.days * 86_400_000);
      if (c.tier === 'house') expect(c.cpmMicros).toBe(0);
      else expect(c.totalBudgetMicros).toBeGreaterThan(0);
    }
    for (const cr of generated.creatives.values()) expect([15_000, 30_000, 60_000]).toContain(cr.durationMs);
  });

  it('gives a share of generated advertisers brand-safety preferences, drawn after the rest of the supply', () => {
    const sc = defaultScenario();
    const supply = sc.supply;
    if (supply.kind !== 'generate') throw new Error('default supply is generated');
    const generate = (share: number) =>
      generateCatalogue(
        { ...supply, advertisers: 200, campaigns: 200, brandSafety: { ...supply.brandSafety, share } },
        sc,
        sc.population.countries,
        seededRng(3),
      );
    const some = generate(0.6);
    const none = generate(0);
    const prefs = [...some.advertisers.values()].flatMap((a) => (a.brandSafety ? [a.brandSafety] : []));
    expect(prefs.length / some.advertisers.size).toBeGreaterThan(0.5);
    expect(prefs.length / some.advertisers.size).toBeLessThan(0.7);
    expect(new Set(prefs.map((p) => p.maxRisk.crime))).toEqual(new Set(['low', 'medium', 'high']));
    for (const p of prefs) expect(new Set(Object.values(p.maxRisk)).size).toBe(1); // one tolerance everywhere
    expect(prefs.some((p) => p.avoidExplicit && p.avoidTopics.includes('true-crime'))).toBe(true);
    expect([...none.advertisers.values()].every((a) => a.brandSafety === undefined)).toBe(true);
    // The rest of the supply does not depend on the preferences.
    expect(none.campaigns).toEqual(some.campaigns);
    expect(none.creatives).toEqual(some.creatives);
  });

  it('a scenario can simulate a catalogue file, found relative to the scenario', () => {
    const sc = defaultScenario();
    if (sc.supply.kind !== 'generate') throw new Error('default supply is generated');
    const generated = generateCatalogue(sc.supply, sc, sc.population.countries, seededRng(5));
    writeFileSync(join(dir, 'catalogue.yaml'), catalogueToYaml(generated));
    writeFileSync(
      join(dir, 'scenario.yaml'),
      'population: { size: 20 }\nsupply: { catalogue: catalogue.yaml }\n',
    );
    const sim = new Simulator({ scenario: loadScenarioFile(join(dir, 'scenario.yaml')) });
    expect([...sim.catalogue.creatives.keys()]).toEqual([...generated.creatives.keys()]);
  });
});
