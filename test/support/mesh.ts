/**
 * The full mesh for e2e tests: the registry's agents and the broker as separate processes
 * (`parley serve <name>`) on free loopback ports, optionally on a Redis, with
 * extra env (e.g. OTEL_EXPORTER_OTLP_ENDPOINT). Agents can be killed, frozen
 * and restarted on the same port; stderr is kept for failure messages.
 */
import {
  ADMIN_ADDR_ENV,
  AGENTS,
  addrEnv,
  type Exit,
  portEnv,
  SERVICES,
  type ServiceName,
  type ServiceProcess,
  spawnService,
  stopProcess,
} from '../../bin/spawn';
import { freePort } from './ports';

export type { ServiceName };

/**
 * Starts services side by side; if one fails, waits for every other to start or fail and stops
 * those that started before throwing, so none is left running (holding ports and CPU) for the rest
 * of the test run.
 */
export async function spawnTogether(
  jobs: ReadonlyArray<readonly [ServiceName, NodeJS.ProcessEnv]>,
  startTimeoutMs = 30_000,
): Promise<ServiceProcess[]> {
  const settled = await Promise.allSettled(
    jobs.map(([name, env]) => spawnService(name, { env, startTimeoutMs })),
  );
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const started = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (!failed) return started;
  await Promise.all(started.map((p) => stopProcess(p, 'SIGTERM', 3000)));
  throw failed.reason;
}

export interface MeshOptions {
  /** Redis URL; omitted = embedded state. */
  redisUrl?: string;
  /**
   * Extra env for every service. It wins over the mesh's own: a service's
   * port (e.g. one a FaultProxy forwards to) and where the broker finds an
   * agent (e.g. the proxy's address) included.
   */
  env?: Record<string, string>;
  /** Also run the admin service (the broker sends it its decisions and reads overrides from it). */
  admin?: boolean;
}

export interface TestMesh {
  /** host:port of each service. */
  addresses: Record<ServiceName, string>;
  /** The broker's address (what a client calls). */
  broker: string;
  pids(): Record<ServiceName, number>;
  /** Kills a service (SIGKILL by default: a crash) and waits until it is gone; resolves with how it exited. */
  kill(name: ServiceName, signal?: NodeJS.Signals): Promise<Exit>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) a service: it holds its connections but answers nothing. */
  freeze(name: ServiceName): void;
  thaw(name: ServiceName): void;
  /** Starts a killed service again on the same port. */
  restart(name: ServiceName): Promise<void>;
  /** Stops every service (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** The last stderr lines of one or all services (attach to failing assertions). */
  logs(name?: ServiceName): string;
}

export async function startMesh(opts: MeshOptions = {}): Promise<TestMesh> {
  const ports = {} as Record<ServiceName, number>;
  for (const name of SERVICES) ports[name] = Number(opts.env?.[portEnv(name)] ?? 0) || (await freePort());
  const names = [...AGENTS, ...(opts.admin ? ['admin'] : []), 'broker'];
  const addresses = {} as Record<ServiceName, string>;
  for (const name of SERVICES) addresses[name] = `127.0.0.1:${ports[name]}`;

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PARLEY_HOST: '127.0.0.1',
    ...Object.fromEntries(SERVICES.map((name) => [portEnv(name), String(ports[name])])),
    PARLEY_LOG_LEVEL: 'info',
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    ...(opts.admin ? { [ADMIN_ADDR_ENV]: addresses.admin } : {}),
  };
  for (const a of AGENTS) env[addrEnv(a)] = addresses[a];
  Object.assign(env, opts.env);

  const procs = new Map<ServiceName, ServiceProcess>();
  const dead = new Map<ServiceName, string>();
  const spawnOne = async (name: ServiceName) => {
    const p = await spawnService(name, { env, startTimeoutMs: 30_000 });
    procs.set(name, p);
    dead.delete(name);
  };
  const stop = async () => {
    await Promise.all([...procs.values()].map((p) => stopProcess(p, 'SIGTERM', 3000)));
    procs.clear();
  };

  try {
    for (const p of await spawnTogether(AGENTS.map((name) => [name, env] as const))) procs.set(p.name, p);
    if (opts.admin) await spawnOne('admin');
    await spawnOne('broker');
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    addresses,
    broker: addresses.broker!,
    pids() {
      const out = {} as Record<ServiceName, number>;
      for (const [name, p] of procs) out[name] = p.pid;
      return out;
    },
    async kill(name, signal = 'SIGKILL') {
      const p = procs.get(name);
      if (!p) throw new Error(`${name} is not running`);
      p.child.kill('SIGCONT');
      const exit = await stopProcess(p, signal, signal === 'SIGKILL' ? 3000 : 15_000);
      dead.set(name, p.stderrTail());
      procs.delete(name);
      return exit;
    },
    freeze(name) {
      procs.get(name)?.child.kill('SIGSTOP');
    },
    thaw(name) {
      procs.get(name)?.child.kill('SIGCONT');
    },
    restart: async (name) => {
      if (procs.has(name)) throw new Error(`${name} is still running`);
      await spawnOne(name);
    },
    stop: async () => {
      for (const p of procs.values()) p.child.kill('SIGCONT');
      await stop();
    },
    logs(name) {
      return (name ? [name] : names)
        .map((n) => `--- ${n} ---\n${procs.get(n)?.stderrTail() ?? dead.get(n) ?? '(not running)'}`)
        .join('\n');
    },
  };
}
