/**
 * Starts a throwaway redis-server on a free loopback port for one test file.
 * Tests never assume a Redis is running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createRedis, type Redis } from '../../services/common/state/redis';
import { freePort } from './ports';

export interface TestRedis {
  /** Where it listens (without its password, if it asks for one: RedisOptions.password). */
  url: string;
  port: number;
  /** The redis-server's process id (0 once stopped). */
  pid(): number;
  client(): Redis;
  flush(): Promise<void>;
  /** Kills redis-server (SIGKILL: a crash) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts redis-server again on the same port and directory (after kill()); resolves once it answers. */
  restart(): Promise<void>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) redis-server: connections stay open, nothing is answered meanwhile. */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

export interface RedisOptions {
  /**
   * Append every write to disk before answering it (appendonly, fsync
   * always), so a kill loses nothing acknowledged and restart() brings the
   * data back, as a deployment that must not lose money runs Redis. Off by
   * default: nothing survives a restart.
   */
  durable?: boolean;
  /**
   * Ask for this password (requirepass), as the deployments do. `url` stays
   * without it (a client must give it, e.g. as REDIS_PASSWORD); `client()`
   * gives it.
   */
  password?: string;
}

export async function startRedis(opts: RedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  const persistence = opts.durable
    ? ['--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  let proc: ChildProcess | null = null;
  const url = `redis://127.0.0.1:${port}`;
  const auth = opts.password
    ? {
        url: `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${port}`,
        args: ['--requirepass', opts.password],
      }
    : { url, args: [] };
  const clients: Redis[] = [];
  const probe = createRedis(auth.url);
  probe.on('error', () => undefined); // refused connections while redis-server boots or is down
  clients.push(probe);
  const launch = async () => {
    proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        ...persistence,
        '--dir',
        dir,
        ...auth.args,
      ],
      { stdio: 'ignore' },
    );
    const started = Date.now();
    for (;;) {
      try {
        await probe.ping();
        return;
      } catch (err) {
        if (Date.now() - started > 10_000)
          throw new Error(`redis-server did not start: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const halt = async (signal: NodeJS.Signals) => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGCONT'); // a frozen one too
    p.kill(signal);
    await exited;
  };
  await launch();
  return {
    url,
    port,
    pid: () => (proc as ChildProcess | null)?.pid ?? 0,
    client() {
      const c = createRedis(auth.url);
      clients.push(c);
      return c;
    },
    flush: async () => {
      await probe.flushall();
    },
    kill: () => halt('SIGKILL'),
    freeze: () => (proc as ChildProcess | null)?.kill('SIGSTOP'),
    thaw: () => (proc as ChildProcess | null)?.kill('SIGCONT'),
    async restart() {
      if (proc) throw new Error('redis-server is still running');
      await launch();
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A redis-server for the calling test file: started before its tests
 * (beforeAll), stopped after them (afterAll). Call it at the top level; the
 * returned handle forwards to the running server.
 */
export function useTestRedis(opts: RedisOptions = {}): TestRedis {
  let running: TestRedis | undefined;
  const server = () => {
    if (!running) throw new Error('the test redis-server runs only inside tests and hooks');
    return running;
  };
  beforeAll(async () => {
    running = await startRedis(opts);
  });
  afterAll(async () => {
    await running?.stop();
  });
  return {
    get url() {
      return server().url;
    },
    get port() {
      return server().port;
    },
    pid: () => server().pid(),
    kill: () => server().kill(),
    restart: () => server().restart(),
    freeze: () => server().freeze(),
    thaw: () => server().thaw(),
    client: () => server().client(),
    flush: () => server().flush(),
    stop: () => server().stop(),
  };
}
