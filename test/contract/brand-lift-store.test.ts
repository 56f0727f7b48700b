/**
 * One BrandLiftStore contract (services/objective/brand-lift.ts) for both
 * adapters (embedded; Redis on one redis-server and on a Redis Cluster): a
 * survey wave is kept once per (campaign, wave id) — the same figures again
 * are a duplicate with no effect, other figures replace it — every call that
 * changes something bumps the version once, and two handles on one state (two
 * objective replicas, or a restart on the same Redis) see the same waves.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BrandLiftStore,
  EmbeddedBrandLiftStore,
  type LiftWave,
} from '../../services/objective/brand-lift';
import { RedisBrandLiftStore } from '../../services/objective/brand-lift-redis';
import { type RedisBackend, redisBackends, useTestRedis, useTestRedisCluster } from '../support/redis';

const redis = useTestRedis();
const backends = redisBackends(redis, useTestRedisCluster());
const PREFIX = 'lift-ct:';
const T = 1_796_000_000_000;

interface Adapter {
  /** Two handles on the same state (embedded: one process, so the same store). */
  handles(): [BrandLiftStore, BrandLiftStore];
  backend?: RedisBackend;
}

let opened: BrandLiftStore[] = [];
const adapters: Array<[string, Adapter]> = [
  [
    'embedded',
    {
      handles() {
        const s = new EmbeddedBrandLiftStore();
        opened.push(s);
        return [s, s];
      },
    },
  ],
  ...backends.map(([name, backend]): [string, Adapter] => [
    name,
    {
      backend,
      handles() {
        const pair: [BrandLiftStore, BrandLiftStore] = [
          new RedisBrandLiftStore(backend.client(), PREFIX),
          new RedisBrandLiftStore(backend.client(), PREFIX),
        ];
        opened.push(...pair);
        return pair;
      },
    },
  ]),
];

const wave = (campaignId: string, waveId: string, over: Partial<LiftWave> = {}): LiftWave => ({
  campaignId,
  waveId,
  exposedN: 412,
  exposedRate: 0.31 + 1e-12, // not a round number: kept exactly
  controlN: 38,
  controlRate: 0.2,
  impressions: 1_234_567_890_123,
  reach: 45_678,
  fieldedAtMs: T,
  publishedAtMs: T + 21_600_000,
  ...over,
});

const byKey = (ws: LiftWave[]) =>
  [...ws].sort((a, b) => `${a.campaignId}|${a.waveId}`.localeCompare(`${b.campaignId}|${b.waveId}`));

describe.each(adapters)('BrandLiftStore contract: %s', (_name, adapter) => {
  beforeEach(async () => {
    await adapter.backend?.flush();
    opened = [];
  });
  afterEach(async () => {
    for (const s of opened) await s.close();
  });

  it('starts empty at version 0', async () => {
    const [store] = adapter.handles();
    expect(await store.snapshot()).toEqual({ version: 0, waves: [] });
    expect(await store.version()).toBe(0);
    expect(await store.record([])).toEqual([]);
    expect(await store.version()).toBe(0);
  });

  it('keeps waves exactly, and bumps the version once per call that changed something', async () => {
    const [store] = adapter.handles();
    const a = wave('camp:a/1', 'w1');
    const b = wave('camp-b', '2026-12-01', { exposedN: 0, exposedRate: 0, controlRate: 1, reach: 0 });
    expect(await store.record([a, b])).toEqual(['recorded', 'recorded']);
    expect(await store.version()).toBe(1);
    const snap = await store.snapshot();
    expect(snap.version).toBe(1);
    expect(byKey(snap.waves)).toEqual(byKey([a, b]));
  });

  it('counts a wave once: the same figures are a duplicate, other figures replace it', async () => {
    const [store] = adapter.handles();
    const w1 = wave('c', 'w1');
    await store.record([w1, wave('c', 'w2')]);
    expect(await store.record([w1, wave('c', 'w2')])).toEqual(['duplicate', 'duplicate']);
    expect(await store.version()).toBe(1);
    const corrected = wave('c', 'w1', { exposedRate: 0.29 });
    expect(await store.record([w1, corrected])).toEqual(['duplicate', 'replaced']);
    expect(await store.version()).toBe(2);
    const snap = await store.snapshot();
    expect(byKey(snap.waves)).toEqual(byKey([corrected, wave('c', 'w2')]));
    // The same wave id of another campaign is another wave.
    expect(await store.record([wave('d', 'w1')])).toEqual(['recorded']);
    expect((await store.snapshot()).waves).toHaveLength(3);
  });

  it('in one call, a wave repeated is a duplicate (or a replacement) the second time', async () => {
    const [store] = adapter.handles();
    expect(await store.record([wave('c', 'w1'), wave('c', 'w1')])).toEqual(['recorded', 'duplicate']);
    expect(await store.record([wave('c', 'w1', { reach: 7 }), wave('c', 'w1', { reach: 8 })])).toEqual([
      'replaced',
      'replaced',
    ]);
    expect((await store.snapshot()).waves).toEqual([wave('c', 'w1', { reach: 8 })]);
  });

  it('two handles (two replicas, or a restart) see one state; the same wave sent by both counts once', async () => {
    const [a, b] = adapter.handles();
    const results = await Promise.all([a.record([wave('c', 'w1')]), b.record([wave('c', 'w1')])]);
    expect(results.flat().sort()).toEqual(['duplicate', 'recorded']);
    await b.record([wave('c', 'w2')]);
    expect(await a.version()).toBe(2);
    expect(byKey((await a.snapshot()).waves)).toEqual(byKey((await b.snapshot()).waves));
    expect((await a.snapshot()).waves).toHaveLength(2);
  });

  it.runIf(adapter.backend)('keeps its keys in the objective agent slot', async () => {
    const [store] = adapter.handles();
    await store.record([wave('c', 'w1')]);
    expect(await adapter.backend!.keys(`${PREFIX}*`)).toEqual([
      `${PREFIX}{objective}:lift:version`,
      `${PREFIX}{objective}:lift:waves`,
    ]);
  });
});
