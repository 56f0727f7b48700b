#!/usr/bin/env node
/**
 * The parley command line.
 *
 *   parley serve <broker|admin|agent>                   run one service (config from env)
 *   parley mesh                                          run the broker, the admin service and every
 *                                                        agent of the registry, each its own process
 *   parley traffic [--rate N] [--duration S] [--target host:port] [--seed N] [--deadline MS] [--unary]
 *   parley decide  [--target host:port] [--seed N] [--json]
 *   parley brand-lift <file> [--objective host:port] [--json]
 *                                                        report brand-lift survey results (CSV or JSON)
 *
 * `npm start` = `parley mesh`, `npm run traffic` = `parley traffic`.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomToken } from '../services/admin/auth';
import {
  type CommandSpec,
  type Flag,
  helpText,
  numberFlag,
  type ParsedCommand,
  parseCommand,
  stringFlag,
  UsageError,
} from '../services/common/cli';
import { type Config, loadConfig, redactRedisUrl } from '../services/common/config';
import { waitServing } from '../services/common/grpc/health';
import { SERVICE_NAMES } from '../services/common/grpc/proto';
import type { RunningService } from '../services/common/grpc/server';
import {
  isPlaintext,
  PLAINTEXT_ENV,
  setDefaultIdentity,
  TLS_DIR_ENV,
  TLS_IDENTITY_ENV,
} from '../services/common/grpc/tls';
import { createLogger, type Logger } from '../services/common/log';
import { type MetricsEndpoint, startMetricsEndpoint } from '../services/common/metrics';
import { projectPath } from '../services/common/paths';
import { initTelemetry } from '../services/common/telemetry';
import { brandLiftCommand } from './brand-lift';
import { connect, decide, detailsOf, statusName, waitReady } from './client';
import { explainDecision } from './explain';
import {
  ADMIN_ADDR_ENV,
  ADMIN_TOKENS_ENV,
  AGENTS,
  addrEnv,
  ensureDevCerts,
  isServiceName,
  METRICS_PORT_ENV,
  metricsPortFor,
  portEnv,
  type ReadyLine,
  RUNTIME,
  SERVICES,
  type ServiceName,
  type ServiceProcess,
  spawnService,
  stopProcess,
} from './spawn';
import { runTraffic, TrafficModel, warmUp } from './traffic';

type StartFn = (opts: { config: Config; log: Logger }) => Promise<RunningService>;

/**
 * A service's start function, loaded only in the process that runs it: the
 * broker's, the admin service's, or an agent's: the `start` its folder's
 * server.ts exports (services/<name>/server.ts, as the registry names it).
 */
async function startFunction(name: ServiceName): Promise<StartFn> {
  if (name === 'broker') return (await import('../services/broker/server')).startBroker;
  if (name === 'admin') return (await import('../services/admin/server')).startAdmin;
  // The folder's server.ts from the sources, its server.js once compiled (npm run build).
  const file =
    RUNTIME === 'tsx'
      ? projectPath('services', name, 'server.ts')
      : projectPath('dist', 'services', name, 'server.js');
  const mod = (await import(pathToFileURL(file).href)) as { start?: StartFn };
  if (typeof mod.start !== 'function') throw new Error(`services/${name}/server exports no start function`);
  return mod.start;
}

/** Commands that live with their part of the project and parse their own flags. */
const DELEGATED: Record<
  string,
  { args: string; help: string; load: () => Promise<{ main(argv: string[]): Promise<number> }> }
> = {
  experiment: {
    args: 'experiment [--quick] [--scenario F]... [--seeds N] [--out F] [--models DIR]',
    help: 'learned agents vs baselines on the simulator: a report, and the trained models',
    load: () => import('../sim/experiments/run'),
  },
  federated: {
    args: 'federated [--port N] [--strategy S] …',
    help: 'run the federated aggregator (federated/README.md)',
    load: () => import('../federated/aggregator/cli'),
  },
  'federated-client': {
    args: 'federated-client --id ID [--aggregator A] …',
    help: 'one federated client learner as its own process (--help)',
    load: () => import('../federated/client/cli'),
  },
  'federated-eval': {
    args: 'federated-eval [--quick] [--out FILE]',
    help: 'federated vs central training on the simulator, with a report',
    load: () => import('../federated/eval/cli'),
  },
};

const USAGE = `usage: parley <command>

  serve <broker|admin|agent>                   run one service (an agent by its registry name,
                                               services/agents.yaml; configured by env, docs/operations.md)
  mesh                                         run the whole mesh locally, each service its own process
  traffic [--rate N] [--duration S] [--target host:port] [--seed N] [--deadline MS] [--unary]
                                               send realistic decisions and outcomes to a broker
  decide [--target host:port] [--seed N] [--json]
                                               send one sample decision and print the answer
  explain <request-id> [--admin host:port] [--json]
                                               why a past decision chose its ad and why the others lost
  brand-lift <file> [--objective host:port] [--json]
                                               report brand-lift survey results (CSV or JSON) to the
                                               objective agent, which values awareness campaigns by them
${Object.values(DELEGATED)
  .map((d) => `  ${d.args.length < 45 ? d.args.padEnd(45) : `${d.args}\n${' '.repeat(47)}`}${d.help}`)
  .join('\n')}

parley <command> --help lists a command's flags.
`;

const TARGET: Flag = { value: 'HOST:PORT', help: 'the broker', default: 'PARLEY_HOST:PARLEY_BROKER_PORT' };
const SEED: Flag = { value: 'N', help: 'seed of the simulated listeners', default: '1' };
const DEADLINE: Flag = { value: 'MS', help: 'deadline_ms of each request', default: '100' };

/** The commands parley runs itself, their flags and their --help. */
const COMMANDS = {
  serve: {
    usage: 'parley serve <broker|admin|agent>',
    summary:
      'Runs one service: the broker, the admin service or an agent by its registry name (services/agents.yaml).\nConfigured by environment variables (docs/operations.md).',
    flags: {},
    positionals: 1,
  },
  mesh: {
    usage: 'parley mesh',
    summary: 'Runs the whole mesh locally, each service its own process; Ctrl-C stops it.',
    flags: {},
  },
  traffic: {
    usage: 'parley traffic [options]',
    summary: 'Sends realistic decisions and outcomes to a broker and shows them flowing.',
    flags: {
      rate: { value: 'N', help: 'decisions per second (0.1..5000; "200/s" works too)', default: '20' },
      duration: { value: 'S', help: 'seconds to send for (0.1..3600)', default: '30' },
      target: TARGET,
      seed: SEED,
      deadline: DEADLINE,
      samples: { value: 'N', help: 'sample explanations to print (0..1000)', default: '5' },
      unary: { help: 'one Decide call per decision instead of one DecideStream for all' },
    },
  },
  decide: {
    usage: 'parley decide [options]',
    summary: 'Sends one sample decision and prints the answer and why.',
    flags: {
      target: TARGET,
      seed: SEED,
      deadline: DEADLINE,
      json: { help: 'print the request, the response and the latency as JSON' },
    },
  },
  explain: {
    usage: 'parley explain <request-id> [options]',
    summary: 'Why a past decision chose its ad and why the others lost (from the decision log).',
    flags: {
      admin: { value: 'HOST:PORT', help: 'the admin service', default: 'PARLEY_ADMIN_ADDR' },
      json: { help: 'the decision record and its explanation as JSON' },
    },
    positionals: 1,
  },
  'brand-lift': {
    usage: 'parley brand-lift <file> [options]',
    summary:
      'Reports brand-lift survey results to the objective agent: a CSV (header row) or JSON file (an array\n' +
      'of objects) with campaign_id, wave_id, exposed_respondents, exposed_yes_rate, control_respondents,\n' +
      'control_yes_rate, impressions, reach, fielded_at, published_at (ISO 8601 or epoch ms), one survey\n' +
      'wave each. All or nothing; a wave sent again is not counted twice (docs/operations.md, "Brand lift").',
    flags: {
      objective: {
        value: 'HOST:PORT',
        help: 'the objective agent',
        default: 'PARLEY_OBJECTIVE_ADDR',
      },
      json: { help: "print the agent's reply as JSON" },
    },
    positionals: 1,
  },
} satisfies Record<string, CommandSpec>;

function defaultTarget(): string {
  const c = loadConfig(process.env);
  return `${c.host}:${c.ports.broker}`;
}

// ---------------------------------------------------------------------------
// serve

async function serve(name: ServiceName): Promise<void> {
  // Its certificate is <name>.crt unless PARLEY_TLS_IDENTITY says otherwise.
  setDefaultIdentity(name);
  let config: Config;
  let telemetry: { shutdown(): Promise<void> };
  try {
    config = loadConfig(process.env, `parley-${name}`);
    telemetry = initTelemetry({ serviceName: config.serviceName, otlpEndpoint: config.otlpEndpoint });
  } catch (err) {
    process.stderr.write(`parley serve ${name}: bad configuration: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const log = createLogger(name, config.logLevel);
  let svc: RunningService;
  let metrics: MetricsEndpoint | null = null;
  try {
    metrics = await startMetricsEndpoint(config, log);
    svc = await (await startFunction(name))({ config, log });
  } catch (err) {
    process.stderr.write(
      `parley serve ${name}: could not start: ${((err as Error)?.message ?? String(err)).split('\n')[0]}\n`,
    );
    await metrics?.close();
    await telemetry.shutdown();
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    // A terminal's Ctrl-C reaches every process of the group, and the mesh
    // also sends SIGTERM: the first signal starts a clean stop, later ones wait.
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    const force = setTimeout(() => {
      log.error('clean stop took too long; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    try {
      await svc.close();
    } catch (err) {
      log.error('close failed', { error: (err as Error)?.message });
    }
    await metrics?.close();
    await telemetry.shutdown();
    process.exit(0);
  };
  // Listening for the signals before the ready line: a launcher may send one as soon as it reads it.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const ready: ReadyLine = { service: name, address: svc.address, pid: process.pid };
  if (metrics) ready.metrics = metrics.address;
  if ('url' in svc && typeof svc.url === 'string') ready.url = svc.url;
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

// ---------------------------------------------------------------------------
// mesh

const COLORS: Record<string, string> = { broker: '35', admin: '34' };
/** Agents get the colours in turn, in registry order. */
const AGENT_COLORS = ['36', '33', '32', '96', '93', '92', '95'];
const colorOf = (name: ServiceName) =>
  COLORS[name] ?? AGENT_COLORS[Math.max(0, AGENTS.indexOf(name)) % AGENT_COLORS.length]!;
const LEVEL_COLORS: Record<string, string> = { debug: '90', info: '37', warn: '33', error: '31' };

function paint(tty: boolean, code: string, s: string): string {
  return tty ? `\x1b[${code}m${s}\x1b[0m` : s;
}

/** One child's stderr line for a person: `inventory │ 12:00:01.123 info  catalogue loaded creatives=40`. */
function prettyLine(name: ServiceName, line: string, tty: boolean): string {
  const prefix = paint(tty, colorOf(name), `${name.padEnd(12)} │`);
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
    if (!rec || typeof rec !== 'object' || typeof rec.msg !== 'string') throw new Error('not a log record');
  } catch {
    return `${prefix} ${line}`;
  }
  const { t, level, service: _service, msg, ...fields } = rec;
  const time = typeof t === 'string' ? t.slice(11, 23) : '';
  const lvl = String(level ?? 'info');
  const extra = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${prefix} ${paint(tty, '90', time)} ${paint(tty, LEVEL_COLORS[lvl] ?? '37', lvl.padEnd(5))} ${msg}${extra ? ` ${paint(tty, '90', extra)}` : ''}`;
}

/** How long `parley mesh` waits for its broker to serve (it waits up to 10 s for its agents itself). */
const BROKER_SERVING_WAIT_MS = 20_000;

/** How `parley mesh` restarts a service that died (see watch in mesh()). */
export const RESTART = { firstMs: 500, maxMs: 30_000, stableMs: 60_000 } as const;

/** Dry-run decisions `parley mesh` sends through the fresh mesh before it says it is up; 0 = none. */
export const WARMUP_ENV = 'PARLEY_WARMUP_DECISIONS';
const DEFAULT_WARMUP_DECISIONS = 4000;

/** How many warm-up decisions PARLEY_WARMUP_DECISIONS asks for. */
export function warmupDecisions(env: NodeJS.ProcessEnv): number {
  const raw = env[WARMUP_ENV] ?? String(DEFAULT_WARMUP_DECISIONS);
  const decisions = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(decisions) || decisions < 0)
    throw new Error(`${WARMUP_ENV} must be a whole number of decisions (0 = no warm-up), not "${raw}"`);
  return decisions;
}

/** Warms a freshly started mesh with dry-run decisions (nothing reserved or logged), showing progress. */
async function warmMesh(target: string, decisions: number): Promise<void> {
  if (decisions === 0) return;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(`warming up: ${decisions} dry-run decisions (nothing reserved or logged; ${WARMUP_ENV}=0 skips this)`);
  const sum = await warmUp({
    target,
    decisions,
    concurrency: 16,
    deadlineMs: 100,
    seed: 1,
    onProgress: (done, of) => say(`  warming up: ${done}/${of}`),
  });
  say(
    `warmed up: ${sum.decisions} dry-run decisions in ${sum.elapsedS.toFixed(1)} s` +
      ` (${sum.degraded} degraded while cold${sum.errors ? `, ${sum.errors} failed` : ''})`,
  );
}

/** The admin service's overrides journal (embedded state): where its overrides outlive a crash. */
const OVERRIDES_JOURNAL_ENV = 'PARLEY_OVERRIDES_JOURNAL';

/**
 * What a restarted service lost with the memory it kept its embedded state in
 * ('' = nothing that outlives a decision): said when `parley mesh` brings it
 * back, so nobody takes a reset for the state they had.
 */
export function lostOnRestart(name: ServiceName, config: Config, journal: string): string {
  if (config.redisUrl) return '';
  if (name === 'broker') return 'its recent answers are gone: a retried Decide is decided again';
  if (name === 'admin')
    return journal
      ? `its overrides and audit log came back from ${journal}; its decision log starts empty`
      : 'its overrides, audit log and decision log start empty, and brokers drop the overrides they had';
  const roles = config.agents.find((a) => a.name === name)?.roles ?? [];
  const lost = [
    ...(roles.includes('committer')
      ? [
          'budgets, spend and reservations start again from zero, so campaigns may spend their budgets again',
          'brand-lift survey waves are gone (send their files again: nothing counts twice)',
        ]
      : []),
    ...(roles.includes('context') ? ["listeners' sessions start afresh"] : []),
  ];
  return lost.length > 0 ? `its embedded state is gone (REDIS_URL keeps it): ${lost.join('; ')}` : '';
}

async function mesh(): Promise<void> {
  const config = loadConfig(process.env);
  const warmup = warmupDecisions(process.env);
  // mTLS with development certificates unless PARLEY_PLAINTEXT=1; the mesh itself calls as an ad server.
  const certs = isPlaintext(process.env) ? null : ensureDevCerts(process.env);
  setDefaultIdentity('ad-server');
  let devTokens: { editor: string; viewer: string } | null = null;
  const tty = Boolean(process.stdout.isTTY);
  const jsonLogs = process.env.PARLEY_LOG_JSON === '1';
  const running = new Map<ServiceName, ServiceProcess>();
  let stopping = false;
  /** This run's own files (the overrides journal), removed when it stops. */
  let runDir = '';

  const onLine = (name: ServiceName) => (line: string) => {
    process.stderr.write(`${jsonLogs ? line : prettyLine(name, line, Boolean(process.stderr.isTTY))}\n`);
  };
  const loud = (msg: string) =>
    process.stderr.write(`${paint(Boolean(process.stderr.isTTY), '1;41;97', ` ${msg} `)}\n`);

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // The broker first (no new decisions), then the agents.
    const broker = running.get('broker');
    if (broker) await stopProcess(broker);
    await Promise.all([...running.values()].filter((p) => p.name !== 'broker').map((p) => stopProcess(p)));
    if (running.size > 0) process.stdout.write('parley mesh stopped\n');
    if (runDir) rmSync(runDir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  // A service that dies is started again, after 0.5 s, then twice as long each time it dies again
  // soon (at most 30 s); one that stayed up a minute starts over at 0.5 s.
  const restarts = new Map<ServiceName, { attempt: number; upSince: number }>();
  const envOf = new Map<ServiceName, NodeJS.ProcessEnv>();
  const revive = async (name: ServiceName, what: string) => {
    const meanwhile =
      name === 'broker'
        ? 'ad servers get UNAVAILABLE until it is back'
        : name === 'admin'
          ? 'the broker keeps the overrides it last saw until it is back'
          : 'decisions run degraded without it';
    const last = restarts.get(name) ?? { attempt: 0, upSince: 0 };
    let attempt = Date.now() - last.upSince >= RESTART.stableMs ? 0 : last.attempt;
    for (;;) {
      attempt++;
      const delayMs = Math.min(RESTART.maxMs, RESTART.firstMs * 2 ** (attempt - 1));
      loud(`${what}; ${meanwhile}; restarting it in ${delayMs / 1000} s (restart ${attempt})`);
      restarts.set(name, { attempt, upSince: Number.POSITIVE_INFINITY });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (stopping) return;
      try {
        const env = envOf.get(name)!;
        const again = await start(name, env);
        restarts.set(name, { attempt, upSince: Date.now() });
        process.stderr.write(`${name} restarted: pid ${again.pid}, ${again.address}\n`);
        const lost = lostOnRestart(name, config, env[OVERRIDES_JOURNAL_ENV] ?? '');
        if (lost) loud(`the ${name} restarted: ${lost}`);
        return;
      } catch (err) {
        what = `the ${name} could not restart (${(err as Error).message.split('\n')[0]})`;
      }
    }
  };
  const watch = (p: ServiceProcess) => {
    void p.exited.then(({ code, signal }) => {
      if (stopping) return;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      void revive(p.name, `the ${p.name} (pid ${p.pid}) ${how}`);
    });
  };

  // Each child its own metrics port: free ports by default, N + the service's offset from PARLEY_METRICS_PORT=N.
  const metricsPort = (name: ServiceName) => metricsPortFor(process.env[METRICS_PORT_ENV], name);
  const start = async (name: ServiceName, env: NodeJS.ProcessEnv) => {
    envOf.set(name, env);
    const p = await spawnService(name, {
      env: { ...env, [METRICS_PORT_ENV]: metricsPort(name) },
      onStderrLine: onLine(name),
    });
    running.set(name, p);
    watch(p);
    return p;
  };

  // Each service names itself in telemetry (parley-<name>) unless the user overrides per process.
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  delete baseEnv.OTEL_SERVICE_NAME;
  // Each service shows its own certificate (<name>.crt in the mesh's directory).
  delete baseEnv[TLS_IDENTITY_ENV];
  if (certs) baseEnv[TLS_DIR_ENV] = certs;
  try {
    const agents = await Promise.all(AGENTS.map((name) => start(name, baseEnv)));
    const brokerEnv: NodeJS.ProcessEnv = { ...baseEnv };
    for (const a of agents) brokerEnv[addrEnv(a.name)] = a.address;
    // The admin service (overrides, decision log, dashboard), with dev sign-in tokens unless configured.
    const adminEnv: NodeJS.ProcessEnv = { ...brokerEnv };
    // Embedded, its overrides outlive a crash of the admin service in a journal of this run's.
    if (!config.redisUrl && !adminEnv[OVERRIDES_JOURNAL_ENV]) {
      runDir = mkdtempSync(join(tmpdir(), 'parley-mesh-'));
      adminEnv[OVERRIDES_JOURNAL_ENV] = join(runDir, 'overrides.jsonl');
    }
    if (!adminEnv[ADMIN_TOKENS_ENV]) {
      devTokens = { editor: randomToken(), viewer: randomToken() };
      adminEnv[ADMIN_TOKENS_ENV] =
        `dev-editor:editor:${devTokens.editor},dev-viewer:viewer:${devTokens.viewer}`;
    }
    const admin = await start('admin', adminEnv);
    brokerEnv[ADMIN_ADDR_ENV] = admin.address;
    const broker = await start('broker', brokerEnv);
    // The broker serves once its agents are connected (or it gave up waiting for them).
    await waitServing(broker.address, SERVICE_NAMES.adDecision, BROKER_SERVING_WAIT_MS);
    await warmMesh(broker.address, warmup);
  } catch (err) {
    loud(`the mesh could not start: ${(err as Error).message.split('\n')[0]}`);
    process.stderr.write(`${(err as Error).message.split('\n').slice(1).join('\n')}\n`);
    process.stderr.write(
      `hint: another mesh may be running, or a port is taken; ports come from ${SERVICES.map(portEnv).join(', ')} and PARLEY_METRICS_PORT.\n`,
    );
    await stopAll(1);
    return;
  }

  const state = config.redisUrl
    ? `Redis at ${redactRedisUrl(config.redisUrl)} (prefix ${config.redisPrefix})`
    : 'embedded (in-process)';
  const dashboard = running.get('admin')?.url ?? '';
  const roleOf = (name: ServiceName) => {
    if (name === 'broker') return 'parley.v1.AdDecision  ← ad servers call this';
    if (name === 'admin') return 'parley.v1.Admin       ← overrides, decision log, dashboard';
    const entry = config.agents.find((a) => a.name === name);
    return `agent: ${entry?.roles.join(', ') ?? '?'}`;
  };
  const rows = SERVICES.map((name) => {
    const p = running.get(name)!;
    return `  ${name.padEnd(12)} ${p.address.padEnd(21)} pid ${String(p.pid).padEnd(8)} ${roleOf(name)}`;
  });
  const metricsRows = SERVICES.map(
    (name) =>
      `  ${name.padEnd(12)} ${running.get(name)?.metrics ? `http://${running.get(name)?.metrics}/metrics` : 'off'}`,
  );
  process.stdout.write(
    [
      '',
      paint(tty, '1', 'parley mesh is up'),
      `  state: ${state}; catalogue: ${config.cataloguePath}`,
      certs
        ? `  gRPC: mutual TLS, certificates in ${certs} (scripts/dev-certs.sh; ad-server.crt for your ad server)`
        : `  gRPC: PLAINTEXT (${PLAINTEXT_ENV}=1), no caller authentication: local development only`,
      config.otlpEndpoint
        ? `  traces: OTLP/HTTP to ${config.otlpEndpoint}`
        : '  traces: off (set OTEL_EXPORTER_OTLP_ENDPOINT)',
      '',
      `  ${'service'.padEnd(12)} ${'address'.padEnd(21)} ${'pid'.padEnd(12)} serves`,
      ...rows,
      '',
      `  Prometheus metrics (${METRICS_PORT_ENV}=9464 for the fixed default ports, off to turn them off):`,
      ...metricsRows,
      '',
      paint(tty, '1', `  dashboard: ${dashboard}`),
      devTokens
        ? `  sign in with the editor token ${devTokens.editor} (viewer: ${devTokens.viewer}); made for this run, set PARLEY_ADMIN_TOKENS for real ones`
        : '  sign in with a token from PARLEY_ADMIN_TOKENS',
      '',
      'Try it, in another terminal:',
      `  npm run traffic                               realistic decisions and outcomes for 30 s`,
      `  npm run parley -- decide                      one decision, explained`,
      `  npm run parley -- explain <request-id>        why a past decision chose its ad`,
      `  npm run parley -- traffic --rate 200 --duration 10`,
      '',
      'Ctrl-C stops the mesh.',
      '',
    ].join('\n'),
  );
}

// ---------------------------------------------------------------------------
// traffic and decide

async function traffic(flags: ParsedCommand['values']): Promise<void> {
  setDefaultIdentity('ad-server');
  const abort = new AbortController();
  // The first Ctrl-C stops sending and prints the summary; a second one quits at once.
  const stop = () => (abort.signal.aborted ? process.exit(130) : abort.abort());
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const sum = await runTraffic({
    target: stringFlag(flags, 'target', '') || defaultTarget(),
    // "--rate 200/s" reads as it is meant.
    rate: numberFlag(
      { rate: typeof flags.rate === 'string' ? flags.rate.replace(/\/s$/, '') : undefined },
      'rate',
      20,
      { min: 0.1, max: 5000 },
    ),
    durationS: numberFlag(flags, 'duration', 30, { min: 0.1, max: 3600 }),
    seed: numberFlag(flags, 'seed', 1, { min: 0, max: 2 ** 32 - 1 }),
    deadlineMs: numberFlag(flags, 'deadline', 100, { min: 1, max: 60_000 }),
    samples: numberFlag(flags, 'samples', 5, { min: 0, max: 1000 }),
    maxInFlight: 256,
    api: flags.unary === true ? 'unary' : 'stream',
    out: (line) => process.stdout.write(`${line}\n`),
    signal: abort.signal,
  });
  process.exitCode = sum.decisions === 0 ? 1 : 0;
}

async function decideOnce(flags: ParsedCommand['values']): Promise<void> {
  setDefaultIdentity('ad-server');
  const target = stringFlag(flags, 'target', '') || defaultTarget();
  const deadlineMs = numberFlag(flags, 'deadline', 100, { min: 1, max: 60_000 });
  const client = connect(target);
  try {
    await waitReady(client, 3000).catch(() => {
      throw new Error(
        `cannot reach the broker at ${target}. Start the mesh first (npm start), or pass --target.`,
      );
    });
    const model = new TrafficModel(
      numberFlag(flags, 'seed', 1, { min: 0, max: 2 ** 32 - 1 }),
      `cli${Date.now().toString(36)}`,
      deadlineMs,
    );
    const { request, sample } = model.next();
    const t0 = performance.now();
    const res = await decide(client, request, { timeoutMs: deadlineMs + 1000 }).catch((err: unknown) => {
      throw new Error(`Decide failed: ${statusName(err)}: ${detailsOf(err)}`);
    });
    const ms = performance.now() - t0;
    if (flags.json === true) {
      process.stdout.write(
        `${JSON.stringify({ request, response: res, latency_ms: Number(ms.toFixed(2)) }, null, 2)}\n`,
      );
      return;
    }
    const w = res.why;
    const lines = [
      `request ${request.request_id}: ${sample.kind} on ${sample.device} in ${sample.country}, ${sample.localTime} local, ${sample.genre}, ` +
        `${request.slot?.position} ×${request.slot?.max_ads} (≤ ${(request.slot?.max_total_duration_ms ?? 0) / 1000} s)`,
      `answer in ${ms.toFixed(1)} ms: ${res.ads.length === 0 ? `no ad (${res.no_ad_reasons.join(', ')})` : `${res.ads.length} ad(s)`}`,
      ...res.ads.map(
        (a) =>
          `  #${a.pod_position} ${a.creative_id}  campaign ${a.campaign_id}  advertiser ${a.advertiser_id} (${a.category})  ` +
          `${a.duration_ms / 1000} s  ${a.tier}  ${a.price_micros} micros  reservation ${a.reservation_id}`,
      ),
      `why: ${w?.summary || '(none)'}`,
    ];
    if (w) {
      const terms = Object.entries(w.terms)
        .map(([term, v]) => `${term} ${v.toFixed(3)}`)
        .join(', ');
      const agents = Object.entries(w.agents)
        .map(
          ([name, a]) =>
            `${name} ${a.model_version || '-'} (${a.elapsed_ms} ms${a.degraded ? ', degraded' : ''})`,
        )
        .join(', ');
      lines.push(
        `  utility ${w.utility.toFixed(3)} (${terms}); ${w.rounds} round(s), ${w.candidates_considered} candidates; scenario ${w.scenario}`,
        `  agents: ${agents}; trace ${w.trace_id || '-'}`,
      );
      for (const r of w.runners_up.slice(0, 5))
        lines.push(`  runner-up ${r.creative_id}: ${r.reason}${r.detail ? ` (${r.detail})` : ''}`);
    }
    lines.push(`degraded: ${res.degraded.length ? res.degraded.join(', ') : 'none'}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    client.close();
  }
}

// ---------------------------------------------------------------------------

async function main(argv: string[]): Promise<void> {
  const delegated = DELEGATED[argv[0] ?? ''];
  if (delegated) {
    process.exitCode = await (await delegated.load()).main(argv.slice(1));
    return;
  }
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help') {
    process.stdout.write(USAGE);
    return;
  }
  if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command "${command}"`);
  const spec: CommandSpec = COMMANDS[command as keyof typeof COMMANDS];
  const args = parseCommand(rest, spec);
  if (!args) {
    process.stdout.write(helpText(spec));
    return;
  }
  const [arg] = args.positionals;
  const flags = args.values;
  switch (command) {
    case 'serve':
      if (!isServiceName(arg))
        throw new UsageError(`serve: expected one of ${SERVICES.join(', ')}, got "${arg ?? ''}"`);
      return serve(arg);
    case 'mesh':
      return mesh();
    case 'traffic':
      return traffic(flags);
    case 'decide':
      return decideOnce(flags);
    case 'explain':
      if (!arg) throw new UsageError('explain: name the request id, e.g. parley explain cli-abc-1');
      setDefaultIdentity('operator');
      return explainDecision(arg, {
        admin: stringFlag(flags, 'admin', '') || loadConfig(process.env).admin.address,
        json: flags.json === true,
      });
    case 'brand-lift': {
      if (!arg) throw new UsageError('brand-lift: name the results file, e.g. parley brand-lift waves.csv');
      setDefaultIdentity('operator');
      const objective = stringFlag(flags, 'objective', '') || loadConfig(process.env).addresses.objective;
      if (!objective)
        throw new UsageError('brand-lift: no objective agent in the registry; pass --objective');
      return brandLiftCommand(arg, { objective, json: flags.json === true });
    }
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) process.stderr.write(`parley: ${err.message}\n\n${USAGE}`);
  else process.stderr.write(`parley: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
