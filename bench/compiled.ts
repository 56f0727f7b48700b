/**
 * What running through tsx costs at run time, against the compiled
 * JavaScript of `npm run build` (bench/MICRO.md, "compiled JavaScript vs tsx"):
 *
 * - start-up of each service alone, from spawn to its ready line: wall time
 *   and the CPU the process used by then (/proc), compiled, through tsx with
 *   its compile cache warm (a developer's second start) and cold (a fresh
 *   container: the cache lives in the temp dir);
 * - the whole mesh (embedded state, the benchmark catalogue) driven by
 *   bench/load.ts open-loop at one rate, after a warm-up at that rate: CPU
 *   per decision summed over the processes (/proc, around the measured
 *   window), latency, peak RSS; compiled, compiled with source maps on (what
 *   tsx turns on), and through tsx.
 *
 * Every way serves the same decisions per second, so the work the services
 * do per second whatever the load (timers, metrics, health) weighs on each
 * alike. The default rate is low and the deadline generous so that a machine
 * shared with other work still answers every decision (timeouts would cost
 * differently). The ways alternate within each round; the tables give
 * medians over the rounds.
 *
 *   npx tsx bench/compiled.ts [--runs 5] [--mesh-runs 3] [--rate 15] [--warmup 10] [--seconds 30] [--deadline 5000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ADMIN_ADDR_ENV,
  ADMIN_HTTP_PORT_ENV,
  ADMIN_TOKENS_ENV,
  AGENTS,
  addrEnv,
  portEnv,
  type Runtime,
  SERVICES,
  type ServiceName,
  type ServiceProcess,
  spawnService,
  stopProcess,
  transportEnv,
} from '../bin/spawn';
import { randomToken } from '../services/admin/auth';
import { type CommandSpec, numberFlag, optionsOrExit } from '../services/common/cli';
import { PROJECT_ROOT } from '../services/common/paths';
import { freePort } from '../test/support/ports';
import { benchCatalogueYaml, DEFAULT_BENCH_CATALOGUE } from './catalogue';
import type { OpenResult, OpenSpec } from './load';
import { cpuMs, peakRssKb, runLoad } from './procs';
import { median } from './stats';

type Way = 'compiled' | 'compiled, source maps on' | 'tsx, warm cache' | 'tsx, cold cache';
const RUNTIME_OF: Record<Way, Runtime> = {
  compiled: 'compiled',
  'compiled, source maps on': 'compiled',
  'tsx, warm cache': 'tsx',
  'tsx, cold cache': 'tsx',
};

interface Options {
  runs: number;
  meshRuns: number;
  rate: number;
  warmupSeconds: number;
  seconds: number;
  deadlineMs: number;
}

const COMPILED_COMMAND: CommandSpec = {
  usage: 'tsx bench/compiled.ts [options]',
  summary:
    'Compiled JavaScript vs tsx: start-up and a real mesh under load (see the header of bench/compiled.ts).',
  flags: {
    runs: { value: 'N', help: 'start-up runs per service and way (0 skips start-up)', default: '5' },
    'mesh-runs': { value: 'N', help: 'mesh runs per way (>= 1)', default: '3' },
    rate: { value: 'N', help: 'decisions/s of a mesh run', default: '15' },
    warmup: { value: 'S', help: 'warm-up seconds of a mesh run', default: '10' },
    seconds: { value: 'S', help: 'measured seconds of a mesh run', default: '30' },
    deadline: { value: 'MS', help: 'deadline_ms of every request', default: '5000' },
  },
};

function parseOptions(argv: string[]): Options {
  return optionsOrExit(argv, COMPILED_COMMAND, ({ values: v }) => ({
    runs: numberFlag(v, 'runs', 5, { min: 0 }),
    meshRuns: numberFlag(v, 'mesh-runs', 3, { min: 1 }),
    rate: numberFlag(v, 'rate', 15, { min: 1 }),
    warmupSeconds: numberFlag(v, 'warmup', 10, { min: 1 }),
    seconds: numberFlag(v, 'seconds', 30, { min: 1 }),
    deadlineMs: numberFlag(v, 'deadline', 5000, { min: 1 }),
  }));
}

const say = (line: string) => process.stderr.write(`${line}\n`);

/** Free ports for every service, the benchmark catalogue, quiet logs, nothing from the caller's PARLEY_* env. */
async function meshEnv(cataloguePath: string): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('OTEL_') || k.startsWith('PARLEY_')) delete env[k];
  for (const name of SERVICES) env[portEnv(name)] = String(await freePort());
  for (const name of AGENTS) env[addrEnv(name)] = `127.0.0.1:${env[portEnv(name)]}`;
  return {
    ...env,
    PARLEY_HOST: '127.0.0.1',
    PARLEY_CATALOGUE: cataloguePath,
    [ADMIN_HTTP_PORT_ENV]: String(await freePort()),
    [ADMIN_ADDR_ENV]: `127.0.0.1:${env[portEnv('admin')]}`,
    [ADMIN_TOKENS_ENV]: `bench:viewer:${randomToken()}`,
    PARLEY_LOG_LEVEL: 'warn',
    // As npm start: mTLS with the development certificates; PARLEY_PLAINTEXT=1 measures plaintext.
    ...transportEnv(process.env),
  };
}

/**
 * The child's env for one way: a cold tsx gets an empty temp dir, so its
 * compile cache starts empty; source maps on is node's --enable-source-maps.
 */
function envFor(way: Way, env: NodeJS.ProcessEnv, scratch: string): NodeJS.ProcessEnv {
  if (way === 'tsx, cold cache') return { ...env, TMPDIR: mkdtempSync(join(scratch, 'cold-')) };
  if (way === 'compiled, source maps on') return { ...env, NODE_OPTIONS: '--enable-source-maps' };
  return env;
}

interface Startup {
  wallMs: number;
  cpuMs: number;
}

async function startOne(
  name: ServiceName,
  way: Way,
  cataloguePath: string,
  scratch: string,
): Promise<Startup> {
  const env = await meshEnv(cataloguePath);
  const t0 = performance.now();
  const p = await spawnService(name, { env: envFor(way, env, scratch), runtime: RUNTIME_OF[way] });
  const result = { wallMs: performance.now() - t0, cpuMs: cpuMs(p.pid) };
  await stopProcess(p);
  return result;
}

interface MeshRun {
  /** CPU ms (user + system) per decision answered in the measured window, each service. */
  cpuMsPerDecision: Record<string, number>;
  total: number;
  p50Ms: number;
  p99Ms: number;
  /** Degraded answers, and errors + sends dropped, of the measured window. */
  degraded: number;
  failed: number;
  rssMiB: Record<string, number>;
}

async function meshRun(way: Way, env: NodeJS.ProcessEnv, o: Options, seed: number): Promise<MeshRun> {
  const runtime = RUNTIME_OF[way];
  const procs: ServiceProcess[] = [];
  const start = async (name: ServiceName) => {
    const p = await spawnService(name, { env, runtime, startTimeoutMs: 60_000 });
    procs.push(p);
    return p;
  };
  try {
    await Promise.all(SERVICES.filter((s) => s !== 'broker').map(start));
    const broker = await start('broker');
    const spec: OpenSpec = {
      mode: 'open',
      target: broker.address,
      channels: 4,
      seed,
      tag: `compiled-${runtime}-${seed}`,
      sessions: 200_000,
      deadlineMs: o.deadlineMs,
      rate: o.rate,
      seconds: o.seconds,
      // Warm-up (JIT, caches, connections) at the same rate; CPU is read around the measured window only.
      warmupSeconds: o.warmupSeconds,
      maxInFlight: Math.max(64, Math.ceil(o.rate * 5)),
      cpuPids: Object.fromEntries(procs.map((p) => [p.name, p.pid])),
    };
    const r = await runLoad<OpenResult>(spec, (o.warmupSeconds + o.seconds + 60) * 1000, () => {});
    const answered = Math.max(1, r.ok + r.degraded);
    const cpuMsPerDecision = Object.fromEntries(Object.entries(r.cpuMs).map(([k, v]) => [k, v / answered]));
    return {
      cpuMsPerDecision,
      total: Object.values(cpuMsPerDecision).reduce((a, b) => a + b, 0),
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      degraded: r.degraded,
      failed: r.errors + r.dropped,
      rssMiB: Object.fromEntries(procs.map((p) => [p.name, peakRssKb(p.pid) / 1024])),
    };
  } finally {
    for (const p of [...procs].reverse()) await stopProcess(p);
  }
}

/** Tries `f` up to three times: a port found free can be taken before a service binds it on a busy machine. */
async function retried<T>(what: string, f: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (err) {
      if (attempt >= 3) throw err;
      say(`  ${what} failed (attempt ${attempt}), retrying: ${(err as Error).message.split('\n')[0]}`);
    }
  }
}

const fmt = (v: number, digits = 0) => v.toFixed(digits);

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  say('building (npm run build)…');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  const scratch = mkdtempSync(join(tmpdir(), 'parley-compiled-'));
  const cataloguePath = join(scratch, 'catalogue.yaml');
  writeFileSync(cataloguePath, benchCatalogueYaml({ ...DEFAULT_BENCH_CATALOGUE, nowMs: Date.now() }));
  const ways: Way[] = ['compiled', 'tsx, warm cache', 'tsx, cold cache'];
  try {
    // Start-up: one untimed start each way primes the warm cache and the OS's file cache.
    const startups = new Map<string, Startup[]>();
    for (const name of o.runs > 0 ? SERVICES : []) {
      for (const way of ways)
        await retried(`${name} (${way})`, () => startOne(name, way, cataloguePath, scratch));
      for (let run = 0; run < o.runs; run++) {
        // Rotate the order each round.
        for (let i = 0; i < ways.length; i++) {
          const way = ways[(run + i) % ways.length]!;
          const s = await retried(`${name} (${way})`, () => startOne(name, way, cataloguePath, scratch));
          const key = `${name}|${way}`;
          startups.set(key, [...(startups.get(key) ?? []), s]);
          say(`start-up ${name} (${way}) run ${run + 1}: ${fmt(s.wallMs)} ms wall, ${fmt(s.cpuMs)} ms CPU`);
        }
      }
    }

    const meshWays: Way[] = ['compiled', 'compiled, source maps on', 'tsx, warm cache'];
    const runs = new Map<Way, MeshRun[]>();
    for (let run = 0; run < o.meshRuns; run++) {
      for (let i = 0; i < meshWays.length; i++) {
        const way = meshWays[(run + i) % meshWays.length]!;
        const r = await retried(`mesh (${way})`, async () =>
          meshRun(way, envFor(way, await meshEnv(cataloguePath), scratch), o, 1000 + run),
        );
        runs.set(way, [...(runs.get(way) ?? []), r]);
        say(
          `mesh (${way}) run ${run + 1}: ${fmt(r.total, 3)} ms CPU/decision, p50 ${fmt(r.p50Ms, 1)} ms, p99 ${fmt(r.p99Ms, 1)} ms, degraded ${r.degraded}, failed ${r.failed}`,
        );
      }
    }

    const out: string[] = [];
    if (o.runs > 0) {
      out.push(
        `Start-up, spawn to ready line (median of ${o.runs}; ms wall / ms CPU of the process by then):`,
        '',
        `| service | ${ways.join(' | ')} |`,
        `|---|${ways.map(() => '---:').join('|')}|`,
      );
      for (const name of SERVICES) {
        const cells = ways.map((way) => {
          const s = startups.get(`${name}|${way}`) ?? [];
          return `${fmt(median(s.map((x) => x.wallMs)))} / ${fmt(median(s.map((x) => x.cpuMs)))}`;
        });
        out.push(`| ${name} | ${cells.join(' | ')} |`);
      }
      out.push('');
    }
    out.push(
      `The mesh open-loop at ${o.rate} decisions/s for ${o.seconds} s after ${o.warmupSeconds} s of warm-up, ` +
        `deadline ${o.deadlineMs} ms, embedded state (median of ${o.meshRuns}; CPU in ms per decision):`,
      '',
      `| way | ${SERVICES.join(' | ')} | total | p50 / p99 ms | degraded, failed per run | peak RSS MiB, ${SERVICES.join(' / ')} |`,
      `|---|${SERVICES.map(() => '---:').join('|')}|---:|---:|---:|---:|`,
    );
    for (const way of meshWays) {
      const rs = runs.get(way) ?? [];
      const per = SERVICES.map((s) => fmt(median(rs.map((r) => r.cpuMsPerDecision[s] ?? 0)), 3));
      const rss = SERVICES.map((s) => fmt(median(rs.map((r) => r.rssMiB[s] ?? 0)))).join(' / ');
      out.push(
        `| ${way} | ${per.join(' | ')} | ${fmt(median(rs.map((r) => r.total)), 3)} | ` +
          `${fmt(median(rs.map((r) => r.p50Ms)), 1)} / ${fmt(median(rs.map((r) => r.p99Ms)), 1)} | ` +
          `${rs.map((r) => `${r.degraded}, ${r.failed}`).join('; ')} | ${rss} |`,
      );
    }
    out.push(
      '',
      `Per run, total CPU ms per decision: ${meshWays.map((w) => `${w} ${(runs.get(w) ?? []).map((r) => fmt(r.total, 3)).join(', ')}`).join('; ')}.`,
    );
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
