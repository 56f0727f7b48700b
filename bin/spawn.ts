/**
 * Starting a parley service as its own process: `node dist/bin/parley.js
 * serve <name>` when this module runs compiled (npm start, the image), `node
 * --import tsx bin/parley.ts serve <name>` when it runs from its sources
 * (tests, tsx), waiting for the one JSON line it prints on stdout once it
 * listens. Shared by `parley mesh` and the e2e test mesh.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { DEFAULT_METRICS_PORTS, DEFAULT_REGISTRY } from '../services/common/config';
import { isPlaintext, PLAINTEXT_ENV, TLS_DIR_ENV, tlsDir } from '../services/common/grpc/tls';
import { projectPath } from '../services/common/paths';
import { agentEnv, loadRegistry } from '../services/common/registry';

/**
 * The agents of the registry (services/agents.yaml, or PARLEY_AGENTS_FILE
 * and PARLEY_AGENTS as this process's env names them), in registry order.
 */
export const AGENTS: readonly string[] = loadRegistry(
  process.env.PARLEY_AGENTS_FILE || DEFAULT_REGISTRY,
  process.env,
  '127.0.0.1',
).map((a) => a.name);

/** The services, in the order a mesh starts them: the agents, the admin service, the broker last. */
export const SERVICES: readonly string[] = [...AGENTS, 'admin', 'broker'];
export type ServiceName = string;

export function isServiceName(s: string | undefined): s is ServiceName {
  return SERVICES.includes(s ?? '');
}

/**
 * The identities a local mesh needs certificates for: every service, the
 * federated aggregator, an ad server (traffic, decide, a mesh's warm-up, the
 * benchmark's load) and an operator (explain).
 */
export function meshIdentities(): string[] {
  return [
    ...SERVICES.map((s) => `${s}:service`),
    'aggregator:service',
    'ad-server:ad-server',
    'operator:operator',
  ];
}

/**
 * Development certificates for a local mesh in PARLEY_TLS_DIR (default
 * .parley/tls), made by scripts/dev-certs.sh when missing or about to
 * expire, kept otherwise; returns the directory (absolute).
 */
export function ensureDevCerts(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PARLEY_TLS_CA || env.PARLEY_TLS_CERT || env.PARLEY_TLS_KEY) {
    throw new Error(
      `a local mesh runs several identities: give it a directory of certificates (${TLS_DIR_ENV}), not PARLEY_TLS_CA/CERT/KEY`,
    );
  }
  const dir = resolvePath(tlsDir(env));
  execFileSync('bash', [projectPath('scripts', 'dev-certs.sh'), dir, ...meshIdentities()], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return dir;
}

/**
 * The transport env for services a launcher starts from a clean env (the
 * benchmarks): PARLEY_PLAINTEXT=1 when `env` asks for plaintext, otherwise
 * mTLS with the development certificates (made when missing), as npm start.
 */
export function transportEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return isPlaintext(env) ? { [PLAINTEXT_ENV]: '1' } : { [TLS_DIR_ENV]: ensureDevCerts(env) };
}

/** The env var of a service's port, as services/common/config.ts reads it. */
export function portEnv(name: ServiceName): string {
  if (name === 'broker') return 'PARLEY_BROKER_PORT';
  if (name === 'admin') return 'PARLEY_ADMIN_PORT';
  return agentEnv(name, 'PORT');
}

/** The env var that tells the broker where an agent listens. */
export function addrEnv(agent: string): string {
  return agentEnv(agent, 'ADDR');
}

/** The admin service's dashboard (HTTP) port and where brokers find the admin service. */
export const ADMIN_HTTP_PORT_ENV = 'PARLEY_ADMIN_HTTP_PORT';
export const ADMIN_ADDR_ENV = 'PARLEY_ADMIN_ADDR';
export const ADMIN_TOKENS_ENV = 'PARLEY_ADMIN_TOKENS';
/** The env var of a service's Prometheus endpoint port, as services/common/config.ts reads it. */
export const METRICS_PORT_ENV = 'PARLEY_METRICS_PORT';

/** The default metrics port of each service: the registry's for agents, config.ts's for the others. */
function defaultMetricsPort(name: string): number {
  return DEFAULT_METRICS_PORTS[name] ?? DEFAULT_AGENT_METRICS_PORTS.get(name) ?? 0;
}
const DEFAULT_AGENT_METRICS_PORTS = new Map(
  loadRegistry(process.env.PARLEY_AGENTS_FILE || DEFAULT_REGISTRY, {}, '127.0.0.1').map((a) => [
    a.name,
    a.metricsPort,
  ]),
);

/**
 * The metrics port a launcher gives one of several services on one host, from
 * the user's PARLEY_METRICS_PORT: unset → 0 (any free port; the ready line
 * reports it), `off` → off, 0 → 0, N → N + the service's offset from the
 * broker's default (so 9464 gives exactly the defaults: broker 9464,
 * context 9465, …).
 */
export function metricsPortFor(raw: string | undefined, name: string): string {
  if (raw === undefined || raw === '') return '0';
  const n = Number(raw);
  const base = DEFAULT_METRICS_PORTS.broker ?? 9464;
  return Number.isInteger(n) && n > 0 ? String(n + (defaultMetricsPort(name) || base) - base) : raw;
}

/**
 * How a `parley` process runs: `compiled`, plain node on dist/bin/parley.js
 * (`npm run build`); `tsx`, bin/parley.ts through tsx's loader (tests,
 * development).
 */
export type Runtime = 'compiled' | 'tsx';
/** How this process runs: this module is dist/bin/spawn.js or bin/spawn.ts. */
export const RUNTIME: Runtime = import.meta.url.endsWith('.js') ? 'compiled' : 'tsx';
export const PARLEY_BINS: Record<Runtime, string> = {
  compiled: projectPath('dist/bin/parley.js'),
  tsx: projectPath('bin/parley.ts'),
};
/** The `parley` command this process runs (children start the same one). */
export const PARLEY_BIN = PARLEY_BINS[RUNTIME];

/**
 * Node's arguments to run `parley <args>`: compiled, just the file; tsx, with
 * tsx's ESM loader by absolute URL, so children start from any working
 * directory (resolved only then: compiled code runs where tsx is not installed).
 */
export function parleyArgv(args: string[], runtime: Runtime = RUNTIME): string[] {
  const flags = process.env.PARLEY_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  if (runtime === 'compiled') return [...flags, PARLEY_BINS.compiled, ...args];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [...flags, '--import', tsx, PARLEY_BINS.tsx, ...args];
}

/** The line `parley serve` prints on stdout once it listens. */
export interface ReadyLine {
  service: ServiceName;
  address: string;
  pid: number;
  /** host:port of its Prometheus endpoint (/metrics); absent when metrics are off. */
  metrics?: string;
  /** The admin service's dashboard URL. */
  url?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  name: ServiceName;
  address: string;
  port: number;
  pid: number;
  /** host:port of its Prometheus endpoint; absent when metrics are off. */
  metrics?: string;
  /** The admin service's dashboard URL. */
  url?: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** The last stderr lines (for error messages and failing tests). */
  stderrTail(): string;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  /** Called with every stderr line of the child. */
  onStderrLine?: (line: string) => void;
  /** Give up (and kill the child) when it is not listening by then. */
  startTimeoutMs?: number;
  /** How many stderr lines to keep for stderrTail(). */
  keepLines?: number;
  /** Compiled or through tsx; by default the way this process runs. */
  runtime?: Runtime;
}

export function parseReadyLine(line: string, name: ServiceName): ReadyLine | null {
  try {
    const v = JSON.parse(line) as Partial<ReadyLine>;
    if (v.service === name && typeof v.address === 'string' && typeof v.pid === 'number') {
      const ready: ReadyLine = { service: name, address: v.address, pid: v.pid };
      if (typeof v.metrics === 'string') ready.metrics = v.metrics;
      if (typeof v.url === 'string') ready.url = v.url;
      return ready;
    }
  } catch {
    // not the ready line
  }
  return null;
}

/**
 * Spawns `parley serve <name>` and resolves once it prints its address. An
 * env without PARLEY_METRICS_PORT gets 0 (any free port): processes a
 * launcher starts must not fight over the per-service default ports.
 */
export function spawnService(name: ServiceName, opts: SpawnOptions): Promise<ServiceProcess> {
  return spawnReady(name, parleyArgv(['serve', name], opts.runtime), {
    ...opts,
    env: { [METRICS_PORT_ENV]: '0', ...opts.env },
  });
}

/** Settings a launcher passes on to every process it starts (plaintext mode, shedding). */
const LAUNCHER_SETTINGS = [PLAINTEXT_ENV, 'PARLEY_SHED_MAX_LAG_MS', 'PARLEY_SHED_MIN_BUDGET_MS'];

/** This launcher's own LAUNCHER_SETTINGS (from its env), for what it starts (processes, or services in-process). */
export function launcherSettings(): Record<string, string> {
  return Object.fromEntries(
    LAUNCHER_SETTINGS.flatMap((k) => (process.env[k] !== undefined ? [[k, process.env[k]!]] : [])),
  );
}

/**
 * Spawns `node <args>` (node flags, a script and its arguments) and resolves
 * once it prints the ready line of `name`.
 */

export function spawnReady(name: ServiceName, args: string[], opts: SpawnOptions): Promise<ServiceProcess> {
  // A launcher's transport and shedding settings (the test suite's: vitest.config.ts) pass on to the
  // processes it starts, unless their env says otherwise.
  const inherited = launcherSettings();
  const child = spawn(process.execPath, args, {
    env: { ...inherited, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = opts.keepLines ?? 300;
  const tail: string[] = [];
  const stderrTail = () => tail.join('\n');
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > keep) tail.shift();
    opts.onStderrLine?.(line);
  });

  return new Promise<ServiceProcess>((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      if (ready) return;
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${opts.startTimeoutMs ?? 30_000} ms\n${stderrTail()}`));
    }, opts.startTimeoutMs ?? 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (ready) return;
      const r = parseReadyLine(line, name);
      if (!r) return;
      ready = true;
      clearTimeout(timer);
      const port = Number(r.address.slice(r.address.lastIndexOf(':') + 1));
      resolve({
        name,
        address: r.address,
        port,
        pid: r.pid,
        metrics: r.metrics,
        url: r.url,
        child,
        exited,
        stderrTail,
      });
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${name}: could not spawn: ${err.message}`));
    });
    void exited.then(({ code, signal }) => {
      if (ready) return;
      clearTimeout(timer);
      // Give readline a moment to deliver the last stderr lines.
      setImmediate(() =>
        reject(
          new Error(`${name} exited (${signal ?? `code ${code}`}) before it was listening\n${stderrTail()}`),
        ),
      );
    });
  });
}

/** Sends `signal`, then SIGKILL if the process has not exited within graceMs. */
export async function stopProcess(
  p: ServiceProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<Exit> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  const exit = await p.exited;
  clearTimeout(timer);
  return exit;
}
