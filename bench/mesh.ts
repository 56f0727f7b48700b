/**
 * The core-mesh benchmark (`npm run bench`): does parley meet its speed
 * targets, and how far is it from a mesh that does no work?
 *
 * Each run starts, on loopback, one after the other:
 *  - the REAL mesh: the `parley serve` processes of bin/spawn.ts SERVICES
 *    (the agents, the admin service, the broker) with the Redis adapter (a
 *    throwaway redis-server) and a generated catalogue big enough never to
 *    run dry, as deployed: the broker records every decision into the shared
 *    Redis ring and reads overrides from Redis;
 *  - the same real mesh again for each --compression mode, started with
 *    PARLEY_GRPC_COMPRESSION=<mode> (the broker<->agent transport reads it);
 *  - the BARE mesh: the bench/bare processes, doing the same broker<->agent
 *    exchanges per decision with handlers that do no work (no admin
 *    service, no Redis); its rounds per decision match the real mesh's
 *    measured mean `why.rounds`;
 *  - the NO-OP server (bench/noop.ts): Decide answers a canned response
 *    through the same grpc-js server plumbing, no agents: the ceiling of
 *    this machine with this load generator.
 * A load generator in its own process (bench/load.ts), on the same cores,
 * drives each of them with requests whose deadline_ms is --deadline-ms
 * (100). Phases:
 *  1. closed loop at rising concurrency: the saturation rate, counting only
 *     decisions neither degraded nor late (answered after the deadline);
 *  2. equal load: the real and the bare mesh open-loop at one rate,
 *     --equal-share (70%) of the real saturation rate: p50/p99, the share
 *     degraded or failed, CPU per decision per process (/proc, over the
 *     measured window), bytes per decision, event-loop delay per process;
 *  3. soak (real): the equal-load rate for --soak-seconds (60) with RSS
 *     sampled every second (growth over the second half) and event-loop
 *     delay per process;
 *  4. outcome reports (real): --outcome-rate decisions/s open-loop, each
 *     answer's outcome reports (impression, then skip or complete, per ad)
 *     sent batched through AdDecision/ReportOutcomes;
 *  5. compression (real, per --compression mode): the equal-load phase
 *     again; compared with phase 2 (off) for CPU and bytes per decision.
 * Peak RSS per process is VmHWM after the mesh's last phase. Event-loop
 * delay comes from each service's Prometheus endpoint (the
 * nodejs_eventloop_delay_{p99,max}_seconds gauges, reset at every scrape:
 * scraped when a window starts and when it ends); "–" where a process has no
 * endpoint or no such gauge. Medians over runs are compared with the targets
 * and written to --out (bench/RESULTS.md); when a target is missed, a short
 * CPU profile of the real broker says where the time goes. The file keeps a
 * History table: every run adds one row of its medians, earlier rows stay.
 *
 *   npm run bench -- [--quick | --smoke] [--runs 3] [--seconds 5] [--soak-seconds 60]
 *                    [--channels 4] [--concurrency 1,2,4,...,256] [--deadline-ms 100]
 *                    [--equal-share 0.7] [--outcome-rate 500] [--compression gzip[,deflate] | none]
 *                    [--profile | --profile-all | --no-profile] [--profile-only]
 *                    [--bare-only --rounds R] [--out bench/RESULTS.md]
 *
 * --seconds is the window of the equal-load, outcome and compression
 * phases; each closed-loop level runs half of it. The default run takes
 * about 10 minutes. --quick (1 run, 3 s windows, a 20 s soak) takes about 2
 * and --smoke (1 run, 1 s windows, two closed-loop levels, a 2 s soak, no
 * profile) under one; both write to bench/out/ unless --out says otherwise,
 * so bench/RESULTS.md only ever holds full runs. --profile-only skips the
 * runs: it profiles the real broker (with --profile-all every real
 * service) at the first --concurrency level and writes the summaries to --out.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import {
  ADMIN_ADDR_ENV,
  ADMIN_HTTP_PORT_ENV,
  ADMIN_TOKENS_ENV,
  AGENTS,
  METRICS_PORT_ENV,
  PARLEY_BIN,
  portEnv,
  SERVICES,
  type ServiceName,
  type ServiceProcess,
  stopProcess,
  transportEnv,
} from '../bin/spawn';
import { type Chart, lineChart, type Series, toSvg } from '../charts';
import { randomToken } from '../services/admin/auth';
import {
  type CommandSpec,
  helpText,
  numberFlag,
  type ParsedCommand,
  parseCommand,
  UsageError,
} from '../services/common/cli';
import { channelCredentials, isPlaintext, processTransport } from '../services/common/grpc/tls';
import { projectPath } from '../services/common/paths';
import { freePort } from '../test/support/ports';
import { type RedisOptions, startRedis, type TestRedis } from '../test/support/redis-server';
import { type BenchCatalogueOptions, benchCatalogueYaml, DEFAULT_BENCH_CATALOGUE } from './catalogue';
import type { ClosedResult, ClosedSpec, LevelResult, OpenResult, OpenSpec, OutcomeSpec } from './load';
import {
  cpuMs,
  type EventLoopDelay,
  peakRssKb,
  runLoad,
  spawnBare,
  spawnNoop,
  spawnService,
  spawnServiceWithFlags,
} from './procs';
import { type CpuProfile, profileMarkdown, summariseProfile } from './profile';
import { growthOverSecondHalf, median, medianByKey, perDecision, shareOf, total } from './stats';

// ---------------------------------------------------------------------------
// Options

export type Compression = 'gzip' | 'deflate';
const COMPRESSIONS: readonly Compression[] = ['gzip', 'deflate'];
/** The env var the broker<->agent transport reads (off | gzip | deflate). */
export const COMPRESSION_ENV = 'PARLEY_GRPC_COMPRESSION';

export interface BenchOptions {
  /** 'full' (the default), 'quick' or 'smoke' (`--quick`, `--smoke`). */
  preset: 'full' | 'quick' | 'smoke';
  runs: number;
  /** Window of the equal-load, outcome and compression phases; each closed-loop level runs half of it (at least 1 s). */
  seconds: number;
  /** Window of the soak phase. */
  soakSeconds: number;
  channels: number;
  concurrency: number[];
  /** deadline_ms of every request: an answer after it is late. */
  deadlineMs: number;
  /** 'auto': profile the real broker only when a target is missed. */
  profile: 'auto' | 'always' | 'never';
  /** Profile every real service, not only the broker (`--profile-all`, implies --profile). */
  profileAll: boolean;
  /** Only profile (at the first --concurrency level), no runs; the summaries go to --out. */
  profileOnly: boolean;
  /** Skip the real mesh (e.g. before it exists); the bare mesh uses `rounds`. */
  bareOnly: boolean;
  rounds: number;
  /** The equal-load and soak phases' rate as a share of the real saturation rate (`--equal-share`). */
  equalShare: number;
  /** Decisions/s of the outcome-report phase. */
  outcomeRate: number;
  /** How the load generator asks for decisions: one Decide call each, or over one DecideStream per channel. */
  api: 'unary' | 'stream';
  /** Compression modes measured against off (`--compression none`: none). */
  compression: Compression[];
  out: string;
}

const RESULTS_PATH = projectPath('bench', 'RESULTS.md');
const OUT_DIR = projectPath('bench', 'out');

/** A whole-number or any-number flag at least `min`; the default when not given. */
export function atLeast(values: ParsedCommand['values'], name: string, def: number, min: number): number {
  return numberFlag(values, name, def, { min });
}

/** A comma-separated list of whole numbers, each at least 1 (concurrency levels). */
export function levelsFlag(values: ParsedCommand['values'], name: string, def: number[]): number[] {
  const raw = values[name];
  if (typeof raw !== 'string') return def;
  return raw.split(',').map((c) => Math.floor(numberFlag({ [name]: c }, name, 0, { min: 1 })));
}

/** A file path flag, resolved; the default when not given. */
export function pathFlag(values: ParsedCommand['values'], name: string, def: string): string {
  const raw = values[name];
  if (raw === '') throw new UsageError(`--${name}: expected a path`);
  return typeof raw === 'string' ? resolve(raw) : def;
}

/** --api of the bench and the load test: how the load generator asks for decisions. */
export const API_FLAG = {
  value: 'API',
  help: 'unary (one Decide call per decision) or stream (DecideStream)',
  default: 'unary',
};

export function apiFlag(v: Record<string, unknown>, fallback: BenchOptions['api']): BenchOptions['api'] {
  if (v.api === undefined) return fallback;
  if (v.api !== 'unary' && v.api !== 'stream')
    throw new Error(`--api: expected unary or stream, got "${v.api}"`);
  return v.api;
}

export const BENCH_COMMAND: CommandSpec = {
  usage: 'npm run bench -- [options]',
  summary:
    'The core-mesh benchmark: the real mesh against a bare mesh doing the same exchanges with no work,\nand the no-op ceiling (see the header of bench/mesh.ts).',
  flags: {
    quick: { help: '1 run, 3 s windows, a 20 s soak; writes to bench/out/' },
    smoke: {
      help: '1 run, 1 s windows, two closed-loop levels, a 2 s soak, no profile; writes to bench/out/',
    },
    runs: { value: 'N', help: 'runs (>= 1)', default: '3' },
    seconds: { value: 'S', help: 'equal-load, outcome and compression windows (>= 1)', default: '5' },
    'soak-seconds': { value: 'S', help: 'soak length (>= 2)', default: '60' },
    channels: { value: 'N', help: 'client channels of the load generator', default: '4' },
    concurrency: { value: 'LIST', help: 'closed-loop levels', default: '1,2,4,…,256' },
    'deadline-ms': { value: 'MS', help: 'deadline_ms of every request', default: '100' },
    profile: { help: 'profile the real broker even when every target is met' },
    'no-profile': { help: 'never profile' },
    'profile-all': { help: 'profile every real service' },
    'profile-only': { help: 'skip the runs: profile at the first --concurrency level' },
    'bare-only': { help: 'benchmark the bare mesh alone' },
    rounds: { value: 'R', help: 'bare mesh: rounds per decision', default: '1' },
    'equal-share': {
      value: 'X',
      help: 'equal-load rate as a share of the real saturation, in (0, 1]',
      default: '0.7',
    },
    'outcome-rate': { value: 'N', help: 'decisions/s of the outcome phase', default: '500' },
    api: API_FLAG,
    compression: { value: 'LIST', help: 'gzip,deflate or none', default: 'gzip' },
    out: { value: 'FILE', help: 'the results', default: 'bench/RESULTS.md' },
  },
};

/** The full run's options (what `npm run bench` with no flags does). */
export function benchDefaults(): BenchOptions {
  return {
    preset: 'full',
    runs: 3,
    seconds: 5,
    soakSeconds: 60,
    channels: 4,
    concurrency: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    deadlineMs: 100,
    profile: 'auto',
    profileAll: false,
    profileOnly: false,
    bareOnly: false,
    rounds: 1,
    equalShare: 0.7,
    outcomeRate: 500,
    api: 'unary',
    compression: ['gzip'],
    out: RESULTS_PATH,
  };
}

/** The benchmark's options, or null for --help; an error names a bad flag. */
export function parseArgs(argv: string[]): BenchOptions | null {
  const args = parseCommand(argv, BENCH_COMMAND);
  if (!args) return null;
  const v = args.values;
  const o = benchDefaults();

  // Presets first, so that flags can still change a setting.
  if (v.quick)
    Object.assign(o, {
      preset: 'quick',
      runs: 1,
      seconds: 3,
      soakSeconds: 20,
      out: join(OUT_DIR, 'RESULTS.quick.md'),
    });
  if (v.smoke)
    Object.assign(o, {
      preset: 'smoke',
      runs: 1,
      seconds: 1,
      soakSeconds: 2,
      channels: 2,
      concurrency: [1, 4],
      outcomeRate: 50,
      profile: 'never',
      out: join(OUT_DIR, 'RESULTS.smoke.md'),
    });
  o.runs = Math.floor(atLeast(v, 'runs', o.runs, 1));
  o.seconds = atLeast(v, 'seconds', o.seconds, 1);
  o.soakSeconds = atLeast(v, 'soak-seconds', o.soakSeconds, 2);
  o.channels = Math.floor(atLeast(v, 'channels', o.channels, 1));
  o.concurrency = levelsFlag(v, 'concurrency', o.concurrency);
  o.deadlineMs = Math.floor(atLeast(v, 'deadline-ms', o.deadlineMs, 1));
  if (v.profile) o.profile = 'always';
  if (v['no-profile']) o.profile = 'never';
  if (v['profile-all']) {
    o.profile = 'always';
    o.profileAll = true;
  }
  o.profileOnly = v['profile-only'] === true;
  o.bareOnly = v['bare-only'] === true;
  o.rounds = atLeast(v, 'rounds', o.rounds, 1);
  o.equalShare = numberFlag(v, 'equal-share', o.equalShare, { min: 0.01, max: 1 });
  o.outcomeRate = atLeast(v, 'outcome-rate', o.outcomeRate, 1);
  o.api = apiFlag(v, o.api);
  if (typeof v.compression === 'string') o.compression = parseCompression(v.compression);
  o.out = pathFlag(v, 'out', o.out);
  return o;
}

function parseCompression(v: string | undefined): Compression[] {
  if (v === 'none') return [];
  const modes = (v ?? '').split(',');
  for (const m of modes) {
    if (!(COMPRESSIONS as readonly string[]).includes(m))
      throw new Error(
        `--compression: expected none or a list of ${COMPRESSIONS.join(', ')}, got "${v ?? ''}"`,
      );
  }
  return [...new Set(modes)] as Compression[];
}

// ---------------------------------------------------------------------------
// Targets (the speed issue's), and the figures they are compared with

export const TARGET = {
  /** Real saturation / bare saturation, within a run. */
  throughputRatio: 0.8,
  /** Real saturation, decisions/s. */
  saturation: 1000,
  /** p99 at the equal-load rate and in the outcome phase, ms. */
  p99Ms: 25,
  /** Share of requests degraded or failed (errors, dropped) at those rates. */
  badShare: 0.005,
  /** CPU per decision at equal load, all processes, ms. */
  cpuMs: 2,
  /** Largest event-loop delay of any process under load, ms. */
  eventLoopMaxMs: 5,
  /** RSS growth of any process over the second half of the soak, MiB ("flat"). */
  rssGrowthMiB: 10,
  /** Peak RSS of each process / its peak before (BEFORE_PEAK_RSS_MIB). */
  peakRssRatio: 1,
} as const;

/**
 * Peak RSS (VmHWM, MiB) of the real mesh's processes before the speed work,
 * as the speed issue states them (broker ~300 MiB, agents 150-190 MiB: each
 * agent is held to the top of that range). The admin service has no figure.
 */
export const BEFORE_PEAK_RSS_MIB: Record<string, number> = {
  broker: 300,
  context: 190,
  inventory: 190,
  objective: 190,
};

/** The equal-load phase runs at least this many decisions/s. */
const EQUAL_LOAD_MIN_RATE = 20;
const SESSIONS = 200_000;
/** How the outcome phase batches its reports (ReportOutcomes takes at most 500). */
export const OUTCOME_BATCHING: OutcomeSpec = { batchMs: 50, maxBatch: 200 };
/** The real mesh: every service, in the order a mesh starts them (the broker last). */
const REAL_ROLES = SERVICES;
/** The bare mesh: the registry's agents, then the broker (bench/bare has no admin service). */
const BARE_ROLES: readonly ServiceName[] = [...AGENTS, 'broker'];

// ---------------------------------------------------------------------------
// Progress

const startedAt = Date.now();

function log(line: string): void {
  const s = Math.floor((Date.now() - startedAt) / 1000);
  process.stderr.write(`[${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}] ${line}\n`);
}

// ---------------------------------------------------------------------------
// Meshes

export type MeshKind = 'real' | 'bare' | 'noop';

export interface Mesh {
  kind: MeshKind;
  procs: ServiceProcess[];
  broker: string;
  /** Date.now() just before the broker was spawned. */
  brokerSpawnedAt: number;
  /** Date.now() just before the other services were spawned. */
  othersSpawnedAt: number;
  redis: TestRedis | null;
  redisPid: number;
  /** The real mesh's generated catalogue ('' for the others). */
  catalogueDir: string;
  /** The env every service was started with (to start one again: spawnService(name, { env })). */
  env: NodeJS.ProcessEnv;
}

interface Ports extends Record<ServiceName, number> {
  /** The admin service's dashboard (HTTP). */
  adminHttp: number;
}

/**
 * Every port free (gRPC, the dashboard, metrics), compression off, nothing
 * from the caller's PARLEY_* or OTEL_* env.
 */
function baseEnv(ports: Ports): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('OTEL_') || k.startsWith('PARLEY_')) delete env[k];
  for (const name of SERVICES) env[portEnv(name)] = String(ports[name]);
  return {
    ...env,
    PARLEY_HOST: '127.0.0.1',
    [ADMIN_HTTP_PORT_ENV]: String(ports.adminHttp),
    [ADMIN_ADDR_ENV]: `127.0.0.1:${ports.admin}`,
    // Real tokens, so the admin service does not log generated dev ones.
    [ADMIN_TOKENS_ENV]: `bench:viewer:${randomToken()}`,
    // Any free port (the ready line says which), also for processes spawned without bin/spawn.ts.
    [METRICS_PORT_ENV]: '0',
    [COMPRESSION_ENV]: 'off',
    PARLEY_LOG_LEVEL: 'warn',
    // As npm start: mTLS with the development certificates; PARLEY_PLAINTEXT=1 measures plaintext.
    ...transportEnv(process.env),
  };
}

async function freePorts(): Promise<Ports> {
  const ports = { adminHttp: await freePort() } as Ports;
  for (const name of SERVICES) ports[name] = await freePort();
  return ports;
}

/**
 * Starts a mesh, retrying twice: a port found free can be taken by another
 * process before the service binds it (EADDRINUSE) on a busy machine.
 */
/**
 * Credentials for the harness's own calls to the mesh's services (an agent's
 * CampaignStatus, the aggregator's RoundStatus): it calls as a service of the
 * mesh (the admin identity), which agents accept, where its load generator
 * is an ad server.
 */
export function harnessCredentials(): grpc.ChannelCredentials {
  return channelCredentials(processTransport('admin'));
}

export async function startMesh(
  kind: MeshKind,
  rounds: number,
  nodeFlags: NodeFlags = () => [],
  /** Extra env for every service (e.g. model paths, compression). */
  extraEnv: Record<string, string> = {},
  /** The real mesh's state and catalogue (the benchmark's: a throwaway redis-server, budgets that never run dry). */
  real: RealMeshOptions = {},
): Promise<Mesh> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startMeshOnce(kind, rounds, nodeFlags, extraEnv, real);
    } catch (err) {
      if (attempt >= 3) throw err;
      log(
        `  ${kind} mesh did not start (attempt ${attempt}), retrying: ${(err as Error).message.split('\n')[0]}`,
      );
    }
  }
}

/**
 * Where the real mesh keeps its state: `redis`, a throwaway redis-server it
 * starts (and stops); `embedded`, each service's memory; or a Redis the
 * caller runs (`redisUrl`; the mesh's keys get a prefix of their own).
 */
export type MeshState = 'redis' | 'embedded' | { redisUrl: string };

export interface RealMeshOptions {
  state?: MeshState;
  /** How the throwaway redis-server runs (npm run chaos: durable, so that it can be killed). */
  redis?: RedisOptions;
  /** Changes to the generated catalogue (e.g. small budgets). */
  catalogue?: Partial<Omit<BenchCatalogueOptions, 'nowMs'>>;
}

/** Extra node flags (e.g. --cpu-prof) of each real service. */
type NodeFlags = (role: ServiceName) => string[];

const rolesOf = (kind: MeshKind): readonly ServiceName[] =>
  kind === 'real' ? REAL_ROLES : kind === 'bare' ? BARE_ROLES : ['broker'];

/** Starts a mesh: the agents (and, real, the admin service) in parallel, then the broker. */
async function startMeshOnce(
  kind: MeshKind,
  rounds: number,
  nodeFlags: NodeFlags,
  extraEnv: Record<string, string>,
  real: RealMeshOptions,
): Promise<Mesh> {
  const env = { ...baseEnv(await freePorts()), ...extraEnv };
  const procs: ServiceProcess[] = [];
  const mesh: Mesh = {
    kind,
    procs,
    broker: '',
    brokerSpawnedAt: 0,
    othersSpawnedAt: Date.now(),
    redis: null,
    redisPid: 0,
    catalogueDir: '',
    env,
  };
  const onStderrLine = (role: ServiceName) => (line: string) => log(`    [${kind} ${role}] ${line}`);
  const start = (role: ServiceName) => {
    const opts = { env, onStderrLine: onStderrLine(role), startTimeoutMs: 60_000 };
    if (kind === 'noop') return spawnNoop(opts);
    if (kind === 'bare') return spawnBare(role, role === 'broker' ? ['--rounds', String(rounds)] : [], opts);
    const flags = nodeFlags(role);
    if (flags.length > 0) return spawnServiceWithFlags(role, flags, opts);
    return spawnService(role, opts);
  };
  try {
    if (kind === 'real') {
      const state = real.state ?? 'redis';
      if (state === 'redis') {
        mesh.redis = await startRedis(real.redis);
        mesh.redisPid = mesh.redis.pid();
        env.REDIS_URL = mesh.redis.url;
      } else if (state === 'embedded') {
        delete env.REDIS_URL;
      } else {
        env.REDIS_URL = state.redisUrl;
        env.PARLEY_REDIS_PREFIX = `parley-bench-${Date.now().toString(36)}:`;
      }
      mesh.catalogueDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
      const path = join(mesh.catalogueDir, 'catalogue.yaml');
      writeFileSync(
        path,
        benchCatalogueYaml({ ...DEFAULT_BENCH_CATALOGUE, ...real.catalogue, nowMs: Date.now() }),
      );
      env.PARLEY_CATALOGUE = path;
    }
    procs.push(
      ...(await Promise.all(
        rolesOf(kind)
          .filter((r) => r !== 'broker')
          .map((r) => start(r)),
      )),
    );
    mesh.brokerSpawnedAt = Date.now();
    const broker = await start('broker');
    procs.push(broker);
    mesh.broker = broker.address;
  } catch (err) {
    await stopMesh(mesh);
    throw err;
  }
  return mesh;
}

/** Each process of the mesh by name, redis-server included. */
export function meshPids(mesh: Mesh): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const p of mesh.procs) pids[p.name] = p.pid;
  if (mesh.redisPid) pids['redis-server'] = mesh.redisPid;
  return pids;
}

/** The Prometheus endpoint of each process of the mesh that has one. */
function meshMetrics(mesh: Mesh): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of mesh.procs) if (p.metrics) out[p.name] = p.metrics;
  return out;
}

/** Peak RSS (KiB) of each process of the mesh. */
function meshRss(mesh: Mesh): Record<string, number> {
  return Object.fromEntries(Object.entries(meshPids(mesh)).map(([name, pid]) => [name, peakRssKb(pid)]));
}

export async function stopMesh(mesh: Mesh): Promise<void> {
  // The broker first, so no agent sees a half-finished decision.
  for (const p of [...mesh.procs].reverse()) await stopProcess(p, 'SIGTERM', 5000);
  await mesh.redis?.stop();
  if (mesh.catalogueDir) rmSync(mesh.catalogueDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------
// Load phases

function levelSeconds(o: BenchOptions): number {
  return Math.max(1, o.seconds / 2);
}

export function closedSpec(o: BenchOptions, target: string, tag: string, seed: number): ClosedSpec {
  return {
    mode: 'closed',
    target,
    channels: o.channels,
    seed,
    tag,
    sessions: SESSIONS,
    deadlineMs: o.deadlineMs,
    api: o.api,
    concurrency: o.concurrency,
    seconds: levelSeconds(o),
    warmupSeconds: 1,
    patience: 2,
  };
}

export function openSpec(o: BenchOptions, target: string, tag: string, seed: number, rate: number): OpenSpec {
  return {
    mode: 'open',
    target,
    channels: o.channels,
    seed,
    tag,
    sessions: SESSIONS,
    deadlineMs: o.deadlineMs,
    api: o.api,
    rate,
    seconds: o.seconds,
    warmupSeconds: 1,
    maxInFlight: Math.max(256, Math.ceil(rate * 2.5)),
  };
}

/**
 * The equal-load (and soak) rate: `share` of the real mesh's saturation
 * rate, at least EQUAL_LOAD_MIN_RATE.
 */
export function equalLoadRate(realSaturation: number, share: number): number {
  return Math.max(EQUAL_LOAD_MIN_RATE, share * realSaturation);
}

/**
 * Runs the closed loop against a mesh and measures, beside it, the CPU each
 * process spent per request (where the time goes, across processes).
 */
async function closedWithCpu(
  o: BenchOptions,
  mesh: Mesh,
  tag: string,
  seed: number,
  say: (line: string) => void,
): Promise<{ closed: ClosedResult; cpuMsPerRequest: Record<string, number> }> {
  say(`closed loop, ${levelSeconds(o)} s per level (${o.concurrency.join(', ')})`);
  const pids = meshPids(mesh);
  const before = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuMs(pid)]));
  const closed = await runLoad<ClosedResult>(closedSpec(o, mesh.broker, tag, seed), closedTimeout(o), say);
  const cpuMsPerRequest: Record<string, number> = {};
  for (const [n, pid] of Object.entries(pids)) {
    cpuMsPerRequest[n] = (cpuMs(pid) - (before[n] ?? 0)) / Math.max(1, closed.requests);
  }
  if (closed.firstError) say(`first error: ${closed.firstError}`);
  say(
    `saturation ${f0(closed.saturation.rate)} decisions/s at c=${closed.saturation.concurrency}; mean rounds ${f2(closed.meanRounds)}`,
  );
  return { closed, cpuMsPerRequest };
}

/** A closed loop at `concurrency` for --seconds whose figures are not kept: JIT and connections warm. */
async function warm(
  o: BenchOptions,
  mesh: Mesh,
  tag: string,
  seed: number,
  concurrency: number,
  say: (line: string) => void,
): Promise<void> {
  say(`warming up: closed loop at c=${concurrency} for ${o.seconds} s`);
  const spec = { ...closedSpec(o, mesh.broker, tag, seed), concurrency: [concurrency], seconds: o.seconds };
  await runLoad<ClosedResult>(spec, closedTimeout(o) + o.seconds * 1000, () => {});
}

interface Phase {
  /** For progress lines. */
  what: string;
  tag: string;
  rate: number;
  seconds: number;
  /** Report the decisions' outcomes through ReportOutcomes. */
  outcomes?: boolean;
  /** Sample RSS every second. */
  rss?: boolean;
}

/**
 * Drives a mesh open-loop, probing its processes around the measured
 * window (CPU, bytes written, loopback bytes, event-loop delay).
 */
async function openPhase(
  o: BenchOptions,
  mesh: Mesh,
  seed: number,
  p: Phase,
  say: (line: string) => void,
): Promise<OpenResult> {
  const spec: OpenSpec = {
    ...openSpec(o, mesh.broker, p.tag, seed, p.rate),
    seconds: p.seconds,
    cpuPids: meshPids(mesh),
    metrics: meshMetrics(mesh),
    ...(p.rss ? { rssSampleMs: 1000 } : {}),
    ...(p.outcomes ? { outcomes: OUTCOME_BATCHING } : {}),
  };
  say(`${p.what}: open loop at ${f0(p.rate)}/s for ${p.seconds} s`);
  const open = await runLoad<OpenResult>(spec, openTimeoutFor(o, p.seconds), say);
  if (open.firstError) say(`first error: ${open.firstError}`);
  if (open.outcomes?.firstError) say(`first outcome-report error: ${open.outcomes.firstError}`);
  say(
    `${p.what}: CPU ${f2(cpuPerDecision(open))} ms per decision, ${f0(writtenPerDecision(open))} bytes written per decision`,
  );
  return open;
}

/**
 * Whether an open loop queued: its p50 well above the mesh's p50 in the
 * closed loop's first (lowest-concurrency) level, or any request failed.
 */
export function queued(open: OpenResult, unloaded: LevelResult | undefined): boolean {
  if (open.errors + open.dropped > 0) return true;
  return unloaded !== undefined && open.p50Ms > 2 * unloaded.p50Ms + 10;
}

const closedTimeout = (o: BenchOptions) =>
  (o.concurrency.length * (levelSeconds(o) + 2 * (o.deadlineMs / 1000)) + 30) * 1000;
const openTimeoutFor = (o: BenchOptions, seconds: number) =>
  (seconds + 1 + 2 * (o.deadlineMs / 1000) + 30) * 1000;
export const openTimeout = (o: BenchOptions) => openTimeoutFor(o, o.seconds);

// ---------------------------------------------------------------------------
// One run

export interface MeshResult {
  closed: ClosedResult;
  /** CPU ms per request of each process during the closed loop. */
  cpuMsPerRequest: Record<string, number>;
  /** The equal-load phase (null for the no-op server, and with --bare-only: nothing to compare with). */
  equal: OpenResult | null;
  /** Peak RSS (KiB) per process after the mesh's last phase. */
  rssKb: Record<string, number>;
}

export interface RealResult extends MeshResult {
  outcomes: OpenResult;
  soak: OpenResult;
  /** The equal-load phase on a real mesh started with PARLEY_GRPC_COMPRESSION=<mode>, by mode. */
  compressed: Partial<Record<Compression, OpenResult>>;
}

export interface RunResult {
  run: number;
  /** 1-minute load average when the run started (other work on the machine skews a run). */
  loadBefore: number;
  /** Rounds per decision the bare broker was configured with. */
  rounds: number;
  /** Rate of the equal-load and soak phases (0 with --bare-only): see equalLoadRate. */
  equalRate: number;
  real: RealResult | null;
  bare: MeshResult;
  noop: MeshResult;
}

type Say = (what: string) => (line: string) => void;

async function oneRun(o: BenchOptions, run: number): Promise<RunResult> {
  const tag = `r${run}-${Date.now().toString(36)}`;
  const say: Say = (what) => (line) => log(`[run ${run}/${o.runs} ${what}] ${line.trim()}`);
  const loadBefore = loadavg()[0] ?? 0;
  // Later runs start within a minute of this bench's own load: only the first says something about other work.
  if (run === 1 && loadBefore > 1)
    say('warn')(`load average is ${loadBefore.toFixed(2)} before the run: other work will skew it`);
  let real: RealResult | null = null;
  let rounds = o.rounds;
  let equalRate = 0;
  if (!o.bareOnly) {
    real = await realPhases(o, run, tag, say);
    rounds = Math.max(1, real.closed.meanRounds || 1);
    equalRate = equalLoadRate(real.closed.saturation.rate, o.equalShare);
  }
  const bare = await barePhases(o, run, tag, rounds, equalRate, say('bare'));
  const noop = await noopPhases(o, run, tag, say('no-op'));
  return { run, loadBefore, rounds, equalRate, real, bare, noop };
}

/**
 * The real mesh: closed loop, equal load, soak (before the outcome phase,
 * which may overload the mesh, so memory is read at a steady load), outcome
 * reports; then equal load per compression mode.
 */
async function realPhases(o: BenchOptions, run: number, tag: string, say: Say): Promise<RealResult> {
  const s = say('real');
  s(`starting the real mesh (${REAL_ROLES.length} processes + redis-server)`);
  const mesh = await startMesh('real', 0);
  let result: RealResult;
  try {
    const { closed, cpuMsPerRequest } = await closedWithCpu(o, mesh, `${tag}-rc`, run, s);
    const rate = equalLoadRate(closed.saturation.rate, o.equalShare);
    const equal = await openPhase(
      o,
      mesh,
      run,
      { what: 'equal load', tag: `${tag}-re`, rate, seconds: o.seconds },
      s,
    );
    if (queued(equal, closed.levels[0]))
      s(
        `warn: requests queued at ${f0(rate)}/s (p50 ${f1(equal.p50Ms)} ms, ${f1(closed.levels[0]?.p50Ms ?? Number.NaN)} ms at c=${closed.levels[0]?.concurrency}, or failures)`,
      );
    const soak = await openPhase(
      o,
      mesh,
      run,
      { what: 'soak', tag: `${tag}-rs`, rate, seconds: o.soakSeconds, rss: true },
      s,
    );
    const outcomes = await openPhase(
      o,
      mesh,
      run,
      { what: 'outcome reports', tag: `${tag}-ro`, rate: o.outcomeRate, seconds: o.seconds, outcomes: true },
      s,
    );
    result = { closed, cpuMsPerRequest, equal, outcomes, soak, rssKb: meshRss(mesh), compressed: {} };
  } finally {
    await stopMesh(mesh);
  }
  for (const mode of o.compression) {
    const sc = say(`real, ${mode}`);
    sc(`starting the real mesh with ${COMPRESSION_ENV}=${mode}`);
    const compressed = await startMesh('real', 0, () => [], { [COMPRESSION_ENV]: mode });
    try {
      // The off phase ran on a mesh warmed by the closed loop: warm this one too before measuring.
      await warm(o, compressed, `${tag}-rw${mode}`, run, result.closed.saturation.concurrency, sc);
      result.compressed[mode] = await openPhase(
        o,
        compressed,
        run,
        {
          what: `equal load, ${mode}`,
          tag: `${tag}-rz${mode}`,
          rate: result.equal!.rate,
          seconds: o.seconds,
        },
        sc,
      );
    } finally {
      await stopMesh(compressed);
    }
  }
  return result;
}

/** The bare mesh: closed loop, then (with a real mesh to compare with) equal load. */
async function barePhases(
  o: BenchOptions,
  run: number,
  tag: string,
  rounds: number,
  equalRate: number,
  say: (line: string) => void,
): Promise<MeshResult> {
  say(`starting the bare mesh (${BARE_ROLES.length} processes, ${rounds.toFixed(3)} rounds per decision)`);
  const mesh = await startMesh('bare', rounds);
  try {
    const { closed, cpuMsPerRequest } = await closedWithCpu(o, mesh, `${tag}-bc`, run, say);
    let equal: OpenResult | null = null;
    if (equalRate > 0) {
      equal = await openPhase(
        o,
        mesh,
        run,
        { what: 'equal load', tag: `${tag}-be`, rate: equalRate, seconds: o.seconds },
        say,
      );
      if (queued(equal, closed.levels[0])) say(`warn: requests queued at ${f0(equalRate)}/s`);
    }
    return { closed, cpuMsPerRequest, equal, rssKb: meshRss(mesh) };
  } finally {
    await stopMesh(mesh);
  }
}

/** The no-op server: closed loop only (the ceiling). */
async function noopPhases(
  o: BenchOptions,
  run: number,
  tag: string,
  say: (line: string) => void,
): Promise<MeshResult> {
  say('starting the no-op server');
  const mesh = await startMesh('noop', 1);
  try {
    const { closed, cpuMsPerRequest } = await closedWithCpu(o, mesh, `${tag}-nc`, run, say);
    return { closed, cpuMsPerRequest, equal: null, rssKb: meshRss(mesh) };
  } finally {
    await stopMesh(mesh);
  }
}

// ---------------------------------------------------------------------------
// Profiling the real mesh

/**
 * CPU profiles (--cpu-prof) of the real broker (`all`: of every real
 * service) under a closed loop at `concurrency`, summarised without
 * start-up and shutdown.
 */
async function profileReal(o: BenchOptions, concurrency: number, all: boolean): Promise<string> {
  const dir = join(OUT_DIR, `profile-${Date.now().toString(36)}`);
  const roles: readonly ServiceName[] = all ? REAL_ROLES : ['broker'];
  for (const role of roles) mkdirSync(join(dir, role), { recursive: true });
  const say = (line: string) => log(`[profile] ${line.trim()}`);
  say(
    `profiling the real ${all ? 'mesh' : 'broker'} (--cpu-prof) at c=${concurrency} for ${o.seconds * 2} s`,
  );
  const mesh = await startMesh('real', 0, (role) =>
    roles.includes(role) ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, role)}`] : [],
  );
  // The profile starts with each process; keep only the measured load
  // (after the load generator's start-up and 1 s warm-up), not start-up and shutdown.
  let loadStart = 0;
  let loadEnd = 0;
  let redisCalls = '';
  try {
    const spec = {
      ...closedSpec(o, mesh.broker, `prof-${Date.now().toString(36)}`, 99),
      concurrency: [concurrency],
      seconds: o.seconds * 2,
    };
    loadStart = Date.now() + 1000 * spec.warmupSeconds + 500;
    const redis = mesh.redis?.client();
    await redis?.config('RESETSTAT');
    const result = await runLoad<ClosedResult>(spec, closedTimeout(o) + o.seconds * 2000, say);
    loadEnd = Date.now();
    if (redis) redisCalls = redisCallsMarkdown(await redis.info('commandstats'), result.requests);
  } finally {
    await stopMesh(mesh);
  }
  const parts: string[] = [];
  for (const role of roles) {
    const file = readdirSync(join(dir, role)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) {
      parts.push(
        `No ${role} profile was written (did it exit cleanly on SIGTERM?). Looked in ${dir}/${role}.`,
      );
      continue;
    }
    const profile = JSON.parse(readFileSync(join(dir, role, file), 'utf8')) as CpuProfile;
    const origin = role === 'broker' ? mesh.brokerSpawnedAt : mesh.othersSpawnedAt;
    const window = { fromMs: loadStart - origin, toMs: loadEnd - origin };
    const rel = join('bench/out', dir.slice(OUT_DIR.length), role, file);
    const title = `${role[0]!.toUpperCase()}${role.slice(1)}`;
    parts.push(
      `${title} CPU profile (\`${rel}\`, closed loop at c=${concurrency}, start-up and shutdown left out):\n\n${profileMarkdown(summariseProfile(profile, 25, window))}`,
    );
  }
  if (redisCalls) parts.push(redisCalls);
  return parts.join('\n\n');
}

/** Redis commands per decision during the profiled load, from INFO commandstats. */
function redisCallsMarkdown(info: string, requests: number): string {
  const rows: Array<[string, number]> = [];
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (m[1] !== 'info' && m[1] !== 'config') rows.push([m[1]!, Number(m[2])]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  const per = (n: number) => (n / Math.max(1, requests)).toFixed(2);
  const sum = rows.reduce((a, [, n]) => a + n, 0);
  return [
    `Redis commands per decision (INFO commandstats over ${requests} decisions; commands run by Lua scripts count too):`,
    '',
    '| command | per decision |',
    '|---|---:|',
    ...rows.map(([c, n]) => `| ${c} | ${per(n)} |`),
    `| total | ${per(sum)} |`,
  ].join('\n');
}

// ---------------------------------------------------------------------------
// What a window says

/** Answers (decisions and degraded answers) in an open-loop window. */
function answered(w: OpenResult): number {
  return w.ok + w.degraded;
}

/** Share of the window's requests degraded, failed or dropped (0..1). */
export function badShare(w: OpenResult): number {
  return shareOf(w.degraded + w.errors + w.dropped, w.sent);
}

/** CPU ms per process per answer. */
export function cpuByProcess(w: OpenResult): Record<string, number> {
  return perDecision(w.cpuMs, answered(w));
}

/** CPU ms per answer, all processes. */
export function cpuPerDecision(w: OpenResult): number {
  return total(cpuByProcess(w));
}

/** Bytes the mesh's processes wrote per answer. */
export function writtenPerDecision(w: OpenResult): number {
  return answered(w) > 0 ? total(w.bytesWritten) / answered(w) : Number.NaN;
}

/** Loopback bytes (the whole machine's) per answer. */
function loopbackPerDecision(w: OpenResult): number {
  return answered(w) > 0 ? w.loopbackBytes / answered(w) : Number.NaN;
}

/** RSS growth (MiB) of each process over the second half of a window with RSS samples. */
export function rssGrowthMiB(w: OpenResult): Record<string, number> {
  return Object.fromEntries(
    Object.entries(w.rssKb ?? {}).map(([name, samples]) => [name, growthOverSecondHalf(samples) / 1024]),
  );
}

/** Event-loop delay of each process over a window; NaN where it was not measured. */
function eventLoopOf(w: OpenResult): Record<string, EventLoopDelay> {
  const out: Record<string, EventLoopDelay> = {};
  for (const [name, d] of Object.entries(w.eventLoop ?? {}))
    out[name] = d ?? { p99Ms: Number.NaN, maxMs: Number.NaN };
  return out;
}

/** Medians over runs of one kind of window. */
export interface WindowSummary {
  rate: number;
  p50Ms: number;
  p99Ms: number;
  badShare: number;
  cpuMs: number;
  cpuByProcess: Record<string, number>;
  writtenBytes: number;
  loopbackBytes: number;
}

function windowSummary(ws: OpenResult[]): WindowSummary {
  const m = (f: (w: OpenResult) => number) => median(ws.map(f).filter(Number.isFinite));
  return {
    rate: m((w) => w.rate),
    p50Ms: m((w) => w.p50Ms),
    p99Ms: m((w) => w.p99Ms),
    badShare: m(badShare),
    cpuMs: m(cpuPerDecision),
    cpuByProcess: medianByKey(ws.map(cpuByProcess)),
    writtenBytes: m(writtenPerDecision),
    loopbackBytes: m(loopbackPerDecision),
  };
}

// ---------------------------------------------------------------------------
// Summary

export interface Summary {
  /** Runs with a real mesh. */
  runs: number;
  /** 1-minute load average before the first run (before later runs it counts this bench's own previous run). */
  loadAvg: number;
  realSaturation: number;
  bareSaturation: number;
  noopSaturation: number;
  /** Per run real/bare, then the median (likewise the others). */
  throughputRatio: number;
  realOfCeiling: number;
  bareOfCeiling: number;
  equalRate: number;
  real: WindowSummary;
  bare: WindowSummary;
  /** Per run bare/real CPU per decision at equal load, then the median. */
  eqCpuRatio: number;
  /** Per run real/bare p99 at equal load, then the median. */
  eqP99Ratio: number;
  outcomes: WindowSummary & {
    /** Share of the reports sent that were acknowledged as accepted or duplicate. */
    acknowledged: number;
    reportP99Ms: number;
  };
  soak: WindowSummary & { seconds: number; growthMiB: Record<string, number> };
  /** Peak RSS (MiB) per process, median over runs. */
  peakRssMiB: { real: Record<string, number>; bare: Record<string, number>; noop: Record<string, number> };
  /** Event-loop delay per real process over the soak, median over runs (NaN: not measured). */
  eventLoop: Record<string, EventLoopDelay>;
  /** The equal-load phase per compression mode ('off' first), with per-run ratios to off. */
  compression: Array<{ mode: string; window: WindowSummary; cpuRatio: number; bytesRatio: number }>;
  /** CPU ms per request in the closed loop, all processes (each mesh at its own loads). */
  closedCpuMs: { real: number; bare: number; noop: number };
}

const toMiB = (kb: Record<string, number>) =>
  Object.fromEntries(Object.entries(kb).map(([k, v]) => [k, v > 0 ? v / 1024 : Number.NaN]));

/** Medians across runs; ratios are taken within each run first. */
export function summarise(runs: RunResult[]): Summary | null {
  const full = runs.filter((r): r is RunResult & { real: RealResult } => r.real !== null);
  if (full.length === 0) return null;
  const m = (f: (r: (typeof full)[number]) => number) => median(full.map(f).filter(Number.isFinite));
  const sat = (x: MeshResult) => x.closed.saturation.rate;
  const eq = full.filter((r) => r.bare.equal);
  const compression = [
    {
      mode: 'off',
      window: windowSummary(full.map((r) => r.real.equal!)),
      cpuRatio: 1,
      bytesRatio: 1,
    },
  ];
  const modes = [...new Set(full.flatMap((r) => Object.keys(r.real.compressed)))] as Compression[];
  for (const mode of modes) {
    const with_ = full.filter((r) => r.real.compressed[mode]);
    const ratio = (f: (w: OpenResult) => number) =>
      median(with_.map((r) => f(r.real.compressed[mode]!) / f(r.real.equal!)).filter(Number.isFinite));
    compression.push({
      mode,
      window: windowSummary(with_.map((r) => r.real.compressed[mode]!)),
      cpuRatio: ratio(cpuPerDecision),
      bytesRatio: ratio(writtenPerDecision),
    });
  }
  const eventLoops = full.map((r) => eventLoopOf(r.real.soak));
  const eventLoop: Record<string, EventLoopDelay> = {};
  for (const name of new Set(eventLoops.flatMap((e) => Object.keys(e)))) {
    const of = (f: (d: EventLoopDelay) => number) =>
      median(eventLoops.flatMap((e) => (e[name] ? [f(e[name])] : [])).filter(Number.isFinite));
    eventLoop[name] = { p99Ms: of((d) => d.p99Ms), maxMs: of((d) => d.maxMs) };
  }
  const outcomeWindows = full.map((r) => r.real.outcomes);
  return {
    runs: full.length,
    loadAvg: full[0]!.loadBefore,
    realSaturation: m((r) => sat(r.real)),
    bareSaturation: m((r) => sat(r.bare)),
    noopSaturation: m((r) => sat(r.noop)),
    throughputRatio: m((r) => sat(r.real) / sat(r.bare)),
    realOfCeiling: m((r) => sat(r.real) / sat(r.noop)),
    bareOfCeiling: m((r) => sat(r.bare) / sat(r.noop)),
    equalRate: m((r) => r.equalRate),
    real: windowSummary(full.map((r) => r.real.equal!)),
    bare: windowSummary(eq.map((r) => r.bare.equal!)),
    eqCpuRatio: median(
      eq.map((r) => cpuPerDecision(r.bare.equal!) / cpuPerDecision(r.real.equal!)).filter(Number.isFinite),
    ),
    eqP99Ratio: median(eq.map((r) => r.real.equal!.p99Ms / r.bare.equal!.p99Ms).filter(Number.isFinite)),
    outcomes: {
      ...windowSummary(outcomeWindows),
      // A run that sent no reports (no decision answered) has no share.
      acknowledged: median(
        outcomeWindows
          .map((w) =>
            shareOf((w.outcomes?.accepted ?? 0) + (w.outcomes?.duplicates ?? 0), w.outcomes?.reports ?? 0),
          )
          .filter(Number.isFinite),
      ),
      reportP99Ms: median(outcomeWindows.map((w) => w.outcomes?.p99Ms ?? Number.NaN).filter(Number.isFinite)),
    },
    soak: {
      ...windowSummary(full.map((r) => r.real.soak)),
      seconds: m((r) => r.real.soak.seconds),
      growthMiB: medianByKey(full.map((r) => rssGrowthMiB(r.real.soak))),
    },
    peakRssMiB: {
      real: medianByKey(full.map((r) => toMiB(r.real.rssKb))),
      bare: medianByKey(full.map((r) => toMiB(r.bare.rssKb))),
      noop: medianByKey(full.map((r) => toMiB(r.noop.rssKb))),
    },
    eventLoop,
    compression,
    closedCpuMs: {
      real: m((r) => total(r.real.cpuMsPerRequest)),
      bare: m((r) => total(r.bare.cpuMsPerRequest)),
      noop: m((r) => total(r.noop.cpuMsPerRequest)),
    },
  };
}

// ---------------------------------------------------------------------------
// Targets

export interface TargetRow {
  name: string;
  measured: string;
  target: string;
  /** null: not measured. */
  pass: boolean | null;
  /** By how much it was missed ('' when met or not measured). */
  miss: string;
}

/** The largest finite value of a record, with its key; null when there is none. */
function worst(r: Record<string, number>): { key: string; value: number } | null {
  let best: { key: string; value: number } | null = null;
  for (const [key, value] of Object.entries(r)) {
    if (Number.isFinite(value) && (!best || value > best.value)) best = { key, value };
  }
  return best;
}

/** Each target of the speed issue with the medians measured against it. */
export function targets(s: Summary): TargetRow[] {
  const atLeast = (name: string, x: number, min: number, measured: string, target: string): TargetRow => ({
    name,
    measured,
    target,
    pass: Number.isFinite(x) ? x >= min : null,
    miss: Number.isFinite(x) && x < min ? `${f0((1 - x / min) * 100)}% short` : '',
  });
  const atMost = (name: string, x: number, max: number, measured: string, target: string): TargetRow => ({
    name,
    measured,
    target,
    pass: Number.isFinite(x) ? x <= max : null,
    miss: Number.isFinite(x) && x > max ? `${f2(x / max)}× the allowed` : '',
  });
  const rssRatios: Record<string, number> = {};
  for (const [p, before] of Object.entries(BEFORE_PEAK_RSS_MIB)) {
    rssRatios[p] = (s.peakRssMiB.real[p] ?? Number.NaN) / before;
  }
  const rss = worst(rssRatios);
  const growth = worst(serviceGrowth(s.soak.growthMiB));
  const stall = worst(Object.fromEntries(Object.entries(s.eventLoop).map(([p, d]) => [p, d.maxMs])));
  return [
    atLeast(
      'saturation, real / no-work (bare) mesh',
      s.throughputRatio,
      TARGET.throughputRatio,
      f2(s.throughputRatio),
      `≥ ${TARGET.throughputRatio}`,
    ),
    atLeast(
      'saturation, real (decisions/s)',
      s.realSaturation,
      TARGET.saturation,
      f0(s.realSaturation),
      `≥ ${TARGET.saturation}`,
    ),
    atMost(
      `p99 at equal load, ${f0(s.equalRate)}/s (ms)`,
      s.real.p99Ms,
      TARGET.p99Ms,
      f1(s.real.p99Ms),
      `≤ ${TARGET.p99Ms}`,
    ),
    atMost(
      'degraded or failed at equal load',
      s.real.badShare,
      TARGET.badShare,
      pct(s.real.badShare),
      `≤ ${pct(TARGET.badShare)}`,
    ),
    atMost(
      'CPU per decision at equal load, all processes (ms)',
      s.real.cpuMs,
      TARGET.cpuMs,
      f2(s.real.cpuMs),
      `≤ ${TARGET.cpuMs}`,
    ),
    atMost(
      `p99 with outcome reports at ${f0(s.outcomes.rate)}/s (ms)`,
      s.outcomes.p99Ms,
      TARGET.p99Ms,
      f1(s.outcomes.p99Ms),
      `≤ ${TARGET.p99Ms}`,
    ),
    atMost(
      'degraded or failed with outcome reports',
      s.outcomes.badShare,
      TARGET.badShare,
      pct(s.outcomes.badShare),
      `≤ ${pct(TARGET.badShare)}`,
    ),
    atLeast('outcome reports acknowledged', s.outcomes.acknowledged, 1, pct(s.outcomes.acknowledged), 'all'),
    atMost(
      `peak RSS / before, worst process${rss ? ` (${rss.key})` : ''}`,
      rss?.value ?? Number.NaN,
      TARGET.peakRssRatio,
      rss ? `${f2(rss.value)} (${f0(s.peakRssMiB.real[rss.key] ?? Number.NaN)} MiB)` : '–',
      `≤ ${TARGET.peakRssRatio} × before (${Object.entries(BEFORE_PEAK_RSS_MIB)
        .map(([p, v]) => `${p} ${v}`)
        .join(', ')} MiB)`,
    ),
    atMost(
      `RSS growth over the second half of the ${f0(s.soak.seconds)} s soak, worst parley process${growth ? ` (${growth.key})` : ''} (MiB)`,
      growth?.value ?? Number.NaN,
      TARGET.rssGrowthMiB,
      growth ? f1(growth.value) : '–',
      `≤ ${TARGET.rssGrowthMiB}`,
    ),
    atMost(
      `event-loop delay max during the soak, worst process${stall ? ` (${stall.key})` : ''} (ms)`,
      stall?.value ?? Number.NaN,
      TARGET.eventLoopMaxMs,
      stall ? f1(stall.value) : '–',
      `≤ ${TARGET.eventLoopMaxMs}`,
    ),
  ];
}

/**
 * The soak's RSS growth of parley's own processes: redis-server's is the
 * state the mesh keeps there (sessions, frequency caps, the bounded decision
 * log filling up), reported but not held to "flat".
 */
function serviceGrowth(growthMiB: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(growthMiB).filter(([p]) => p !== 'redis-server'));
}

/** Whether any measured target was missed. */
export function anyMissed(s: Summary): boolean {
  return targets(s).some((t) => t.pass === false);
}

// ---------------------------------------------------------------------------
// Report

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%` : '–');
const kib = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)}` : '–');
const latency = (w: OpenResult) => `${f1(w.p50Ms)} / ${f1(w.p99Ms)}`;

export function machine(): string {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  return `Node ${process.version}, ${cpus().length} cores, CPU: ${model}, ${process.platform}/${process.arch}`;
}

/** The commit the benchmark ran on ('+' when tracked files differ from it), or '?' outside git. */
export function commit(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dirname(RESULTS_PATH),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    const dirty = git('status', '--porcelain', '--untracked-files=no')
      .split('\n')
      .some((l) => l.trim() && !l.endsWith('bench/RESULTS.md'));
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+' : ''}`;
  } catch {
    return '?';
  }
}

/** Share of OK decisions that served an ad, over every load phase of the real mesh. */
function fill(m: RealResult): string {
  const windows = [m.equal!, m.outcomes, m.soak];
  const ok = windows.reduce((s, w) => s + w.ok, 0) + m.closed.levels.reduce((s, l) => s + l.ok, 0);
  const noAd = windows.reduce((s, w) => s + w.noAd, 0) + m.closed.levels.reduce((s, l) => s + l.noAd, 0);
  return ok > 0 ? pct((ok - noAd) / ok) : '–';
}

/** The processes of some per-process records, broker first, redis-server last. */
function processesOf(records: Array<Record<string, unknown>>): string[] {
  const names = new Set(records.flatMap((r) => Object.keys(r)));
  const order = ['broker', ...SERVICES.filter((s) => s !== 'broker')];
  const rank = (n: string) => (n === 'redis-server' ? 1000 : order.indexOf(n) >= 0 ? order.indexOf(n) : 500);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** A per-process table: one row per (label, values), a total column when `sum`. */
function processTable(
  first: string[],
  rows: Array<{ cells: string[]; values: Record<string, number> }>,
  format: (x: number) => string,
  sum: ((values: Record<string, number>) => number) | null,
): string[] {
  const procs = processesOf(rows.map((r) => r.values));
  const out = [
    `| ${[...first, ...procs, ...(sum ? ['total'] : [])].join(' | ')} |`,
    `|${[...first.map(() => '---'), ...procs.map(() => '---:'), ...(sum ? ['---:'] : [])].join('|')}|`,
  ];
  for (const r of rows) {
    const cells = [...r.cells, ...procs.map((p) => format(r.values[p] ?? Number.NaN))];
    if (sum) cells.push(format(sum(r.values)));
    out.push(`| ${cells.join(' | ')} |`);
  }
  return out;
}

export function report(
  o: BenchOptions,
  command: string,
  runs: RunResult[],
  profile: string,
  history: string[],
): string {
  const s = summarise(runs);
  const out: string[] = [];
  out.push('# Core-mesh benchmark results', '');
  out.push(`Command: \`${command}\`  `);
  out.push(`Date: ${new Date().toISOString()}  `);
  out.push(`Commit: ${commit()}  `);
  out.push(`Machine: ${machine()}  `);
  out.push(
    `Settings: ${o.runs} run(s); deadline_ms ${o.deadlineMs}; closed loop ${levelSeconds(o)} s per concurrency level ` +
      `(${o.concurrency.join(', ')}; stops after 2 levels without +5%); equal load: the real and the bare mesh open loop ` +
      `${o.seconds} s at ${f0(o.equalShare * 100)}% of the real saturation rate (at least ${EQUAL_LOAD_MIN_RATE}/s); ` +
      `outcome reports: real mesh open loop ${o.seconds} s at ${f0(o.outcomeRate)} decisions/s, reports batched ` +
      `(up to ${OUTCOME_BATCHING.maxBatch} or ${OUTCOME_BATCHING.batchMs} ms); soak: real mesh ${o.soakSeconds} s at the equal-load rate; ` +
      `compression: ${o.compression.length ? o.compression.join(', ') : 'none'} vs off at the equal-load rate; ` +
      `${o.channels} client channels; decisions asked for ${o.api === 'stream' ? 'over one DecideStream per channel' : 'one Decide call each'}; ${SESSIONS} sessions; one ad per slot. Every process (the meshes, redis-server, ` +
      'the load generator) shares the cores: ratios are taken within a run, medians across runs.',
  );
  out.push(
    '',
    'Saturation counts decisions answered OK, not degraded and not late (latency above deadline_ms). Latency',
    "is measured open-loop from each request's scheduled send time, over every request (a failed one counts",
    'the time until it failed, at worst its gRPC deadline of twice deadline_ms). "Degraded or failed" is the share',
    'of requests answered degraded, failed or dropped by the load generator. CPU per decision: CPU (user + system,',
    "/proc) each process used in the measured window divided by the answers in it. Bytes written: the mesh's",
    "processes' write calls (/proc/<pid>/io wchar, almost all socket writes); loopback bytes: /proc/net/dev `lo`,",
    'the whole machine. Peak RSS is VmHWM in MiB.',
    '',
  );
  if (s) out.push(...targetsSection(s), ...findings(s));
  else out.push('## Targets', '', 'Bare mesh only (`--bare-only`): no comparison.', '');
  out.push(...runsSection(runs));
  out.push(...equalLoadSection(o, runs, s));
  out.push(...outcomeSection(runs));
  out.push(...soakSection(o, runs));
  out.push(...compressionSection(runs, s));
  out.push(...memorySection(runs));
  out.push(...eventLoopSection(runs));
  out.push(...closedSection(o, runs));
  if (profile) out.push('', '## Where the time goes', '', profile);
  out.push(...historySection(history));
  out.push(
    '',
    'Why targets are missed and which experiments were not kept (by hand): [ANALYSIS.md](ANALYSIS.md).',
    '',
    'Other benchmarks: [FEDERATED.md](FEDERATED.md) (`npm run bench:federated`), [LEARNING.md](LEARNING.md) (`npm run bench:learning`).',
    '',
  );
  return out.join('\n');
}

function targetsSection(s: Summary): string[] {
  const out = [`## Targets (medians of ${s.runs} run${s.runs === 1 ? '' : 's'})`, ''];
  out.push('| target | measured | target | result |', '|---|---:|---|---|');
  for (const t of targets(s)) {
    const result = t.pass === null ? 'not measured' : t.pass ? 'PASS' : `FAIL (${t.miss})`;
    out.push(`| ${t.name} | ${t.measured} | ${t.target} | ${result} |`);
  }
  out.push('', '## Medians', '');
  out.push('| metric | real | bare (no work) | no-op server | real/bare |', '|---|---:|---:|---:|---:|');
  out.push(
    `| saturation (decisions/s) | ${f0(s.realSaturation)} | ${f0(s.bareSaturation)} | ${f0(s.noopSaturation)} | ${f2(s.throughputRatio)} |`,
  );
  out.push(`| share of the no-op ceiling | ${pct(s.realOfCeiling)} | ${pct(s.bareOfCeiling)} | 100% | |`);
  const at = `at equal load, ${f0(s.equalRate)}/s`;
  out.push(
    `| p50 ${at} (ms) | ${f1(s.real.p50Ms)} | ${f1(s.bare.p50Ms)} | | ${f2(s.real.p50Ms / s.bare.p50Ms)} |`,
  );
  out.push(`| p99 ${at} (ms) | ${f1(s.real.p99Ms)} | ${f1(s.bare.p99Ms)} | | ${f2(s.eqP99Ratio)} |`);
  out.push(`| degraded or failed ${at} | ${pct(s.real.badShare)} | ${pct(s.bare.badShare)} | | |`);
  out.push(
    `| CPU per decision ${at}, all processes (ms) | ${f2(s.real.cpuMs)} | ${f2(s.bare.cpuMs)} | | ${f2(1 / s.eqCpuRatio)} |`,
  );
  out.push(
    `| bytes written per decision ${at} (KiB) | ${kib(s.real.writtenBytes)} | ${kib(s.bare.writtenBytes)} | | ${f2(s.real.writtenBytes / s.bare.writtenBytes)} |`,
  );
  out.push(
    `| CPU per request in the closed loop, all processes (ms) | ${f2(s.closedCpuMs.real)} | ${f2(s.closedCpuMs.bare)} | ${f2(s.closedCpuMs.noop)} | ${f2(s.closedCpuMs.real / s.closedCpuMs.bare)} |`,
  );
  out.push('');
  return out;
}

/** Sentences generated from the medians: the verdict, where the CPU goes, what compression did. */
function findings(s: Summary): string[] {
  const rows = targets(s);
  const measured = rows.filter((t) => t.pass !== null);
  const missed = rows.filter((t) => t.pass === false);
  const out = ['## Findings', ''];
  out.push(
    `- ${measured.length - missed.length} of ${measured.length} measured targets met.` +
      (missed.length ? ` Missed: ${missed.map((t) => `${t.name} by ${t.miss}`).join('; ')}.` : ''),
  );
  const cores = cpus().length;
  if (s.loadAvg > cores / 2)
    out.push(
      `- The 1-minute load average before the first run was ${f1(s.loadAvg)} on ${cores} cores: other work shared ` +
        'them, so throughput and latency are worse, and CPU per decision likely higher, than on a quiet machine.',
    );
  const unmeasured = rows.filter((t) => t.pass === null);
  if (unmeasured.length)
    out.push(
      `- Not measured: ${unmeasured.map((t) => t.name).join('; ')}` +
        (unmeasured.some((t) => t.name.startsWith('event-loop'))
          ? ' (no process exported the nodejs_eventloop_delay_* gauges).'
          : '.'),
    );
  out.push(
    `- The real mesh carried ${pct(s.realOfCeiling)} and the bare mesh ${pct(s.bareOfCeiling)} of the no-op server's ` +
      `${f0(s.noopSaturation)} decisions/s.`,
  );
  const redisGrowth = s.soak.growthMiB['redis-server'];
  if (redisGrowth !== undefined && Number.isFinite(redisGrowth))
    out.push(
      `- redis-server's RSS changed by ${f1(redisGrowth)} MiB over the soak's second half: the state the mesh keeps ` +
        'there (sessions, frequency caps, reservations, the bounded decision log), not held to the flatness target.',
    );
  const byProc = Object.entries(s.real.cpuByProcess).sort((a, b) => b[1] - a[1]);
  if (byProc.length)
    out.push(
      `- At equal load the real mesh used ${f2(s.real.cpuMs)} ms of CPU per decision, the bare mesh ${f2(s.bare.cpuMs)} ms; ` +
        `real by process: ${byProc.map(([p, v]) => `${p} ${f2(v)}`).join(', ')} ` +
        `(the largest, ${byProc[0]![0]}, ${pct(byProc[0]![1] / s.real.cpuMs)} of it).`,
    );
  const off = s.compression[0]!.window;
  for (const c of s.compression.slice(1))
    out.push(
      `- ${c.mode}: CPU per decision ${f2(c.cpuRatio)}× off (${f2(c.window.cpuMs)} vs ${f2(off.cpuMs)} ms), ` +
        `bytes written per decision ${f2(c.bytesRatio)}× (${kib(c.window.writtenBytes)} vs ${kib(off.writtenBytes)} KiB); ` +
        `p99 ${f1(c.window.p99Ms)} vs ${f1(off.p99Ms)} ms.`,
    );
  out.push('');
  return out;
}

function runsSection(runs: RunResult[]): string[] {
  const out = [
    '## Runs',
    '',
    "load avg: the 1-minute load average when the run started; from run 2 on it still counts this bench's previous run.",
    '',
  ];
  out.push(
    '| run | load avg | rounds | real sat/s (c) | bare sat/s (c) | no-op sat/s (c) | real/bare | equal-load rate/s | real fill | real first error |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  const sat = (m: MeshResult) => `${f0(m.closed.saturation.rate)} (${m.closed.saturation.concurrency})`;
  for (const r of runs) {
    const real = r.real;
    const err = real
      ? ([real.closed, real.equal!, real.outcomes, real.soak].map((x) => x.firstError).find(Boolean) ?? '')
      : '';
    out.push(
      `| ${r.run} | ${f2(r.loadBefore)} | ${f2(r.rounds)} | ${real ? sat(real) : '–'} | ${sat(r.bare)} | ${sat(r.noop)} | ` +
        `${real ? f2(real.closed.saturation.rate / r.bare.closed.saturation.rate) : '–'} | ${f0(r.equalRate)} | ` +
        `${real ? fill(real) : '–'} | ${err ? `\`${err.replace(/\|/g, '/').slice(0, 80)}\`` : ''} |`,
    );
  }
  return out;
}

/** The per-run equal-load tables: latency, CPU per decision in total and per process. */
function equalLoadSection(o: BenchOptions, runs: RunResult[], s: Summary | null): string[] {
  const eq = runs.flatMap((r) => (r.real?.equal && r.bare.equal ? [{ r, real: r.real, bare: r.bare }] : []));
  if (eq.length === 0) return [];
  const out: string[] = ['', '### Equal load (both meshes at one open-loop rate)', ''];
  out.push(
    `Both meshes driven open-loop for ${o.seconds} s at the same rate (${f0(o.equalShare * 100)}% of the real saturation rate),`,
    'one after the other, with the same requests. "queued": p50 above twice (+10 ms) the p50 of the closed loop\'s',
    'lowest level, or failures: the rate was not comfortable for that mesh then.',
    '',
  );
  out.push(
    '| run | rate/s | real p50 / p99 ms | bare p50 / p99 ms | p99 real/bare | real CPU ms/decision | bare CPU ms/decision | CPU bare/real | real degraded or failed | bare degraded or failed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  const lat = (w: OpenResult, closed: ClosedResult) =>
    `${latency(w)}${queued(w, closed.levels[0]) ? ' (queued)' : ''}`;
  for (const { r, real, bare } of eq) {
    const rc = cpuPerDecision(real.equal!);
    const bc = cpuPerDecision(bare.equal!);
    out.push(
      `| ${r.run} | ${f0(r.equalRate)} | ${lat(real.equal!, real.closed)} | ${lat(bare.equal!, bare.closed)} | ` +
        `${f2(real.equal!.p99Ms / bare.equal!.p99Ms)} | ${f2(rc)} | ${f2(bc)} | ${f2(bc / rc)} | ${pct(badShare(real.equal!))} | ${pct(badShare(bare.equal!))} |`,
    );
  }
  out.push('', '#### CPU per decision at equal load, per process (ms, user + system)', '');
  const rows = eq.flatMap(({ r, real, bare }) => [
    { cells: [String(r.run), 'real'], values: cpuByProcess(real.equal!) },
    { cells: [String(r.run), 'bare'], values: cpuByProcess(bare.equal!) },
  ]);
  if (s) {
    rows.push({ cells: ['median', 'real'], values: s.real.cpuByProcess });
    rows.push({ cells: ['median', 'bare'], values: s.bare.cpuByProcess });
  }
  out.push(...processTable(['run', 'mesh'], rows, f2, total));
  if (s)
    out.push(
      '',
      "Median rows: each process's median over runs (the total is their sum; the Medians table has the median of the runs' totals).",
    );
  out.push(
    ...agentWaitSection(runs.flatMap((r) => (r.real?.equal ? [{ run: r.run, w: r.real.equal }] : []))),
  );
  return out;
}

/**
 * Where a decision's time goes, agent by agent: what the broker waited for
 * each (p50 / p99 ms over the answers, from each answer's why.agents), and
 * the share of answers each agent was degraded in.
 */
function agentWaitSection(windows: Array<{ run: number; w: OpenResult }>): string[] {
  const names = [...new Set(windows.flatMap(({ w }) => Object.keys(w.agentMs)))];
  if (names.length === 0) return [];
  const out = [
    '',
    '#### Time the broker waited for each agent at equal load (real mesh; p50 / p99 ms per answer, and the share of answers it was degraded in)',
    '',
    `| run | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---:').join('|')}|`,
  ];
  for (const { run, w } of windows) {
    const cell = (n: string) => {
      const t = w.agentMs[n];
      return t ? `${f1(t.p50)} / ${f1(t.p99)}; ${pct(w.degradedBy[n] ?? 0)}` : '–';
    };
    out.push(`| ${run} | ${names.map(cell).join(' | ')} |`);
  }
  return out;
}

function outcomeSection(runs: RunResult[]): string[] {
  const real = runs.flatMap((r) => (r.real ? [{ run: r.run, w: r.real.outcomes }] : []));
  if (real.length === 0) return [];
  const out = ['', '### Decisions with outcome reports (real mesh)', ''];
  out.push(
    'Every answered decision with ads is followed by its outcome reports (per ad an impression, then a skip or a',
    'completion), batched into AdDecision/ReportOutcomes calls on the same channels.',
    '',
    '| run | rate/s | p50 / p99 ms | degraded or failed | late | batches | reports | accepted | duplicates | failed batches | ReportOutcomes p50 / p99 ms | first report error |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const { run, w } of real) {
    const oc = w.outcomes;
    out.push(
      `| ${run} | ${f0(w.rate)} | ${latency(w)} | ${pct(badShare(w))} | ${w.late} | ${oc?.batches ?? '–'} | ${oc?.reports ?? '–'} | ` +
        `${oc?.accepted ?? '–'} | ${oc?.duplicates ?? '–'} | ${oc?.failedBatches ?? '–'} | ${oc ? `${f1(oc.p50Ms)} / ${f1(oc.p99Ms)}` : '–'} | ` +
        `${oc?.firstError ? `\`${oc.firstError.replace(/\|/g, '/').slice(0, 80)}\`` : ''} |`,
    );
  }
  return out;
}

function soakSection(o: BenchOptions, runs: RunResult[]): string[] {
  const real = runs.flatMap((r) => (r.real ? [{ run: r.run, w: r.real.soak }] : []));
  if (real.length === 0) return [];
  const out = ['', `### Soak (real mesh, ${o.soakSeconds} s at the equal-load rate)`, ''];
  out.push(
    "RSS (VmRSS) of every process sampled each second; growth: the second half's peak minus the first half's",
    '(MiB): a process that keeps growing needs more in the second half, one its collector swings over a level does not.',
    '',
    '| run | rate/s | p50 / p99 ms | degraded or failed | CPU ms/decision |',
    '|---|---:|---:|---:|---:|',
  );
  for (const { run, w } of real)
    out.push(`| ${run} | ${f0(w.rate)} | ${latency(w)} | ${pct(badShare(w))} | ${f2(cpuPerDecision(w))} |`);
  out.push('', '#### RSS growth over the second half (MiB)', '');
  out.push(
    ...processTable(
      ['run'],
      real.map(({ run, w }) => ({ cells: [String(run)], values: rssGrowthMiB(w) })),
      f1,
      null,
    ),
  );
  return out;
}

function compressionSection(runs: RunResult[], s: Summary | null): string[] {
  const rows = runs.flatMap((r) =>
    r.real
      ? [
          { run: r.run, mode: 'off', w: r.real.equal! },
          ...Object.entries(r.real.compressed).map(([mode, w]) => ({ run: r.run, mode, w: w! })),
        ]
      : [],
  );
  if (!rows.some((x) => x.mode !== 'off')) return [];
  const out = ['', `### gRPC compression (${COMPRESSION_ENV}, real mesh at the equal-load rate)`, ''];
  out.push(
    '"off" is the equal-load phase; each other mode ran on a real mesh started with that setting, at the same rate.',
    '',
    '| run | mode | CPU ms/decision | bytes written per decision (KiB) | loopback bytes per decision (KiB) | p50 / p99 ms | degraded or failed |',
    '|---|---|---:|---:|---:|---:|---:|',
  );
  for (const { run, mode, w } of rows)
    out.push(
      `| ${run} | ${mode} | ${f2(cpuPerDecision(w))} | ${kib(writtenPerDecision(w))} | ${kib(loopbackPerDecision(w))} | ${latency(w)} | ${pct(badShare(w))} |`,
    );
  if (s)
    for (const c of s.compression)
      out.push(
        `| median | ${c.mode} | ${f2(c.window.cpuMs)} | ${kib(c.window.writtenBytes)} | ${kib(c.window.loopbackBytes)} | ${f1(c.window.p50Ms)} / ${f1(c.window.p99Ms)} | ${pct(c.window.badShare)} |`,
      );
  return out;
}

function memorySection(runs: RunResult[]): string[] {
  const out = ['', '### Peak RSS per process (MiB)', ''];
  const rows: Array<{ cells: string[]; values: Record<string, number> }> = [
    { cells: ['before', 'real'], values: BEFORE_PEAK_RSS_MIB },
  ];
  for (const r of runs) {
    if (r.real) rows.push({ cells: [String(r.run), 'real'], values: toMiB(r.real.rssKb) });
    rows.push({ cells: [String(r.run), 'bare'], values: toMiB(r.bare.rssKb) });
    rows.push({ cells: [String(r.run), 'no-op'], values: toMiB(r.noop.rssKb) });
  }
  out.push(...processTable(['run', 'mesh'], rows, f0, null));
  out.push(
    '',
    '"before": the figures the speed issue compares with (for each agent, the top of its 150-190 MiB range).',
  );
  return out;
}

function eventLoopSection(runs: RunResult[]): string[] {
  const rows: Array<{ cells: string[]; values: Record<string, number> }> = [];
  const add = (run: number, window: string, w: OpenResult | null | undefined) => {
    if (!w) return;
    const el = eventLoopOf(w);
    if (Object.keys(el).length === 0) return;
    rows.push({
      cells: [String(run), window, 'p99'],
      values: Object.fromEntries(Object.entries(el).map(([p, d]) => [p, d.p99Ms])),
    });
    rows.push({
      cells: [String(run), window, 'max'],
      values: Object.fromEntries(Object.entries(el).map(([p, d]) => [p, d.maxMs])),
    });
  };
  for (const r of runs) {
    add(r.run, 'real, equal load', r.real?.equal);
    add(r.run, 'real, outcome reports', r.real?.outcomes);
    add(r.run, 'real, soak', r.real?.soak);
    add(r.run, 'bare, equal load', r.bare.equal);
  }
  const out = ['', '### Event-loop delay under load (ms)', ''];
  out.push(
    "Each service's nodejs_eventloop_delay_{p99,max}_seconds gauges over the window (scraped when it starts and when",
    'it ends); "–": the process exports no such gauge (or has no metrics endpoint).',
    '',
  );
  if (!rows.some((r) => Object.values(r.values).some(Number.isFinite)))
    return [...out, 'Not measured: no process exported the gauges in any window.'];
  out.push(...processTable(['run', 'window', 'stat'], rows, f1, null));
  return out;
}

function closedSection(o: BenchOptions, runs: RunResult[]): string[] {
  const out = ['', '### CPU per request during the closed loop (ms, user + system)', ''];
  out.push(
    'CPU each process used during the closed-loop phase, divided by the requests sent. Each mesh is measured up to',
    'its own saturation concurrency (CPU per request falls with concurrency): compare the meshes at equal load, not here.',
    '',
  );
  const rows = runs.flatMap((r) => [
    ...(r.real ? [{ cells: [String(r.run), 'real'], values: r.real.cpuMsPerRequest }] : []),
    { cells: [String(r.run), 'bare'], values: r.bare.cpuMsPerRequest },
    { cells: [String(r.run), 'no-op'], values: r.noop.cpuMsPerRequest },
  ]);
  out.push(...processTable(['run', 'mesh'], rows, f2, total));
  out.push(
    '',
    '### Closed-loop levels (decisions/s neither degraded nor late, p99 ms)',
    '',
    `![closed loop](${basename(closedLoopChartPath(o.out))})`,
    '',
  );
  for (const r of runs) {
    for (const [kind, m] of [
      ['real', r.real],
      ['bare', r.bare],
      ['no-op', r.noop],
    ] as const) {
      if (!m) continue;
      out.push(
        `- run ${r.run} ${kind}: ${m.closed.levels
          .map(
            (l) =>
              `c=${l.concurrency}: ${f0(l.rate)} (${f1(l.p99Ms)}${l.late + l.degraded + l.errors > 0 ? `; ${l.late} late, ${l.degraded} degraded, ${l.errors} errors` : ''})`,
          )
          .join(', ')}`,
      );
    }
  }
  return out;
}

/** Where the closed-loop chart of a report goes: beside it, named after it. */
export const closedLoopChartPath = (out: string) => `${out.replace(/\.md$/, '')}-closed-loop.svg`;

/**
 * The closed loop drawn: good decisions/s and p99 against the requests kept
 * in flight, for each mesh the median over the runs at each level it reached.
 */
export function closedLoopCharts(o: BenchOptions, runs: readonly RunResult[]): Chart[] {
  const meshes: Array<[string, (r: RunResult) => MeshResult | null]> = [
    ['real', (r) => r.real],
    ['bare (no work)', (r) => r.bare],
    ['no-op server', (r) => r.noop],
  ];
  const levelsOf = (of: (r: RunResult) => MeshResult | null) =>
    runs.flatMap((r) => of(r)?.closed.levels ?? []);
  const concurrencies = (levels: LevelResult[]) =>
    [...new Set(levels.map((l) => l.concurrency))].sort((a, b) => a - b);
  const curve = (of: (r: RunResult) => MeshResult | null, f: (l: LevelResult) => number) => {
    const levels = levelsOf(of);
    return concurrencies(levels).map((c) => ({
      x: c,
      y: median(levels.filter((l) => l.concurrency === c).map(f)),
    }));
  };
  const series = (f: (l: LevelResult) => number): Series[] =>
    meshes.map(([name, of]) => ({ name, points: curve(of, f) })).filter((s) => s.points.length > 0);
  const cs = concurrencies(meshes.flatMap(([, of]) => levelsOf(of)));
  const line = (name: string, y: number): Series => ({
    name,
    points: [
      { x: Math.min(...cs), y },
      { x: Math.max(...cs), y },
    ],
    dashed: true,
  });
  const x = 'requests in flight (closed loop, log scale)';
  const opts = { logX: true, fromZero: true, xTicks: cs };
  const runsNote = `median of ${runs.length} run${runs.length === 1 ? '' : 's'}`;
  return [
    lineChart(
      `Closed loop: decisions/s neither degraded nor late (${runsNote})`,
      x,
      'good decisions per second (1/s, log scale)',
      [...series((l) => l.rate), line(`target ${TARGET.saturation}/s`, TARGET.saturation)],
      // The no-op server is orders of magnitude above the meshes over a stream.
      { ...opts, logY: true },
    ),
    lineChart(
      `Closed loop: p99 latency (${runsNote})`,
      x,
      'p99 latency (ms)',
      [...series((l) => l.p99Ms), line(`deadline ${o.deadlineMs} ms`, o.deadlineMs)],
      opts,
    ),
  ];
}

// ---------------------------------------------------------------------------
// History

const HISTORY_HEADER = [
  '| date | commit | command | runs | load avg | deadline ms | real sat/s | bare sat/s | real/bare | no-op sat/s | equal-load rate/s | p99 ms | degraded or failed | CPU ms/decision real (bare) | outcomes p99 ms | peak RSS MiB broker / max agent | soak RSS growth MiB | event-loop max ms | compression CPU×, bytes× | notes |',
  '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
];

/** The rows of the History table of an existing results file (kept across re-runs). */
export function keptHistory(text: string): string[] {
  const at = text.indexOf('\n## History');
  if (at < 0) return [];
  const lines = text.slice(at + 1).split('\n');
  const rows: string[] = [];
  let header = 0;
  for (const line of lines.slice(1)) {
    if (line.startsWith('## ')) break;
    if (!line.startsWith('|')) continue;
    // The first two table lines are the header and its separator.
    if (header++ < 2) continue;
    rows.push(line);
  }
  return rows;
}

/** This run's History row, from its medians. */
export function historyRow(o: BenchOptions, command: string, runs: RunResult[], date = new Date()): string {
  const s = summarise(runs);
  const load = runs[0]?.loadBefore ?? 0;
  if (!s) {
    const bare = median(runs.map((r) => r.bare.closed.saturation.rate));
    const noop = median(runs.map((r) => r.noop.closed.saturation.rate));
    return `| ${date.toISOString().slice(0, 10)} | ${commit()} | \`${command}\` | ${runs.length} | ${f1(load)} | ${o.deadlineMs} | – | ${f0(bare)} | – | ${f0(noop)} | – | – | – | – | – | – | – | – | – | bare mesh only |`;
  }
  const agents = worst(
    Object.fromEntries(
      Object.entries(s.peakRssMiB.real).filter(([p]) => p !== 'broker' && p !== 'redis-server'),
    ),
  );
  const growth = worst(serviceGrowth(s.soak.growthMiB));
  const stall = worst(Object.fromEntries(Object.entries(s.eventLoop).map(([p, d]) => [p, d.maxMs])));
  const compression = s.compression
    .slice(1)
    .map((c) => `${c.mode} ${f2(c.cpuRatio)}, ${f2(c.bytesRatio)}`)
    .join('; ');
  return (
    `| ${date.toISOString().slice(0, 10)} | ${commit()} | \`${command}\` | ${s.runs} | ${f1(load)} | ${o.deadlineMs} | ` +
    `${f0(s.realSaturation)} | ${f0(s.bareSaturation)} | ${f2(s.throughputRatio)} | ${f0(s.noopSaturation)} | ` +
    `${f0(s.equalRate)} | ${f1(s.real.p99Ms)} | ${pct(s.real.badShare)} | ${f2(s.real.cpuMs)} (${f2(s.bare.cpuMs)}) | ` +
    `${f1(s.outcomes.p99Ms)} | ${f0(s.peakRssMiB.real.broker ?? Number.NaN)} / ${f0(agents?.value ?? Number.NaN)} | ` +
    `${f1(growth?.value ?? Number.NaN)} | ${f1(stall?.value ?? Number.NaN)} | ${compression || '–'} | ` +
    `${targets(s).filter((t) => t.pass === true).length} of ${targets(s).filter((t) => t.pass !== null).length} targets met |`
  );
}

function historySection(rows: string[]): string[] {
  return [
    '',
    '## History',
    '',
    'One row per `npm run bench` that wrote this file (medians of its runs), oldest first; earlier rows are kept',
    'when the file is rewritten. "+" after a commit: tracked files differed from it. The first row is the baseline',
    'the targets were set against, measured with the previous benchmark (see its notes).',
    '',
    ...HISTORY_HEADER,
    ...rows,
  ];
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const parsed = parseArgs(argv);
  if (!parsed) {
    process.stdout.write(helpText(BENCH_COMMAND));
    return;
  }
  const o = parsed;
  if (!o.bareOnly && !existsSync(PARLEY_BIN)) {
    throw new Error(
      `${PARLEY_BIN} does not exist yet: run with --bare-only to benchmark the bare mesh alone`,
    );
  }
  mkdirSync(dirname(o.out), { recursive: true });
  // mTLS between every process, as npm start; PARLEY_PLAINTEXT=1 measures plaintext (the command says which).
  const plaintext = isPlaintext(process.env);
  const command = [
    'npm run bench',
    ...(argv.length ? ['--', ...argv] : []),
    ...(plaintext ? ['# PARLEY_PLAINTEXT=1'] : []),
  ].join(' ');
  log(
    `parley core-mesh benchmark: ${machine()}; gRPC ${plaintext ? 'plaintext' : 'mTLS'}; ${o.api === 'stream' ? 'DecideStream' : 'unary Decide'}; writing ${o.out}`,
  );
  if (o.profileOnly) {
    writeFileSync(o.out, `${await profileReal(o, o.concurrency[0] ?? 16, o.profileAll)}\n`);
    log(`wrote ${o.out}`);
    return;
  }
  const history = existsSync(o.out) ? keptHistory(readFileSync(o.out, 'utf8')) : [];
  const runs: RunResult[] = [];
  for (let run = 1; run <= o.runs; run++) runs.push(await oneRun(o, run));
  const s = summarise(runs);
  const rows = [...history, historyRow(o, command, runs)];
  let profile = '';
  if (!o.bareOnly && (o.profile === 'always' || (o.profile === 'auto' && s !== null && anyMissed(s)))) {
    const c = Math.round(median(runs.map((r) => r.real?.closed.saturation.concurrency ?? 16)));
    // Keep the numbers even if profiling fails.
    writeFileSync(o.out, report(o, command, runs, '', rows));
    profile = await profileReal(o, c, o.profileAll).catch(
      (err) => `Profiling failed: ${(err as Error).message}`,
    );
  }
  writeFileSync(o.out, report(o, command, runs, profile, rows));
  writeFileSync(closedLoopChartPath(o.out), await toSvg(...closedLoopCharts(o, runs)));
  log('');
  if (s) {
    for (const t of targets(s))
      log(
        `${t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.measured} (target ${t.target})${t.miss ? `, ${t.miss}` : ''}`,
      );
  } else {
    const b = median(runs.map((r) => r.bare.closed.saturation.rate));
    log(`bare mesh only: saturation ${f0(b)}/s (median of ${runs.length})`);
  }
  log(`wrote ${o.out}`);
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  main().catch((err) => {
    if (err instanceof UsageError) {
      log(`bench: ${err.message}\n\n${helpText(BENCH_COMMAND)}`);
      process.exit(2);
    }
    log(`bench failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
}
