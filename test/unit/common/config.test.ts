import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactRedisUrl } from '../../../services/common/config';
import { clusterTarget } from '../../../services/common/state/redis';

describe('config', () => {
  it('puts REDIS_PASSWORD into REDIS_URL so that ioredis authenticates with it, any characters intact', () => {
    const password = 'p@ss:w/rd%41 #?';
    const url = loadConfig({ REDIS_URL: 'redis://redis:6379/2', REDIS_PASSWORD: password }).redisUrl;
    // What ioredis makes of the URL (lazyConnect: nothing is dialled).
    const client = new Redis(url, { lazyConnect: true });
    try {
      expect(client.options.password).toBe(password);
      expect(client.options.host).toBe('redis');
      expect(client.options.port).toBe(6379);
      expect(client.options.db).toBe(2);
    } finally {
      client.disconnect();
    }
    expect(redactRedisUrl(url), 'logs show no password').toBe('redis://:***@redis:6379/2');
    expect(loadConfig({ REDIS_URL: 'redis://redis:6379' }).redisUrl, 'no password: as given').toBe(
      'redis://redis:6379',
    );
  });

  it('refuses REDIS_PASSWORD without REDIS_URL, beside a URL that has one, or with a URL that is not Redis', () => {
    expect(() => loadConfig({ REDIS_PASSWORD: 'x' })).toThrow(/REDIS_PASSWORD: .*REDIS_URL is empty/);
    expect(() => loadConfig({ REDIS_URL: 'redis://:a@redis:6379', REDIS_PASSWORD: 'x' })).toThrow(
      /REDIS_PASSWORD: REDIS_URL has a password already/,
    );
    expect(() => loadConfig({ REDIS_URL: 'http://redis:6379', REDIS_PASSWORD: 'x' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: 'redis:6379', REDIS_PASSWORD: 'x' })).toThrow(/REDIS_URL/);
  });

  it('puts REDIS_PASSWORD into a Redis Cluster URL too', () => {
    const password = 'p@ss:w/rd';
    const url = loadConfig({ REDIS_URL: 'redis+cluster://a:7000,b:7001', REDIS_PASSWORD: password }).redisUrl;
    expect(clusterTarget(url)).toMatchObject({
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
      password,
    });
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://:a@a:7000', REDIS_PASSWORD: 'x' })).toThrow(
      /REDIS_PASSWORD: REDIS_URL has a password already/,
    );
  });

  it('has working defaults: embedded state, local ports, the sample catalogue', () => {
    const c = loadConfig({});
    expect(c.redisUrl).toBe('');
    expect(c.ports).toEqual({ broker: 50051, admin: 50055 });
    expect(Object.fromEntries(c.agents.map((a) => [a.name, a.port]))).toMatchObject({
      context: 50052,
      inventory: 50053,
      objective: 50054,
    });
    expect(c.addresses.inventory).toBe('127.0.0.1:50053');
    expect(c.cataloguePath).toMatch(/catalogue\/sample\.yaml$/);
  });

  it('derives agent addresses from host and ports unless given', () => {
    const c = loadConfig({
      PARLEY_HOST: '0.0.0.0',
      PARLEY_CONTEXT_PORT: '6000',
      PARLEY_OBJECTIVE_ADDR: 'obj:1',
    });
    expect(c.addresses.context).toBe('0.0.0.0:6000');
    expect(c.addresses.objective).toBe('obj:1');
  });

  it('learns online by default, one consumer group per host; PARLEY_ONLINE_LEARNING=off turns it off', () => {
    expect(loadConfig({}).online.enabled).toBe(true);
    expect(loadConfig({}).online.group).toMatch(/^inventory-online-/);
    expect(loadConfig({ PARLEY_ONLINE_LEARNING: 'off' }).online.enabled).toBe(false);
    expect(loadConfig({ PARLEY_ONLINE_LEARNING: 'false', PARLEY_ONLINE_GROUP: 'g' }).online).toEqual({
      enabled: false,
      group: 'g',
    });
  });

  it('has no ad-load floor unless PARLEY_MIN_UTILITY sets one; explores 5% by default', () => {
    expect(loadConfig({}).minUtility).toBeNull();
    expect(loadConfig({ PARLEY_MIN_UTILITY: '0.5' }).minUtility).toBe(0.5);
    expect(loadConfig({ PARLEY_MIN_UTILITY: '-1' }).minUtility).toBe(-1);
    expect(loadConfig({}).exploration).toEqual({ epsilon: 0.05, temperature: 0 });
  });

  it.each([
    ['PARLEY_BROKER_PORT', '70000'],
    ['PARLEY_MAX_ROUNDS', '0'],
    ['PARLEY_W_LISTENER', 'abc'],
    ['PARLEY_LOG_LEVEL', 'loud'],
    ['PARLEY_ONLINE_LEARNING', 'maybe'],
    ['PARLEY_MIN_UTILITY', 'lots'],
    ['PARLEY_EXPLORATION_EPSILON', '1.5'],
    ['REDIS_URL', 'redis+cluster://'],
    ['REDIS_URL', 'redis+cluster://10.0.0.1:7000,10.0.0.2'],
    ['REDIS_URL', 'redis+cluster://10.0.0.1:70000'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('reads a Redis Cluster from a redis+cluster:// REDIS_URL: its start-up nodes, credentials and TLS', () => {
    expect(loadConfig({ REDIS_URL: 'redis+cluster://a:7000,b:7001' }).redisUrl).toBe(
      'redis+cluster://a:7000,b:7001',
    );
    expect(clusterTarget('redis+cluster://10.0.0.1:7000, redis-1:7001,[::1]:7002')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-1', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      tls: false,
    });
    expect(clusterTarget('rediss+cluster://app:p%40ss@r:6379/')).toEqual({
      nodes: [{ host: 'r', port: 6379 }],
      username: 'app',
      password: 'p@ss',
      tls: true,
    });
    expect(clusterTarget('redis+cluster://:secret@r:6379')).toEqual({
      nodes: [{ host: 'r', port: 6379 }],
      password: 'secret',
      tls: false,
    });
    // Any other URL is one Redis, for ioredis to read.
    expect(clusterTarget('redis://127.0.0.1:6379/0')).toBeNull();
    expect(clusterTarget('')).toBeNull();
  });
});
