/**
 * A Redis that asks for a password, as the deployments run it
 * (requirepass from a Secret): a service given REDIS_URL and REDIS_PASSWORD
 * (config.ts) connects through the one way parley opens Redis
 * (services/common/state/redis.ts); without the password, or with a wrong
 * one, its commands are refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../services/common/config';
import { createRedis, type Redis } from '../../services/common/state/redis';
import { useTestRedis } from '../support/redis';

// Characters a generated password may hold that a URL would otherwise mangle.
const PASSWORD = 'p@ss:w/rd%41 #?';
const redis = useTestRedis({ password: PASSWORD });
const opened: Redis[] = [];

/** A connection as a service opens it from its env. */
function connect(env: Record<string, string>): Redis {
  const c = createRedis(loadConfig({ REDIS_URL: redis.url, ...env }).redisUrl);
  c.on('error', () => undefined); // refused authentication is also reported as an event
  opened.push(c);
  return c;
}

afterEach(() => {
  for (const c of opened.splice(0)) c.disconnect();
});

describe('Redis with a password (REDIS_PASSWORD)', () => {
  it('a service with REDIS_PASSWORD reads and writes', async () => {
    const c = connect({ REDIS_PASSWORD: PASSWORD });
    await c.set('k', 'v');
    expect(await c.get('k')).toBe('v');
  });

  it('without it, or with a wrong one, commands are refused', async () => {
    await expect(connect({}).get('k')).rejects.toThrow(/NOAUTH/);
    await expect(connect({ REDIS_PASSWORD: 'wrong' }).get('k')).rejects.toThrow(/NOAUTH|WRONGPASS/);
  });
});
