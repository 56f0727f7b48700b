/**
 * The chaos run (`npm run chaos`): does the mesh keep its promises when its
 * parts fail under load? On loopback, it starts the real mesh of the
 * benchmark (bench/mesh.ts startMesh: every agent of services/agents.yaml,
 * the admin service and the broker, as `parley serve` processes) on a
 * durable redis-server of its own (append-only, fsync always) and a
 * federated aggregator (`parley federated`); one agent (--proxied,
 * brand-safety by default) is reached through a fault-injecting TCP proxy
 * (test/support/fault-proxy.ts). Then, one step at a time, each under the
 * load generator's open loop (bench/load.ts: --rate decisions/s with their
 * outcome reports, a failed report batch sent again with the same keys):
 *  - nothing happens (the baseline: late answers there mean the machine
 *    cannot carry --rate, whatever the faults do);
 *  - the link to the proxied agent gets slow (every chunk held for the
 *    decision's whole deadline), lossy (30% of chunks a retransmission late),
 *    stalled (nothing passes), and reset (every connection, new ones refused
 *    for a while), then is healed;
 *  - every agent, the admin service, the aggregator and redis-server are
 *    killed (SIGKILL) and started again; redis-server is also frozen
 *    (SIGSTOP: connections open, nothing answered) and thawed;
 *  - every agent, the admin service and the aggregator are told to stop
 *    (SIGTERM): each must exit 0, then starts again;
 *  - last, the broker is told to stop with a burst of decisions in flight:
 *    it must answer them all, then exit 0.
 * Checks, per step: no call failed, no answer came after its deadline_ms,
 * the part hurt was used again (no answer degraded by it) before the step
 * ended, and the money is exact: every impression reported is acknowledged,
 * none was refused as not chargeable, and the ledger's spend (the objective
 * agent's CampaignStatus, summed) grew by exactly the prices of the
 * impressions reported (an impression charged twice or not at all shows),
 * with no campaign over its budget. Progress goes to stderr; the table to
 * stdout; JSON and a markdown report to --out (bench/out/chaos.{json,md}).
 * Exits 1 when a check failed.
 *
 *   npm run chaos -- [--rate 200] [--deadline-ms 150] [--seconds 10] [--proxied brand-safety]
 *                    [--only kill,sigterm,link,drain] [--out bench/out]
 *
 * About 4 minutes with the defaults (a step lasts --seconds).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import { connect, decide, waitReady } from '../bin/client';
import {
  AGENTS,
  addrEnv,
  type Exit,
  parleyArgv,
  portEnv,
  type ServiceProcess,
  spawnReady,
  spawnService,
  stopProcess,
} from '../bin/spawn';
import type { CampaignStatusReply__Output } from '../proto/gen/parley/v1/CampaignStatusReply';
import type { RoundStatusReply__Output } from '../proto/gen/parley/v1/RoundStatusReply';
import {
  type CommandSpec,
  choiceFlag,
  helpText,
  numberFlag,
  parseCommand,
  UsageError,
} from '../services/common/cli';
import { v1 } from '../services/common/grpc/proto';
import { setDefaultIdentity } from '../services/common/grpc/tls';
import { projectPath } from '../services/common/paths';
import { quantile } from '../services/common/stats';
import { type FaultProxy, startFaultProxy } from '../test/support/fault-proxy';
import { freePort } from '../test/support/ports';
import type { OpenResult, OpenSpec, TimelineBucket } from './load';
import { harnessCredentials, type Mesh, startMesh, stopMesh } from './mesh';
import { runLoad } from './procs';
import { createWorkload } from './workload';

// ---------------------------------------------------------------------------
// Options

export type StepKind = 'baseline' | 'link' | 'kill' | 'sigterm' | 'drain';
/** What --only picks from (the baseline always runs). */
const KINDS: readonly StepKind[] = ['link', 'kill', 'sigterm', 'drain'];

export interface ChaosOptions {
  /** Decisions/s of the open loop. */
  rate: number;
  /** deadline_ms of every request: an answer after it is late. */
  deadlineMs: number;
  /** Length of each step's load window. */
  seconds: number;
  /** The agent behind the fault-injecting proxy. */
  proxied: string;
  only: StepKind[];
  out: string;
}

export const CHAOS_COMMAND: CommandSpec = {
  usage: 'npm run chaos -- [options]',
  summary:
    'Kills, stops and restarts every part of a mesh under load, and breaks the link to one agent\nthrough a fault-injecting proxy (see the header of bench/chaos.ts).',
  flags: {
    rate: { value: 'N', help: 'decisions/s of the open loop (1..2000)', default: '200' },
    'deadline-ms': { value: 'MS', help: 'deadline_ms of every request (20..10000)', default: '150' },
    seconds: { value: 'S', help: "each step's load window (6..120)", default: '10' },
    proxied: { value: 'AGENT', help: 'the agent behind the fault-injecting proxy', default: 'brand-safety' },
    only: { value: 'LIST', help: `steps to run: a list of ${KINDS.join(', ')}`, default: 'all' },
    out: { value: 'DIR', help: 'where the results go', default: 'bench/out' },
  },
};

/** The chaos run's options, or null for --help; an error names a bad flag. */
export function parseArgs(argv: string[]): ChaosOptions | null {
  const args = parseCommand(argv, CHAOS_COMMAND);
  if (!args) return null;
  const v = args.values;
  const only = typeof v.only === 'string' ? v.only.split(',') : [...KINDS];
  for (const k of only)
    if (!(KINDS as readonly string[]).includes(k))
      throw new UsageError(`--only: expected a list of ${KINDS.join(', ')}, got "${only.join(',')}"`);
  return {
    rate: numberFlag(v, 'rate', 200, { min: 1, max: 2000 }),
    deadlineMs: Math.floor(numberFlag(v, 'deadline-ms', 150, { min: 20, max: 10_000 })),
    seconds: numberFlag(v, 'seconds', 10, { min: 6, max: 120 }),
    proxied: choiceFlag(
      v,
      'proxied',
      AGENTS,
      AGENTS.includes('brand-safety') ? 'brand-safety' : AGENTS[AGENTS.length - 1]!,
    ),
    only: only as StepKind[],
    out: typeof v.out === 'string' ? resolve(v.out) : projectPath('bench', 'out'),
  };
}

// ---------------------------------------------------------------------------
// Figures and checks (pure: unit-tested)

/** Width of the load generator's timeline stretches. */
export const BUCKET_MS = 250;

/**
 * Seconds from `liftedAt` (the fault lifted: the part listening again, the
 * link healed) to the end of the last stretch with an answer hurt by it
 * (`hurt` of the stretch > 0); 0 when none came after it was lifted; null
 * when answers were still hurt in the window's last stretch (not recovered),
 * or no answer came after it at all.
 */
export function recoverySeconds(
  timeline: TimelineBucket[],
  hurt: (b: TimelineBucket) => number,
  liftedAt: number,
  bucketMs = BUCKET_MS,
): number | null {
  const after = timeline.filter((b) => b.at + bucketMs > liftedAt);
  const lastHurt = after.findLastIndex((b) => hurt(b) > 0);
  const healthyAfter = after.slice(lastHurt + 1).some((b) => b.answers > hurt(b));
  if (!healthyAfter) return null;
  if (lastHurt < 0) return 0;
  return Math.max(0, after[lastHurt]!.at + bucketMs - liftedAt) / 1000;
}

/** What the ledger says, summed over campaigns. */
export interface Ledger {
  spentMicros: number;
  /** Campaigns whose paced spend (spent + reserved) is over their budget. */
  overBudget: string[];
}

export function ledgerOf(status: CampaignStatusReply__Output): Ledger {
  let spent = 0;
  const over: string[] = [];
  for (const c of status.campaigns) {
    spent += Number(c.lifetime_spent_micros);
    if (Number(c.budget_micros) > 0 && Number(c.spend_micros) > Number(c.budget_micros))
      over.push(c.campaign_id);
  }
  return { spentMicros: spent, overBudget: over };
}

export interface StepResult {
  name: string;
  kind: StepKind;
  /** Answers (degraded included), degraded answers, answers after their deadline, failed calls (errors and sends skipped). */
  answers: number;
  degraded: number;
  late: number;
  failed: number;
  /** See recoverySeconds; null: not recovered by the end of the step. */
  recoveryS: number | null;
  /** The stopped process's exit (sigterm and drain steps). */
  exit: Exit | null;
  /** Outcome reports: impressions of ads with a reservation and their prices, what the acks and the ledger say. */
  money: {
    impressions: number;
    impressionMicros: number;
    settled: number;
    chargedMicros: number;
    duplicates: number;
    notCharged: number;
    unacked: number;
    retries: number;
    ledgerDeltaMicros: number;
    overBudget: string[];
  } | null;
  p99Ms: number;
  /** When the fault was injected and lifted (Date.now()), and the answers per stretch (the JSON only). */
  injectedAt: number;
  liftedAt: number;
  timeline: TimelineBucket[];
  /** The checks this step failed (empty: passed). */
  failures: string[];
}

/** The checks of one step, from its figures. */
export function checkStep(s: Omit<StepResult, 'failures'>): string[] {
  const f: string[] = [];
  if (s.failed > 0) f.push(`${s.failed} calls failed`);
  if (s.late > 0) f.push(`${s.late} answers after their deadline`);
  if (s.answers === 0) f.push('no answers');
  if (s.kind !== 'drain' && s.kind !== 'baseline' && s.recoveryS === null)
    f.push('not recovered by the end of the step');
  if (s.exit && (s.exit.code !== 0 || s.exit.signal !== null))
    f.push(`exited ${s.exit.signal ?? `with code ${s.exit.code}`} instead of 0`);
  const m = s.money;
  if (m) {
    if (m.unacked > 0) f.push(`${m.unacked} outcome reports never acknowledged`);
    if (m.notCharged > 0) f.push(`${m.notCharged} impressions not charged`);
    if (m.ledgerDeltaMicros !== m.impressionMicros)
      f.push(
        `ledger spend grew by ${m.ledgerDeltaMicros} µ, the impressions reported cost ${m.impressionMicros} µ`,
      );
    if (m.chargedMicros > m.impressionMicros)
      f.push(
        `acknowledged charges ${m.chargedMicros} µ exceed the impressions' prices ${m.impressionMicros} µ`,
      );
    if (m.overBudget.length > 0) f.push(`over budget: ${m.overBudget.join(', ')}`);
  }
  return f;
}

const fmtRecovery = (s: StepResult) =>
  s.kind === 'drain' || s.kind === 'baseline'
    ? '–'
    : s.recoveryS === null
      ? 'not recovered'
      : s.recoveryS.toFixed(2);

export function table(steps: StepResult[]): string {
  const rows = [
    ['fault', 'answers', 'degraded', 'late', 'failed', 'recovery s', 'money', 'result'],
    ...steps.map((s) => [
      s.name,
      String(s.answers),
      String(s.degraded),
      String(s.late),
      String(s.failed),
      fmtRecovery(s),
      s.money ? `${s.money.impressions} impr., Δ ${s.money.ledgerDeltaMicros} µ` : '–',
      s.failures.length === 0 ? 'ok' : 'FAILED',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

export function markdown(o: ChaosOptions, steps: StepResult[], machine: string): string {
  const failed = steps.filter((s) => s.failures.length > 0);
  return [
    '# Chaos run',
    '',
    `${new Date().toISOString()}; ${machine}. ${o.rate} decisions/s open loop with outcome reports, ` +
      `deadline_ms ${o.deadlineMs}, ${o.seconds} s per step; ${o.proxied} behind the fault-injecting proxy; ` +
      'Redis append-only with fsync always.',
    '',
    '| fault | answers | degraded | late | failed | recovery s | impressions | ledger Δ µ | p99 ms | result |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...steps.map(
      (s) =>
        `| ${s.name} | ${s.answers} | ${s.degraded} | ${s.late} | ${s.failed} | ${fmtRecovery(s)} | ` +
        `${s.money?.impressions ?? '–'} | ${s.money?.ledgerDeltaMicros ?? '–'} | ${s.p99Ms.toFixed(1)} | ` +
        `${s.failures.length === 0 ? 'ok' : `FAILED: ${s.failures.join('; ')}`} |`,
    ),
    '',
    failed.length === 0 ? 'Every check passed.' : `${failed.length} of ${steps.length} steps failed a check.`,
    '',
    'Recovery: seconds from the fault being lifted (the part listening again, the link healed) to the end of ' +
      `the last ${BUCKET_MS} ms stretch with an answer degraded by it. Money: every impression of an ad with a ` +
      "reservation is acknowledged, and the ledger's spend grows by exactly their prices.",
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------
// The run

const startedAt = Date.now();
function say(line: string): void {
  const s = Math.floor((Date.now() - startedAt) / 1000);
  process.stderr.write(`[${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}] ${line}\n`);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The processes the run can kill and start again: the mesh's, and the aggregator. */
class Parts {
  readonly procs = new Map<string, ServiceProcess>();
  federatedPort = 0;

  constructor(private readonly mesh: Mesh) {
    for (const p of mesh.procs) this.procs.set(p.name, p);
  }

  get(name: string): ServiceProcess {
    const p = this.procs.get(name);
    if (!p) throw new Error(`${name} is not running`);
    return p;
  }

  async start(name: string): Promise<ServiceProcess> {
    const opts = {
      env: this.mesh.env,
      startTimeoutMs: 60_000,
      onStderrLine: (line: string) => {
        if (/"level":"(warn|error)"/.test(line)) say(`    [${name}] ${line}`);
      },
    };
    const p =
      name === 'federated'
        ? await spawnReady(name, parleyArgv(['federated', '--port', String(this.federatedPort)]), opts)
        : await spawnService(name, opts);
    this.procs.set(name, p);
    return p;
  }

  /** Sends `signal` and waits until the process is gone. */
  async stop(name: string, signal: NodeJS.Signals): Promise<Exit> {
    const p = this.get(name);
    this.procs.delete(name);
    return stopProcess(p, signal, 15_000);
  }

  async stopAll(): Promise<void> {
    const fed = this.procs.get('federated');
    if (fed) await stopProcess(fed, 'SIGTERM', 5000);
    // stopMesh stops them in reverse: the broker first.
    const order = (p: ServiceProcess) => (p.name === 'broker' ? 1 : 0);
    const running = [...this.procs.values()]
      .filter((p) => p.name !== 'federated')
      .sort((a, b) => order(a) - order(b));
    this.mesh.procs.splice(0, this.mesh.procs.length, ...running);
    await stopMesh(this.mesh);
  }
}

function unary<Res>(call: (cb: (err: grpc.ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((res, rej) =>
    call((err, r) => (err || !r ? rej(err ?? new Error('empty reply')) : res(r))),
  );
}

/** The ledger as the objective agent at `objective` reports it (retried while it is not up). */
export async function readLedger(objective: string): Promise<Ledger> {
  const client = new v1.ObjectiveAgent(objective, harnessCredentials());
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const status = await unary<CampaignStatusReply__Output>((cb) =>
          client.CampaignStatus({}, { deadline: Date.now() + 5000 }, cb),
        );
        return ledgerOf(status);
      } catch (err) {
        if (attempt >= 10) throw err;
        await sleep(500);
      }
    }
  } finally {
    client.close();
  }
}

async function roundStatus(address: string): Promise<RoundStatusReply__Output> {
  const client = new v1.FederatedAggregator(address, harnessCredentials());
  try {
    return await unary<RoundStatusReply__Output>((cb) =>
      client.RoundStatus({ round_id: 0 }, { deadline: Date.now() + 5000 }, cb),
    );
  } finally {
    client.close();
  }
}

interface Fault {
  name: string;
  kind: StepKind;
  /**
   * The agents whose degradation counts as hurt by it (failed calls always
   * do): the agent faulted; for Redis every agent (they keep their state
   * there); none for the admin service and the aggregator (not on the
   * decision path).
   */
  blame: readonly string[];
  inject(): Promise<Exit | null>;
  /** Lifts the fault; resolves when it is lifted (the part listening again). */
  lift(): Promise<void>;
}

function faults(o: ChaosOptions, parts: Parts, mesh: Mesh, proxy: FaultProxy): Fault[] {
  // The same window with no fault first: what this machine does at this rate anyway.
  const out: Fault[] = [
    {
      name: 'no fault (baseline)',
      kind: 'baseline',
      blame: [],
      inject: async () => null,
      lift: async () => {},
    },
  ];
  const agent = o.proxied;
  const link = (what: string, f: Parameters<FaultProxy['set']>[0], reset = false): Fault => ({
    name: `link to ${agent}: ${what}`,
    kind: 'link',
    blame: [agent],
    inject: async () => {
      proxy.set(f);
      if (reset) proxy.reset();
      return null;
    },
    lift: async () => proxy.clear(),
  });
  if (o.only.includes('link'))
    out.push(
      link(`${o.deadlineMs} ms delay`, { delayMs: o.deadlineMs }),
      link('30% loss', { loss: 0.3, lossDelayMs: 200 }),
      link('stall', { stall: true }),
      link('reset, refused', { refuse: true }, true),
    );
  const restartable = [...AGENTS, 'admin', 'federated'];
  if (o.only.includes('kill')) {
    for (const name of restartable)
      out.push({
        name: `SIGKILL ${name}`,
        kind: 'kill',
        blame: AGENTS.includes(name) ? [name] : [],
        inject: async () => {
          await parts.stop(name, 'SIGKILL');
          return null;
        },
        lift: async () => {
          await parts.start(name);
        },
      });
    out.push({
      name: 'SIGKILL redis-server',
      kind: 'kill',
      blame: AGENTS,
      inject: async () => {
        await mesh.redis!.kill();
        return null;
      },
      lift: () => mesh.redis!.restart(),
    });
    out.push({
      name: 'SIGSTOP redis-server',
      kind: 'kill',
      blame: AGENTS,
      inject: async () => {
        mesh.redis!.freeze();
        return null;
      },
      lift: async () => mesh.redis!.thaw(),
    });
  }
  if (o.only.includes('sigterm'))
    for (const name of restartable)
      out.push({
        name: `SIGTERM ${name}`,
        kind: 'sigterm',
        blame: AGENTS.includes(name) ? [name] : [],
        inject: () => parts.stop(name, 'SIGTERM'),
        lift: async () => {
          await parts.start(name);
        },
      });
  return out;
}

/** Runs one fault under the open loop: injected 2 s in, lifted 2 s later, the rest of the window to recover. */
async function runStep(
  o: ChaosOptions,
  f: Fault,
  mesh: Mesh,
  parts: Parts,
  seed: number,
): Promise<StepResult> {
  const objective = () => parts.get(AGENTS.find((a) => a === 'objective') ?? AGENTS[0]!).address;
  const before = await readLedger(objective());
  const spec: OpenSpec = {
    mode: 'open',
    target: mesh.broker,
    channels: 2,
    seed,
    tag: `chaos${seed}-${Date.now().toString(36)}`,
    sessions: 200_000,
    deadlineMs: o.deadlineMs,
    rate: o.rate,
    seconds: o.seconds,
    warmupSeconds: 0,
    maxInFlight: Math.max(256, Math.ceil(o.rate * 2.5)),
    outcomes: { batchMs: 50, maxBatch: 200, retryForMs: 60_000 },
    timelineMs: BUCKET_MS,
  };
  say(`${f.name}: ${o.rate}/s for ${o.seconds} s`);
  const load = runLoad<OpenResult>(spec, (o.seconds + 120) * 1000, (line) => say(`  ${line.trim()}`));
  await sleep(2000);
  say(`  inject: ${f.name}`);
  const injectedAt = Date.now();
  const exit = await f.inject();
  if (exit) say(`  exited ${exit.signal ?? `with code ${exit.code}`}`);
  await sleep(exit ? 500 : 2000);
  await f.lift();
  const liftedAt = Date.now();
  say(`  lifted`);
  const res = await load;
  const after = await readLedger(objective());
  const oc = res.outcomes!;
  const hurt = (b: TimelineBucket) =>
    b.errors +
    (f.blame.length === AGENTS.length ? b.degraded : f.blame.reduce((n, a) => n + (b.degradedBy[a] ?? 0), 0));
  const step: Omit<StepResult, 'failures'> = {
    name: f.name,
    kind: f.kind,
    answers: res.ok + res.degraded,
    degraded: res.degraded,
    late: res.anyLate,
    failed: res.errors + res.dropped,
    recoveryS: recoverySeconds(res.timeline, hurt, liftedAt),
    exit,
    money: {
      impressions: oc.impressions,
      impressionMicros: oc.impressionMicros,
      settled: oc.settled,
      chargedMicros: oc.chargedMicros,
      duplicates: oc.duplicates,
      notCharged: oc.notCharged,
      unacked: oc.unacked,
      retries: oc.retries,
      ledgerDeltaMicros: after.spentMicros - before.spentMicros,
      overBudget: after.overBudget,
    },
    p99Ms: res.p99Ms,
    injectedAt,
    liftedAt,
    timeline: res.timeline,
  };
  return { ...step, failures: checkStep(step) };
}

/** SIGTERM to the broker with a burst of decisions in flight: every one answered in time, then exit 0. */
async function drainBroker(o: ChaosOptions, mesh: Mesh, parts: Parts): Promise<StepResult> {
  say('SIGTERM broker with decisions in flight');
  const injectedAt = Date.now();
  const client = connect(mesh.broker);
  const workload = createWorkload({
    seed: 99,
    tag: `chaos-drain-${Date.now().toString(36)}`,
    sessions: 1000,
    deadlineMs: o.deadlineMs,
    nowMs: Date.now(),
  });
  await waitReady(client, 10_000);
  const burst = Math.max(20, Math.round(o.rate / 5));
  const tally = { answers: 0, degraded: 0, late: 0, failed: 0 };
  const latencies: number[] = [];
  let firstAnswer = () => {};
  const answered = new Promise<void>((r) => {
    firstAnswer = r;
  });
  const calls = Array.from({ length: burst }, async (_, i) => {
    const t0 = performance.now();
    try {
      // Failing a call is the broker's doing only: a busy machine makes it late (counted), not failed.
      const res = await decide(client, workload.request(i), { timeoutMs: Math.max(5000, 10 * o.deadlineMs) });
      const ms = performance.now() - t0;
      latencies.push(ms);
      tally.answers++;
      if (res.degraded.length > 0) tally.degraded++;
      if (ms > o.deadlineMs) tally.late++;
    } catch (err) {
      if (tally.failed++ === 0) say(`  first failed call: ${(err as Error).message}`);
    } finally {
      // A failed call counts too: on a busy machine every call of the burst may fail, and
      // waiting for an answer that never comes would hang the run.
      firstAnswer();
    }
  });
  // Once the first call is back, the burst (sent together on one connection) has reached the broker.
  await answered;
  const exit = await parts.stop('broker', 'SIGTERM');
  await Promise.all(calls);
  client.close();
  say(`  ${tally.answers}/${burst} answered, broker exited ${exit.signal ?? `with code ${exit.code}`}`);
  latencies.sort((a, b) => a - b);
  const step: Omit<StepResult, 'failures'> = {
    name: 'SIGTERM broker (drain)',
    kind: 'drain',
    ...tally,
    recoveryS: null,
    exit,
    money: null,
    injectedAt,
    liftedAt: injectedAt,
    timeline: [],
    p99Ms: quantile(latencies, 0.99),
  };
  return { ...step, failures: checkStep(step) };
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ChaosOptions | null;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    say(`chaos: ${err.message}\n\n${helpText(CHAOS_COMMAND)}`);
    return 2;
  }
  if (!parsed) {
    process.stdout.write(helpText(CHAOS_COMMAND));
    return 0;
  }
  const o = parsed;
  // Its own Decide calls (the drain step's burst) are an ad server's, like the load generator's.
  setDefaultIdentity('ad-server');
  const machine = `${cpus().length} cores, load average ${loadavg()[0]?.toFixed(2)} at the start`;
  say(`chaos: ${machine}; ${o.rate}/s, deadline_ms ${o.deadlineMs}, ${o.seconds} s per step`);
  const agentPort = await freePort();
  const proxy = await startFaultProxy(`127.0.0.1:${agentPort}`);
  say(`starting the mesh (${o.proxied} behind the proxy at ${proxy.address})`);
  const mesh = await startMesh(
    'real',
    1,
    () => [],
    { [portEnv(o.proxied)]: String(agentPort), [addrEnv(o.proxied)]: proxy.address },
    { redis: { durable: true } },
  );
  const parts = new Parts(mesh);
  const steps: StepResult[] = [];
  try {
    parts.federatedPort = await freePort();
    await parts.start('federated');
    const round = await roundStatus(parts.get('federated').address);
    say(`federated aggregator up (round ${round.round_id}, ${round.state})`);
    say('warming up: 3 s open loop, not counted');
    await runLoad<OpenResult>(
      {
        mode: 'open',
        target: mesh.broker,
        channels: 2,
        seed: 1,
        tag: `chaos-warm-${Date.now().toString(36)}`,
        sessions: 200_000,
        deadlineMs: o.deadlineMs,
        rate: o.rate,
        seconds: 3,
        warmupSeconds: 0,
        maxInFlight: 1000,
      },
      60_000,
      () => {},
    );
    let seed = 2;
    for (const f of faults(o, parts, mesh, proxy)) {
      const step = await runStep(o, f, mesh, parts, seed++);
      if (f.name.endsWith('federated')) {
        const r = await roundStatus(parts.get('federated').address).catch((err: Error) => err);
        if (r instanceof Error)
          step.failures.push(`the aggregator does not answer RoundStatus: ${r.message}`);
      }
      steps.push(step);
      say(`  ${step.failures.length === 0 ? 'ok' : `FAILED: ${step.failures.join('; ')}`}`);
    }
    if (o.only.includes('drain')) steps.push(await drainBroker(o, mesh, parts));
  } finally {
    await parts.stopAll();
    await proxy.close();
  }

  process.stdout.write(`\n${table(steps)}\n`);
  mkdirSync(o.out, { recursive: true });
  const json = join(o.out, 'chaos.json');
  const md = join(o.out, 'chaos.md');
  writeFileSync(json, `${JSON.stringify({ options: o, machine, steps }, null, 2)}\n`);
  writeFileSync(md, markdown(o, steps, machine));
  const failed = steps.filter((s) => s.failures.length > 0);
  process.stdout.write(
    `\n${failed.length === 0 ? 'every check passed' : `${failed.length} of ${steps.length} steps FAILED`}; wrote ${json} and ${md}\n`,
  );
  return failed.length === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`chaos: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
