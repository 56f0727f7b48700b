/**
 * The core-mesh benchmark (`npm run bench`): how much does parley's real work
 * cost on top of the message exchanges it needs?
 *
 * Each run starts, on loopback:
 *  - the REAL mesh: the five `parley serve` processes of bin/spawn.ts
 *    SERVICES (the three agents, the admin service, the broker) with the
 *    Redis adapter (a throwaway redis-server) and a generated catalogue big
 *    enough never to run dry. As deployed (compose, Kubernetes): the broker
 *    records every decision into the shared Redis ring and reads overrides
 *    from Redis, and the admin service runs beside it (its status sampler
 *    included). Decision recording is part of the real work measured;
 *    PARLEY_ADMIN_ADDR=off would not turn it off here anyway (with REDIS_URL
 *    set the broker uses Redis, not the admin address: broker/admin-link.ts);
 *  - the BARE mesh: four bench/bare processes (no admin service, no Redis:
 *    nothing is recorded) doing the same broker<->agent
 *    exchanges per decision (context assess; per round inventory propose +
 *    objective evaluate; objective commit) over the same multiplexed
 *    streams, with handlers that do no work. Its rounds per decision match
 *    the real mesh's measured mean `why.rounds`.
 * A load generator in its own process finds each mesh's saturation rate
 * (closed loop, rising concurrency), then drives both open-loop at half the
 * bare mesh's saturation rate for p50/p99 latency. CPU per decision in the
 * closed loop compares each mesh at its own loads (and it falls steeply with
 * concurrency), so an equal-load phase then drives both meshes, back to
 * back, open-loop at one rate both should carry comfortably (--equal-share,
 * default half, of the lower, i.e. the real, saturation rate, at least
 * 20/s) for --seconds: CPU per decision per process (/proc, over the
 * measured window, per decision answered) and p50/p99 there are the
 * like-for-like comparison. A phase that queued anyway (a busy machine) is
 * flagged "(queued)" in the results and warned about on the console. Peak RSS per process is
 * read from /proc/<pid>/status (VmHWM). Medians over runs are compared with
 * the targets and written to bench/RESULTS.md; when a target is missed, a
 * short CPU profile of the real broker says where the time goes.
 *
 *   npm run bench -- [--runs 3] [--seconds 5] [--channels 4]
 *                    [--concurrency 1,2,4,...,256] [--profile | --profile-all | --no-profile]
 *                    [--bare-only --rounds R] [--profile-only] [--equal-share 0.5]
 *                    [--out bench/RESULTS.md]
 *
 * --profile-only skips the runs: it profiles the real broker (with
 * --profile-all every real service) at the first --concurrency level and
 * writes the summaries to --out.
 *
 * --seconds is the open-loop window (both open-loop phases); each closed-loop
 * level runs half of it.
 * The default run takes about 4-6 minutes; `--runs 1 --seconds 2` is a smoke run.
 */
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
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ADMIN_ADDR_ENV,
  ADMIN_HTTP_PORT_ENV,
  ADMIN_TOKENS_ENV,
  PARLEY_BIN,
  portEnv,
  SERVICES,
  type ServiceName,
  type ServiceProcess,
  stopProcess,
} from '../bin/spawn';
import { randomToken } from '../services/admin/auth';
import { freePort } from '../test/support/ports';
import { startRedis, type TestRedis } from '../test/support/redis';
import { benchCatalogueYaml, DEFAULT_BENCH_CATALOGUE } from './catalogue';
import type { ClosedResult, ClosedSpec, LevelResult, OpenResult, OpenSpec } from './load';
import { cpuMs, peakRssKb, runLoad, spawnBare, spawnService, spawnServiceWithFlags } from './procs';
import { type CpuProfile, profileMarkdown, summariseProfile } from './profile';
import { median, medianByKey, perDecision, total } from './stats';

// ---------------------------------------------------------------------------
// Options

export interface BenchOptions {
  runs: number;
  /** Open-loop window; each closed-loop level runs half of it (at least 1 s). */
  seconds: number;
  channels: number;
  concurrency: number[];
  /** 'auto': profile the real broker only when a target is missed. */
  profile: 'auto' | 'always' | 'never';
  /** Profile every real service, not only the broker (`--profile-all`, implies --profile). */
  profileAll: boolean;
  /** Only profile (at the first --concurrency level), no runs; the summaries go to --out. */
  profileOnly: boolean;
  /** Skip the real mesh (e.g. before it exists); the bare mesh uses `rounds`. */
  bareOnly: boolean;
  rounds: number;
  /** The equal-load phase's rate as a share of the lower (real) saturation rate (`--equal-share`). */
  equalShare: number;
  out: string;
}

const TARGET_THROUGHPUT_RATIO = 0.5;
const TARGET_P99_RATIO = 3;
/** The equal-load phase runs at least this many decisions/s. */
const EQUAL_LOAD_MIN_RATE = 20;
const SESSIONS = 200_000;
const DEADLINE_MS = 1000;
/** The real mesh: every service, in the order a mesh starts them (the broker last). */
const REAL_ROLES = SERVICES;
/** The bare mesh: the three agents, then the broker (bench/bare has no admin service). */
const BARE_ROLES = ['context', 'inventory', 'objective', 'broker'] as const satisfies readonly ServiceName[];
const rolesOf = (kind: 'real' | 'bare'): readonly ServiceName[] =>
  kind === 'real' ? REAL_ROLES : BARE_ROLES;

export function parseArgs(argv: string[]): BenchOptions {
  const o: BenchOptions = {
    runs: 3,
    seconds: 5,
    channels: 4,
    concurrency: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    profile: 'auto',
    profileAll: false,
    profileOnly: false,
    bareOnly: false,
    rounds: 1,
    equalShare: 0.5,
    out: fileURLToPath(new URL('./RESULTS.md', import.meta.url)),
  };
  const num = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`${flag}: expected a number >= ${min}, got "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const next = () => argv[++i];
    if (flag === '--runs') o.runs = Math.floor(num(flag, next(), 1));
    else if (flag === '--seconds') o.seconds = num(flag, next(), 1);
    else if (flag === '--channels') o.channels = Math.floor(num(flag, next(), 1));
    else if (flag === '--concurrency')
      o.concurrency = (next() ?? '').split(',').map((c) => Math.floor(num(flag, c, 1)));
    else if (flag === '--profile') o.profile = 'always';
    else if (flag === '--no-profile') o.profile = 'never';
    else if (flag === '--profile-all') {
      o.profile = 'always';
      o.profileAll = true;
    } else if (flag === '--profile-only') o.profileOnly = true;
    else if (flag === '--bare-only') o.bareOnly = true;
    else if (flag === '--rounds') o.rounds = num(flag, next(), 1);
    else if (flag === '--equal-share') {
      o.equalShare = num(flag, next(), 0.01);
      if (o.equalShare > 1) throw new Error(`--equal-share: expected a share in (0, 1], got ${o.equalShare}`);
    } else if (flag === '--out') o.out = next() ?? o.out;
    else throw new Error(`unknown flag ${flag} (see the header of bench/mesh.ts)`);
  }
  return o;
}

// ---------------------------------------------------------------------------
// Meshes

export interface Mesh {
  kind: 'real' | 'bare';
  procs: ServiceProcess[];
  broker: string;
  /** Date.now() just before the broker was spawned. */
  brokerSpawnedAt: number;
  /** Date.now() just before the other services were spawned. */
  othersSpawnedAt: number;
  redis: TestRedis | null;
  redisPid: number;
  catalogueDir: string;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

interface Ports extends Record<ServiceName, number> {
  /** The admin service's dashboard (HTTP). */
  adminHttp: number;
}

/**
 * Every port free (gRPC, the dashboard; metrics ports are left unset, which
 * bin/spawn.ts turns into free ones), nothing from the caller's PARLEY_*
 * or OTEL_* env.
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
    PARLEY_LOG_LEVEL: 'warn',
  };
}

async function freePorts(): Promise<Ports> {
  return {
    context: await freePort(),
    inventory: await freePort(),
    objective: await freePort(),
    admin: await freePort(),
    broker: await freePort(),
    adminHttp: await freePort(),
  };
}

/**
 * Starts a mesh, retrying twice: a port found free can be taken by another
 * process before the service binds it (EADDRINUSE) on a busy machine.
 */
export async function startMesh(
  kind: 'real' | 'bare',
  rounds: number,
  nodeFlags: NodeFlags = () => [],
  /** Extra env for every service (e.g. model paths). */
  extraEnv: Record<string, string> = {},
): Promise<Mesh> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startMeshOnce(kind, rounds, nodeFlags, extraEnv);
    } catch (err) {
      if (attempt >= 3) throw err;
      log(
        `  ${kind} mesh did not start (attempt ${attempt}), retrying: ${(err as Error).message.split('\n')[0]}`,
      );
    }
  }
}

/** Extra node flags (e.g. --cpu-prof) of each real service. */
type NodeFlags = (role: ServiceName) => string[];

/** Starts a mesh: the agents (and, real, the admin service) in parallel, then the broker. */
async function startMeshOnce(
  kind: 'real' | 'bare',
  rounds: number,
  nodeFlags: NodeFlags,
  extraEnv: Record<string, string>,
): Promise<Mesh> {
  const env = { ...baseEnv(await freePorts()), ...extraEnv };
  let redis: TestRedis | null = null;
  let redisPid = 0;
  const catalogueDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  if (kind === 'real') {
    redis = await startRedis();
    const info = await redis.client().info('server');
    redisPid = Number(/process_id:(\d+)/.exec(info)?.[1] ?? 0);
    const path = join(catalogueDir, 'catalogue.yaml');
    writeFileSync(path, benchCatalogueYaml({ ...DEFAULT_BENCH_CATALOGUE, nowMs: Date.now() }));
    env.REDIS_URL = redis.url;
    env.PARLEY_CATALOGUE = path;
  }
  const onStderrLine = (role: ServiceName) => (line: string) => log(`    [${kind} ${role}] ${line}`);
  const start = (role: ServiceName) => {
    const opts = { env, onStderrLine: onStderrLine(role), startTimeoutMs: 60_000 };
    if (kind === 'bare') return spawnBare(role, role === 'broker' ? ['--rounds', String(rounds)] : [], opts);
    const flags = nodeFlags(role);
    if (flags.length > 0) return spawnServiceWithFlags(role, flags, opts);
    return spawnService(role, opts);
  };
  const procs: ServiceProcess[] = [];
  const mesh: Mesh = {
    kind,
    procs,
    broker: '',
    brokerSpawnedAt: 0,
    othersSpawnedAt: Date.now(),
    redis,
    redisPid,
    catalogueDir,
  };
  try {
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

/** Peak RSS (KiB) of each process of the mesh. */
function meshRss(mesh: Mesh): Record<string, number> {
  return Object.fromEntries(Object.entries(meshPids(mesh)).map(([name, pid]) => [name, peakRssKb(pid)]));
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
  const pids = meshPids(mesh);
  const before = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuMs(pid)]));
  const closed = await runLoad<ClosedResult>(closedSpec(o, mesh.broker, tag, seed), closedTimeout(o), say);
  const cpuMsPerRequest: Record<string, number> = {};
  for (const [n, pid] of Object.entries(pids)) {
    cpuMsPerRequest[n] = (cpuMs(pid) - (before[n] ?? 0)) / Math.max(1, closed.requests);
  }
  return { closed, cpuMsPerRequest };
}

export async function stopMesh(mesh: Mesh): Promise<void> {
  // The broker first, so no agent sees a half-finished decision.
  for (const p of [...mesh.procs].reverse()) await stopProcess(p, 'SIGTERM', 5000);
  await mesh.redis?.stop();
  rmSync(mesh.catalogueDir, { recursive: true, force: true });
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
    deadlineMs: DEADLINE_MS,
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
    deadlineMs: DEADLINE_MS,
    rate,
    seconds: o.seconds,
    warmupSeconds: 1,
    maxInFlight: Math.max(256, Math.ceil(rate * 2.5)),
  };
}

/**
 * The equal-load phase's rate: `share` of the lower saturation rate (the
 * real mesh's, but for an odd run), at least EQUAL_LOAD_MIN_RATE, so that
 * both meshes carry it comfortably and CPU per decision compares the same load.
 */
export function equalLoadRate(realSaturation: number, bareSaturation: number, share: number): number {
  return Math.max(EQUAL_LOAD_MIN_RATE, share * Math.min(realSaturation, bareSaturation));
}

/** Drives a mesh open-loop at `rate`, reading each process's CPU around the measured window. */
async function equalLoad(
  o: BenchOptions,
  mesh: Mesh,
  tag: string,
  seed: number,
  rate: number,
  unloaded: LevelResult | undefined,
  say: (line: string) => void,
): Promise<EqualLoad> {
  const spec: OpenSpec = { ...openSpec(o, mesh.broker, tag, seed, rate), cpuPids: meshPids(mesh) };
  const open = await runLoad<OpenResult>(spec, openTimeout(o), say);
  if (open.firstError) say(`first error: ${open.firstError}`);
  const cpuMsPerDecision = perDecision(open.cpuMs, open.ok + open.degraded);
  say(`equal load ${rate.toFixed(0)}/s: CPU ${f2(total(cpuMsPerDecision))} ms per decision`);
  if (queued(open, unloaded))
    say(
      `warn: requests queued at ${rate.toFixed(0)}/s (p50 ${f1(open.p50Ms)} ms, ${f1(unloaded?.p50Ms ?? Number.NaN)} ms at c=${unloaded?.concurrency}): ` +
        'the rate is not comfortable on this machine now; consider a lower --equal-share',
    );
  return { open, cpuMsPerDecision };
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
  (o.concurrency.length * (levelSeconds(o) + 2 * (DEADLINE_MS / 1000)) + 30) * 1000;
export const openTimeout = (o: BenchOptions) => (o.seconds + 1 + 2 * (DEADLINE_MS / 1000) + 30) * 1000;

// ---------------------------------------------------------------------------
// One run

export interface MeshResult {
  closed: ClosedResult;
  open: OpenResult;
  /** The equal-load phase (null with --bare-only: nothing to compare with). */
  equal: EqualLoad | null;
  rssKb: Record<string, number>;
  /** CPU ms per request of each process during the closed loop. */
  cpuMsPerRequest: Record<string, number>;
}

/** One mesh driven open-loop at the run's equal-load rate. */
export interface EqualLoad {
  open: OpenResult;
  /** CPU ms of each process during the measured window per decision answered (OK or degraded). */
  cpuMsPerDecision: Record<string, number>;
}

export interface RunResult {
  run: number;
  real: MeshResult | null;
  bare: MeshResult;
  /** Rounds per decision the bare broker was configured with. */
  rounds: number;
  /** Open-loop rate: half the bare mesh's saturation rate. */
  openRate: number;
  /** Equal-load rate both meshes were driven at (0 with --bare-only): see equalLoadRate. */
  equalRate: number;
  /** 1-minute load average when the run started (other work on the machine skews a run). */
  loadBefore: number;
}

async function oneRun(o: BenchOptions, run: number): Promise<RunResult> {
  const tag = `r${run}-${Date.now().toString(36)}`;
  const say = (what: string) => (line: string) => log(`[run ${run}/${o.runs} ${what}] ${line.trim()}`);
  const loadBefore = loadavg()[0] ?? 0;
  if (loadBefore > 1)
    say('warn')(`load average is ${loadBefore.toFixed(2)} before the run: other work will skew it`);
  let real: Mesh | null = null;
  let bare: Mesh | null = null;
  try {
    let realClosed: ClosedResult | null = null;
    let realCpu: Record<string, number> = {};
    let rounds = o.rounds;
    if (!o.bareOnly) {
      say('real')(`starting the real mesh (${REAL_ROLES.length} processes + redis-server)`);
      real = await startMesh('real', 0);
      say('real')(`closed loop, ${levelSeconds(o)} s per level`);
      ({ closed: realClosed, cpuMsPerRequest: realCpu } = await closedWithCpu(
        o,
        real,
        `${tag}-rc`,
        run,
        say('real'),
      ));
      if (realClosed.firstError) say('real')(`first error: ${realClosed.firstError}`);
      rounds = Math.max(1, realClosed.meanRounds || 1);
      say('real')(
        `saturation ${realClosed.saturation.rate.toFixed(0)} decisions/s at c=${realClosed.saturation.concurrency}; mean rounds ${rounds.toFixed(3)}`,
      );
    }
    say('bare')(
      `starting the bare mesh (${BARE_ROLES.length} processes, ${rounds.toFixed(3)} rounds per decision)`,
    );
    bare = await startMesh('bare', rounds);
    const { closed: bareClosed, cpuMsPerRequest: bareCpu } = await closedWithCpu(
      o,
      bare,
      `${tag}-bc`,
      run,
      say('bare'),
    );
    const openRate = Math.max(1, bareClosed.saturation.rate / 2);
    say('bare')(
      `saturation ${bareClosed.saturation.rate.toFixed(0)} decisions/s at c=${bareClosed.saturation.concurrency}; open loop at ${openRate.toFixed(0)}/s`,
    );
    const bareOpen = await runLoad<OpenResult>(
      openSpec(o, bare.broker, `${tag}-bo`, run, openRate),
      openTimeout(o),
      say('bare'),
    );
    // Equal load: both meshes at one rate, back to back (the same machine
    // conditions as far as possible), with the same seed's requests.
    let equalRate = 0;
    let bareEqual: EqualLoad | null = null;
    let realEqual: EqualLoad | null = null;
    if (real && realClosed) {
      equalRate = equalLoadRate(realClosed.saturation.rate, bareClosed.saturation.rate, o.equalShare);
      bareEqual = await equalLoad(o, bare, `${tag}-be`, run, equalRate, bareClosed.levels[0], say('bare'));
      realEqual = await equalLoad(o, real, `${tag}-re`, run, equalRate, realClosed.levels[0], say('real'));
    }
    const bareResult: MeshResult = {
      closed: bareClosed,
      open: bareOpen,
      equal: bareEqual,
      rssKb: meshRss(bare),
      cpuMsPerRequest: bareCpu,
    };
    await stopMesh(bare);
    bare = null;
    let realResult: MeshResult | null = null;
    if (real && realClosed) {
      const realOpen = await runLoad<OpenResult>(
        openSpec(o, real.broker, `${tag}-ro`, run, openRate),
        openTimeout(o),
        say('real'),
      );
      if (realOpen.firstError) say('real')(`first error: ${realOpen.firstError}`);
      realResult = {
        closed: realClosed,
        open: realOpen,
        equal: realEqual,
        rssKb: meshRss(real),
        cpuMsPerRequest: realCpu,
      };
      await stopMesh(real);
      real = null;
    }
    return { run, real: realResult, bare: bareResult, rounds, openRate, equalRate, loadBefore };
  } finally {
    if (bare) await stopMesh(bare);
    if (real) await stopMesh(real);
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
  const outDir = fileURLToPath(new URL('./out/', import.meta.url));
  const dir = join(outDir, `profile-${Date.now().toString(36)}`);
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
    const rel = join('bench/out', dir.slice(outDir.length), role, file);
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
  const total = rows.reduce((a, [, n]) => a + n, 0);
  return [
    `Redis commands per decision (INFO commandstats over ${requests} decisions; commands run by Lua scripts count too):`,
    '',
    '| command | per decision |',
    '|---|---:|',
    ...rows.map(([c, n]) => `| ${c} | ${per(n)} |`),
    `| total | ${per(total)} |`,
  ].join('\n');
}

// ---------------------------------------------------------------------------
// Report

export interface Summary {
  realSaturation: number;
  bareSaturation: number;
  throughputRatio: number;
  realP50: number;
  realP99: number;
  bareP50: number;
  bareP99: number;
  p99Ratio: number;
  /** CPU ms per decision summed over the mesh's processes (closed loop, each mesh at its own loads). */
  realCpuMs: number;
  bareCpuMs: number;
  /** The equal-load phase (NaN / empty when no run had one). */
  equalRate: number;
  /** CPU ms per decision answered at equal load, summed over the mesh's processes. */
  realEqCpuMs: number;
  bareEqCpuMs: number;
  /** Per run bare/real of the totals above, then the median. */
  eqCpuRatio: number;
  /** Per process: the median over runs of CPU ms per decision at equal load. */
  realEqCpuByProcess: Record<string, number>;
  bareEqCpuByProcess: Record<string, number>;
  realEqP50: number;
  realEqP99: number;
  bareEqP50: number;
  bareEqP99: number;
  /** Per run real/bare p99 at equal load, then the median. */
  eqP99Ratio: number;
  throughputPass: boolean;
  latencyPass: boolean;
}

function totalCpu(m: MeshResult): number {
  return total(m.cpuMsPerRequest);
}

/** Both meshes' equal-load phases of a run, when it had them. */
function equalOf(r: RunResult): { real: EqualLoad; bare: EqualLoad } | null {
  return r.real?.equal && r.bare.equal ? { real: r.real.equal, bare: r.bare.equal } : null;
}

/** Medians across runs; ratios are taken within each run first. */
export function summarise(runs: RunResult[]): Summary | null {
  const full = runs.filter((r) => r.real);
  if (full.length === 0) return null;
  const m = (f: (r: RunResult) => number) => median(full.map(f));
  const s = {
    realSaturation: m((r) => r.real!.closed.saturation.rate),
    bareSaturation: m((r) => r.bare.closed.saturation.rate),
    throughputRatio: m((r) => r.real!.closed.saturation.rate / r.bare.closed.saturation.rate),
    realP50: m((r) => r.real!.open.p50Ms),
    realP99: m((r) => r.real!.open.p99Ms),
    bareP50: m((r) => r.bare.open.p50Ms),
    bareP99: m((r) => r.bare.open.p99Ms),
    p99Ratio: m((r) => r.real!.open.p99Ms / r.bare.open.p99Ms),
    realCpuMs: m((r) => totalCpu(r.real!)),
    bareCpuMs: m((r) => totalCpu(r.bare)),
  };
  const eq = full.flatMap((r) => {
    const e = equalOf(r);
    return e ? [{ ...e, rate: r.equalRate }] : [];
  });
  const me = (f: (e: (typeof eq)[number]) => number) => median(eq.map(f));
  const e = {
    equalRate: me((x) => x.rate),
    realEqCpuMs: me((x) => total(x.real.cpuMsPerDecision)),
    bareEqCpuMs: me((x) => total(x.bare.cpuMsPerDecision)),
    eqCpuRatio: me((x) => total(x.bare.cpuMsPerDecision) / total(x.real.cpuMsPerDecision)),
    realEqCpuByProcess: medianByKey(eq.map((x) => x.real.cpuMsPerDecision)),
    bareEqCpuByProcess: medianByKey(eq.map((x) => x.bare.cpuMsPerDecision)),
    realEqP50: me((x) => x.real.open.p50Ms),
    realEqP99: me((x) => x.real.open.p99Ms),
    bareEqP50: me((x) => x.bare.open.p50Ms),
    bareEqP99: me((x) => x.bare.open.p99Ms),
    eqP99Ratio: me((x) => x.real.open.p99Ms / x.bare.open.p99Ms),
  };
  return {
    ...s,
    ...e,
    throughputPass: s.throughputRatio >= TARGET_THROUGHPUT_RATIO,
    latencyPass: s.p99Ratio <= TARGET_P99_RATIO,
  };
}

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const mib = (kb: number | undefined) => (kb ? `${(kb / 1024).toFixed(0)}` : '–');

function machine(): string {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  return `Node ${process.version}, ${cpus().length} cores, CPU: ${model}, ${process.platform}/${process.arch}`;
}

/** Share of OK decisions that served an ad, over every load phase. */
function fill(m: MeshResult): string {
  const ok = m.open.ok + (m.equal?.open.ok ?? 0) + m.closed.levels.reduce((s, l) => s + l.ok, 0);
  const noAd = m.open.noAd + (m.equal?.open.noAd ?? 0) + m.closed.levels.reduce((s, l) => s + l.noAd, 0);
  return ok > 0 ? `${(((ok - noAd) / ok) * 100).toFixed(1)}%` : '–';
}

const CPU_PROCESSES = ['broker', 'context', 'inventory', 'objective', 'admin', 'redis-server'] as const;
const CPU_HEADER = [
  '| run | mesh | broker | context | inventory | objective | admin | redis-server | total |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|',
];

/** A row of a CPU-per-process table (ms); a process the mesh lacks shows as '–'. */
function cpuRow(run: string, mesh: string, c: Record<string, number>, sum = total(c)): string {
  return `| ${run} | ${mesh} | ${CPU_PROCESSES.map((p) => f2(c[p] ?? Number.NaN)).join(' | ')} | ${f2(sum)} |`;
}

export function report(
  o: BenchOptions,
  command: string,
  runs: RunResult[],
  profile: string,
  analysis: string,
): string {
  const s = summarise(runs);
  const out: string[] = [];
  out.push('# Core-mesh benchmark results', '');
  out.push(`Command: \`${command}\`  `);
  out.push(`Date: ${new Date().toISOString()}  `);
  out.push(`Machine: ${machine()}  `);
  out.push(
    `Settings: ${o.runs} run(s); closed loop ${levelSeconds(o)} s per concurrency level (${o.concurrency.join(', ')}; ` +
      `stops after 2 levels without +5%); open loop ${o.seconds} s at half the bare saturation rate; ` +
      `equal load: both meshes open loop ${o.seconds} s at ${f0(o.equalShare * 100)}% of the lower (real) saturation rate, at least ${EQUAL_LOAD_MIN_RATE}/s; ` +
      `${o.channels} client channels; deadline_ms ${DEADLINE_MS}; ${SESSIONS} sessions; one ad per slot. ` +
      `Every process (both meshes, redis-server, load generator) shares the cores: ratios are taken within a run, medians across runs.`,
  );
  out.push('');
  out.push(
    'Saturation counts decisions answered OK and not degraded. Latency is measured open-loop from each',
  );
  out.push(
    "request's scheduled send time, over every request (a failed one counts the time until it failed, at worst",
    'its 2 s gRPC deadline). Peak RSS is VmHWM in MiB.',
    '',
  );
  if (s) {
    out.push('## Medians', '');
    out.push('| metric | real | bare | ratio | target | result |', '|---|---:|---:|---:|---|---|');
    out.push(
      `| saturation (decisions/s) | ${f0(s.realSaturation)} | ${f0(s.bareSaturation)} | ${f2(s.throughputRatio)} | ≥ ${TARGET_THROUGHPUT_RATIO} | ${s.throughputPass ? 'PASS' : `FAIL (${f0((1 - s.throughputRatio / TARGET_THROUGHPUT_RATIO) * 100)}% short)`} |`,
    );
    out.push(
      `| p50 at half bare saturation (ms) | ${f1(s.realP50)} | ${f1(s.bareP50)} | ${f2(s.realP50 / s.bareP50)} | | |`,
    );
    out.push(
      `| p99 at half bare saturation (ms) | ${f1(s.realP99)} | ${f1(s.bareP99)} | ${f2(s.p99Ratio)} | ≤ ${TARGET_P99_RATIO}× | ${s.latencyPass ? 'PASS' : `FAIL (${f2(s.p99Ratio / TARGET_P99_RATIO)}× the allowed)`} |`,
    );
    out.push(
      `| CPU per decision, closed loop, all processes (ms) | ${f2(s.realCpuMs)} | ${f2(s.bareCpuMs)} | ${f2(s.bareCpuMs / s.realCpuMs)} | | bare/real; each mesh at its own loads, so not like for like (CPU per decision falls with concurrency) |`,
    );
    const at = `equal load, ${f0(s.equalRate)}/s`;
    out.push(
      `| p50 at ${at} (ms) | ${f1(s.realEqP50)} | ${f1(s.bareEqP50)} | ${f2(s.realEqP50 / s.bareEqP50)} | | |`,
    );
    out.push(
      `| p99 at ${at} (ms) | ${f1(s.realEqP99)} | ${f1(s.bareEqP99)} | ${f2(s.eqP99Ratio)} | | real/bare |`,
    );
    out.push(
      `| CPU per decision at ${at}, all processes (ms) | ${f2(s.realEqCpuMs)} | ${f2(s.bareEqCpuMs)} | ${f2(s.eqCpuRatio)} | | bare/real at the same load: the throughput ratio a CPU-bound, otherwise idle machine would show |`,
    );
    out.push('');
  } else {
    out.push('## Medians', '', 'Bare mesh only (`--bare-only`): no comparison.', '');
  }
  out.push('## Runs', '');
  out.push(
    '| run | load avg | rounds | real sat/s (c) | bare sat/s (c) | ratio | open rate/s | real p50 / p99 ms | bare p50 / p99 ms | p99 ratio | real fill | real errors+degraded |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of runs) {
    const real = r.real;
    const bare = r.bare;
    const bad = real
      ? real.closed.levels.reduce((a, l) => a + l.errors + l.degraded, 0) +
        real.open.errors +
        real.open.degraded
      : 0;
    out.push(
      `| ${r.run} | ${f2(r.loadBefore)} | ${f2(r.rounds)} | ${real ? `${f0(real.closed.saturation.rate)} (${real.closed.saturation.concurrency})` : '–'} | ` +
        `${f0(bare.closed.saturation.rate)} (${bare.closed.saturation.concurrency}) | ${real ? f2(real.closed.saturation.rate / bare.closed.saturation.rate) : '–'} | ` +
        `${f0(r.openRate)} | ${real ? `${f1(real.open.p50Ms)} / ${f1(real.open.p99Ms)}` : '–'} | ${f1(bare.open.p50Ms)} / ${f1(bare.open.p99Ms)} | ` +
        `${real ? f2(real.open.p99Ms / bare.open.p99Ms) : '–'} | ${real ? fill(real) : '–'} | ${real ? bad : '–'} |`,
    );
  }
  out.push('', '### Peak RSS per process (MiB)', '');
  out.push(
    '| run | mesh | broker | context | inventory | objective | admin | redis-server |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of runs) {
    for (const [kind, m] of [
      ['real', r.real],
      ['bare', r.bare],
    ] as const) {
      if (!m) continue;
      const k = m.rssKb;
      out.push(
        `| ${r.run} | ${kind} | ${mib(k.broker)} | ${mib(k.context)} | ${mib(k.inventory)} | ${mib(k.objective)} | ${mib(k.admin)} | ${mib(k['redis-server'])} |`,
      );
    }
  }
  out.push(...equalLoadSection(o, runs, s));
  out.push('', '### CPU per decision during the closed loop (ms, user + system)', '');
  out.push(
    'Where the time goes across processes: CPU each process used during the closed-loop phase, divided by the requests sent.',
    'Each mesh is measured up to its own saturation concurrency, so compare the meshes at equal load (above), not here.',
    '',
  );
  out.push(...CPU_HEADER);
  for (const r of runs) {
    for (const [kind, m] of [
      ['real', r.real],
      ['bare', r.bare],
    ] as const) {
      if (m) out.push(cpuRow(String(r.run), kind, m.cpuMsPerRequest));
    }
  }
  out.push('', '### Closed-loop levels (decisions/s, p99 ms)', '');
  for (const r of runs) {
    for (const [kind, m] of [
      ['real', r.real],
      ['bare', r.bare],
    ] as const) {
      if (!m) continue;
      out.push(
        `- run ${r.run} ${kind}: ${m.closed.levels.map((l) => `c=${l.concurrency}: ${f0(l.rate)} (${f1(l.p99Ms)})`).join(', ')}`,
      );
    }
  }
  if (profile) out.push('', '## Where the time goes', '', profile);
  out.push('', analysis.trim() || '## Analysis\n\n(none yet)', '');
  return out.join('\n');
}

/** The per-run equal-load tables: latency, CPU per decision in total and per process. */
function equalLoadSection(o: BenchOptions, runs: RunResult[], s: Summary | null): string[] {
  const eq = runs.flatMap((r) => {
    const e = equalOf(r);
    return e && r.real
      ? [{ run: r.run, rate: r.equalRate, ...e, realClosed: r.real.closed, bareClosed: r.bare.closed }]
      : [];
  });
  if (eq.length === 0) return [];
  const out: string[] = ['', '### Equal load (both meshes at one open-loop rate)', ''];
  out.push(
    `Both meshes driven open-loop for ${o.seconds} s at the same rate (${f0(o.equalShare * 100)}% of the lower saturation rate, at least ${EQUAL_LOAD_MIN_RATE}/s),`,
    'back to back, with the same requests. CPU per decision: CPU (user + system, /proc) each process used during the',
    'measured window (warm-up left out, every answer received), divided by the decisions answered (OK or degraded) in it.',
    '"queued": p50 above twice (+10 ms) the p50 of the closed loop\'s lowest level, or failures: the rate was not comfortable',
    'for that mesh then (a busy machine), so it ran at a higher effective concurrency; lower `--equal-share`.',
    '',
  );
  out.push(
    '| run | rate/s | real p50 / p99 ms | bare p50 / p99 ms | p99 real/bare | real CPU ms/decision | bare CPU ms/decision | CPU bare/real | real errors+degraded+dropped | bare errors+degraded+dropped |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  const bad = (x: OpenResult) => x.errors + x.degraded + x.dropped;
  const lat = (x: OpenResult, closed: ClosedResult) =>
    `${f1(x.p50Ms)} / ${f1(x.p99Ms)}${queued(x, closed.levels[0]) ? ' (queued)' : ''}`;
  for (const e of eq) {
    const rc = total(e.real.cpuMsPerDecision);
    const bc = total(e.bare.cpuMsPerDecision);
    out.push(
      `| ${e.run} | ${f0(e.rate)} | ${lat(e.real.open, e.realClosed)} | ${lat(e.bare.open, e.bareClosed)} | ` +
        `${f2(e.real.open.p99Ms / e.bare.open.p99Ms)} | ${f2(rc)} | ${f2(bc)} | ${f2(bc / rc)} | ${bad(e.real.open)} | ${bad(e.bare.open)} |`,
    );
  }
  out.push('', '#### CPU per decision at equal load, per process (ms, user + system)', '');
  out.push(...CPU_HEADER);
  for (const e of eq) {
    out.push(cpuRow(String(e.run), 'real', e.real.cpuMsPerDecision));
    out.push(cpuRow(String(e.run), 'bare', e.bare.cpuMsPerDecision));
  }
  if (s) {
    out.push(cpuRow('median', 'real', s.realEqCpuByProcess, s.realEqCpuMs));
    out.push(cpuRow('median', 'bare', s.bareEqCpuByProcess, s.bareEqCpuMs));
    const ratio = Object.fromEntries(
      Object.entries(s.bareEqCpuByProcess).map(([p, b]) => [p, b / (s.realEqCpuByProcess[p] ?? Number.NaN)]),
    );
    out.push(cpuRow('median', 'bare/real', ratio, s.eqCpuRatio));
    out.push(
      '',
      "Median rows: each process's median over runs; their total column is the median of the runs' totals (bare/real: of the runs' ratios).",
    );
  }
  return out;
}

/** The hand-written `## Analysis` section of an existing results file, kept across re-runs. */
function keptAnalysis(path: string): string {
  if (!existsSync(path)) return '';
  const text = readFileSync(path, 'utf8');
  const at = text.indexOf('\n## Analysis');
  return at >= 0 ? text.slice(at + 1) : '';
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = parseArgs(argv);
  if (!o.bareOnly && !existsSync(PARLEY_BIN)) {
    throw new Error(
      `${PARLEY_BIN} does not exist yet: run with --bare-only to benchmark the bare mesh alone`,
    );
  }
  const command = ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' ');
  log(`parley core-mesh benchmark: ${machine()}`);
  if (o.profileOnly) {
    writeFileSync(o.out, `${await profileReal(o, o.concurrency[0] ?? 16, o.profileAll)}\n`);
    log(`wrote ${o.out}`);
    return;
  }
  const started = Date.now();
  const runs: RunResult[] = [];
  for (let run = 1; run <= o.runs; run++) runs.push(await oneRun(o, run));
  const s = summarise(runs);
  const analysis = keptAnalysis(o.out);
  let profile = '';
  const missed = s !== null && (!s.throughputPass || !s.latencyPass);
  if (!o.bareOnly && (o.profile === 'always' || (o.profile === 'auto' && missed))) {
    const c = Math.round(median(runs.map((r) => r.real?.closed.saturation.concurrency ?? 16)));
    // Keep the numbers even if profiling fails.
    writeFileSync(o.out, report(o, command, runs, '', analysis));
    profile = await profileReal(o, c, o.profileAll).catch(
      (err) => `Profiling failed: ${(err as Error).message}`,
    );
  }
  writeFileSync(o.out, report(o, command, runs, profile, analysis));
  log('');
  if (s) {
    log(
      `saturation: real ${f0(s.realSaturation)}/s, bare ${f0(s.bareSaturation)}/s, ratio ${f2(s.throughputRatio)} ` +
        `(target ≥ ${TARGET_THROUGHPUT_RATIO}: ${s.throughputPass ? 'PASS' : 'FAIL'})`,
    );
    log(
      `latency at half bare saturation: real p50 ${f1(s.realP50)} / p99 ${f1(s.realP99)} ms, bare p50 ${f1(s.bareP50)} / ` +
        `p99 ${f1(s.bareP99)} ms, p99 ratio ${f2(s.p99Ratio)} (target ≤ ${TARGET_P99_RATIO}: ${s.latencyPass ? 'PASS' : 'FAIL'})`,
    );
    log(
      `equal load ${f0(s.equalRate)}/s: CPU per decision real ${f2(s.realEqCpuMs)} ms, bare ${f2(s.bareEqCpuMs)} ms, ` +
        `bare/real ${f2(s.eqCpuRatio)}; p99 real ${f1(s.realEqP99)} ms, bare ${f1(s.bareEqP99)} ms, ratio ${f2(s.eqP99Ratio)}`,
    );
    log(
      `  CPU per decision at equal load by process (real / bare ms): ${CPU_PROCESSES.map(
        (p) =>
          `${p} ${f2(s.realEqCpuByProcess[p] ?? Number.NaN)} / ${f2(s.bareEqCpuByProcess[p] ?? Number.NaN)}`,
      ).join(', ')}`,
    );
  } else {
    const b = median(runs.map((r) => r.bare.closed.saturation.rate));
    log(`bare mesh only: saturation ${f0(b)}/s (median of ${runs.length})`);
  }
  log(`wrote ${o.out} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  main().catch((err) => {
    log(`bench failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
}
