/**
 * One contract for both AnswerStore adapters (in memory and Redis, on one
 * redis-server and on a Redis Cluster): what makes Decide idempotent per
 * request_id. Times are real, so Redis's PX and the embedded expiry are held
 * to the same rules.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { type AnswerStore, EmbeddedAnswerStore, MAX_EMBEDDED_ANSWERS } from '../../services/broker/answers';
import { RedisAnswerStore } from '../../services/broker/answers-redis';
import { redisBackends, useTestRedis, useTestRedisCluster } from '../support/redis';

const redis = useTestRedis();
const backends = redisBackends(redis, useTestRedisCluster());

interface Answer {
  ads: string[];
}
const codec = {
  encode: (a: Answer) => Buffer.from(JSON.stringify(a)),
  decode: (b: Buffer) => JSON.parse(b.toString()) as Answer,
};

const adapters: Array<[string, () => AnswerStore<Answer>]> = [
  ['embedded', () => new EmbeddedAnswerStore<Answer>()],
  ['embedded, kept as bytes', () => new EmbeddedAnswerStore<Answer>(Date.now, MAX_EMBEDDED_ANSWERS, codec)],
  ...backends.map(([name, backend]): [string, () => AnswerStore<Answer>] => [
    name,
    () => new RedisAnswerStore(backend.client(), 'parley-test:', codec),
  ]),
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(adapters)('AnswerStore contract: %s', (_name, make) => {
  let store: AnswerStore<Answer>;
  beforeEach(async () => {
    for (const [, backend] of backends) await backend.flush();
    store = make();
  });

  it('the first claim is mine; later ones see it pending, then answered, for the window', async () => {
    expect(await store.claim('r1', 60_000)).toEqual({ kind: 'mine' });
    expect(await store.claim('r1', 60_000)).toEqual({ kind: 'pending' });
    expect(await store.claim('r2', 60_000)).toEqual({ kind: 'mine' });
    await store.answer('r1', { ads: ['cr-1'] }, 60_000);
    expect(await store.claim('r1', 60_000)).toEqual({ kind: 'answered', answer: { ads: ['cr-1'] } });
    expect(await store.claim('r1', 60_000)).toEqual({ kind: 'answered', answer: { ads: ['cr-1'] } });
    expect(await store.claim('r2', 60_000)).toEqual({ kind: 'pending' });
  });

  it('claims made at the same moment: one is mine, the same id again is pending', async () => {
    const [a1, a2, b] = await Promise.all([
      store.claim('a', 60_000),
      store.claim('a', 60_000),
      store.claim('b', 60_000),
    ]);
    expect([a1, a2, b]).toEqual([{ kind: 'mine' }, { kind: 'pending' }, { kind: 'mine' }]);
  });

  it('a dropped claim (the decision failed) can be claimed again', async () => {
    await store.claim('r1', 60_000);
    await store.drop('r1');
    expect(await store.claim('r1', 60_000)).toEqual({ kind: 'mine' });
  });

  it('claims and answers expire with the window', async () => {
    await store.claim('r1', 30);
    await store.claim('r2', 30);
    await store.answer('r2', { ads: [] }, 30);
    await sleep(80);
    expect(await store.claim('r1', 60_000)).toEqual({ kind: 'mine' });
    expect(await store.claim('r2', 60_000)).toEqual({ kind: 'mine' });
  });
});

describe.each(backends)('RedisAnswerStore (%s)', (_name, backend) => {
  it('an answer that encodes to no bytes is an answer, not a pending claim', async () => {
    await backend.flush();
    const store = new RedisAnswerStore(backend.client(), 'parley-test:', {
      encode: () => Buffer.alloc(0),
      decode: () => ({}),
    });
    await store.claim('e', 60_000);
    await store.answer('e', {}, 60_000);
    expect(await store.claim('e', 60_000)).toEqual({ kind: 'answered', answer: {} });
  });

  it("a broker that decided without its claim (it timed out) neither overwrites nor drops another broker's", async () => {
    await backend.flush();
    const first = new RedisAnswerStore(backend.client(), 'parley-test:', codec);
    const late = new RedisAnswerStore(backend.client(), 'parley-test:', codec);
    expect(await first.claim('r', 60_000)).toEqual({ kind: 'mine' });
    // The other broker's claim came back pending, after it had stopped waiting and decided anyway.
    expect(await late.claim('r', 60_000)).toEqual({ kind: 'pending' });
    await late.drop('r'); // its decision failed: the first broker's claim stays
    expect(await late.claim('r', 60_000)).toEqual({ kind: 'pending' });
    await late.answer('r', { ads: ['late'] }, 60_000); // its answer does not replace the claim
    expect(await late.claim('r', 60_000)).toEqual({ kind: 'pending' });
    await first.answer('r', { ads: ['first'] }, 60_000);
    await late.answer('r', { ads: ['late'] }, 60_000); // nor the first broker's answer
    expect(await late.claim('r', 60_000)).toEqual({ kind: 'answered', answer: { ads: ['first'] } });
    // An id nobody holds (the claim never landed) takes the answer of the broker that decided it.
    await late.answer('unclaimed', { ads: ['late'] }, 60_000);
    expect(await first.claim('unclaimed', 60_000)).toEqual({ kind: 'answered', answer: { ads: ['late'] } });
  });

  it('a claim sent again after its reply was lost is still mine; a retry of the request is not', async () => {
    await backend.flush();
    const client = backend.client();
    const store = new RedisAnswerStore(client, 'parley-test:', codec);
    // ioredis sends a command again once it has reconnected when it got no reply to it
    // (autoResendUnfulfilledCommands): the claim script runs twice, the caller sees the second reply.
    const commands = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const name of ['parleyAnswerClaimManyBuffer', 'parleyAnswerClaimOneBuffer']) {
      const send = commands[name]!;
      commands[name] = function (this: unknown, ...args: unknown[]) {
        // Auto-pipelining queues the command on a pipeline that copied this function: queue it there.
        if (this !== client) return send.apply(this, args);
        return send.apply(client, args).then(() => send.apply(client, args));
      };
    }
    expect(await store.claim('lost-reply', 60_000)).toEqual({ kind: 'mine' });
    expect(await store.claim('lost-reply', 60_000)).toEqual({ kind: 'pending' });
    await store.answer('lost-reply', { ads: ['cr-1'] }, 60_000);
    expect(await store.claim('lost-reply', 60_000)).toEqual({
      kind: 'answered',
      answer: { ads: ['cr-1'] },
    });
  });

  it('keeps each answer under the prefix, its request id the hash tag (one slot per request on a cluster)', async () => {
    await backend.flush();
    const store = new RedisAnswerStore(backend.client(), 'parley-test:', codec);
    await Promise.all([store.claim('r-1', 60_000), store.claim('r-2', 60_000)]);
    await store.answer('r-1', { ads: ['cr-1'] }, 60_000);
    await store.close();
    expect(await backend.keys('*')).toEqual([
      'parley-test:broker:answer:{r-1}',
      'parley-test:broker:answer:{r-2}',
    ]);
  });
});

describe('EmbeddedAnswerStore', () => {
  it('keeps at most its bound, dropping the oldest', async () => {
    const store = new EmbeddedAnswerStore<string>(Date.now, 3);
    for (const id of ['a', 'b', 'c', 'd']) await store.claim(id, 60_000);
    expect(await store.claim('a', 60_000)).toEqual({ kind: 'mine' }); // 'a' was dropped for 'd'
    expect(await store.claim('d', 60_000)).toEqual({ kind: 'pending' });
  });

  it('with a codec, keeps the bytes in a buffer of their own, not the answer object or a shared slab', async () => {
    const slab = Buffer.alloc(8192);
    let encoded: Buffer | null = null;
    const store = new EmbeddedAnswerStore<Answer>(Date.now, 10, {
      encode: (a) => {
        const json = Buffer.from(JSON.stringify(a));
        json.copy(slab, 100);
        encoded = slab.subarray(100, 100 + json.length); // a slice of a larger buffer, as Node's pool gives
        return encoded;
      },
      decode: (b) => {
        // What is read back is not the slice the codec returned: the slab is not held.
        expect(b.buffer).not.toBe(slab.buffer);
        expect(b.byteLength).toBe(b.buffer.byteLength);
        return codec.decode(b);
      },
    });
    const answer = { ads: ['c1', 'c2'] };
    await store.claim('r', 60_000);
    await store.answer('r', answer, 60_000);
    slab.fill(0); // the slab is reused for something else
    const again = await store.claim('r', 60_000);
    expect(again).toEqual({ kind: 'answered', answer });
    expect(again.kind === 'answered' && again.answer).not.toBe(answer);
    expect(encoded).not.toBeNull();
  });
});
