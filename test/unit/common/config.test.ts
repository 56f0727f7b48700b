import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../services/common/config';
import { clusterTarget } from '../../../services/common/state/redis';

describe('config', () => {
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
