/**
 * A throwaway redis-server, or Redis Cluster, for one test file: started
 * before its tests and stopped after them (redis-server.ts starts them).
 * Tests never assume a Redis is running.
 */
import { afterAll, beforeAll, it } from 'vitest';
import {
  type RedisClusterOptions,
  type RedisOptions,
  redisClusterMissing,
  startRedis,
  startRedisCluster,
  type TestRedis,
  type TestRedisCluster,
} from './redis-server';

export * from './redis-server';

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
    keys: (pattern) => server().keys(pattern),
    stop: () => server().stop(),
  };
}

/**
 * A Redis Cluster for the calling test file, like useTestRedis: started
 * before its tests, stopped after them. When this machine cannot run one
 * (redisClusterMissing), nothing starts, `missing` says why, and the file
 * shows a skipped test saying so: guard the cluster's tests with
 * `describe.skipIf(cluster.missing)`.
 */
export function useTestRedisCluster(
  opts: RedisClusterOptions = {},
): TestRedisCluster & { readonly missing: string | null } {
  const missing = redisClusterMissing();
  let running: TestRedisCluster | undefined;
  const cluster = () => {
    if (!running) throw new Error('the test Redis Cluster runs only inside tests and hooks');
    return running;
  };
  if (missing) {
    it.skip(`Redis Cluster tests skipped: ${missing}`, () => undefined);
  } else {
    beforeAll(async () => {
      running = await startRedisCluster(opts);
    });
    afterAll(async () => {
      await running?.stop();
    });
  }
  return {
    missing,
    get url() {
      return cluster().url;
    },
    client: () => cluster().client(),
    flush: () => cluster().flush(),
    keys: (pattern) => cluster().keys(pattern),
    failover: (key) => cluster().failover(key),
    stop: () => cluster().stop(),
  };
}

/** What a contract suite needs of a Redis, single or cluster. */
export type RedisBackend = Pick<TestRedis, 'url' | 'client' | 'flush' | 'keys'>;

/**
 * The Redis backends a contract suite runs its Redis adapter against, by
 * name: `redis` (one redis-server) and `redis cluster` (unless this machine
 * cannot start one: useTestRedisCluster says why).
 */
export function redisBackends(
  redis: TestRedis,
  cluster: TestRedisCluster & { readonly missing: string | null },
): Array<[string, RedisBackend]> {
  return cluster.missing
    ? [['redis', redis]]
    : [
        ['redis', redis],
        ['redis cluster', cluster],
      ];
}
