/**
 * How a broker reaches the people in the loop: where it reads overrides and
 * where it writes decision records.
 *
 *   REDIS_URL set        the shared Redis: overrides by pub/sub, records into the ring
 *   else admin address   the admin service: WatchOverrides stream, RecordDecisions stream
 *   PARLEY_ADMIN_ADDR=off  neither (no overrides, no decision log)
 */
import { hostname } from 'node:os';
import type { Config } from '../common/config';
import type { Logger } from '../common/log';
import { RedisDecisionLog } from '../common/state/decisions-redis';
import { RedisOverrideStore } from '../common/state/overrides-redis';
import { createRedis } from '../common/state/redis';
import { adminOverrideSource, adminSink } from './admin-client';
import { DecisionRecorder, nullSink, storeSink } from './decision-log';
import { type OverrideSource, staticOverrides, storeOverrideSource } from './overrides';

export interface AdminLink {
  kind: 'redis' | 'admin' | 'off';
  /** This broker's name in its decision records. */
  name: string;
  overrides: OverrideSource;
  recorder: DecisionRecorder;
  close(): Promise<void>;
}

/** How long a starting broker waits for its first override set. */
export const FIRST_OVERRIDES_WAIT_MS = 1000;

export function connectAdmin(
  config: Pick<Config, 'redisUrl' | 'redisPrefix' | 'admin'>,
  log: Logger,
): AdminLink {
  const name = `${hostname()}/${process.pid}`;
  if (config.redisUrl) {
    const redis = createRedis(config.redisUrl);
    redis.on('error', (err) => log.debug('admin link redis error', { error: err.message }));
    const store = new RedisOverrideStore(redis, config.redisPrefix);
    const overrides = storeOverrideSource(store, log);
    const recorder = new DecisionRecorder(
      storeSink(new RedisDecisionLog(redis, config.redisPrefix, config.admin.decisionLogSize)),
      log,
    );
    return {
      kind: 'redis',
      name,
      overrides,
      recorder,
      async close() {
        await recorder.drain(500);
        recorder.close();
        overrides.close();
        await store.close();
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  }
  if (config.admin.address === 'off') {
    const recorder = new DecisionRecorder(nullSink, log);
    return { kind: 'off', name, overrides: staticOverrides(), recorder, close: async () => recorder.close() };
  }
  const overrides = adminOverrideSource(config.admin.address, name, log);
  const recorder = new DecisionRecorder(adminSink(config.admin.address), log);
  return {
    kind: 'admin',
    name,
    overrides,
    recorder,
    async close() {
      await recorder.drain(500);
      recorder.close();
      overrides.close();
    },
  };
}

/** Waits for the first override set, at most `ms`. */
export async function firstOverrides(link: AdminLink, ms = FIRST_OVERRIDES_WAIT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([link.overrides.ready.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
