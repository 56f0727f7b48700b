/**
 * One contract for both DecisionLog adapters (the embedded ring in the admin
 * service and the ring in Redis that brokers append to, on one redis-server
 * and on a Redis Cluster): newest first,
 * bounded to the configured size whatever the traffic, lookups of a record
 * that left the log answer null, a record comes back exactly as it went in
 * (as its protobuf bytes carry it), and bytes that are not a record read as
 * absent.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../services/common/config';
import {
  type DecisionLog,
  type DecisionRecordData,
  EmbeddedDecisionLog,
  type EncodedDecision,
  encodeDecision,
} from '../../services/common/state/decisions';
import { RedisDecisionLog } from '../../services/common/state/decisions-redis';
import { decisionRecord as record } from '../support/decision-record';
import { type RedisBackend, redisBackends, useTestRedis, useTestRedisCluster } from '../support/redis';

const redis = useTestRedis();
const backends = redisBackends(redis, useTestRedisCluster());

const PREFIX = 'parley-ct:';
/** The smallest size the configuration allows. */
const SIZE = loadConfig({ PARLEY_DECISION_LOG_SIZE: '10' }).admin.decisionLogSize;

interface Adapter {
  /** Two handles on one log (two brokers); the embedded log is one process, so the same log twice. */
  handles(size: number, prefix?: string): [DecisionLog, DecisionLog];
  /** The Redis it keeps the log in (none: embedded). */
  backend?: RedisBackend;
}
const adapters: Array<[string, Adapter]> = [
  [
    'embedded',
    {
      handles(size) {
        const log = new EmbeddedDecisionLog(size);
        return [log, log];
      },
    },
  ],
  ...backends.map(([name, backend]): [string, Adapter] => [
    name,
    {
      backend,
      handles(size, prefix = PREFIX) {
        return [
          new RedisDecisionLog(backend.client(), prefix, size),
          new RedisDecisionLog(backend.client(), prefix, size),
        ];
      },
    },
  ]),
];

/** A small record, encoded; `v` tells two records of one request id apart. */
function small(requestId: string, v = 0): EncodedDecision {
  return encodeDecision({ ...record(requestId), at_ms: v, rounds: [], scored: [], overrides: [] });
}

const ids = (rs: DecisionRecordData[]) => rs.map((r) => r.request_id);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `req-${from + i}`);

describe.each(adapters)('DecisionLog contract: %s', (_name, adapter) => {
  const { backend } = adapter;
  beforeEach(async () => {
    await backend?.flush();
  });

  it('an empty log has no records, and an unknown id is null (not an error)', async () => {
    const [log] = adapter.handles(SIZE);
    expect(await log.recent(10)).toEqual([]);
    expect(await log.get('req-nope')).toBeNull();
    await log.append([]);
    expect(await log.recent(10)).toEqual([]);
  });

  it('appends and lists newest first, at most `limit`', async () => {
    const [log] = adapter.handles(SIZE);
    await log.append([small('req-0'), small('req-1')]);
    await log.append([small('req-2')]);
    expect(ids(await log.recent(10))).toEqual(['req-2', 'req-1', 'req-0']);
    expect(ids(await log.recent(2))).toEqual(['req-2', 'req-1']);
    expect(await log.recent(0)).toEqual([]);
    expect((await log.get('req-1'))?.request_id).toBe('req-1');
  });

  it('a record round-trips intact: rounds, utility terms, overrides applied, trace id', async () => {
    const [writer, reader] = adapter.handles(SIZE);
    const r = record('req-full');
    const expected = structuredClone(r);
    const encoded = encodeDecision(r);
    expect(encoded.requestId).toBe('req-full');
    // Not valid UTF-8: a string on the way would change the bytes.
    expect(Buffer.from(encoded.bytes.toString('utf8'))).not.toEqual(encoded.bytes);
    await writer.append([encoded]);
    expect(await reader.get('req-full')).toEqual(expected);
    expect(await reader.recent(1)).toEqual([expected]);
    const got = await reader.get('req-full');
    expect(got?.response?.why?.trace_id).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(got?.rounds[0]?.critiques.objective?.verdicts[0]?.pacing_multiplier).toBe(1.1);
    expect(got?.agents.context?.fallback).toBe('default snapshot');
    expect(got?.scored[0]?.utility).toBe(-0.0625);
    expect(got?.context?.skip_risk).toBe(1 / 3);
  });

  it(`keeps only the newest ${SIZE} (the configured size) after ${SIZE}+k appends`, async () => {
    const [log] = adapter.handles(SIZE);
    const k = 7;
    // Batches of every size, one larger than the log itself.
    await log.append(range(0, 3).map((id) => small(id)));
    await log.append([small('req-3')]);
    await log.append(range(4, 4 + SIZE + 1).map((id) => small(id)));
    await log.append(range(SIZE + 5, SIZE + k).map((id) => small(id)));

    const newest = range(k, SIZE + k).reverse();
    expect(ids(await log.recent(1000))).toEqual(newest);
    for (const id of range(0, k)) expect(await log.get(id)).toBeNull();
    for (const id of newest) expect((await log.get(id))?.request_id).toBe(id);
  });

  it('stays bounded and in order over many wraps of the ring', async () => {
    const [log] = adapter.handles(SIZE);
    const total = 5 * SIZE + 3;
    for (let i = 0; i < total; i++) await log.append([small(`req-${i}`)]);
    expect(ids(await log.recent(1000))).toEqual(range(total - SIZE, total).reverse());
    expect(await log.get(`req-${total - SIZE - 1}`)).toBeNull();
    expect(await log.get('req-0')).toBeNull();
    if (backend) {
      // Memory is bounded too: one record and one id per slot, one index entry per live record.
      const c = backend.client();
      expect(await c.hlen(`${PREFIX}{decisions}:ring`)).toBe(2 * SIZE);
      expect(await c.hlen(`${PREFIX}{decisions}:index`)).toBe(SIZE);
    }
  });

  it('a request id logged twice answers with the newest record until that one leaves too', async () => {
    const [log] = adapter.handles(SIZE);
    await log.append([small('dup', 1)]);
    await log.append(range(0, 3).map((id) => small(id)));
    await log.append([small('dup', 2)]);
    expect((await log.get('dup'))?.at_ms).toBe(2);
    // Evicts the first 'dup' but not the second.
    await log.append(range(3, SIZE - 1).map((id) => small(id)));
    expect((await log.get('dup'))?.at_ms).toBe(2);
    // Now the second leaves as well.
    await log.append(range(100, 105).map((id) => small(id)));
    expect(await log.get('dup')).toBeNull();
  });

  it('concurrent appends from two writers all land, bounded by the size', async () => {
    const [one, two] = adapter.handles(SIZE);
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < 3 * SIZE; i++) {
      writes.push(one.append([small(`one-${i}`)]));
      writes.push(two.append([small(`two-${i}`)]));
    }
    await Promise.all(writes);
    const kept = await one.recent(1000);
    expect(kept).toHaveLength(SIZE);
    expect(new Set(ids(kept)).size).toBe(SIZE);
    for (const r of kept) expect(await two.get(r.request_id)).toEqual(r);
  });

  it('bytes that are not a record read as absent, and do not hide the records around them', async () => {
    const [log] = adapter.handles(SIZE);
    // e.g. a record an older broker wrote as JSON
    const json = JSON.stringify({ request_id: 'req-junk', at_ms: 1, rounds: [] });
    const junk: EncodedDecision = { requestId: 'req-junk', bytes: Buffer.from(json) };
    await log.append([small('req-0'), junk, small('req-1')]);
    expect(await log.get('req-junk')).toBeNull();
    expect(ids(await log.recent(10))).toEqual(['req-1', 'req-0']);
  });

  it('refuses a size below one', () => {
    expect(() => adapter.handles(0)).toThrow(/size/);
    expect(() => adapter.handles(2.5)).toThrow(/size/);
  });

  it.runIf(backend)('keeps its keys under the configured prefix, in one slot ({decisions})', async () => {
    const [log] = adapter.handles(SIZE);
    const [other] = adapter.handles(SIZE, 'parley-other:');
    await log.append(range(0, SIZE + 2).map((id) => small(id)));
    expect(await backend!.keys('*')).toEqual([
      `${PREFIX}{decisions}:index`,
      `${PREFIX}{decisions}:ring`,
      `${PREFIX}{decisions}:seq`,
    ]);
    expect(await other.recent(10)).toEqual([]);
    expect(await other.get('req-5')).toBeNull();
  });
});
