/**
 * `parley experiment` — on each scenario: trains parley's learners, the
 * monolithic baseline and the contextual bandit on training seeds, tunes each
 * one's decision setting with equal-size searches on validation seeds, then
 * compares price-first, monolithic, the bandit and parley (and an oracle) on
 * held-out test seeds with 95% confidence intervals over seeds; on the first
 * scenario also the skip / revenue frontier, the brand-safety critic, online
 * learning, the slot forecast and off-policy evaluation; writes a markdown
 * report with SVG charts.
 *
 *   parley experiment [--scenario F]... [--seeds 20] [--validation-seeds 2]
 *                     [--side-seeds 5] [--iterations 2] [--out sim/experiments/REPORT.md]
 *                     [--models models] [--no-models] [--quick] [--backend wasm|cpu|tensorflow]
 *   parley experiment --render results.json [--out F]   (the report again, from a run's raw results)
 *
 * --quick is the CI smoke test: 2 test seeds, 1 validation seed, a few hundred
 * requests per episode, one iteration; it writes its report to a temporary
 * directory unless --out is given, and models only when --models is given.
 * The report says which mode produced it.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import { toSvg } from '../../charts';
import { type SlotForecaster, wape } from '../../learning/forecast';
import { type ConsumeSummary, OnlineLearner } from '../../learning/online';
import { evaluateOffPolicy, type OpeRecord, softmaxPolicy } from '../../learning/ope';
import { type BackendName, initTf, type Tf } from '../../learning/tf';
import type { ExplorationSettings } from '../../services/broker/explore';
import { rankingSettings } from '../../services/broker/negotiation';
import type { Campaign } from '../../services/common/catalogue/types';
import {
  type CommandSpec,
  choiceFlag,
  helpText,
  listFlag,
  numberFlag,
  parseCommand,
  stringFlag,
} from '../../services/common/cli';
import { DEFAULT_REGISTRY, loadConfig } from '../../services/common/config';
import { createLogger, type Logger } from '../../services/common/log';
import { projectPath } from '../../services/common/paths';
import { agentNamed, loadRegistry } from '../../services/common/registry';
import { seededRng } from '../../services/common/rng';
import { ci95, type Interval, mean } from '../../services/common/stats';
import {
  BASELINE_POLICY_VERSION,
  BASELINE_WEIGHTS,
  baselinePolicy,
  PolicyHolder,
} from '../../services/inventory/policy';
import type { TrafficProfile } from '../../services/objective/pacing';
import { loadScenarioFile } from '../scenario';
import {
  BanditArm,
  brandSafetyCritic,
  ExploreArm,
  MonolithicArm,
  type OfferCounts,
  OracleContextArm,
  ParleyArm,
  PriceFirstArm,
} from './arms';
import { Env, type EnvOptions, type EpisodeResult, type Sample } from './env';
import { Progress } from './progress';
import { renderReport } from './report';
import {
  addOffers,
  loggedDecisions,
  RL_EPISODES,
  type RlTraining,
  type Trained,
  type TrainingBudget,
  train,
} from './train';

/**
 * The scenarios every full run evaluates (the first also gets the side
 * studies), the stress one among them: its response has a term the agents'
 * features cannot express. sparse-inventory (2 days, ~36k breaks per episode)
 * is left out of the default to keep the run within 30 minutes; --scenario adds it.
 */
export const DEFAULT_SCENARIOS = [
  'sim/scenarios/default-day.yaml',
  'sim/scenarios/skewed.yaml',
  'sim/scenarios/stress-hidden-evening.yaml',
];

export interface ExperimentOptions {
  scenarios: string[];
  /** Held-out test seeds per scenario (1001, 1002, …). */
  seeds: number;
  /** Validation seeds per scenario (901, 902, …), separate from training and test seeds. */
  validationSeeds: number;
  /** Test seeds the side studies of the first scenario use (the first ones of `seeds`). */
  sideSeeds: number;
  iterations: number;
  maxRequests: number;
  out: string;
  models: string;
  quick: boolean;
  backend?: BackendName;
  /** Scenarios run side by side, each in its own worker thread (1 = one after the other, in this thread). */
  jobs: number;
  /** Re-render the report from a results.json instead of running (--render FILE). */
  render?: string;
}

const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow'];

/** The defaults of the flags that change a run's figures. */
const DEFAULTS = { seeds: 20, validationSeeds: 2, sideSeeds: 5, iterations: 2, maxRequests: 0 } as const;
/** What --quick makes of them. */
const QUICK = { seeds: 2, validationSeeds: 1, iterations: 1, maxRequests: 250 } as const;

export const EXPERIMENT_COMMAND: CommandSpec = {
  usage: 'parley experiment [options]',
  summary:
    'On each scenario: trains parley, the monolithic learner and a contextual bandit, tunes each on\nvalidation seeds, compares them with price-first on held-out test seeds (95% intervals); writes a report.',
  flags: {
    scenario: {
      value: 'FILE',
      help: 'a simulator scenario; give several times for several',
      default: DEFAULT_SCENARIOS.join(', '),
      multiple: true,
    },
    seeds: { value: 'N', help: 'test seeds per scenario (1..99)', default: String(DEFAULTS.seeds) },
    'validation-seeds': {
      value: 'N',
      help: 'validation seeds for the settings searches (1..99)',
      default: String(DEFAULTS.validationSeeds),
    },
    'side-seeds': {
      value: 'N',
      help: 'seeds of the side studies (1..99)',
      default: String(DEFAULTS.sideSeeds),
    },
    iterations: { value: 'N', help: 'training iterations (1..99)', default: String(DEFAULTS.iterations) },
    'max-requests': {
      value: 'N',
      help: 'requests per episode, 0 = all',
      default: String(DEFAULTS.maxRequests),
    },
    out: { value: 'FILE', help: 'the report', default: 'sim/experiments/REPORT.md' },
    models: {
      value: 'DIR',
      help: 'where the trained models and shared-reward policies (ad-load, offer) are published',
      default: 'models',
    },
    'no-models': { help: 'publish no models' },
    quick: { help: 'a smoke run: 2 seeds, 1 iteration, 250 requests, report and models in a temp dir' },
    backend: { value: 'NAME', help: 'TF.js backend: wasm, cpu or tensorflow' },
    jobs: {
      value: 'N',
      help: 'scenarios run side by side, each in a thread of its own (1..16; the same results)',
      default: 'the cores, at most the scenarios',
    },
    render: { value: 'FILE', help: "the report again from a run's results.json, running nothing" },
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
    scenarios: listFlag(v, 'scenario', DEFAULT_SCENARIOS),
    seeds: numberFlag(v, 'seeds', DEFAULTS.seeds, { min: 1, max: 99, integer: true }),
    validationSeeds: numberFlag(v, 'validation-seeds', DEFAULTS.validationSeeds, {
      min: 1,
      max: 99,
      integer: true,
    }),
    sideSeeds: numberFlag(v, 'side-seeds', DEFAULTS.sideSeeds, { min: 1, max: 99, integer: true }),
    iterations: numberFlag(v, 'iterations', DEFAULTS.iterations, { min: 1, max: 99, integer: true }),
    maxRequests: numberFlag(v, 'max-requests', DEFAULTS.maxRequests, {
      min: 0,
      max: 10_000_000,
      integer: true,
    }),
    out: stringFlag(v, 'out', 'sim/experiments/REPORT.md'),
    models: v['no-models'] ? '' : stringFlag(v, 'models', 'models'),
    quick: v.quick === true,
    jobs: numberFlag(v, 'jobs', availableParallelism(), { min: 1, max: 16, integer: true }),
  };
  if (typeof v.render === 'string') o.render = v.render;
  if (typeof v.backend === 'string') o.backend = choiceFlag(v, 'backend', BACKENDS, 'wasm');
  if (o.quick) {
    o.seeds = Math.min(o.seeds, QUICK.seeds);
    o.validationSeeds = QUICK.validationSeeds;
    o.iterations = QUICK.iterations;
    o.maxRequests = o.maxRequests || QUICK.maxRequests;
    if (!outGiven) o.out = join(mkdtempSync(join(tmpdir(), 'parley-experiment-')), 'REPORT.md');
    if (!modelsGiven) o.models = ''; // a smoke run never replaces the published models
  }
  o.sideSeeds = Math.min(o.sideSeeds, o.seeds);
  return o;
}

/**
 * The command that gives a run's figures again: `parley experiment` with each
 * flag that changes them and is not at its default (where the report and
 * models go, and how many threads, change nothing).
 */
export function experimentCommandLine(o: ExperimentOptions): string {
  const base = o.quick ? { ...DEFAULTS, ...QUICK } : DEFAULTS;
  const flags: string[] = o.quick ? ['--quick'] : [];
  if (o.scenarios.join('\n') !== DEFAULT_SCENARIOS.join('\n'))
    flags.push(...o.scenarios.map((f) => `--scenario ${f}`));
  const flag = (name: string, value: number, def: number) => {
    if (value !== def) flags.push(`--${name} ${value}`);
  };
  flag('seeds', o.seeds, base.seeds);
  if (!o.quick) flag('validation-seeds', o.validationSeeds, base.validationSeeds);
  flag('side-seeds', o.sideSeeds, Math.min(base.sideSeeds, o.seeds));
  if (!o.quick) flag('iterations', o.iterations, base.iterations);
  flag('max-requests', o.maxRequests, base.maxRequests);
  if (o.backend) flags.push(`--backend ${o.backend}`);
  return ['parley experiment', ...flags].join(' ');
}

/** Training, validation and test seeds of a run: three disjoint sets (the same for every scenario). */
export function seedsOf(o: Pick<ExperimentOptions, 'iterations' | 'validationSeeds' | 'seeds'>) {
  const train = Array.from({ length: o.iterations }, (_, i) => 1 + i);
  const validation = Array.from({ length: o.validationSeeds }, (_, i) => 901 + i);
  const test = Array.from({ length: o.seeds }, (_, i) => 1001 + i);
  const all = [...train, ...validation, ...test];
  if (new Set(all).size !== all.length) throw new Error('seeds: training, validation and test seeds overlap');
  return { train, validation, test };
}

export const ORACLE_ARM = 'oracle context (upper bound)';
export const BANDIT_ARM = 'contextual bandit (LinUCB)';

/** The arms every scenario compares on every test seed, in the report's order. */
export const MAIN_ARMS = ['price-first', 'monolithic', BANDIT_ARM, 'parley', ORACLE_ARM] as const;

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

/**
 * The settings parley chose from before its agents learned from the shared
 * reward (the hand-set listener weight and ad-load floor); the ablation
 * "parley with fixed settings" still chooses from them on the validation seeds.
 */
export const FRONTIER: readonly DecisionSetting[] = [
  CONFIGURED,
  { listener: 1, floor: 0.5 },
  { listener: 1.5, floor: 0 },
  { listener: 2, floor: 0 },
  { listener: 2, floor: 0.5 },
  { listener: 3, floor: 0 },
  { listener: 3, floor: 0.5 },
];

/**
 * What is still hand-set in parley, searched on the validation seeds as
 * large as the other learners' searches: the listener weight it decides
 * with. The ad load is the context agent's learned policy (its floor per break), the
 * value multiplier the objective agent's (learning/shared-rl.ts).
 */
export const PARLEY_SETTINGS: readonly DecisionSetting[] = [1, 1.25, 1.5, 2, 2.5, 3, 4].map((listener) => ({
  listener,
  floor: null,
}));

/** Parley with the previous fixed settings: no learned ad load, the off-policy multiplier, FRONTIER's search. */
export const FIXED_ARM = 'parley with fixed settings (no shared-reward policies)';

/**
 * The monolithic learner's search, as large as parley's (FRONTIER): its
 * ad-load floor on the reward it predicts per ad (null = none). It predicts
 * the reward itself, so it has no weights to turn; the floor is its lever on
 * how many ads a listener hears.
 */
export const MONOLITHIC_FLOORS: readonly (number | null)[] = [null, -0.5, -0.25, 0, 0.25, 0.5, 0.75];

/** The bandit's search, as large as parley's: its exploration width α (LinUCB), no floor. */
export const BANDIT_ALPHAS: readonly number[] = [0, 0.05, 0.1, 0.25, 0.5, 1, 2];

export const settingName = (p: DecisionSetting) =>
  `w_listener ×${p.listener}, ${p.floor === null ? 'no floor' : `floor ${p.floor}`}`;
export const frontierArm = (p: DecisionSetting) => `parley ${settingName(p)}`;
export const floorName = (f: number | null) => (f === null ? 'no floor' : `floor ${f}`);

function decisionOptions(p: DecisionSetting, weights: EnvOptions['settings']['weights']) {
  return {
    weights: { ...weights, listener: p.listener * weights.listener },
    ...(p.floor === null ? {} : { minUtility: p.floor }),
  };
}

export const METRICS = [
  'skipRate',
  'completionRate',
  'brandLift',
  'brandLiftAll',
  'liftedPerThousand',
  'meanRecall',
  'revenueMicros',
  'goalAttainment',
  'overspendMicros',
  'meanSessionMinutes',
  'unsafeAdjacencies',
  'unsafeRate',
  'brandCostMicros',
  'jointReward',
  'continuationRate',
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
/** Parley whose inventory agent offers its supervised shortlist, not its offer policy's (the offer policy's ablation). */
export const NO_OFFER_ARM = 'parley without the inventory offer policy';
/** Parley whose objective agent ignores the brand-lift surveys (the delayed reward's ablation). */
export const NO_LIFT_ARM = 'parley without the brand-lift reward';
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

/** A searched decision setting: the candidates' mean joint reward over the validation seeds, and the one chosen. */
export interface Search<T> {
  chosen: T;
  validation: Array<{ setting: T; jointReward: number }>;
}

/** What the first scenario adds: parley's frontier, the brand-safety critic, online learning, OPE (on `seeds`). */
export interface SideStudies {
  seeds: number[];
  /** Price-first on the same seeds (what the frontier's ratios are against). */
  priceFirst: ArmSummary;
  frontier: ArmSummary[];
  brandSafety: BrandSafetyResult;
  /** Parley with and without the brand-lift surveys as its objective agent's delayed reward; runs paired by seed. */
  liftReward: ArmSummary[];
  /**
   * Parley with and without its inventory agent's offer policy at decision
   * time (the same trained agents; without it the inventory offers its
   * supervised shortlist); runs paired by seed.
   */
  offerPolicy?: ArmSummary[];
  /**
   * The shared-reward policies' ablation: parley (learned ad load and
   * multiplier) against parley with the previous fixed settings, its own
   * setting chosen from FRONTIER on the validation seeds; runs paired by seed.
   */
  fixedSettings?: { decision: Search<DecisionSetting>; arms: ArmSummary[] };
  online: OnlineResult;
  ope: OpeResult[];
}

export interface ScenarioResult {
  /** The scenario file and its name. */
  scenario: string;
  name: string;
  trainWallMs: number;
  /** Null when the scenario ran in a worker beside others (a thread's own CPU is not measurable there). */
  trainCpuMs: number | null;
  curves: Trained['curves'];
  /** MAIN_ARMS, every test seed. */
  arms: ArmSummary[];
  forecast: ForecastResult;
  versions: Trained['versions'];
  /** What parley's shared-reward learners did in training. */
  rl?: RlTraining;
  /** The training episodes each side learned from (counted as played). */
  budget?: TrainingBudget;
  /** Parley's ad breaks per ad-load action (AD_LOAD_ACTIONS) over the test seeds (greedy). */
  adLoadTest?: number[];
  /** What parley's inventory offer policy did over the test seeds (greedy). */
  offersTest?: OfferCounts;
  testSeeds: number[];
  trainSeeds: number[];
  validationSeeds: number[];
  samples: number;
  /** Each learner's decision setting, chosen by the same criterion from equal-size searches on the same validation seeds. */
  decision: Search<DecisionSetting>;
  monolithicDecision: Search<number | null>;
  banditDecision: Search<number>;
  /** Only on the first scenario. */
  side?: SideStudies;
}

export interface ExperimentResult {
  options: ExperimentOptions;
  backend: BackendName;
  scenarios: ScenarioResult[];
  /** Wall clock of the whole run. */
  wallMs: number;
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
  step: (what: string) => void,
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
      step(`online learning seed ${seed}: ${name}`);
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

export function summarise(arm: string, runs: EpisodeResult[]): ArmSummary {
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

/** Runs every setting on the validation seeds and keeps the one with the highest mean joint reward. */
async function search<T>(
  settings: readonly T[],
  seeds: readonly number[],
  run: (setting: T, seed: number) => Promise<EpisodeResult>,
  label: (setting: T) => string,
  step: (what: string, n: number) => void,
): Promise<Search<T>> {
  const validation: Search<T>['validation'] = [];
  for (const setting of settings) {
    const rewards: number[] = [];
    for (const seed of seeds) rewards.push((await run(setting, seed)).jointReward);
    validation.push({ setting, jointReward: mean(rewards) });
    step(`validation: ${label(setting)}`, seeds.length);
  }
  const chosen = validation.reduce((a, b) => (b.jointReward > a.jointReward ? b : a)).setting;
  return { chosen, validation };
}

/** How many progress steps a run takes (each one an episode or a training step). */
export function plannedSteps(o: ExperimentOptions): number {
  const perScenario =
    o.iterations * (4 + 3 * RL_EPISODES) +
    (PARLEY_SETTINGS.length + MONOLITHIC_FLOORS.length + BANDIT_ALPHAS.length) * o.validationSeeds +
    o.seeds * MAIN_ARMS.length;
  const side =
    o.sideSeeds * (PARLEY_SETTINGS.length + 2 + 1 + 1 + 1 + 2) +
    FRONTIER.length * o.validationSeeds +
    opeSeeds(o).length * 5;
  return o.scenarios.length * perScenario + side;
}

const opeSeeds = (o: ExperimentOptions) => (o.quick ? [2001] : [2001, 2002]);

interface Shared {
  o: ExperimentOptions;
  tf: Tf;
  backend: BackendName;
  log: Logger;
  settings: EnvOptions['settings'];
  exploration: ExplorationSettings;
}

/** One scenario: train, search the decision settings, test every main arm on every test seed (and the side studies if asked). */
async function runScenario(
  file: string,
  first: boolean,
  x: Shared,
  progress?: Steps,
): Promise<ScenarioResult> {
  const { o, settings } = x;
  const scenario = loadScenarioFile(file);
  const seeds = seedsOf(o);
  const temperature = 0.4;
  const epsilon = 0.1;
  const step = (what: string, n = 1) => progress?.step(`${scenario.name}: ${what}`, n);

  // process.cpuUsage() counts every thread: beside other scenarios' workers it is not this one's.
  const cpu0 = isMainThread ? process.cpuUsage() : null;
  const trained = await train({
    tf: x.tf,
    scenario,
    settings,
    trainSeeds: seeds.train,
    validationSeed: seeds.validation[0]!,
    iterations: o.iterations,
    maxRequests: o.maxRequests,
    temperature,
    epsilon,
    modelsDir: first ? o.models : '', // the published models are the first scenario's
    log: x.log,
    onStep: step,
  });
  const cpu = cpu0 ? process.cpuUsage(cpu0) : null;

  // Every arm paces on the same slot forecast (the objective agent's even pacing).
  const profiles = new Map<string, TrafficProfile>();
  const profile = (c: Campaign) => {
    let p = profiles.get(c.id);
    if (!p) {
      p = trained.forecaster.profileFor(c);
      profiles.set(c.id, p);
    }
    return p;
  };
  const env = (seed: number, collect = false, paced = true) =>
    new Env({
      scenario,
      seed,
      settings,
      maxRequests: o.maxRequests,
      collect,
      ...(paced ? { trafficProfile: profile } : {}),
    });

  // Each learner's decision setting: the one with the highest joint reward (the shared reward,
  // not the targets) over the validation seeds, from searches of the same size.
  const parleyArm = (p: DecisionSetting, name?: string) =>
    new ParleyArm(trained.parley, { ...decisionOptions(p, settings.weights), ...(name ? { name } : {}) });
  const fixedArm = (p: DecisionSetting) =>
    new ParleyArm(trained.parleyFixed, { ...decisionOptions(p, settings.weights), name: FIXED_ARM });
  const monoArm = (floor: number | null) => new MonolithicArm(trained.monolithic, null, floor);
  const banditArm = (alpha: number) => new BanditArm(trained.bandit.clone(), alpha, null, BANDIT_ARM);
  const decision = await search(
    PARLEY_SETTINGS,
    seeds.validation,
    (p, seed) => env(seed).run(parleyArm(p)),
    (p) => `parley ${settingName(p)}`,
    step,
  );
  const monolithicDecision = await search(
    MONOLITHIC_FLOORS,
    seeds.validation,
    (f, seed) => env(seed).run(monoArm(f)),
    (f) => `monolithic ${floorName(f)}`,
    step,
  );
  const banditDecision = await search(
    BANDIT_ALPHAS,
    seeds.validation,
    (alpha, seed) => env(seed).run(banditArm(alpha)),
    (alpha) => `bandit α ${alpha}`,
    step,
  );

  const results = new Map<string, EpisodeResult[]>();
  const record = (r: EpisodeResult) => results.set(r.arm, [...(results.get(r.arm) ?? []), r]);
  const forecastTests: Array<{ slots: Env['slots']; days: number }> = [];
  const adLoadTest: number[] = [];
  const offersTest: OfferCounts = { proposals: 0, offered: 0, replaced: 0 };
  for (const seed of seeds.test) {
    const arms = [
      new PriceFirstArm(),
      monoArm(monolithicDecision.chosen),
      banditArm(banditDecision.chosen),
      parleyArm(decision.chosen),
      new OracleContextArm(),
    ];
    for (const arm of arms) {
      const e = env(seed);
      const r = await e.run(arm);
      record(r);
      if (arm instanceof ParleyArm) {
        for (const [a, n] of arm.adLoad.entries()) adLoadTest[a] = (adLoadTest[a] ?? 0) + n;
        addOffers(offersTest, arm.offers);
      }
      if (arm.name === 'parley')
        forecastTests.push({
          slots: e.slots,
          days: Math.max(1 / 24, r.requests ? (e.sim.now() - scenario.startMs) / 86_400_000 : 1),
        });
      step(`test seed ${seed}: ${arm.name}`);
    }
  }
  const arms = MAIN_ARMS.map((a) => summarise(a, results.get(a)!));

  let side: SideStudies | undefined;
  if (first) {
    const sideSeeds = seeds.test.slice(0, o.sideSeeds);
    const fixedDecision = await search(
      FRONTIER,
      seeds.validation,
      (p, seed) => env(seed).run(fixedArm(p)),
      (p) => `fixed ${settingName(p)}`,
      step,
    );
    for (const seed of sideSeeds) {
      const extra = [
        ...[
          { name: BRAND_SAFETY_ARM, weight: BRAND_SAFETY_WEIGHT },
          { name: BRAND_SAFETY_VETO_ARM, weight: 0 },
        ].map(
          ({ name, weight }) =>
            new ParleyArm(trained.parley, {
              ...decisionOptions(decision.chosen, { ...settings.weights, brand_safety: weight }),
              name,
              critics: [brandSafetyCritic],
            }),
        ),
        new ParleyArm(trained.parley, {
          ...decisionOptions(decision.chosen, settings.weights),
          name: NO_LIFT_ARM,
          liftReward: false,
        }),
        new ParleyArm(trained.parley, {
          ...decisionOptions(decision.chosen, settings.weights),
          name: NO_OFFER_ARM,
          offerPolicy: false,
        }),
        fixedArm(fixedDecision.chosen),
        ...PARLEY_SETTINGS.map((p) => parleyArm(p, frontierArm(p))),
      ];
      for (const arm of extra) {
        record(await env(seed).run(arm));
        step(`side studies, seed ${seed}: ${arm.name}`);
      }
    }
    const bySide = (a: string) => summarise(a, results.get(a)!.slice(0, sideSeeds.length));
    const online = await onlineExperiment(
      sideSeeds,
      (seed) => env(seed, true, false),
      x.exploration,
      scenario.startMs,
      step,
    );
    side = {
      seeds: sideSeeds,
      priceFirst: bySide('price-first'),
      frontier: PARLEY_SETTINGS.map((p) => bySide(frontierArm(p))),
      brandSafety: {
        arms: ['parley', BRAND_SAFETY_ARM, BRAND_SAFETY_VETO_ARM].map(bySide),
        weight: BRAND_SAFETY_WEIGHT,
      },
      liftReward: ['parley', NO_LIFT_ARM].map(bySide),
      offerPolicy: ['parley', NO_OFFER_ARM].map(bySide),
      fixedSettings: { decision: fixedDecision, arms: ['parley', FIXED_ARM].map(bySide) },
      online,
      ope: await offPolicy(trained, settings, env, o, temperature, epsilon, step),
    };
  }

  return {
    scenario: file,
    name: scenario.name,
    trainWallMs: trained.wallMs,
    trainCpuMs: cpu ? (cpu.user + cpu.system) / 1000 : null,
    curves: trained.curves,
    arms,
    forecast: forecastError(trained.forecaster, forecastTests),
    versions: trained.versions,
    rl: trained.rl,
    budget: trained.budget,
    adLoadTest,
    offersTest,
    testSeeds: seeds.test,
    trainSeeds: seeds.train,
    validationSeeds: seeds.validation,
    samples: trained.exploreSamples.length,
    decision,
    monolithicDecision,
    banditDecision,
    ...(side ? { side } : {}),
  };
}

/**
 * Off-policy evaluation against ground truth: log with the exploring policy,
 * estimate sharper / softer target policies, then run those for real.
 */
async function offPolicy(
  trained: Trained,
  settings: EnvOptions['settings'],
  env: (seed: number, collect?: boolean) => Env,
  o: ExperimentOptions,
  temperature: number,
  epsilon: number,
  step: (what: string) => void,
): Promise<OpeResult[]> {
  const objective = trained.parley.objective?.current() ?? null;
  const mult = (phi: Float32Array) => (objective ? objective.multiplierOf(phi) : 1);
  const logged: Sample[] = [];
  for (const seed of opeSeeds(o)) {
    const e = env(seed, true);
    await e.run(new ExploreArm(trained.parley, seed, temperature, epsilon));
    logged.push(...e.samples);
    step(`OPE logging seed ${seed}`);
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
    for (const seed of opeSeeds(o)) {
      const e = env(seed, true);
      await e.run(new ExploreArm(trained.parley, seed + 17, target.temperature, target.epsilon));
      const first = e.samples.filter((s) => s.podIndex === 0 && s.firstOptions);
      truths.push(...first.map((s) => s.terms.reward));
      step(`OPE ground truth ${target.name} seed ${seed}`);
    }
    ope.push({ target: target.name, truth: mean(truths), report });
  }
  return ope;
}

/** Where a scenario reports its progress steps (a Progress, or a worker's messages to one). */
export type Steps = Pick<Progress, 'step'>;

/** One scenario's result and the TF.js backend it ran on. */
export interface ScenarioRun {
  result: ScenarioResult;
  backend: BackendName;
}

/** One scenario with a TF.js of its own (in a worker thread, or the only one in this thread). */
export async function runScenarioAlone(
  o: ExperimentOptions,
  file: string,
  first: boolean,
  progress?: Steps,
): Promise<ScenarioRun> {
  const log = createLogger('experiment', 'warn');
  const { tf, backend } = await initTf({ ...(o.backend ? { prefer: o.backend } : {}), log });
  const config = loadConfig({});
  const shared: Shared = {
    o,
    tf,
    backend,
    log,
    settings: rankingSettings(config),
    exploration: config.exploration,
  };
  return { result: await runScenario(file, first, shared, progress), backend };
}

/** What a scenario's worker posts: a progress step, then its result. */
export type WorkerMessage = { step: string; amount: number } | ScenarioRun;

/**
 * The scenario worker, as this module runs: compiled, dist/sim/experiments/worker.js;
 * from the sources (tests, tsx), worker.ts through tsx's loader, registered in
 * the worker first.
 */
function scenarioWorker(o: ExperimentOptions, file: string, first: boolean): Worker {
  const workerData = { o, file, first };
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(projectPath('dist/sim/experiments/worker.js'), { workerData });
  const entry = pathToFileURL(projectPath('sim/experiments/worker.ts')).href;
  // tsx's ESM API by absolute URL (resolved from here), so any working directory will do.
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true, workerData });
}

/** Runs one scenario in a worker, forwarding its progress; resolves with its result. */
function inWorker(o: ExperimentOptions, file: string, first: boolean, progress?: Steps) {
  return new Promise<ScenarioRun>((resolve, reject) => {
    const worker = scenarioWorker(o, file, first);
    let done: ScenarioRun | null = null;
    worker.on('message', (m: WorkerMessage) => {
      if ('step' in m) progress?.step(m.step, m.amount);
      else done = m;
    });
    worker.on('error', reject);
    worker.on('exit', (code) =>
      done ? resolve(done) : reject(new Error(`the worker of ${file} exited (${code}) without a result`)),
    );
  });
}

/**
 * Every scenario, `o.jobs` at a time side by side (each in its own worker
 * thread, seeded as it would be alone: the results do not depend on jobs),
 * in the order given.
 */
export async function runExperiment(o: ExperimentOptions, progress?: Steps): Promise<ExperimentResult> {
  const t0 = performance.now();
  const jobs = Math.min(o.jobs, o.scenarios.length);
  const runs: ScenarioRun[] = [];
  if (jobs <= 1) {
    for (const [i, file] of o.scenarios.entries())
      runs.push(await runScenarioAlone(o, file, i === 0, progress));
  } else {
    // The first scenario (with the side studies, the longest) starts first.
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < o.scenarios.length; i = next++)
        runs[i] = await inWorker(o, o.scenarios[i]!, i === 0, progress);
    };
    await Promise.all(Array.from({ length: jobs }, lane));
  }
  return {
    options: o,
    backend: runs[0]!.backend,
    scenarios: runs.map((r) => r.result),
    wallMs: performance.now() - t0,
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
  if (o.render) {
    await writeReport(JSON.parse(readFileSync(o.render, 'utf8')) as ExperimentResult, o.out);
    return 0;
  }
  const progress = new Progress(plannedSteps(o));
  const r = await runExperiment(o, progress);
  progress.end();
  await writeReport(r, o.out);
  // The raw results (per seed and arm), to re-render (--render) or analyse without re-running.
  writeFileSync(join(dirname(o.out), 'results.json'), `${JSON.stringify(r, null, 1)}\n`);
  return 0;
}

async function writeReport(r: ExperimentResult, out: string): Promise<void> {
  const chartsDir = join(dirname(out), 'charts');
  mkdirSync(chartsDir, { recursive: true });
  const { markdown, charts } = renderReport(r, relative(dirname(out), chartsDir) || '.');
  for (const [name, chart] of charts) writeFileSync(join(chartsDir, name), await toSvg(chart));
  writeFileSync(out, markdown);
  process.stderr.write(`report written to ${out} (${basename(chartsDir)}/: ${charts.size} charts)\n`);
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
