/**
 * What the learned policies cost at decision time (`tsx bench/learning.ts`).
 *
 * Each run serves the same simulated requests twice, interleaved request by
 * request, through the broker's real negotiation (decide()) over the real
 * agents in-process: once with the rules / baseline models, once with the
 * learned ones (context skip-risk estimator, learned inventory weights,
 * objective bid multiplier) loaded from models/<kind>/current.json. The
 * ratio of the two latencies is taken within the run; the report gives the
 * median over runs. In-process decisions have no network hops, so this
 * ratio is stricter than one against the mesh benchmark's latency.
 *
 * It also times scoring one shortlist with the typed-array forward pass the
 * agents use against tfjs on the same weights (tfjs's per-call overhead is
 * why decisions never call it).
 *
 * Then the same comparison on the core-mesh benchmark's real mesh (five
 * processes, Redis; bench/mesh.ts), in the same run: started once with the
 * rules / baseline policy and online learning off, once with the learned
 * models loaded from their files (PARLEY_POLICY_PATH, _CONTEXT_MODEL_PATH,
 * _OBJECTIVE_MODEL_PATH, _FORECAST_PATH) and online learning on, each
 * driven open-loop at the same rate; the order alternates between runs.
 *
 *   tsx bench/learning.ts [--runs 3] [--requests 2000] [--models models]
 *                         [--mesh-runs 3] [--mesh-rate 100] [--mesh-seconds 5] [--out bench/LEARNING.md]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelHolder } from '../learning/artifacts';
import { CONTEXT_MODEL_FEATURES, ContextEstimator, parseContextModel } from '../learning/context-estimator';
import { OBJECTIVE_FEATURES, ObjectivePolicy, parseObjectiveModel } from '../learning/objective-policy';
import { initTf } from '../learning/tf';
import { rankingSettings } from '../services/broker/negotiation';
import { type CommandSpec, numberFlag, optionsOrExit, stringFlag } from '../services/common/cli';
import { loadConfig } from '../services/common/config';
import { seededRng } from '../services/common/rng';
import {
  BASELINE_WEIGHTS,
  baselinePolicy,
  type LogisticPolicy,
  loadPolicyFile,
  POLICY_FEATURE_COUNT,
  PolicyHolder,
} from '../services/inventory/policy';
import { ParleyArm, type ParleyModels } from '../sim/experiments/arms';
import { Env } from '../sim/experiments/env';
import { loadScenarioFile } from '../sim/scenario';
import type { SimRequest } from '../sim/simulator';
import type { OpenResult, OpenSpec } from './load';
import {
  type BenchOptions,
  benchDefaults,
  meshPids,
  openSpec,
  openTimeout,
  startMesh,
  stopMesh,
} from './mesh';
import { runLoad } from './procs';
import { median, percentile, perDecision, total } from './stats';

interface Options {
  runs: number;
  requests: number;
  models: string;
  /** Alternating baseline / learned real-mesh runs (0 = skip). */
  meshRuns: number;
  meshRate: number;
  meshSeconds: number;
  out: string;
}

const LEARNING_COMMAND: CommandSpec = {
  usage: 'tsx bench/learning.ts [options]',
  summary: 'What the learned policies cost at decision time (see the header of bench/learning.ts).',
  flags: {
    runs: { value: 'N', help: 'in-process runs (>= 1)', default: '3' },
    requests: { value: 'N', help: 'requests per in-process run (>= 10)', default: '2000' },
    models: { value: 'DIR', help: 'the learned models', default: 'models' },
    'mesh-runs': {
      value: 'N',
      help: 'alternating baseline / learned real-mesh runs (0 = skip)',
      default: '3',
    },
    'mesh-rate': { value: 'N', help: 'decisions/s of a mesh run (>= 1)', default: '100' },
    'mesh-seconds': { value: 'S', help: 'length of a mesh run (>= 1)', default: '5' },
    out: { value: 'FILE', help: 'the results', default: 'bench/LEARNING.md' },
  },
};

function parse(argv: string[]): Options {
  return optionsOrExit(argv, LEARNING_COMMAND, ({ values: v }) => ({
    runs: numberFlag(v, 'runs', 3, { min: 1, integer: true }),
    requests: numberFlag(v, 'requests', 2000, { min: 10, integer: true }),
    models: stringFlag(v, 'models', 'models'),
    meshRuns: numberFlag(v, 'mesh-runs', 3, { min: 0, integer: true }),
    meshRate: numberFlag(v, 'mesh-rate', 100, { min: 1 }),
    meshSeconds: numberFlag(v, 'mesh-seconds', 5, { min: 1 }),
    out: stringFlag(v, 'out', 'bench/LEARNING.md'),
  }));
}

/** The learned models from models/, or stand-ins of the same shape (cost does not depend on the values). */
function learnedModels(dir: string): { models: ParleyModels; source: string } {
  const path = (k: string) => join(dir, k, 'current.json');
  const have = ['inventory', 'context', 'objective'].every((k) => existsSync(path(k)));
  if (have) {
    return {
      source: `${dir}/*/current.json`,
      models: {
        inventory: new PolicyHolder(loadPolicyFile(path('inventory'))),
        context: new ModelHolder(parseContextModel(readFileSync(path('context'), 'utf8'))),
        objective: new ModelHolder(parseObjectiveModel(readFileSync(path('objective'), 'utf8'))),
      },
    };
  }
  const rng = seededRng(5);
  return {
    source: 'stand-in weights (no trained models found)',
    models: {
      inventory: new PolicyHolder(baselinePolicy()),
      context: new ModelHolder(
        new ContextEstimator(
          'ctx-standin',
          Array.from(CONTEXT_MODEL_FEATURES, () => rng.next() - 0.5),
        ),
      ),
      objective: new ModelHolder(
        new ObjectivePolicy(
          'obj-standin',
          Array.from(OBJECTIVE_FEATURES, () => rng.next() * 0.2),
        ),
      ),
    },
  };
}

interface RunResult {
  baseP50: number;
  learnedP50: number;
  baseMean: number;
  learnedMean: number;
  ratioP50: number;
  ratioMean: number;
  typedUs: number;
  tfjsUs: number;
}

async function oneRun(o: Options, run: number, learned: ParleyModels): Promise<RunResult> {
  const settings = rankingSettings(loadConfig({}));
  const scenario = loadScenarioFile('sim/scenarios/default-day.yaml');
  // The request stream (answered with no ad, so the stream does not depend on either policy).
  const source = new Env({ scenario, seed: 3000 + run, settings });
  const requests: SimRequest[] = [];
  for (let r = source.sim.nextRequest(); r && requests.length < o.requests; r = source.sim.nextRequest()) {
    requests.push(r);
    source.sim.respond(r.handle, []);
  }
  const baseEnv = new Env({ scenario, seed: 3000 + run, settings });
  const learnedEnv = new Env({ scenario, seed: 3000 + run, settings });
  const base = new ParleyArm({
    inventory: new PolicyHolder(baselinePolicy()),
    context: null,
    objective: null,
  });
  const arm = new ParleyArm(learned);
  const tb: number[] = [];
  const tl: number[] = [];
  for (let i = 0; i < requests.length; i++) {
    const req = requests[i]!;
    const order: Array<[ParleyArm, Env, number[]]> =
      i % 2 === 0
        ? [
            [base, baseEnv, tb],
            [arm, learnedEnv, tl],
          ]
        : [
            [arm, learnedEnv, tl],
            [base, baseEnv, tb],
          ];
    for (const [a, env, times] of order) {
      env.now = req.nowMs;
      const t0 = performance.now();
      await a.choose(req, env);
      times.push(performance.now() - t0);
    }
  }
  const warm = Math.floor(requests.length / 10); // the first tenth warms the JIT up
  const b = tb.slice(warm);
  const l = tl.slice(warm);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

  // Scoring one shortlist (24 rows: 3 rounds × 8) typed-array vs tfjs.
  const { tf } = await initTf();
  const rows = 24;
  const rng = seededRng(run);
  const x = Float32Array.from({ length: rows * POLICY_FEATURE_COUNT }, () => rng.next());
  const policy = (learned.inventory.current() as LogisticPolicy) ?? baselinePolicy();
  const W = tf.tensor2d(
    Array.from({ length: POLICY_FEATURE_COUNT }, (_, i) => [
      BASELINE_WEIGHTS.skip[i]!,
      BASELINE_WEIGHTS.complete[i]!,
      BASELINE_WEIGHTS.engage[i]!,
    ]),
  );
  const reps = 2000;
  let sink = 0;
  let t0 = performance.now();
  for (let k = 0; k < reps; k++)
    for (let r = 0; r < rows; r++)
      sink += policy.predict(x.subarray(r * POLICY_FEATURE_COUNT, (r + 1) * POLICY_FEATURE_COUNT)).pSkip;
  const typedUs = ((performance.now() - t0) * 1000) / reps;
  t0 = performance.now();
  for (let k = 0; k < reps / 10; k++)
    sink += tf.tidy(
      () => tf.sigmoid(tf.matMul(tf.tensor2d(x, [rows, POLICY_FEATURE_COUNT]), W)).dataSync()[0]!,
    );
  const tfjsUs = ((performance.now() - t0) * 1000) / (reps / 10);
  W.dispose();
  if (sink === Number.NEGATIVE_INFINITY) console.log(sink);
  return {
    baseP50: percentile(b, 50),
    learnedP50: percentile(l, 50),
    baseMean: mean(b),
    learnedMean: mean(l),
    ratioP50: percentile(l, 50) / percentile(b, 50),
    ratioMean: mean(l) / mean(b),
    typedUs,
    tfjsUs,
  };
}

interface MeshVariant {
  p50: number;
  p99: number;
  cpuMsPerDecision: number;
  answered: number;
  errors: number;
}

interface MeshRun {
  baseline: MeshVariant;
  learned: MeshVariant;
  order: string;
}

/** The env that makes the real mesh load every learned model (absolute paths) and learn online. */
function learnedMeshEnv(dir: string): Record<string, string> | null {
  const path = (k: string) => resolve(dir, k, 'current.json');
  if (!['inventory', 'context', 'objective', 'forecast'].every((k) => existsSync(path(k)))) return null;
  return {
    PARLEY_POLICY_PATH: path('inventory'),
    PARLEY_CONTEXT_MODEL_PATH: path('context'),
    PARLEY_OBJECTIVE_MODEL_PATH: path('objective'),
    PARLEY_FORECAST_PATH: path('forecast'),
    PARLEY_ONLINE_LEARNING: 'on',
  };
}

async function meshVariant(
  o: Options,
  run: number,
  name: string,
  env: Record<string, string>,
): Promise<MeshVariant> {
  const say = (line: string) => process.stderr.write(`  [mesh ${run + 1} ${name}] ${line}\n`);
  const bench: BenchOptions = { ...benchDefaults(), seconds: o.meshSeconds };
  const mesh = await startMesh('real', 1, () => [], env);
  try {
    const spec: OpenSpec = {
      ...openSpec(bench, mesh.broker, `learning-${name}`, 7000 + run, o.meshRate),
      cpuPids: meshPids(mesh),
    };
    const open = await runLoad<OpenResult>(spec, openTimeout(bench), say);
    const answered = open.ok + open.degraded;
    say(`p50 ${open.p50Ms.toFixed(2)} ms, p99 ${open.p99Ms.toFixed(2)} ms, ${answered} answered`);
    return {
      p50: open.p50Ms,
      p99: open.p99Ms,
      cpuMsPerDecision: total(perDecision(open.cpuMs, answered)),
      answered,
      errors: open.errors + open.dropped,
    };
  } finally {
    await stopMesh(mesh);
  }
}

async function meshRuns(o: Options, learnedEnv: Record<string, string>): Promise<MeshRun[]> {
  const runs: MeshRun[] = [];
  for (let r = 0; r < o.meshRuns; r++) {
    const baselineEnv = { PARLEY_ONLINE_LEARNING: 'off' };
    const learnedFirst = r % 2 === 1;
    const first = learnedFirst
      ? await meshVariant(o, r, 'learned', learnedEnv)
      : await meshVariant(o, r, 'baseline', baselineEnv);
    const second = learnedFirst
      ? await meshVariant(o, r, 'baseline', baselineEnv)
      : await meshVariant(o, r, 'learned', learnedEnv);
    runs.push({
      baseline: learnedFirst ? second : first,
      learned: learnedFirst ? first : second,
      order: learnedFirst ? 'learned first' : 'baseline first',
    });
  }
  return runs;
}

function meshSection(o: Options, runs: MeshRun[]): { lines: string[]; pass: boolean } {
  if (runs.length === 0) return { lines: [], pass: true };
  const med = (f: (r: MeshRun) => number) => median(runs.map(f));
  const p50 = med((r) => r.learned.p50 / r.baseline.p50);
  const p99 = med((r) => r.learned.p99 / r.baseline.p99);
  const cpu = med((r) => r.learned.cpuMsPerDecision / r.baseline.cpuMsPerDecision);
  const pass = p50 <= 1.2;
  const lines = [
    "## On the core-mesh benchmark's mesh",
    '',
    `The real mesh of bench/mesh.ts (five processes, Redis, the generated bench catalogue), started ${runs.length} × 2 times in this run: ` +
      'with the rules / baseline policy and online learning off, and with every learned model loaded from its file and online learning on ' +
      `(the inventory agent remembering each proposal's features for the outcome log). Each driven open-loop at ${o.meshRate}/s for ${o.meshSeconds} s; ` +
      'the order alternates between runs; ratios are learned / baseline within a run, medians over runs. ' +
      'The load generator reports no outcomes, so the online learner takes no steps here (its steps run off the decision path, every few hundred outcomes). ' +
      'Latency also follows what the models decide — e.g. fewer negotiation rounds when the first shortlist already fills the pod — so a ratio below 1 can happen.',
    '',
    '| measure | median of runs | target | verdict |',
    '|---|---|---|---|',
    `| decision p50, learned / baseline | ${p50.toFixed(3)} | ≤ 1.20 | ${pass ? 'PASS' : 'FAIL'} |`,
    `| decision p99, learned / baseline | ${p99.toFixed(3)} | | |`,
    `| CPU per decision (all processes), learned / baseline | ${cpu.toFixed(3)} | | |`,
    '',
    '| run | order | baseline p50 ms | learned p50 ms | baseline p99 ms | learned p99 ms | baseline CPU ms/decision | learned CPU ms/decision | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r, i) =>
        `| ${i + 1} | ${r.order} | ${r.baseline.p50.toFixed(2)} | ${r.learned.p50.toFixed(2)} | ${r.baseline.p99.toFixed(2)} | ${r.learned.p99.toFixed(2)} | ${r.baseline.cpuMsPerDecision.toFixed(2)} | ${r.learned.cpuMsPerDecision.toFixed(2)} | ${r.baseline.errors + r.learned.errors} |`,
    ),
    '',
  ];
  return { lines, pass };
}

export async function main(argv: string[]): Promise<number> {
  const o = parse(argv);
  const { models, source } = learnedModels(o.models);
  const runs: RunResult[] = [];
  for (let r = 0; r < o.runs; r++) {
    runs.push(await oneRun(o, r, models));
    process.stderr.write(
      `run ${r + 1}/${o.runs}: ratio p50 ${runs.at(-1)!.ratioP50.toFixed(3)}, mean ${runs.at(-1)!.ratioMean.toFixed(3)}\n`,
    );
  }
  const learnedEnv = learnedMeshEnv(o.models);
  if (o.meshRuns > 0 && !learnedEnv)
    process.stderr.write(`no trained models in ${o.models}: mesh runs skipped\n`);
  const mesh = meshSection(o, o.meshRuns > 0 && learnedEnv ? await meshRuns(o, learnedEnv) : []);
  const med = (f: (r: RunResult) => number) => median(runs.map(f));
  const ratio = med((r) => r.ratioP50);
  const ratioMean = med((r) => r.ratioMean);
  const pass = ratio <= 1.2 && ratioMean <= 1.2 && mesh.pass;
  const addedMs = med((r) => r.learnedMean - r.baseMean);
  const L = [
    '# Learning: cost at decision time',
    '',
    `Generated by \`tsx bench/learning.ts --runs ${o.runs} --requests ${o.requests} --mesh-runs ${o.meshRuns} --mesh-rate ${o.meshRate} --mesh-seconds ${o.meshSeconds}\`; learned models: ${source}.`,
    '',
    '## In process',
    '',
    "Each run serves the same simulated requests through the broker's negotiation over the in-process agents, " +
      'interleaved request by request: rules/baseline models vs the learned models (context skip-risk estimator, learned inventory weights, ' +
      'objective bid multiplier). Ratios are taken within a run; the table gives the median over runs. ' +
      'In-process decisions have no network hops, so the ratio is stricter than on the mesh (below).',
    '',
    '| measure | median of runs | target | verdict |',
    '|---|---|---|---|',
    `| decision p50, baseline (ms) | ${med((r) => r.baseP50).toFixed(3)} | | |`,
    `| decision p50, learned (ms) | ${med((r) => r.learnedP50).toFixed(3)} | | |`,
    `| learned / baseline, p50 | ${ratio.toFixed(3)} | ≤ 1.20 | ${ratio <= 1.2 ? 'PASS' : 'FAIL'} |`,
    `| learned / baseline, mean | ${ratioMean.toFixed(3)} | ≤ 1.20 | ${ratioMean <= 1.2 ? 'PASS' : 'FAIL'} |`,
    `| added per decision, mean (ms) | ${addedMs.toFixed(3)} | | |`,
    `| scoring a 24-row shortlist, typed-array (µs) | ${med((r) => r.typedUs).toFixed(2)} | | |`,
    `| scoring a 24-row shortlist, tfjs (µs) | ${med((r) => r.tfjsUs).toFixed(2)} | | |`,
    '',
    '| run | base p50 ms | learned p50 ms | ratio p50 | base mean ms | learned mean ms | ratio mean | typed µs | tfjs µs |',
    '|---|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r, i) =>
        `| ${i + 1} | ${r.baseP50.toFixed(3)} | ${r.learnedP50.toFixed(3)} | ${r.ratioP50.toFixed(3)} | ${r.baseMean.toFixed(3)} | ${r.learnedMean.toFixed(3)} | ${r.ratioMean.toFixed(3)} | ${r.typedUs.toFixed(2)} | ${r.tfjsUs.toFixed(2)} |`,
    ),
    '',
    'The objective multiplier here reads the campaign state through the ledger (an extra async lookup per campaign); ' +
      'the objective agent reuses the state evaluate already loads, so this overstates its cost.',
    '',
    ...mesh.lines,
  ];
  writeFileSync(o.out, L.join('\n'));
  process.stderr.write(`written ${o.out}: ${pass ? 'PASS' : 'FAIL'}\n`);
  return pass ? 0 : 1;
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
