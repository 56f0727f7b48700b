/**
 * One OutcomeLog contract, run against both adapters (Redis on one
 * redis-server and on a Redis Cluster): idempotent recording
 * (a replayed key has no second effect: no second settlement, no second log
 * entry, no second count), settlement of impressions (on time, late after
 * their reservation expired, or refused), per-campaign counters, the
 * consumer-group API and the bounded length of the log.
 */

import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OutcomeKind } from '../../services/common/domain/types';
import type { Redis } from '../../services/common/state/redis';
import { type BudgetLedger, type BudgetLimits, EmbeddedLedger } from '../../services/objective/ledger';
import { EmbeddedOutcomeLog, type OutcomeEntry, type OutcomeLog } from '../../services/objective/outcome-log';
import { RedisLedger, RedisOutcomeLog } from '../../services/objective/redis-state';
import { redisBackends, useTestRedis, useTestRedisCluster } from '../support/redis';

const HOUR = 3_600_000;
const PREFIX = 'outcometest:';
const LIMITS: BudgetLimits = {
  totalBudgetMicros: 1_000_000,
  dailyBudgetMicros: 0,
  frequencyCap: { maxImpressions: 0, windowMs: HOUR },
};

const redis = useTestRedis();
const backends = redisBackends(redis, useTestRedisCluster());
/** One connection per backend, by its name. */
const shared = new Map<string, Redis>();

beforeAll(() => {
  for (const [name, backend] of backends) shared.set(name, backend.client());
});

interface State {
  ledger: BudgetLedger;
  outcomes: OutcomeLog;
}
type Make = (opts: { idempotencyTtlMs: number; maxLen: number }) => Promise<State>;

const adapters: Array<[string, Make]> = [
  [
    'embedded',
    async (opts) => {
      const ledger = new EmbeddedLedger({ reservationTtlMs: HOUR });
      return { ledger, outcomes: new EmbeddedOutcomeLog(ledger, opts) };
    },
  ],
  ...backends.map(([name, backend]): [string, Make] => [
    name,
    async (opts) => {
      await backend.flush();
      const client = shared.get(name)!;
      return {
        ledger: new RedisLedger(client, PREFIX, { reservationTtlMs: HOUR }),
        outcomes: new RedisOutcomeLog(client, PREFIX, opts),
      };
    },
  ]),
];

function entry(key: string, event: OutcomeKind, over: Partial<OutcomeEntry> = {}): OutcomeEntry {
  return {
    idempotencyKey: key,
    requestId: 'req-1',
    reservationId: '',
    creativeId: 'cr-1',
    campaignId: 'c1',
    sessionId: 's1',
    event,
    skipOffsetMs: 0,
    occurredAtMs: 1_700_000_000_000,
    ...over,
  };
}

describe.each(adapters)('OutcomeLog contract (%s)', (name, make) => {
  let state: State;
  let now: number;
  beforeEach(async () => {
    state = await make({ idempotencyTtlMs: 60_000, maxLen: 1000 });
    now = Date.now();
  });

  async function reserve(id: string, amount: number, requestId = 'req-1') {
    const r = await state.ledger.reserve({
      reservationId: id,
      campaignId: 'c1',
      sessionId: 's1',
      amountMicros: amount,
      limits: LIMITS,
      nowMs: now,
      requestId,
    });
    expect(r.reserved).toBe(true);
  }

  const impression = (key: string, reservationId: string) => entry(key, 'impression', { reservationId });

  it('an impression settles its reservation once; a replay has no second effect', async () => {
    await reserve('res-1', 25_000);
    const first = await state.outcomes.record(entry('k1', 'impression', { reservationId: 'res-1' }), now);
    expect(first).toMatchObject({ duplicate: false, settledMicros: 25_000, late: false, refusal: null });
    expect(first.id).not.toBe('');
    const replay = await state.outcomes.record(entry('k1', 'impression', { reservationId: 'res-1' }), now);
    expect(replay).toEqual({ duplicate: true, settledMicros: 0, late: false, refusal: null, id: '' });
    // A second, differently keyed impression for the same reservation moves no money either, and says so.
    expect(
      await state.outcomes.record(entry('k2', 'impression', { reservationId: 'res-1' }), now),
    ).toMatchObject({
      duplicate: false,
      settledMicros: 0,
      refusal: 'unknown',
    });
    // An impression of a reservation never made is not charged, visibly.
    expect(
      await state.outcomes.record(entry('k3', 'impression', { reservationId: 'res-gone' }), now),
    ).toMatchObject({
      settledMicros: 0,
      refusal: 'unknown',
    });
    // Events that move no money are not refused.
    expect(await state.outcomes.record(entry('k4', 'skip', { reservationId: 'res-1' }), now)).toMatchObject({
      settledMicros: 0,
      late: false,
      refusal: null,
    });
    expect(await state.ledger.spend('c1', now)).toMatchObject({
      lifetimeSpentMicros: 25_000,
      lifetimeReservedMicros: 0,
    });
    const log = await state.outcomes.readGroup('learners', 'w1', 100);
    expect(log.map((e) => [e.idempotencyKey, e.settledMicros])).toEqual([
      ['k1', 25_000],
      ['k2', 0],
      ['k3', 0],
      ['k4', 0],
    ]);
    expect((await state.outcomes.counters('c1')).impressions).toBe(3); // counted, charged or not
  });

  it('charges an impression that comes after its reservation expired, once; a replay is a duplicate', async () => {
    await reserve('res-late', 25_000);
    await state.ledger.releaseExpired(now + HOUR);
    const later = now + 2 * HOUR;
    const first = await state.outcomes.record(impression('late-1', 'res-late'), later);
    expect(first).toMatchObject({ duplicate: false, settledMicros: 25_000, late: true, refusal: null });
    // The ad server retries with the same key, alone and in a batch: nothing more is charged.
    expect(await state.outcomes.record(impression('late-1', 'res-late'), later)).toMatchObject({
      duplicate: true,
      settledMicros: 0,
    });
    const again = await state.outcomes.recordMany(
      [impression('late-1', 'res-late'), impression('late-2', 'res-late')],
      later,
    );
    expect(again).toMatchObject([
      { duplicate: true, settledMicros: 0 },
      { duplicate: false, settledMicros: 0, refusal: 'unknown' }, // another key: charged already
    ]);
    expect(await state.ledger.spend('c1', later)).toMatchObject({
      lifetimeSpentMicros: 25_000,
      lifetimeReservedMicros: 0,
    });
    const log = await state.outcomes.readGroup('learners', 'w1', 100);
    expect(log.map((e) => [e.idempotencyKey, e.settledMicros])).toEqual([
      ['late-1', 25_000],
      ['late-2', 0],
    ]);
  });

  it('refuses a late impression the budget has no room for, and charges nothing', async () => {
    await reserve('res-a', 600_000);
    await state.ledger.releaseExpired(now + HOUR);
    await reserve('res-b', 500_000); // fits now that res-a's money is free again
    const r = await state.outcomes.record(impression('imp-a', 'res-a'), now + HOUR);
    expect(r).toMatchObject({ duplicate: false, settledMicros: 0, late: false, refusal: 'lifetime_budget' });
    expect(await state.ledger.spend('c1', now + HOUR)).toMatchObject({
      lifetimeSpentMicros: 0,
      lifetimeReservedMicros: 500_000,
    });
    // Logged and counted as an impression all the same.
    expect((await state.outcomes.counters('c1')).impressions).toBe(1);
  });

  it('refuses an impression of a reservation the broker released (never served)', async () => {
    await reserve('res-x', 10_000, 'req-x');
    await state.ledger.releaseRequest('req-x', [], now);
    await state.ledger.releaseExpired(now + HOUR);
    expect(await state.outcomes.record(impression('imp-x', 'res-x'), now + HOUR)).toMatchObject({
      settledMicros: 0,
      refusal: 'released',
    });
    expect(await state.ledger.spend('c1', now + HOUR)).toMatchObject({
      lifetimeSpentMicros: 0,
      lifetimeReservedMicros: 0,
    });
  });

  it('records a batch in one call as one call each would: in order, a repeated key once', async () => {
    await reserve('res-a', 10_000);
    await reserve('res-b', 20_000);
    await state.outcomes.record(entry('before', 'click'), now);
    const results = await state.outcomes.recordMany(
      [
        entry('imp-a', 'impression', { reservationId: 'res-a' }),
        entry('before', 'click'),
        entry('imp-b', 'impression', { reservationId: 'res-b' }),
        entry('imp-a', 'impression', { reservationId: 'res-a' }),
        entry('imp-b2', 'impression', { reservationId: 'res-b' }),
        entry('done-a', 'complete', { reservationId: 'res-a' }),
      ],
      now,
    );
    expect(results.map((r) => [r.duplicate, r.settledMicros, r.id !== ''])).toEqual([
      [false, 10_000, true],
      [true, 0, false],
      [false, 20_000, true],
      [true, 0, false],
      [false, 0, true],
      [false, 0, true],
    ]);
    expect(await state.outcomes.recordMany([], now)).toEqual([]);
    expect(await state.ledger.spend('c1', now)).toMatchObject({
      lifetimeSpentMicros: 30_000,
      lifetimeReservedMicros: 0,
    });
    expect(await state.outcomes.counters('c1')).toEqual({
      impressions: 3,
      completes: 1,
      clicks: 1,
      skips: 0,
    });
    const log = await state.outcomes.readGroup('g', 'w', 100);
    expect(log.map((e) => [e.idempotencyKey, e.settledMicros])).toEqual([
      ['before', 0],
      ['imp-a', 10_000],
      ['imp-b', 20_000],
      ['imp-b2', 0],
      ['done-a', 0],
    ]);
    expect(log.slice(1).map((e) => e.id)).toEqual(results.filter((r) => !r.duplicate).map((r) => r.id));
  });

  it('records a batch larger than one script call takes, in order', async () => {
    const batch = Array.from({ length: 250 }, (_, i) => entry(`big${i % 200}`, 'complete'));
    const results = await state.outcomes.recordMany(batch, now);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(200);
    expect(results.slice(200).every((r) => r.duplicate)).toBe(true);
    expect((await state.outcomes.counters('c1')).completes).toBe(200);
    const log = await state.outcomes.readGroup('g', 'w', 1000);
    expect(log.map((e) => e.idempotencyKey)).toEqual(batch.slice(0, 200).map((e) => e.idempotencyKey));
  });

  it('logs and counts skips, completes and clicks without settling anything', async () => {
    await reserve('res-2', 10_000);
    for (const [key, event] of [
      ['a', 'skip'],
      ['b', 'complete'],
      ['c', 'click'],
      ['d', 'complete'],
      ['d', 'complete'],
    ] as const) {
      const r = await state.outcomes.record(
        entry(key, event, { reservationId: 'res-2', skipOffsetMs: 1200 }),
        now,
      );
      expect(r.settledMicros).toBe(0);
    }
    expect(await state.outcomes.counters('c1')).toEqual({
      impressions: 0,
      completes: 2,
      clicks: 1,
      skips: 1,
    });
    expect(await state.outcomes.counters('other')).toEqual({
      impressions: 0,
      completes: 0,
      clicks: 0,
      skips: 0,
    });
    // Several campaigns in one call read exactly what one call each reads.
    const ids = ['other', 'c1', 'other'];
    expect(await state.outcomes.countersMany?.(ids)).toEqual(
      await Promise.all(ids.map((id) => state.outcomes.counters(id))),
    );
    expect(await state.ledger.spend('c1', now)).toMatchObject({
      lifetimeReservedMicros: 10_000,
      lifetimeSpentMicros: 0,
    });
  });

  it('logs but does not count an outcome without a campaign', async () => {
    await state.outcomes.record(entry('x', 'click', { campaignId: '' }), now);
    expect(await state.outcomes.counters('')).toEqual({ impressions: 0, completes: 0, clicks: 0, skips: 0 });
    expect(await state.outcomes.readGroup('g', 'w', 10)).toHaveLength(1);
  });

  it('round-trips every field through the log', async () => {
    const e = entry('full', 'skip', {
      requestId: 'req-9',
      reservationId: 'res-9',
      creativeId: 'cr-9',
      sessionId: 'sess-9',
      skipOffsetMs: 4321,
      occurredAtMs: 1_765_000_000_123,
    });
    const { id } = await state.outcomes.record(e, now);
    expect(await state.outcomes.readGroup('g', 'w', 10)).toEqual([{ ...e, id, settledMicros: 0 }]);
  });

  it('serves consumer groups: each group sees each entry once, ack clears pending', async () => {
    for (let i = 0; i < 5; i++) await state.outcomes.record(entry(`e${i}`, 'complete'), now);
    const a1 = await state.outcomes.readGroup('A', 'w1', 3);
    const a2 = await state.outcomes.readGroup('A', 'w2', 10);
    expect(a1.map((e) => e.idempotencyKey)).toEqual(['e0', 'e1', 'e2']);
    expect(a2.map((e) => e.idempotencyKey)).toEqual(['e3', 'e4']);
    expect(await state.outcomes.readGroup('A', 'w1', 10)).toEqual([]);
    // Another group reads the whole log independently.
    expect((await state.outcomes.readGroup('B', 'w1', 10)).map((e) => e.idempotencyKey)).toEqual([
      'e0',
      'e1',
      'e2',
      'e3',
      'e4',
    ]);
    expect(
      await state.outcomes.ack(
        'A',
        a1.map((e) => e.id),
      ),
    ).toBe(3);
    expect(
      await state.outcomes.ack(
        'A',
        a1.map((e) => e.id),
      ),
    ).toBe(0);
    expect(await state.outcomes.ack('A', [])).toBe(0);
    await state.outcomes.record(entry('e5', 'click'), now);
    expect((await state.outcomes.readGroup('A', 'w1', 10)).map((e) => e.idempotencyKey)).toEqual(['e5']);
  });

  it('starts a group after the newest entry when asked, and forgets a group that leaves', async () => {
    for (let i = 0; i < 3; i++) await state.outcomes.record(entry(`old${i}`, 'complete'), now);
    expect(await state.outcomes.readGroup('late', 'w', 10, 'newest')).toEqual([]);
    await state.outcomes.record(entry('new0', 'skip'), now);
    const got = await state.outcomes.readGroup('late', 'w', 10, 'newest');
    expect(got.map((e) => e.idempotencyKey)).toEqual(['new0']);
    // Leaving drops the group's position: joining again starts over where asked.
    expect(await state.outcomes.leaveGroup('late')).toBe(true);
    expect(await state.outcomes.leaveGroup('late')).toBe(false);
    expect((await state.outcomes.readGroup('late', 'w', 10)).map((e) => e.idempotencyKey)).toEqual([
      'old0',
      'old1',
      'old2',
      'new0',
    ]);
    // Other groups are untouched.
    expect((await state.outcomes.readGroup('other', 'w', 10)).length).toBe(4);
    expect(await state.outcomes.leaveGroup('never-joined')).toBe(false);
  });

  it('keeps the log bounded near maxLen', async () => {
    state = await make({ idempotencyTtlMs: 60_000, maxLen: 20 });
    for (let i = 0; i < 400; i++) await state.outcomes.record(entry(`m${i}`, 'complete'), now);
    const retained = await state.outcomes.readGroup('late', 'w', 1000);
    // Redis trims whole stream nodes (MAXLEN ~), the embedded ring exactly.
    expect(retained.length).toBeGreaterThanOrEqual(20);
    expect(retained.length).toBeLessThan(name === 'embedded' ? 21 : 200);
    expect(retained.at(-1)?.idempotencyKey).toBe('m399');
    expect((await state.outcomes.counters('c1')).completes).toBe(400);
  });

  it('forgets an idempotency key after its TTL', async () => {
    state = await make({ idempotencyTtlMs: 150, maxLen: 1000 });
    const t = Date.now();
    expect((await state.outcomes.record(entry('ttl', 'click'), t)).duplicate).toBe(false);
    expect((await state.outcomes.record(entry('ttl', 'click'), t + 10)).duplicate).toBe(true);
    await new Promise((r) => setTimeout(r, 250));
    expect((await state.outcomes.record(entry('ttl', 'click'), Date.now())).duplicate).toBe(false);
    expect((await state.outcomes.counters('c1')).clicks).toBe(2);
  });
});

describe.each(backends)('Redis outcome log under concurrent replicas (%s)', (_name, backend) => {
  it('records a key once (on time or late) when several replicas receive the same outcome at once, alone or in batches', async () => {
    await backend.flush();
    const replicas = Array.from({ length: 4 }, () => {
      const client = backend.client();
      return {
        ledger: new RedisLedger(client, PREFIX, { reservationTtlMs: HOUR }),
        outcomes: new RedisOutcomeLog(client, PREFIX, { idempotencyTtlMs: 60_000, maxLen: 1000 }),
      };
    });
    const now = Date.now();
    for (let i = 0; i < 20; i++) {
      await replicas[0]!.ledger.reserve({
        reservationId: `cr${i}`,
        campaignId: 'c1',
        sessionId: 's',
        amountMicros: 1000 + i,
        limits: LIMITS,
        // Every other reservation has expired when its impression comes: it is charged late.
        nowMs: i % 2 === 1 ? now - 2 * HOUR : now,
      });
    }
    expect(await replicas[0]!.ledger.releaseExpired(now)).toHaveLength(10);
    // Half the replicas record one at a time, the other half in batches.
    const results = (
      await Promise.all(
        replicas.map(async (r, k) => {
          const entries = Array.from({ length: 20 }, (_, i) =>
            entry(`imp${i}`, 'impression', { reservationId: `cr${i}` }),
          );
          if (k % 2 === 0) return Promise.all(entries.map((e) => r.outcomes.record(e, now)));
          const batches = [entries.slice(0, 7), entries.slice(7)];
          return (await Promise.all(batches.map((b) => r.outcomes.recordMany(b, now)))).flat();
        }),
      )
    ).flat();
    expect(results.filter((r) => !r.duplicate)).toHaveLength(20);
    expect(results.filter((r) => r.late)).toHaveLength(10);
    const settled = results.reduce((a, r) => a + r.settledMicros, 0);
    const expected = Array.from({ length: 20 }, (_, i) => 1000 + i).reduce((a, b) => a + b, 0);
    expect(settled).toBe(expected);
    expect(await replicas[1]!.ledger.spend('c1', now)).toMatchObject({
      lifetimeSpentMicros: expected,
      lifetimeReservedMicros: 0,
    });
    expect(await replicas[2]!.outcomes.readGroup('g', 'w', 1000)).toHaveLength(20);
    expect((await replicas[3]!.outcomes.counters('c1')).impressions).toBe(20);
  });
});

describe.each(backends)('Redis outcome log when Redis runs a call twice (%s)', (_name, backend) => {
  it("a resent recording answers what it did the first time; the ad server's replay is a duplicate", async () => {
    await backend.flush();
    const client = backend.client();
    const ledger = new RedisLedger(client, PREFIX, { reservationTtlMs: HOUR });
    const outcomes = new RedisOutcomeLog(client, PREFIX, { idempotencyTtlMs: 60_000, maxLen: 1000 });
    // ioredis sends a command again once it has reconnected when it got no reply to it
    // (autoResendUnfulfilledCommands): the script runs twice and the caller sees the second reply.
    // (Wrapped after the stores are made: they define their scripts on the client.)
    const commands = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const send = commands.parleyObjRecord!;
    commands.parleyObjRecord = function (this: unknown, ...args: unknown[]) {
      // Auto-pipelining queues the command on a pipeline that copied this function: queue it there.
      if (this !== client) return send.apply(this, args);
      return send.apply(client, args).then(() => send.apply(client, args));
    };
    const now = Date.now();
    await ledger.reserve({
      reservationId: 'res-1',
      campaignId: 'c1',
      sessionId: 's1',
      amountMicros: 25_000,
      limits: LIMITS,
      nowMs: now,
    });
    const [first, again] = await outcomes.recordMany(
      [
        entry('k1', 'impression', { reservationId: 'res-1' }),
        entry('k1', 'impression', { reservationId: 'res-1' }),
      ],
      now,
    );
    expect(first).toMatchObject({ duplicate: false, settledMicros: 25_000, late: false, refusal: null });
    expect(first!.id).not.toBe('');
    expect(again).toMatchObject({ duplicate: true, settledMicros: 0 }); // the same key twice in one batch
    const replay = await outcomes.record(entry('k1', 'impression', { reservationId: 'res-1' }), now);
    expect(replay).toEqual({ duplicate: true, settledMicros: 0, late: false, refusal: null, id: '' });
    expect(await ledger.spend('c1', now)).toMatchObject({
      lifetimeSpentMicros: 25_000,
      lifetimeReservedMicros: 0,
    });
    expect(await outcomes.readGroup('g', 'w', 100)).toHaveLength(1);
  });
});

describe('embedded outcome log: at most maxKeys idempotency keys', () => {
  it('forgets the oldest key past maxKeys, and a forgotten impression replayed charges nothing', async () => {
    const now = Date.now();
    const ledger = new EmbeddedLedger({ reservationTtlMs: HOUR });
    const outcomes = new EmbeddedOutcomeLog(ledger, { idempotencyTtlMs: HOUR, maxLen: 100, maxKeys: 2 });
    await ledger.reserve({
      reservationId: 'r1',
      campaignId: 'c1',
      sessionId: 's1',
      amountMicros: 1000,
      limits: LIMITS,
      nowMs: now,
    });
    const imp = entry('k1', 'impression', { reservationId: 'r1' });
    expect(await outcomes.record(imp, now)).toMatchObject({ duplicate: false, settledMicros: 1000 });
    await outcomes.record(entry('k2', 'complete'), now);
    expect((await outcomes.record(entry('k2', 'complete'), now)).duplicate).toBe(true);
    await outcomes.record(entry('k3', 'complete'), now);
    // k1 is the oldest of three keys: forgotten, so its replay is logged again, but never charged twice.
    expect(await outcomes.record(imp, now)).toMatchObject({
      duplicate: false,
      settledMicros: 0,
      refusal: 'unknown',
    });
    expect(await ledger.spend('c1', now)).toMatchObject({
      lifetimeSpentMicros: 1000,
      lifetimeReservedMicros: 0,
    });
    expect((await outcomes.record(entry('k3', 'complete'), now)).duplicate).toBe(true);
  });
});
