/**
 * `parley experiment` — trains parley's learners and the monolithic baseline
 * on training seeds, then compares random, price-first, monolithic and
 * parley on held-out seeds with 95% confidence intervals; checks the
 * slot-availability forecast and off-policy evaluation against the
 * simulator's ground truth; writes a markdown report with SVG charts.
 *
 *   parley experiment [--scenario sim/scenarios/default-day.yaml] [--seeds 5]
 *                     [--iterations 5] [--out sim/experiments/REPORT.md]
 *                     [--models models] [--no-models] [--quick] [--backend wasm|cpu|tensorflow]
 *
 * --quick is the CI smoke test (< 30 s): 2 seeds, a few hundred requests per
 * episode, one iteration; it writes its report to a temporary directory unless
 * --out is given, and models only when --models is given.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { type SlotForecaster, wape } from '../../learning/forecast';
import { type ConsumeSummary, OnlineLearner } from '../../learning/online';
import { evaluateOffPolicy, type OpeRecord, softmaxPolicy } from '../../learning/ope';
import { type BackendName, initTf } from '../../learning/tf';
import type { ExplorationSettings } from '../../services/broker/explore';
import { rankingSettings } from '../../services/broker/negotiation';
import type { Campaign } from '../../services/common/catalogue/types';
import {
  type CommandSpec,
  choiceFlag,
  helpText,
  numberFlag,
  parseCommand,
  stringFlag,
} from '../../services/common/cli';
import { DEFAULT_REGISTRY, loadConfig } from '../../services/common/config';
import { createLogger } from '../../services/common/log';
import { agentNamed, loadRegistry } from '../../services/common/registry';
import { seededRng } from '../../services/common/rng';
import { ci95, type Interval } from '../../services/common/stats';
import {
  BASELINE_POLICY_VERSION,
  BASELINE_WEIGHTS,
  baselinePolicy,
  PolicyHolder,
} from '../../services/inventory/policy';
import type { TrafficProfile } from '../../services/objective/pacing';
import { loadScenarioFile } from '../scenario';
import {
  brandSafetyCritic,
  ExploreArm,
  MonolithicArm,
  OracleContextArm,
  ParleyArm,
  PriceFirstArm,
  RandomArm,
} from './arms';
import { Env, type EnvOptions, type EpisodeResult, type Sample } from './env';
import { Progress } from './progress';
import { renderReport } from './report';
import { loggedDecisions, train } from './train';

export interface ExperimentOptions {
  scenario: string;
  seeds: number;
  iterations: number;
  maxRequests: number;
  out: string;
  models: string;
  quick: boolean;
  backend?: BackendName;
}

const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow'];

export const EXPERIMENT_COMMAND: CommandSpec = {
  usage: 'parley experiment [options]',
  summary:
    'Trains the agents on the simulator and compares parley with random, price-first and a monolithic\npolicy on held-out seeds; writes a report with charts.',
  flags: {
    scenario: { value: 'FILE', help: 'simulator scenario', default: 'sim/scenarios/default-day.yaml' },
    seeds: { value: 'N', help: 'held-out seeds (>= 1)', default: '5' },
    iterations: { value: 'N', help: 'training iterations (>= 1)', default: '5' },
    'max-requests': { value: 'N', help: 'requests per episode, 0 = all', default: '0' },
    out: { value: 'FILE', help: 'the report', default: 'sim/experiments/REPORT.md' },
    models: { value: 'DIR', help: 'where the trained models are published', default: 'models' },
    'no-models': { help: 'publish no models' },
    quick: { help: 'a smoke run: 2 seeds, 1 iteration, 250 requests, report and models in a temp dir' },
    backend: { value: 'NAME', help: 'TF.js backend: wasm, cpu or tensorflow' },
  },
};

/** The experiment's options, or null for --help; a UsageError names a bad flag. */
export function parseExperimentArgs(argv: string[]): ExperimentOptions | null {
  const args = parseCommand(argv, EXPERIMENT_COMMAND);
  if (!args) return null;
  const v = args.values;
  const outGiven = typeof v.out === 'string';
  const modelsGiven = typeof v.models === 'string';
  const o: ExperimentOptions = {
    scenario: stringFlag(v, 'scenario', 'sim/scenarios/default-day.yaml'),
    seeds: numberFlag(v, 'seeds', 5, { min: 1, integer: true }),
    iterations: numberFlag(v, 'iterations', 5, { min: 1, integer: true }),
    maxRequests: numberFlag(v, 'max-requests', 0, { min: 0, integer: true }),
    out: stringFlag(v, 'out', 'sim/experiments/REPORT.md'),
    models: v['no-models'] ? '' : stringFlag(v, 'models', 'models'),
    quick: v.quick === true,
  };
  if (typeof v.backend === 'string') o.backend = choiceFlag(v, 'backend', BACKENDS, 'wasm');
  if (o.quick) {
    o.seeds = Math.min(o.seeds, 2);
    o.iterations = 1;
    o.maxRequests = o.maxRequests || 250;
    if (!outGiven) o.out = join(mkdtempSync(join(tmpdir(), 'parley-experiment-')), 'REPORT.md');
    if (!modelsGiven) o.models = ''; // a smoke run never replaces the published models
  }
  return o;
}

/** Parley deciding with twice the listener weight (the reward is still measured with the configured weights). */
export const SENSITIVITY_ARM = 'parley (2×w_listener)';

export const ORACLE_ARM = 'oracle context (upper bound)';

/**
 * How the broker decides: the listener weight it decides with (× the
 * configured one) and its ad-load floor on joint utility
 * (NegotiationSettings.minUtility; null = none). The reward is always
 * measured with the configured weights.
 */
export interface DecisionSetting {
  listener: number;
  floor: number | null;
}

export const CONFIGURED: DecisionSetting = { listener: 1, floor: null };

/** The settings parley's is chosen from (on the validation seed), and the skip / revenue frontier they trace. */
export const FRONTIER: readonly DecisionSetting[] = [
  CONFIGURED,
  { listener: 1, floor: 0.5 },
  { listener: 1.5, floor: 0 },
  { listener: 2, floor: 0 },
  { listener: 2, floor: 0.5 },
  { listener: 3, floor: 0 },
  { listener: 3, floor: 0.5 },
];

export const settingName = (p: DecisionSetting) =>
  `w_listener ×${p.listener}, ${p.floor === null ? 'no floor' : `floor ${p.floor}`}`;
export const frontierArm = (p: DecisionSetting) => `parley ${settingName(p)}`;

function decisionOptions(p: DecisionSetting, weights: EnvOptions['settings']['weights']) {
  return {
    weights: { ...weights, listener: p.listener * weights.listener },
    ...(p.floor === null ? {} : { minUtility: p.floor }),
  };
}

export const METRICS = [
  'skipRate',
  'completionRate',
  'meanRecall',
  'revenueMicros',
  'goalAttainment',
  'overspendMicros',
  'meanSessionMinutes',
  'unsafeAdjacencies',
  'unsafeRate',
  'brandCostMicros',
  'jointReward',
] as const;
export type Metric = (typeof METRICS)[number];

export interface ArmSummary {
  arm: string;
  runs: EpisodeResult[];
  metrics: Record<Metric, Interval>;
}

export interface OpeResult {
  target: string;
  truth: number;
  report: ReturnType<typeof evaluateOffPolicy>;
}

export interface ForecastResult {
  /** Mean WAPE over test seeds, all slots per UTC hour. */
  total: { forecast: number; flat: number };
  /** Mean WAPE per (scenario) hourly series, weighted by volume. */
  byContext: { forecast: number; flat: number };
}

/** One point of an online-learning curve: a block of simulated hours, mean over seeds. */
export interface OnlineCurvePoint {
  /** Hours since the episode's start (block end). */
  hours: number;
  skipRate: number;
  /** Shared reward per ad break in the block. */
  jointReward: number;
}

/**
 * Online learning as the running mesh does it: an untrained mesh (baseline
 * inventory policy, production exploration) with and without the inventory
 * agent's online learner, over each test seed's day.
 */
export interface OnlineResult {
  arms: ArmSummary[];
  /** Guarded steps per seed (mean). */
  steps: ConsumeSummary;
  curves: Record<string, OnlineCurvePoint[]>;
  blockHours: number;
  exploration: ExplorationSettings;
}

/** The brand-safety critic's weight in the joint utility, as its registry entry gives it (its term is in [-1, 0]). */
export const BRAND_SAFETY_WEIGHT = agentNamed(
  loadRegistry(DEFAULT_REGISTRY, {}, '127.0.0.1'),
  'brand-safety',
).weight;
export const BRAND_SAFETY_ARM = 'parley + brand-safety critic';
export const BRAND_SAFETY_VETO_ARM = 'parley + brand-safety vetoes only';

/**
 * The brand-safety agent's marginal effect: parley with its decision setting
 * (today's negotiation), with the brand-safety critic (vetoes and its
 * weighted value), and with its vetoes only (weight 0), on the test seeds.
 */
export interface BrandSafetyResult {
  /** Without (the parley arm), with, vetoes only; runs paired by seed. */
  arms: ArmSummary[];
  weight: number;
}

export interface ExperimentResult {
  options: ExperimentOptions;
  backend: BackendName;
  trainWallMs: number;
  trainCpuMs: number;
  curves: Awaited<ReturnType<typeof train>>['curves'];
  arms: ArmSummary[];
  forecast: ForecastResult;
  ope: OpeResult[];
  versions: Awaited<ReturnType<typeof train>>['versions'];
  testSeeds: number[];
  trainSeeds: number[];
  validationSeed: number;
  samples: number;
  /** Absent in results written before online learning was evaluated. */
  online?: OnlineResult;
  /** The skip / revenue frontier (FRONTIER), absent in older results. */
  frontier?: ArmSummary[];
  /** The brand-safety critic's marginal effect (absent in older results). */
  brandSafety?: BrandSafetyResult;
  /** Parley's decision setting and the validation joint reward of each candidate (absent in older results: the configured one). */
  decision?: {
    chosen: DecisionSetting;
    validation: Array<{ setting: DecisionSetting; jointReward: number }>;
  };
}

export const STATIC_ARM = 'untrained parley';
export const ONLINE_ARM = 'untrained parley + online learning';
const ONLINE_BLOCK_HOURS = 2;

/** Skip rate and joint reward per block of simulated hours of one episode (from its samples and slots). */
function onlineCurve(e: Env, startMs: number, blockHours: number): OnlineCurvePoint[] {
  const block = (t: number) => Math.floor((t - startMs) / (blockHours * 3_600_000));
  const n = 1 + Math.max(0, ...e.slots.map((x) => block(x.atMs)));
  const breaks = new Float64Array(n);
  const ads = new Float64Array(n);
  const skips = new Float64Array(n);
  const reward = new Float64Array(n);
  for (const x of e.slots) breaks[block(x.atMs)]!++;
  for (const x of e.samples) {
    const b = block(x.nowMs);
    ads[b]!++;
    if (x.skipped) skips[b]!++;
    reward[b]! += x.terms.reward;
  }
  return Array.from({ length: n }, (_, b) => ({
    hours: (b + 1) * blockHours,
    skipRate: ads[b]! > 0 ? skips[b]! / ads[b]! : Number.NaN,
    jointReward: breaks[b]! > 0 ? reward[b]! / breaks[b]! : Number.NaN,
  })).filter((p) => Number.isFinite(p.skipRate) && Number.isFinite(p.jointReward));
}

/** Mean of several curves, point by point (as long as the shortest). */
function meanCurve(curves: OnlineCurvePoint[][]): OnlineCurvePoint[] {
  const len = Math.min(...curves.map((c) => c.length));
  return Array.from({ length: len }, (_, i) => ({
    hours: curves[0]![i]!.hours,
    skipRate: curves.reduce((a, c) => a + c[i]!.skipRate, 0) / curves.length,
    jointReward: curves.reduce((a, c) => a + c[i]!.jointReward, 0) / curves.length,
  }));
}

async function onlineExperiment(
  seeds: readonly number[],
  env: (seed: number) => Env,
  exploration: ExplorationSettings,
  startMs: number,
  progress?: Progress,
): Promise<OnlineResult> {
  const runs = new Map<string, EpisodeResult[]>();
  const curves = new Map<string, OnlineCurvePoint[][]>();
  const steps: ConsumeSummary = { accepted: 0, rejected: 0, rolledBack: 0 };
  for (const seed of seeds) {
    for (const name of [STATIC_ARM, ONLINE_ARM]) {
      const models = { inventory: new PolicyHolder(baselinePolicy()), context: null, objective: null };
      const online =
        name === ONLINE_ARM ? new OnlineLearner(BASELINE_WEIGHTS, BASELINE_POLICY_VERSION) : undefined;
      const arm = new ParleyArm(models, { name, exploration, ...(online ? { online } : {}) });
      const e = env(seed);
      runs.set(name, [...(runs.get(name) ?? []), await e.run(arm)]);
      curves.set(name, [...(curves.get(name) ?? []), onlineCurve(e, startMs, ONLINE_BLOCK_HOURS)]);
      if (online) {
        steps.accepted += arm.steps.accepted / seeds.length;
        steps.rejected += arm.steps.rejected / seeds.length;
        steps.rolledBack += arm.steps.rolledBack / seeds.length;
      }
      progress?.step(`online learning seed ${seed}: ${name}`);
    }
  }
  return {
    arms: [STATIC_ARM, ONLINE_ARM].map((a) => summarise(a, runs.get(a)!)),
    steps,
    curves: Object.fromEntries([...curves].map(([k, v]) => [k, meanCurve(v)])),
    blockHours: ONLINE_BLOCK_HOURS,
    exploration,
  };
}

function summarise(arm: string, runs: EpisodeResult[]): ArmSummary {
  const metrics = {} as Record<Metric, Interval>;
  for (const m of METRICS) metrics[m] = ci95(runs.map((r) => r[m]));
  return { arm, runs, metrics };
}

/** Hourly slot counts of a log, in total and per scenario. */
function hourly(slots: Env['slots'], days: number) {
  const total = new Float64Array(24);
  const by = new Map<string, Float64Array>();
  for (const s of slots) {
    const h = new Date(s.atMs).getUTCHours();
    total[h]! += 1 / days;
    const row = by.get(s.scenario) ?? new Float64Array(24);
    row[h]! += 1 / days;
    by.set(s.scenario, row);
  }
  return { total, by };
}

function forecastError(
  f: SlotForecaster,
  tests: Array<{ slots: Env['slots']; days: number }>,
): ForecastResult {
  const acc = { tf: 0, tl: 0, cf: 0, cl: 0 };
  for (const t of tests) {
    const actual = hourly(t.slots, t.days);
    const sum = actual.total.reduce((a, b) => a + b, 0);
    acc.tf += wape(f.forecast(), actual.total);
    acc.tl += wape(new Float64Array(24).fill(sum / 24), actual.total);
    let wf = 0;
    let wl = 0;
    let vol = 0;
    for (const [scenario, row] of actual.by) {
      const v = row.reduce((a, b) => a + b, 0);
      const fc = f.forecast([scenario as Campaign['targeting']['scenarios'][number]]);
      wf += v * wape(fc, row);
      wl += v * wape(new Float64Array(24).fill(v / 24), row);
      vol += v;
    }
    acc.cf += wf / vol;
    acc.cl += wl / vol;
  }
  const n = tests.length;
  return {
    total: { forecast: acc.tf / n, flat: acc.tl / n },
    byContext: { forecast: acc.cf / n, flat: acc.cl / n },
  };
}

/** OPE records for a target softmax policy (temperature, epsilon) from the explore arm's logged first picks. */
export function opeRecords(
  samples: readonly Sample[],
  multiplier: (phi: Float32Array) => number,
  temperature: number,
  epsilon: number,
  wAdvertiser: number,
): OpeRecord[] {
  const out: OpeRecord[] = [];
  for (const d of loggedDecisionsWithPhi(samples)) {
    const q = d.options.map((o) => o.base + Math.min(2 * wAdvertiser, o.adv * multiplier(o.phi)));
    const pi = softmaxPolicy(q, temperature, epsilon);
    out.push({
      reward: d.reward,
      propensity: d.options[d.chosen]!.p,
      targetP: pi[d.chosen]!,
      qLogged: q[d.chosen]!,
      qTarget: pi.reduce((s, p, i) => s + p * q[i]!, 0),
    });
  }
  return out;
}

function loggedDecisionsWithPhi(samples: readonly Sample[]) {
  return loggedDecisions(samples) as Array<{
    chosen: number;
    reward: number;
    options: Array<{ p: number; base: number; adv: number; phi: Float32Array }>;
  }>;
}

export async function runExperiment(o: ExperimentOptions, progress?: Progress): Promise<ExperimentResult> {
  const log = createLogger('experiment', 'warn');
  const { tf, backend } = await initTf({ ...(o.backend ? { prefer: o.backend } : {}), log });
  const config = loadConfig({});
  const settings: EnvOptions['settings'] = rankingSettings(config);
  const scenario = loadScenarioFile(o.scenario);
  const trainSeeds = Array.from({ length: Math.max(o.iterations, 1) }, (_, i) => 1 + i);
  const validationSeed = 900;
  const testSeeds = Array.from({ length: o.seeds }, (_, i) => 1001 + i);
  const opeSeeds = o.quick ? [2001] : [2001, 2002];
  const temperature = 0.4;
  const epsilon = 0.1;

  const cpu0 = process.cpuUsage();
  const trained = await train({
    tf,
    scenario,
    settings,
    trainSeeds,
    validationSeed,
    iterations: o.iterations,
    maxRequests: o.maxRequests,
    temperature,
    epsilon,
    modelsDir: o.models,
    log,
    onStep: (what) => progress?.step(what),
  });
  const cpu = process.cpuUsage(cpu0);

  const profiles = new Map<string, TrafficProfile>();
  const profile = (c: Campaign) => {
    let p = profiles.get(c.id);
    if (!p) {
      p = trained.forecaster.profileFor(c);
      profiles.set(c.id, p);
    }
    return p;
  };
  const env = (seed: number, parley: boolean, collect = false) =>
    new Env({
      scenario,
      seed,
      settings,
      maxRequests: o.maxRequests,
      collect,
      ...(parley ? { trafficProfile: profile } : {}),
    });

  // Parley's decision setting: the one with the highest joint reward (the shared
  // reward, not the targets) on the validation seed.
  const validation: Array<{ setting: DecisionSetting; jointReward: number }> = [];
  for (const setting of FRONTIER) {
    const r = await env(validationSeed, true).run(
      new ParleyArm(trained.parley, decisionOptions(setting, settings.weights)),
    );
    validation.push({ setting, jointReward: r.jointReward });
    progress?.step(`validation: ${settingName(setting)}`);
  }
  const chosen = validation.reduce((a, b) => (b.jointReward > a.jointReward ? b : a)).setting;

  const results = new Map<string, EpisodeResult[]>();
  const forecastTests: Array<{ slots: Env['slots']; days: number }> = [];
  for (const seed of testSeeds) {
    const arms = [
      { arm: new RandomArm(seed), parley: false },
      { arm: new PriceFirstArm(), parley: false },
      { arm: new MonolithicArm(trained.monolithic, null), parley: false },
      { arm: new ParleyArm(trained.parley, decisionOptions(chosen, settings.weights)), parley: true },
      {
        arm: new ParleyArm(trained.parley, {
          weights: { ...settings.weights, listener: 2 * settings.weights.listener },
          name: SENSITIVITY_ARM,
        }),
        parley: true,
      },
      { arm: new OracleContextArm(), parley: false },
      ...[
        { name: BRAND_SAFETY_ARM, weight: BRAND_SAFETY_WEIGHT },
        { name: BRAND_SAFETY_VETO_ARM, weight: 0 },
      ].map(({ name, weight }) => ({
        arm: new ParleyArm(trained.parley, {
          ...decisionOptions(chosen, { ...settings.weights, brand_safety: weight }),
          name,
          critics: [brandSafetyCritic],
        }),
        parley: true,
      })),
      ...FRONTIER.map((p) => ({
        arm: new ParleyArm(trained.parley, { ...decisionOptions(p, settings.weights), name: frontierArm(p) }),
        parley: true,
      })),
    ];
    for (const { arm, parley } of arms) {
      const e = env(seed, parley);
      const r = await e.run(arm);
      results.set(arm.name, [...(results.get(arm.name) ?? []), r]);
      if (arm.name === 'parley')
        forecastTests.push({
          slots: e.slots,
          days: Math.max(1 / 24, r.requests ? (e.sim.now() - scenario.startMs) / 86_400_000 : 1),
        });
      progress?.step(`test seed ${seed}: ${arm.name}`);
    }
  }
  const arms = ['random', 'price-first', 'monolithic', 'parley', SENSITIVITY_ARM, ORACLE_ARM].map((a) =>
    summarise(a, results.get(a)!),
  );
  const frontier = FRONTIER.map((p) => summarise(frontierArm(p), results.get(frontierArm(p))!));
  const brandSafety: BrandSafetyResult = {
    arms: ['parley', BRAND_SAFETY_ARM, BRAND_SAFETY_VETO_ARM].map((a) => summarise(a, results.get(a)!)),
    weight: BRAND_SAFETY_WEIGHT,
  };

  const online = await onlineExperiment(
    testSeeds,
    (seed) => env(seed, false, true),
    config.exploration,
    scenario.startMs,
    progress,
  );

  // Off-policy evaluation against ground truth: log with the exploring policy,
  // estimate sharper / softer target policies, then run those for real.
  const objective = trained.parley.objective?.current() ?? null;
  const mult = (phi: Float32Array) => (objective ? objective.multiplierOf(phi) : 1);
  const logged: Sample[] = [];
  for (const seed of opeSeeds) {
    const e = env(seed, true, true);
    await e.run(new ExploreArm(trained.parley, seed, temperature, epsilon));
    logged.push(...e.samples);
    progress?.step(`OPE logging seed ${seed}`);
  }
  const ope: OpeResult[] = [];
  for (const target of [
    { name: 'the logging policy itself (τ=0.4, ε=0.1), re-run', temperature: 0.4, epsilon: 0.1 },
    { name: 'softmax τ=0.5, ε=0.1', temperature: 0.5, epsilon: 0.1 },
    { name: 'softmax τ=0.2, ε=0.05', temperature: 0.2, epsilon: 0.05 },
    { name: 'softmax τ=0.8, ε=0.1', temperature: 0.8, epsilon: 0.1 },
  ]) {
    const records = opeRecords(logged, mult, target.temperature, target.epsilon, settings.weights.advertiser);
    const report = evaluateOffPolicy(records, seededRng(7), o.quick ? 100 : 300);
    const truths: number[] = [];
    for (const seed of opeSeeds) {
      const e = env(seed, true, true);
      await e.run(new ExploreArm(trained.parley, seed + 17, target.temperature, target.epsilon));
      const first = e.samples.filter((s) => s.podIndex === 0 && s.firstOptions);
      truths.push(...first.map((s) => s.terms.reward));
      progress?.step(`OPE ground truth ${target.name} seed ${seed}`);
    }
    ope.push({ target: target.name, truth: truths.reduce((a, b) => a + b, 0) / truths.length, report });
  }

  return {
    options: o,
    backend,
    trainWallMs: trained.wallMs,
    trainCpuMs: (cpu.user + cpu.system) / 1000,
    curves: trained.curves,
    arms,
    forecast: forecastError(trained.forecaster, forecastTests),
    ope,
    versions: trained.versions,
    testSeeds,
    trainSeeds,
    validationSeed,
    samples: trained.exploreSamples.length,
    online,
    frontier,
    brandSafety,
    decision: { chosen, validation },
  };
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ExperimentOptions | null;
  try {
    parsed = parseExperimentArgs(argv);
  } catch (err) {
    process.stderr.write(`parley experiment: ${(err as Error).message}\n\n${helpText(EXPERIMENT_COMMAND)}`);
    return 2;
  }
  if (!parsed) {
    process.stdout.write(helpText(EXPERIMENT_COMMAND));
    return 0;
  }
  const o = parsed;
  const steps = o.iterations * 3 + FRONTIER.length + o.seeds * (10 + FRONTIER.length) + (o.quick ? 1 : 2) * 5;
  const progress = new Progress(steps);
  const r = await runExperiment(o, progress);
  progress.end();
  const chartsDir = join(dirname(o.out), 'charts');
  mkdirSync(chartsDir, { recursive: true });
  const { markdown, charts } = renderReport(r, relative(dirname(o.out), chartsDir) || '.');
  for (const [name, svg] of charts) writeFileSync(join(chartsDir, name), `${svg}\n`);
  writeFileSync(o.out, markdown);
  // The raw results (per seed and arm), to re-render or analyse without re-running.
  writeFileSync(join(dirname(o.out), 'results.json'), `${JSON.stringify(r, null, 1)}\n`);
  process.stderr.write(`report written to ${o.out} (${basename(chartsDir)}/: ${charts.size} charts)\n`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
