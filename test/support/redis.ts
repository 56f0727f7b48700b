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
  url: string;
  port: number;
  client(): Redis;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const clients: Redis[] = [];
  const probe = createRedis(url);
  probe.on('error', () => undefined); // refused connections while redis-server boots
  clients.push(probe);
  const started = Date.now();
  for (;;) {
    try {
      await probe.ping();
      break;
    } catch (err) {
      if (Date.now() - started > 10_000)
        throw new Error(`redis-server did not start: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port,
    client() {
      const c = createRedis(url);
      clients.push(c);
      return c;
    },
    flush: async () => {
      await probe.flushall();
    },
    async stop() {
      for (const c of clients) c.disconnect();
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A redis-server for the calling test file: started before its tests
 * (beforeAll), stopped after them (afterAll). Call it at the top level; the
 * returned handle forwards to the running server.
 */
export function useTestRedis(): TestRedis {
  let running: TestRedis | undefined;
  const server = () => {
    if (!running) throw new Error('the test redis-server runs only inside tests and hooks');
    return running;
  };
  beforeAll(async () => {
    running = await startRedis();
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
    client: () => server().client(),
    flush: () => server().flush(),
    stop: () => server().stop(),
  };
}
