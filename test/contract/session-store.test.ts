/**
 * One contract for both SessionStore adapters (embedded and Redis, on one
 * redis-server and on a Redis Cluster). Times are
 * real (Date.now()) so the Redis adapter's PEXPIRE and the embedded TTL are
 * held to the same expiry rules.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  MemorySessionStore,
  RECENT_GENRES,
  RECENT_OUTCOMES,
  type SessionStore,
} from '../../services/context/session-store';
import { RedisSessionStore } from '../../services/context/session-store-redis';
import { redisBackends, useTestRedis, useTestRedisCluster } from '../support/redis';

const redis = useTestRedis();
const backends = redisBackends(redis, useTestRedisCluster());

const PREFIX = 'parley-test:';

const adapters: Array<[string, (ttlMs: number) => SessionStore]> = [
  ['embedded', (ttlMs) => new MemorySessionStore({ ttlMs })],
  ...backends.map(([name, backend]): [string, (ttlMs: number) => SessionStore] => [
    name,
    (ttlMs) => new RedisSessionStore({ redis: backend.client(), prefix: PREFIX, ttlMs }),
  ]),
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const served = { served: true, skipped: false, completed: false };

describe.each(adapters)('SessionStore contract: %s', (name, make) => {
  let store: SessionStore;
  beforeEach(async () => {
    for (const [, backend] of backends) await backend.flush();
    store = make(60_000);
  });

  it('knows nothing of a new session', async () => {
    expect(await store.get('nobody', Date.now())).toBeNull();
  });

  it('records genres (repeats collapsed, last few kept) and the last scenario', async () => {
    const genres = ['pop', 'pop', 'rock', 'jazz', 'edm', 'lofi', 'ambient', 'ambient'];
    for (const g of genres) await store.recordContext('s', { genre: g, scenario: 'relax' }, Date.now());
    await store.recordContext('s', { genre: 'Ambient ', scenario: 'sleep' }, Date.now());
    const s = await store.get('s', Date.now());
    expect(s?.lastGenres).toEqual(['rock', 'jazz', 'edm', 'lofi', 'ambient'].slice(-RECENT_GENRES));
    expect(s?.lastScenario).toBe('sleep');
    expect(s?.adsHeard).toBe(0);
  });

  it('assessSession: returns the state before and records what get + recordContext would', async () => {
    // Sessions live longer than the times this test jumps over.
    const store = make(3 * 3_600_000);
    const assess = store.assessSession?.bind(store);
    if (!assess) throw new Error(`${name}: assessSession is missing`);
    const now = Date.now();
    const sticky = 20 * 60_000;
    const u = (fromSignals: 'commute' | null, genre = 'pop') =>
      ({ genre, fromSignals, fallback: 'relax', stickyMs: sticky }) as const;
    // A new session: nothing before; no rule decides, nothing sticks → the fallback.
    expect(await assess('s', u(null), now)).toBeNull();
    expect(await store.get('s', now)).toMatchObject({
      lastScenario: 'relax',
      lastGenres: ['pop'],
      updatedMs: now,
    });
    // The signals decide: their scenario, whatever the session says.
    const before = await assess('s', u('commute', 'Rock '), now + 1000);
    expect(before).toMatchObject({ lastScenario: 'relax', lastGenres: ['pop'], updatedMs: now });
    expect(await store.get('s', now + 1000)).toMatchObject({
      lastScenario: 'commute',
      lastGenres: ['pop', 'rock'],
      updatedMs: now + 1000,
    });
    // Nothing decides: the previous scenario sticks within the window…
    await assess('s', u(null, 'rock'), now + 1000 + sticky);
    expect(await store.get('s', now + 1000 + sticky)).toMatchObject({
      lastScenario: 'commute',
      lastGenres: ['pop', 'rock'],
    });
    // …and not after it.
    await assess('s', u(null), now + 2000 + 2 * sticky);
    expect((await store.get('s', now + 2000 + 2 * sticky))?.lastScenario).toBe('relax');
    // Outcomes are kept.
    await store.recordOutcome('s', served, now + 3000 + 2 * sticky);
    expect((await assess('s', u(null), now + 4000 + 2 * sticky))?.adsHeard).toBe(1);
  });

  it('ignores an empty genre', async () => {
    await store.recordContext('s', { genre: 'pop', scenario: 'relax' }, Date.now());
    await store.recordContext('s', { genre: '', scenario: 'commute' }, Date.now());
    expect((await store.get('s', Date.now()))?.lastGenres).toEqual(['pop']);
  });

  it('counts ads heard and keeps the last outcomes in order', async () => {
    let last = await store.recordOutcome('s', served, Date.now());
    expect(last).toMatchObject({ adsHeard: 1, recentOutcomes: [], lastScenario: 'unknown' });
    for (let i = 0; i < RECENT_OUTCOMES + 2; i++) {
      last = await store.recordOutcome(
        's',
        { served: false, skipped: i % 3 === 0, completed: i % 3 !== 0 },
        Date.now(),
      );
    }
    const expected = Array.from({ length: RECENT_OUTCOMES + 2 }, (_, i) =>
      i % 3 === 0 ? 'skip' : 'complete',
    );
    expect(last.recentOutcomes).toEqual(expected.slice(-RECENT_OUTCOMES));
    expect(last.adsHeard).toBe(1);
    expect(await store.get('s', Date.now())).toEqual(last);
  });

  it('records many outcomes in one call as one call each would, in order', async () => {
    const now = Date.now();
    await store.recordContext('a', { genre: 'pop', scenario: 'relax' }, now);
    await store.recordOutcomes(
      [
        { sessionId: 'a', outcome: served },
        { sessionId: 'b', outcome: { served: true, skipped: true, completed: false } },
        { sessionId: 'a', outcome: { served: false, skipped: false, completed: true } },
        { sessionId: 'a', outcome: { served: false, skipped: true, completed: false } },
      ],
      now + 1,
    );
    await store.recordOutcomes([], now + 2);
    expect(await store.get('a', now + 2)).toEqual({
      adsHeard: 1,
      recentOutcomes: ['complete', 'skip'],
      lastGenres: ['pop'],
      lastScenario: 'relax',
      updatedMs: now + 1,
    });
    expect(await store.get('b', now + 2)).toMatchObject({ adsHeard: 1, recentOutcomes: ['skip'] });
    // More than one script call takes: still every one, in order.
    const many = Array.from({ length: 450 }, (_, i) => ({
      sessionId: `m${i % 3}`,
      outcome: { served: true, skipped: i % 2 === 0, completed: i % 2 === 1 },
    }));
    await store.recordOutcomes(many, now + 3);
    for (const id of ['m0', 'm1', 'm2']) expect((await store.get(id, now + 3))?.adsHeard).toBe(150);
    expect((await store.get('m0', now + 3))?.recentOutcomes.at(-1)).toBe('complete'); // i = 447
  });

  it('keeps sessions apart', async () => {
    await store.recordOutcome('a', served, Date.now());
    await store.recordContext('b', { genre: 'jazz', scenario: 'focus' }, Date.now());
    expect((await store.get('a', Date.now()))?.lastGenres).toEqual([]);
    expect((await store.get('b', Date.now()))?.adsHeard).toBe(0);
  });

  it('loses no update under concurrency', async () => {
    await Promise.all(Array.from({ length: 100 }, () => store.recordOutcome('busy', served, Date.now())));
    expect((await store.get('busy', Date.now()))?.adsHeard).toBe(100);
  });

  it('expires a session ttl after its last write, and a write extends it', async () => {
    // A 1.5 s ttl and 0.9 s steps: each check has 0.6 s to spare, so a busy machine (a CI run
    // failed with 0.3 s and 0.2 s) cannot flip it.
    const short = make(1500);
    await short.recordOutcome('brief', served, Date.now());
    await short.recordOutcome('kept', served, Date.now());
    await sleep(900);
    await short.recordContext('kept', { genre: 'pop', scenario: 'relax' }, Date.now());
    expect(await short.get('brief', Date.now())).not.toBeNull();
    await sleep(900);
    expect(await short.get('brief', Date.now())).toBeNull();
    expect((await short.get('kept', Date.now()))?.adsHeard).toBe(1);
    await sleep(1000);
    expect(await short.get('kept', Date.now())).toBeNull();
    await short.close();
  });

  const backend = backends.find(([n]) => n === name)?.[1];
  it.runIf(backend)('keeps its keys under the configured prefix, the session id the hash tag', async () => {
    await store.recordOutcome('s-1', served, Date.now());
    await store.recordOutcomes(
      [
        { sessionId: 's-2', outcome: served },
        { sessionId: 's-3', outcome: served },
      ],
      Date.now(),
    );
    const keys = await backend!.keys('*');
    expect(keys).toEqual([1, 2, 3].map((i) => `${PREFIX}context:session:{s-${i}}`));
    expect(await backend!.client().pttl(keys[0]!)).toBeGreaterThan(50_000);
  });
});
