/**
 * One contract for both FederatedStore adapters (embedded and Redis, against
 * a real redis-server), plus a Coordinator restart on the Redis store.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../federated/aggregator/coordinator';
import {
  EmbeddedFederatedStore,
  type FederatedStore,
  type RoundRecord,
  StoreConflictError,
} from '../../federated/aggregator/store';
import { RedisFederatedStore } from '../../federated/aggregator/store-redis';
import { DEFAULT_PLAN } from '../../federated/client/learner';
import { useTestRedis } from '../support/redis';

const redis = useTestRedis();

const PREFIX = 'parley-test:';

const adapters: Array<[string, () => FederatedStore]> = [
  ['embedded', () => new EmbeddedFederatedStore()],
  ['redis', () => new RedisFederatedStore(redis.client(), PREFIX, false)],
];

function round(id: number, o: Partial<RoundRecord> = {}): RoundRecord {
  return {
    id,
    state: 'open',
    mode: 'sync',
    strategy: 'fedavg',
    modelVersion: 1,
    resultVersion: 0,
    openedAtMs: 1000 * id,
    deadlineMs: 1000 * id + 500,
    closedAtMs: 0,
    minClients: 2,
    joined: ['a', 'b'],
    accepted: ['a'],
    uploaded: 1,
    rejected: 0,
    late: 0,
    totalExamples: 12,
    failure: '',
    privacy: null,
    secureAggregation: false,
    ...o,
  };
}

describe.each(adapters)('FederatedStore contract: %s', (_name, make) => {
  let store: FederatedStore;
  beforeEach(async () => {
    await redis.flush();
    store = make();
  });

  it('is empty at first', async () => {
    expect(await store.latestModel()).toBeNull();
    expect(await store.latestRound()).toBeNull();
    expect(await store.getModel(1)).toBeNull();
    expect(await store.listRounds()).toEqual([]);
  });

  it('stores model versions bit-exactly and reports the highest as latest', async () => {
    const w1 = Float32Array.from([0.1, -2.5, 3e-8, 1.5]);
    const w2 = Float32Array.from([1, 2, 3, 4]);
    await store.putModel({ version: 2, weights: w2, createdAtMs: 20, round: 1 });
    await store.putModel({ version: 1, weights: w1, createdAtMs: 10, round: 0 });
    expect(await store.getModel(1)).toEqual({ version: 1, weights: w1, createdAtMs: 10, round: 0 });
    expect((await store.latestModel())!.version).toBe(2);
    expect(Array.from((await store.latestModel())!.weights)).toEqual([1, 2, 3, 4]);
  });

  it('never overwrites a model version', async () => {
    await store.putModel({ version: 1, weights: Float32Array.from([1]), createdAtMs: 1, round: 0 });
    await expect(
      store.putModel({ version: 1, weights: Float32Array.from([9]), createdAtMs: 2, round: 0 }),
    ).rejects.toThrow(StoreConflictError);
    expect(Array.from((await store.getModel(1))!.weights)).toEqual([1]);
  });

  it('returns copies: mutating what was stored or read changes nothing', async () => {
    const w = Float32Array.from([1, 2]);
    await store.putModel({ version: 1, weights: w, createdAtMs: 1, round: 0 });
    w[0] = 99;
    const read = (await store.getModel(1))!;
    read.weights[1] = 99;
    expect(Array.from((await store.getModel(1))!.weights)).toEqual([1, 2]);
    const r = round(1);
    await store.putRound(r);
    r.joined.push('zzz');
    expect((await store.getRound(1))!.joined).toEqual(['a', 'b']);
  });

  it('creates, replaces and lists round records by id', async () => {
    await store.putRound(round(2));
    await store.putRound(round(1, { state: 'failed', failure: 'too few' }));
    await store.putRound(
      round(2, {
        state: 'aggregated',
        resultVersion: 2,
        privacy: {
          roundEpsilon: 0.5,
          cumulativeEpsilon: 0.9,
          delta: 1e-5,
          noiseMultiplier: 1.1,
          samplingRate: 0.01,
          clipNorm: 1,
        },
      }),
    );
    expect((await store.listRounds()).map((r) => [r.id, r.state])).toEqual([
      [1, 'failed'],
      [2, 'aggregated'],
    ]);
    expect(await store.latestRound()).toMatchObject({
      id: 2,
      resultVersion: 2,
      privacy: { cumulativeEpsilon: 0.9 },
    });
    expect(await store.getRound(1)).toMatchObject({ failure: 'too few' });
    expect(await store.getRound(3)).toBeNull();
  });

  it('lets a restarted coordinator continue from the stored model and rounds', async () => {
    const options = {
      store,
      initialWeights: new Float32Array(3),
      strategy: { name: 'fedavg' } as const,
      plan: DEFAULT_PLAN,
      clock: () => 5000,
    };
    const first = new Coordinator(options);
    await first.start();
    for (const id of ['a', 'b']) await first.join(id);
    for (const id of ['a', 'b']) {
      await first.submit({
        roundId: 1,
        clientId: id,
        modelVersion: 1,
        numExamples: 1,
        values: Float32Array.from([1, 2, 3]),
      });
    }
    await first.closeNow();
    await first.close();
    const second = new Coordinator(options);
    await second.start();
    expect(second.currentModel!.version).toBe(2);
    expect(Array.from(second.currentModel!.weights)).toEqual([1, 2, 3]);
    expect(second.currentRoundId).toBe(3);
    expect((await store.getRound(2))!.state).toBe('abandoned');
  });
});
