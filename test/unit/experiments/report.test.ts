import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CampaignResult, EpisodeResult } from '../../../sim/experiments/env';
import {
  analysis,
  budgetText,
  learningSection,
  pairedDiff,
  pairedRatio,
  parleySettingName,
  renderReport,
  searchText,
  sideAnalysis,
  targetVerdicts,
  verdictOf,
} from '../../../sim/experiments/report';
import {
  BANDIT_ARM,
  type ExperimentResult,
  FRONTIER,
  MAIN_ARMS,
  parseExperimentArgs,
  type ScenarioResult,
  summarise,
} from '../../../sim/experiments/run';

/** What a contrived seed of one arm looks like (the figures the report reads). */
interface Seed {
  skipRate: number;
  meanRecall: number;
  /** Brand lift of the awareness campaigns (the recall target's metric). */
  brandLift: number;
  revenueMicros: number;
  impressions: number;
  requests: number;
  meanSessionMinutes: number;
  jointReward: number;
  /** Paid campaigns reaching their goal, of 10. */
  goals: number;
  /** Listeners each campaign reached (of its 200 impressions; default 150). */
  reach?: number;
}

function episode(arm: string, seed: number, x: Seed): EpisodeResult {
  const campaigns: CampaignResult[] = Array.from({ length: 10 }, (_, i) => ({
    id: `c${i}`,
    goal: 'awareness',
    tier: 'standard',
    impressions: 200,
    completes: 100 + i,
    clicks: 0,
    spendMicros: 0,
    kpiProgress: i < x.goals ? 1 : 0.5,
    reachedGoal: i < x.goals,
    overspendMicros: 0,
    lift: x.brandLift,
    surveyedExposed: 100,
    surveyedControl: 100,
    reach: x.reach ?? 150,
  }));
  return {
    arm,
    seed,
    requests: x.requests,
    impressions: x.impressions,
    skipRate: x.skipRate,
    completionRate: 1 - x.skipRate,
    meanRecall: x.meanRecall,
    brandLift: x.brandLift,
    brandLiftAll: x.brandLift,
    liftCampaigns: 10,
    liftedPerThousand: (1000 * x.brandLift * (x.reach ?? 150)) / 200,
    surveysPublished: 30,
    revenueMicros: x.revenueMicros,
    goalAttainment: x.goals / 10,
    overspendMicros: 0,
    meanSessionMinutes: x.meanSessionMinutes,
    unsafeAdjacencies: 0,
    unsafeRate: 0,
    brandCostMicros: 0,
    jointReward: x.jointReward,
    continuationRate: 0.8,
    rewardTotal: x.jointReward * x.requests,
    campaigns,
    wallMs: 0,
  };
}

const base: Seed = {
  skipRate: 0.6,
  meanRecall: 0.25,
  brandLift: 0.1,
  revenueMicros: 300e6,
  impressions: 15_000,
  requests: 10_000,
  meanSessionMinutes: 35,
  jointReward: 1.2,
  goals: 1,
};

function scenario(name: string, arms: Partial<Record<string, Seed[]>>, seeds = 20): ScenarioResult {
  const runs = (arm: string) =>
    (arms[arm] ?? Array.from({ length: seeds }, () => base)).map((x, i) => episode(arm, 1001 + i, x));
  return {
    scenario: `sim/scenarios/${name}.yaml`,
    name,
    trainWallMs: 1000,
    trainCpuMs: 1000,
    curves: {
      parley: [
        { iteration: 1, samples: 10, jointReward: 1.1, skipRate: 0.6 },
        { iteration: 2, samples: 20, jointReward: 1.3, skipRate: 0.55 },
      ],
      monolithic: [
        { iteration: 1, samples: 10, jointReward: 1.2, skipRate: 0.6 },
        { iteration: 2, samples: 20, jointReward: 1.15, skipRate: 0.6 },
      ],
    },
    arms: MAIN_ARMS.map((a) => summarise(a, runs(a))),
    forecast: { total: { forecast: 0.1, flat: 0.2 }, byContext: { forecast: 0.2, flat: 0.6 } },
    versions: { inventory: 'i', context: 'c', objective: 'o', monolithic: 'm' },
    testSeeds: Array.from({ length: seeds }, (_, i) => 1001 + i),
    trainSeeds: [1, 2],
    validationSeeds: [901, 902],
    samples: 20,
    decision: { chosen: FRONTIER[2]!, validation: FRONTIER.map((setting) => ({ setting, jointReward: 1 })) },
    monolithicDecision: { chosen: null, validation: [{ setting: null, jointReward: 1 }] },
    banditDecision: { chosen: 0.5, validation: [{ setting: 0.5, jointReward: 1 }] },
  };
}

function experiment(scenarios: ScenarioResult[], quick = false): ExperimentResult {
  const options = parseExperimentArgs(quick ? ['--quick', '--out', '/dev/null/REPORT.md'] : [])!;
  return { options, backend: 'cpu', scenarios, wallMs: 60_000 };
}

/** Parses "0.838× [0.813, 0.866]" style figures. */
const RATIO = String.raw`(-?[\d.]+|-?Infinity|NaN)× \[([-\d.]+|-?Infinity|NaN), ([-\d.]+|-?Infinity|NaN)\]`;
const VERDICT = '(met|missed|not shown)';

/** The verdict a printed interval supports for a target (null when a printed bound sits on the target: rounding decides). */
function printedVerdict(lo: number, hi: number, op: '<=' | '>=', target: number): string | null {
  if (lo === target || hi === target) return null;
  return verdictOf({ mean: Number.NaN, lo, hi }, op, target);
}

/** Checks every claim of one scenario's analysis against the results it was generated from. */
function checkClaims(s: ScenarioResult) {
  const text = analysis(s).join('\n');
  const arm = (name: string) => s.arms.find((a) => a.arm === name)!;
  const parley = arm('parley');
  const price = arm('price-first');

  const skip = text.match(
    new RegExp(`skip rate is ${RATIO} price-first's \\(([\\d.]+) vs ([\\d.]+)\\): target ≤ 0.8× ${VERDICT}`),
  );
  expect(skip, text).not.toBeNull();
  const [, r, lo, hi, p, q, v] = skip!;
  expect(Number(p)).toBeCloseTo(parley.metrics.skipRate.mean, 3);
  expect(Number(q)).toBeCloseTo(price.metrics.skipRate.mean, 3);
  expect(Number(r)).toBeCloseTo(parley.metrics.skipRate.mean / price.metrics.skipRate.mean, 3);
  const expected = printedVerdict(Number(lo), Number(hi), '<=', 0.8);
  if (expected) expect(v).toBe(expected);

  for (const [metric, op, target] of [
    ['Revenue', '≥', 0.95],
    ['Recall', '≥', 1.3],
  ] as const) {
    const m = text.match(
      new RegExp(`\\*\\*${metric}\\*\\*: ${RATIO} price-first's: target ${op} ${target}× ${VERDICT}`),
    );
    expect(m, `${metric}: ${text}`).not.toBeNull();
    const e = printedVerdict(Number(m![2]), Number(m![3]), '>=', target);
    if (e) expect(m![4]).toBe(e);
  }

  const per = (a: typeof parley) =>
    a.runs.reduce((t, x) => t + x.revenueMicros, 0) / a.runs.reduce((t, x) => t + x.impressions, 0);
  const imp = text.match(/earns (more|less|as much) per impression \((\d+) vs (\d+) micros\)/);
  expect(imp, text).not.toBeNull();
  expect(Number(imp![2])).toBe(Number(per(parley).toFixed(0)));
  expect(Number(imp![3])).toBe(Number(per(price).toFixed(0)));
  const cmp = (a: number, b: number, w: [string, string, string]) => (a > b ? w[0] : a < b ? w[1] : w[2]);
  expect(imp![1]).toBe(cmp(Number(imp![2]), Number(imp![3]), ['more', 'less', 'as much']));

  const breaks = text.match(/has (more|fewer|as many) ad breaks per seed \((\d+) vs (\d+)\)/);
  expect(breaks, text).not.toBeNull();
  expect(breaks![1]).toBe(cmp(Number(breaks![2]), Number(breaks![3]), ['more', 'fewer', 'as many']));
  const sessions = text.match(/(longer|shorter|equally long) sessions \(([\d.]+) vs ([\d.]+) min\)/);
  expect(sessions, text).not.toBeNull();
  expect(Number(sessions![2])).toBeCloseTo(parley.metrics.meanSessionMinutes.mean, 1);
  expect(sessions![1]).toBe(
    cmp(Number(sessions![2]), Number(sessions![3]), ['longer', 'shorter', 'equally long']),
  );

  const goals = text.match(
    new RegExp(
      `(\\d+) of (\\d+) paid campaign-runs \\(campaign × seed\\) reach their goal under parley, (\\d+) of (\\d+) under price-first; ratio ${RATIO}: target ≥ 1.15× ${VERDICT}`,
    ),
  );
  expect(goals, text).not.toBeNull();
  const reached = (a: typeof parley) =>
    a.runs.reduce((t, x) => t + x.campaigns.filter((c) => c.reachedGoal).length, 0);
  expect(Number(goals![1])).toBe(reached(parley));
  expect(Number(goals![3])).toBe(reached(price));
  const ge = printedVerdict(Number(goals![6]), Number(goals![7]), '>=', 1.15);
  if (ge) expect(goals![8]).toBe(ge);

  const mono = text.match(
    /against the monolithic learner ([-+][\d.]+) \[([-\d.]+), ([-\d.]+)\] \(parley ahead: (met|missed|not shown)\)/,
  );
  expect(mono, text).not.toBeNull();
  const d = pairedDiff(parley, arm('monolithic'), 'jointReward');
  expect(Number(mono![1])).toBeCloseTo(d.mean, 3);
  const [mlo, mhi] = [Number(mono![2]), Number(mono![3])];
  if (mlo !== 0 && mhi !== 0) expect(mono![4]).toBe(mlo > 0 ? 'met' : mhi < 0 ? 'missed' : 'not shown');
  const band = text.match(
    /against the contextual bandit ([-+][\d.]+) \[([-\d.]+), ([-\d.]+)\] \(parley ahead: (met|missed|not shown)\)/,
  );
  expect(band, text).not.toBeNull();
  expect(Number(band![1])).toBeCloseTo(pairedDiff(parley, arm(BANDIT_ARM), 'jointReward').mean, 3);

  const curves = text.match(
    /parley's joint reward (rose|fell|stayed) \(([\d.]+) → ([\d.]+)\), the monolithic learner's (rose|fell|stayed) \(([\d.]+) → ([\d.]+)\)/,
  );
  expect(curves, text).not.toBeNull();
  expect(curves![1]).toBe(cmp(Number(curves![3]), Number(curves![2]), ['rose', 'fell', 'stayed']));
  expect(curves![4]).toBe(cmp(Number(curves![6]), Number(curves![5]), ['rose', 'fell', 'stayed']));
}

const seedArb = fc.record({
  skipRate: fc.double({ min: 0.2, max: 0.8, noNaN: true }),
  meanRecall: fc.double({ min: 0.1, max: 0.5, noNaN: true }),
  brandLift: fc.double({ min: 0.01, max: 0.3, noNaN: true }),
  revenueMicros: fc.integer({ min: 100e6, max: 500e6 }),
  impressions: fc.integer({ min: 5_000, max: 20_000 }),
  requests: fc.integer({ min: 5_000, max: 12_000 }),
  meanSessionMinutes: fc.double({ min: 20, max: 50, noNaN: true }),
  jointReward: fc.double({ min: 0.5, max: 2, noNaN: true }),
  goals: fc.integer({ min: 0, max: 10 }),
});

describe('the experiment report says only what its numbers say', () => {
  it('a target is met only when its 95% bound clears it', () => {
    // The reviewer's cases: a goal ratio of 3.38× whose interval reaches down below the target, and
    // "parley ≥ monolithic" with an interval spanning 0, are not met.
    expect(verdictOf({ mean: 3.38, lo: 0.67, hi: Number.POSITIVE_INFINITY }, '>=', 1.15)).toBe('not shown');
    expect(verdictOf({ mean: 0.78, lo: 0.75, hi: 0.81 }, '<=', 0.8)).toBe('not shown');
    expect(verdictOf({ mean: 0.7, lo: 0.65, hi: 0.79 }, '<=', 0.8)).toBe('met');
    expect(verdictOf({ mean: 0.9, lo: 0.81, hi: 0.95 }, '<=', 0.8)).toBe('missed');
    expect(verdictOf({ mean: 1.2, lo: 1.16, hi: 1.3 }, '>=', 1.15)).toBe('met');
    expect(verdictOf({ mean: 1, lo: 0.9, hi: 1.1 }, '>=', 1.15)).toBe('missed');
    expect(verdictOf({ mean: Number.NaN, lo: Number.NaN, hi: Number.NaN }, '>=', 1)).toBe('not shown');
  });

  it("the reviewer's false sentence: parley earning more per impression is said to earn more", () => {
    const seeds = (perImp: number) =>
      Array.from({ length: 20 }, () => ({ ...base, impressions: 10_000, revenueMicros: perImp * 10_000 }));
    const s = scenario('x', { parley: seeds(21_836), 'price-first': seeds(21_666) });
    const text = analysis(s).join('\n');
    expect(text).toContain('Parley earns more per impression (21836 vs 21666 micros)');
    const t = analysis(scenario('x', { parley: seeds(21_666), 'price-first': seeds(21_836) })).join('\n');
    expect(t).toContain('Parley earns less per impression (21666 vs 21836 micros)');
  });

  it('says how often a listener the awareness campaigns reached heard them, and the lifted listeners per 1,000 impressions', () => {
    const seeds = (reach: number) => Array.from({ length: 20 }, () => ({ ...base, reach }));
    const text = analysis(scenario('x', { parley: seeds(100), 'price-first': seeds(160) })).join('\n');
    expect(text).toContain(
      'heard them 2.00 times under parley and 1.25 under price-first (impressions / reach)',
    );
    // The same mean lift over fewer listeners: lift × reach per 1,000 impressions is 100 / 160 of price-first's.
    expect(text).toContain("parley has 0.625× [0.625, 0.625] price-first's (50.0 vs 80.0)");
  });

  it('every claim of the analysis matches contrived results it is fed (property)', () => {
    fc.assert(
      fc.property(
        fc.array(seedArb, { minLength: 20, maxLength: 20 }),
        fc.array(seedArb, { minLength: 20, maxLength: 20 }),
        fc.array(seedArb, { minLength: 20, maxLength: 20 }),
        (parley, price, mono) =>
          checkClaims(scenario('p', { parley, 'price-first': price, monolithic: mono })),
      ),
      { numRuns: 25, seed: 12 },
    );
  });

  it('close results give a clear verdict only where the bound clears: a skip ratio of ~0.79 whose CI reaches above 0.8 is not met', () => {
    const noisy = (mean: number, spread: number) =>
      Array.from({ length: 20 }, (_, i) => ({ ...base, skipRate: mean + (i % 2 ? spread : -spread) }));
    const s = scenario('close', { parley: noisy(0.474, 0.1), 'price-first': noisy(0.6, 0.01) });
    const skip = targetVerdicts(s).find((t) => t.metric === 'skipRate')!;
    expect(skip.observed.mean).toBeLessThan(0.8);
    expect(skip.observed.hi).toBeGreaterThan(0.8);
    expect(skip.verdict).toBe('not shown');
    checkClaims(s);
    const arm = (name: string) => s.arms.find((a) => a.arm === name)!;
    expect(pairedRatio(arm('parley'), arm('price-first'), 'skipRate').mean).toBeCloseTo(0.79, 2);
  });

  it("the verdict table, its summary count and each scenario's section come from that scenario's numbers", () => {
    const good = Array.from({ length: 20 }, () => ({ ...base, skipRate: 0.3, goals: 3 }));
    const a = scenario('alpha', { parley: good });
    const b = scenario('beta', {});
    const { markdown } = renderReport(experiment([a, b]), 'charts');
    expect(markdown).toContain('> **Full run**');
    expect(markdown).not.toContain('Quick mode');
    const row = markdown.split('\n').find((l) => l.startsWith('| skip rate <= 0.8×'))!;
    const cells = row.split(' | ');
    expect(cells[1]).toMatch(/^0\.500× \[0\.500, 0\.500\] met$/);
    expect(cells[2]).toMatch(/^1\.000× \[1\.000, 1\.000\] \*\*missed\*\*/);
    // Every cell of the table is counted in the summary.
    const table = markdown.slice(markdown.indexOf('| target |'), markdown.indexOf('budget overspend'));
    const count = (v: string) => table.split(v).length - 1;
    const summary = markdown.match(
      /Of (\d+) target checks .*?, (\d+) are met, (\d+) missed and (\d+) not shown/,
    )!;
    expect(Number(summary[1])).toBe(10);
    expect(Number(summary[2])).toBe(count(' met |') + count(' met\n'));
    expect(Number(summary[3])).toBe(count('**missed**'));
    expect(Number(summary[4])).toBe(count('**not shown**'));
    // Each scenario states its own goal counts: alpha 60 of 200, beta 20 of 200.
    const alpha = markdown.slice(
      markdown.indexOf('## Scenario `alpha`'),
      markdown.indexOf('## Scenario `beta`'),
    );
    const beta = markdown.slice(markdown.indexOf('## Scenario `beta`'));
    expect(alpha).toContain('60 of 200 paid campaign-runs');
    expect(beta).toContain('20 of 200 paid campaign-runs');
  });

  it('a quick run says so, is not presented as the full run, and judges no target on its few seeds', () => {
    const good = Array.from({ length: 2 }, () => ({ ...base, skipRate: 0.3 }));
    const { markdown } = renderReport(experiment([scenario('q', { parley: good }, 2)], true), 'charts');
    expect(markdown).toContain('**Quick mode**');
    expect(markdown).toContain('too few and too short to judge any target');
    expect(markdown).not.toContain('**Full run**');
    expect(markdown).toMatch(/\| skip rate <= 0\.8× \| 0\.500× \[0\.500, 0\.500\] \*\*not shown\*\* \|/);
    expect(markdown).toContain('0 are met');
  });

  it("says what learns from what with the run's counts, and each ad-load share from the test seeds' counts", () => {
    const s = {
      ...scenario('rl', {}),
      rl: { episodes: 4, updates: 48, breaks: 47_210, batch: 1000, meanReturn: 2.5, adLoad: [1, 2, 3, 4] },
      adLoadTest: [10, 30, 0, 60],
    };
    const text = learningSection(experiment([s])).join('\n');
    expect(text).toContain(
      '4 training episode(s), 48 policy-gradient updates over 47210 breaks (batches of 1000)',
    );
    expect(text).toContain('no floor: 10%; floor 0: 30%; floor 0.5: 0%; floor 1: 60%');
    expect(text).toContain(
      '| context agent: ad-load policy | the ad load of the break: the floor on joint utility its ads must clear, no floor, floor 0, floor 0.5, floor 1 |',
    );
    // Parley's chosen setting is named as it decided: its floor is the context agent's, not "no floor".
    expect(parleySettingName(s, { listener: 2, floor: null })).toBe(
      "w_listener ×2, the context agent's learned floor per break",
    );
    expect(parleySettingName({}, { listener: 2, floor: null })).toBe('w_listener ×2, no floor');
    expect(analysis(s).join('\n')).toContain("the context agent's learned floor per break");
    // A run without the learners (an older results.json) gets the table but no counts.
    const old = learningSection(experiment([scenario('old', {})])).join('\n');
    expect(old).not.toContain('training episode');
    // Nor the inventory's offer policy, which that run did not have.
    expect(old).not.toContain('offer policy');
    expect(text).not.toContain('offer policy');
    const offers = {
      ...s,
      rl: {
        ...s.rl,
        offers: { proposals: 900, offered: 7200, replaced: 720 },
        offerTheta: [0.5, 0, 0, -1.25, 0, 0, 0],
      },
      offersTest: { proposals: 800, offered: 6400, replaced: 1600 },
    };
    const withOffers = learningSection(experiment([offers])).join('\n');
    expect(withOffers).toContain('| inventory agent: offer policy | which k candidates it offers');
    expect(withOffers).toContain('in 900 proposals in training (10% of what it offered');
    expect(withOffers).toContain('in 800 proposals, 25% of the 6400 candidates');
    expect(withOffers).toContain('p_skip +0.50');
    expect(withOffers).toContain('price -1.25');
  });

  it("states each side's training episodes from the run's counts, and says equal only when they are", () => {
    const side = (exploring: number, further: number) => ({ exploring, further });
    const equal = { parley: side(2, 4), monolithic: side(2, 4), bandit: side(2, 4) };
    const s = { ...scenario('eq', {}), budget: equal };
    const text = budgetText(experiment([s]));
    expect(text).toContain('`eq` parley 2 + 4, monolithic 2 + 4, bandit 2 + 4');
    expect(text).toContain('The budgets are equal.');
    const unequal = { ...s, name: 'un', budget: { ...equal, bandit: side(2, 0) } };
    const both = budgetText(experiment([s, unequal]));
    expect(both).toContain('bandit 2 + 0');
    expect(both).toContain('**The budgets differ.**');
    expect(both).not.toContain('are equal');
    expect(budgetText(experiment([scenario('old', {})]))).toContain('do not count');
    // The fixture's searches are 7, 1 and 1 settings: not equal, and said so.
    expect(searchText(experiment([s]))).toContain('7, 1, 1 settings');
    expect(searchText(experiment([s]))).toContain('**unequal sizes**');
    const seven = { setting: null, jointReward: 1 };
    const fair = {
      ...s,
      monolithicDecision: { chosen: null, validation: Array.from({ length: 7 }, () => seven) },
      banditDecision: {
        chosen: 0.5,
        validation: Array.from({ length: 7 }, () => ({ setting: 0.5, jointReward: 1 })),
      },
    };
    expect(searchText(experiment([fair]))).toContain('7, 7, 7 settings');
    expect(searchText(experiment([fair]))).toContain('equal sizes');
    expect(renderReport(experiment([fair]), 'charts').markdown).toContain('The budgets are equal.');
  });

  it("the offer policy's ablation says the two arms ended alike only when every seed's figures are equal", () => {
    const runs = (arm: string, reward: number) =>
      summarise(
        arm,
        Array.from({ length: 5 }, (_, i) =>
          episode(arm, 1001 + i, { ...base, jointReward: reward + 0.01 * i }),
        ),
      );
    const side = (other: number) => ({
      seeds: [1001, 1002, 1003, 1004, 1005],
      priceFirst: runs('price-first', 1),
      frontier: [],
      brandSafety: { arms: [], weight: 0.5 },
      liftReward: [runs('parley', 1.2), runs('no lift', 1.2)],
      offerPolicy: [runs('parley', 1.2), runs('no offer', other)],
      online: {
        arms: [runs('static', 1), runs('online', 1)],
        steps: { accepted: 0, rejected: 0, rolledBack: 0 },
        curves: {},
        blockHours: 2,
        exploration: { epsilon: 0.05, temperature: 0 },
      },
      ope: [],
    });
    const same = sideAnalysis(side(1.2)).join('\n');
    expect(same).toContain('**Inventory offer policy**');
    expect(same).toContain('the joint reward by +0.000 [0.000, 0.000]');
    expect(same).toContain('ended every seed with the same reward, impressions and revenue');
    const differ = sideAnalysis(side(1.1)).join('\n');
    expect(differ).toContain('the joint reward by +0.100');
    expect(differ).not.toContain('ended every seed with the same');
  });
});
