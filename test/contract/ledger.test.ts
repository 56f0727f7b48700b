/**
 * One BudgetLedger contract, run against both adapters (embedded and Redis,
 * on one redis-server and on a Redis Cluster), plus property tests against a
 * real redis-server with several connections standing in for several
 * objective-agent replicas, and one on a Redis Cluster whose master fails
 * over in the middle.
 */
import fc from 'fast-check';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from '../../services/common/state/redis';
import {
  type BudgetLedger,
  type BudgetLimits,
  type Charge,
  type ChargeRefusal,
  EmbeddedLedger,
  type LedgerOptions,
  type ReserveResult,
} from '../../services/objective/ledger';
import { objectiveKeys, RedisLedger, RedisOutcomeLog } from '../../services/objective/redis-state';
import { redisBackends, useTestRedis, useTestRedisCluster } from '../support/redis';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Noon (UTC) of the current day: Redis expiries are relative, so any day works. */
const T0 = Math.floor(Date.now() / DAY) * DAY + 12 * HOUR;
const TTL = 60_000;
const PREFIX = 'ledgertest:';

const UNLIMITED: BudgetLimits = {
  totalBudgetMicros: 0,
  dailyBudgetMicros: 0,
  frequencyCap: { maxImpressions: 0, windowMs: HOUR },
};

/** What BudgetLedger.settle answers. */
const onTime = (micros: number): Charge => ({ micros, late: false, refusal: null });
const late = (micros: number): Charge => ({ micros, late: true, refusal: null });
const refused = (refusal: ChargeRefusal): Charge => ({ micros: 0, late: false, refusal });

const KEYS = objectiveKeys(PREFIX);

const redis = useTestRedis();
// With a replica per master, for the failover below.
const cluster = useTestRedisCluster({ replicas: 1 });
const backends = redisBackends(redis, cluster);
let shared: Redis;
/** One connection per backend, by its name. */
const connections = new Map<string, Redis>();

beforeAll(() => {
  shared = redis.client();
  for (const [name, backend] of backends) connections.set(name, backend.client());
});

type Make = (options?: Partial<LedgerOptions>) => Promise<BudgetLedger>;
const adapters: Array<[string, Make]> = [
  ['embedded', async (options) => new EmbeddedLedger({ reservationTtlMs: TTL, ...options })],
  ...backends.map(([name, backend]): [string, Make] => [
    name,
    async (options) => {
      await backend.flush();
      return new RedisLedger(connections.get(name)!, PREFIX, { reservationTtlMs: TTL, ...options });
    },
  ]),
];

describe.each(adapters)('BudgetLedger contract (%s)', (name, make) => {
  let ledger: BudgetLedger;
  let seq = 0;
  beforeEach(async () => {
    ledger = await make();
  });

  const reserve = (
    amount: number,
    limits: Partial<BudgetLimits> = {},
    at = T0,
    sessionId = 's1',
    reservationId = `r${++seq}`,
  ): Promise<ReserveResult & { id: string }> =>
    ledger
      .reserve({
        reservationId,
        campaignId: 'c1',
        sessionId,
        amountMicros: amount,
        limits: { ...UNLIMITED, ...limits },
        nowMs: at,
      })
      .then((r) => ({ ...r, id: reservationId }));

  it('reserves, settles once, and the books show it', async () => {
    const r = await reserve(300);
    expect(r.reserved).toBe(true);
    expect(await ledger.spend('c1', T0)).toEqual({
      lifetimeSpentMicros: 0,
      lifetimeReservedMicros: 300,
      todaySpentMicros: 0,
      todayReservedMicros: 300,
    });
    expect(await ledger.settle(r.id, T0)).toEqual(onTime(300));
    expect(await ledger.settle(r.id, T0)).toEqual(refused('unknown'));
    expect(await ledger.release(r.id, T0)).toBe(false);
    expect(await ledger.spend('c1', T0)).toEqual({
      lifetimeSpentMicros: 300,
      lifetimeReservedMicros: 0,
      todaySpentMicros: 300,
      todayReservedMicros: 0,
    });
    expect(await ledger.settle('never-reserved', T0)).toEqual(refused('unknown'));
    // Several campaigns in one call read exactly what one call each reads.
    const ids = ['none', 'c1', 'none'];
    expect(await ledger.spendMany?.(ids, T0)).toEqual(
      await Promise.all(ids.map((id) => ledger.spend(id, T0))),
    );
    expect(await ledger.spendMany?.(['c1'], T0)).toEqual([await ledger.spend('c1', T0)]);
  });

  it('release frees the money, once, and a released reservation cannot be settled', async () => {
    const r = await reserve(500, { totalBudgetMicros: 500 });
    expect((await reserve(1, { totalBudgetMicros: 500 })).reserved).toBe(false);
    expect(await ledger.release(r.id, T0)).toBe(true);
    expect(await ledger.release(r.id, T0)).toBe(false);
    expect(await ledger.settle(r.id, T0)).toEqual(refused('released'));
    expect(await ledger.spend('c1', T0)).toMatchObject({ lifetimeSpentMicros: 0, lifetimeReservedMicros: 0 });
    expect((await reserve(500, { totalBudgetMicros: 500 })).reserved).toBe(true);
  });

  it('caps lifetime spend + reservations at the lifetime budget, exactly', async () => {
    const limits = { totalBudgetMicros: 1000 };
    expect((await reserve(600, limits)).reserved).toBe(true);
    expect(await reserve(401, limits)).toMatchObject({ reserved: false, reason: 'lifetime_budget' });
    const last = await reserve(400, limits);
    expect(last.reserved).toBe(true);
    await ledger.settle(last.id, T0);
    expect(await reserve(1, limits)).toMatchObject({ reserved: false, reason: 'lifetime_budget' });
    expect(await ledger.spend('c1', T0)).toMatchObject({
      lifetimeSpentMicros: 400,
      lifetimeReservedMicros: 600,
    });
  });

  it('caps each UTC day at the daily budget, and a new day starts fresh', async () => {
    const limits = { totalBudgetMicros: 800, dailyBudgetMicros: 300 };
    const a = await reserve(200, limits);
    await ledger.settle(a.id, T0);
    expect((await reserve(100, limits)).reserved).toBe(true);
    expect(await reserve(1, limits)).toMatchObject({ reserved: false, reason: 'daily_budget' });
    const tomorrow = T0 + DAY;
    expect((await reserve(300, limits, tomorrow)).reserved).toBe(true);
    expect(await ledger.spend('c1', tomorrow)).toEqual({
      lifetimeSpentMicros: 200,
      lifetimeReservedMicros: 400,
      todaySpentMicros: 0,
      todayReservedMicros: 300,
    });
    // The lifetime budget still binds across days.
    expect(await reserve(300, limits, T0 + 2 * DAY)).toMatchObject({
      reserved: false,
      reason: 'lifetime_budget',
    });
  });

  it('caps impressions per session within the window; settled ones count, released ones do not', async () => {
    const cap = { frequencyCap: { maxImpressions: 2, windowMs: HOUR } };
    const first = await reserve(10, cap, T0);
    await ledger.settle(first.id, T0);
    const second = await reserve(10, cap, T0 + 1000);
    expect(second.reserved).toBe(true);
    expect(await reserve(10, cap, T0 + 2000)).toMatchObject({ reserved: false, reason: 'frequency_cap' });
    expect(await ledger.sessionImpressions('c1', 's1', HOUR, T0 + 2000)).toBe(2);
    // Another session is not affected.
    expect((await reserve(10, cap, T0 + 2000, 's2')).reserved).toBe(true);
    // Releasing frees its slot.
    await ledger.release(second.id, T0 + 3000);
    expect(await ledger.sessionImpressions('c1', 's1', HOUR, T0 + 3000)).toBe(1);
    expect((await reserve(10, cap, T0 + 3000)).reserved).toBe(true);
    expect(await reserve(10, cap, T0 + 4000)).toMatchObject({ reserved: false, reason: 'frequency_cap' });
    // Once the first impression leaves the window, one more fits.
    expect(await ledger.sessionImpressions('c1', 's1', HOUR, T0 + HOUR)).toBe(1);
    expect((await reserve(10, cap, T0 + HOUR)).reserved).toBe(true);
  });

  it('caps with a window that is not a whole number of ms (a catalogue window_s of 16.1)', async () => {
    const windowMs = 16.1 * 1000; // 16100.000000000002
    const cap = { frequencyCap: { maxImpressions: 1, windowMs } };
    expect((await reserve(10, cap, T0)).reserved).toBe(true);
    expect(await reserve(10, cap, T0 + 16_099)).toMatchObject({ reserved: false, reason: 'frequency_cap' });
    expect(await ledger.sessionImpressions('c1', 's1', windowMs, T0 + 16_099)).toBe(1);
    expect(await ledger.sessionImpressions('c1', 's1', windowMs, T0 + 16_100)).toBe(0);
    expect((await reserve(10, cap, T0 + 16_100)).reserved).toBe(true);
    expect(await ledger.spend('c1', T0)).toMatchObject({ lifetimeReservedMicros: 20 });
  });

  it('counts several campaigns at once exactly as one at a time (sessionImpressionsMany)', async () => {
    const many = ledger.sessionImpressionsMany?.bind(ledger);
    if (!many) throw new Error(`${name}: sessionImpressionsMany is missing`);
    const cap = { frequencyCap: { maxImpressions: 5, windowMs: HOUR } };
    await reserve(10, cap, T0);
    await reserve(10, cap, T0 + 1000);
    // c2 counts over a short window: only its newer reservation is inside it.
    for (const [id, at] of [
      ['c2-old', T0],
      ['c2-new', T0 + 1000],
    ] as const) {
      await ledger.reserve({
        reservationId: id,
        campaignId: 'c2',
        sessionId: 's1',
        amountMicros: 10,
        limits: { ...UNLIMITED, frequencyCap: { maxImpressions: 5, windowMs: 1500 } },
        nowMs: at,
      });
    }
    const caps = [
      { campaignId: 'c1', windowMs: HOUR },
      { campaignId: 'c-none', windowMs: HOUR },
      { campaignId: 'c2', windowMs: 1500 },
    ];
    const now = T0 + 2000;
    const one = [];
    for (const c of caps) one.push(await ledger.sessionImpressions(c.campaignId, 's1', c.windowMs, now));
    expect(one).toEqual([2, 0, 1]);
    expect(await many(caps, 's1', now)).toEqual(one);
    expect(await many(caps.slice(0, 1), 's2', now)).toEqual([0]);
    expect(await many([], 's1', now)).toEqual([]);
  });

  it('releases reservations once they expire, and only then', async () => {
    const r = await reserve(700, { totalBudgetMicros: 1000 });
    const kept = await reserve(100, { totalBudgetMicros: 1000 }, T0 + 10_000);
    expect(await ledger.releaseExpired(T0 + TTL - 1)).toEqual([]);
    expect(await ledger.releaseExpired(T0 + TTL)).toEqual([r.id]);
    expect(await ledger.releaseExpired(T0 + TTL)).toEqual([]);
    expect(await ledger.spend('c1', T0)).toMatchObject({
      lifetimeReservedMicros: 100,
      lifetimeSpentMicros: 0,
    });
    expect(await ledger.settle(kept.id, T0 + TTL)).toEqual(onTime(100));
    expect(await ledger.releaseExpired(T0 + 10 * TTL)).toEqual([]);
  });

  it('charges an impression that comes after its reservation expired, once, when the budget has room', async () => {
    const limits = { totalBudgetMicros: 1000, frequencyCap: { maxImpressions: 1, windowMs: HOUR } };
    const r = await reserve(700, limits);
    await reserve(100, limits, T0, 's2');
    expect(await ledger.releaseExpired(T0 + TTL - 1)).toEqual([]);
    expect(await ledger.releaseExpired(T0 + TTL)).toContain(r.id);
    const kept = await reserve(100, limits, T0 + TTL, 's2', 'kept'); // s2's slot was given back at expiry too
    expect(kept.reserved).toBe(true);
    expect(await ledger.settle(r.id, T0 + TTL + HOUR)).toEqual(late(700));
    expect(await ledger.settle(r.id, T0 + TTL + HOUR)).toEqual(refused('unknown'));
    expect(await ledger.spend('c1', T0 + TTL + HOUR)).toEqual({
      lifetimeSpentMicros: 700,
      lifetimeReservedMicros: 100,
      todaySpentMicros: 700,
      todayReservedMicros: 100,
    });
    expect(await reserve(201, limits, T0 + TTL + HOUR, 's3')).toMatchObject({
      reserved: false,
      reason: 'lifetime_budget',
    });
    // The frequency slot given back at expiry is not taken again: caps are for choosing ads.
    expect(await ledger.sessionImpressions('c1', 's1', HOUR, T0 + TTL + 1)).toBe(0);
    expect(await ledger.releaseExpired(T0 + 100 * TTL)).toEqual(['kept']);
    expect(await ledger.spend('c1', T0 + 100 * TTL)).toMatchObject({
      lifetimeSpentMicros: 700,
      lifetimeReservedMicros: 0,
    });
  });

  it('refuses a late impression the budget has no room for (the latest limits), and moves nothing', async () => {
    const r = await reserve(600, { totalBudgetMicros: 1000 });
    await ledger.releaseExpired(T0 + TTL);
    const other = await reserve(500, { totalBudgetMicros: 1000 }, T0 + TTL);
    expect(await ledger.settle(r.id, T0 + TTL)).toEqual(refused('lifetime_budget'));
    expect(await ledger.spend('c1', T0 + TTL)).toMatchObject({
      lifetimeSpentMicros: 0,
      lifetimeReservedMicros: 500,
    });
    // The tombstone outlives a refusal: once there is room, an impression of it is charged.
    await ledger.release(other.id, T0 + TTL);
    expect(await ledger.settle(r.id, T0 + TTL)).toEqual(late(600));
    // A late impression is checked against the limits of the campaign's latest reservation.
    const s = await reserve(300, { totalBudgetMicros: 1000 }, T0 + TTL);
    await ledger.releaseExpired(T0 + 2 * TTL);
    await reserve(1, { totalBudgetMicros: 700 }, T0 + 2 * TTL);
    expect(await ledger.settle(s.id, T0 + 2 * TTL)).toEqual(refused('lifetime_budget'));
    // The day's budget binds as well.
    const d = await reserve(200, { dailyBudgetMicros: 1000, totalBudgetMicros: 0 }, T0 + 2 * TTL);
    await ledger.releaseExpired(T0 + 3 * TTL);
    await reserve(400, { dailyBudgetMicros: 1000 }, T0 + 3 * TTL);
    expect(await ledger.settle(d.id, T0 + 3 * TTL)).toEqual(refused('daily_budget'));
    expect(await ledger.spend('c1', T0 + 3 * TTL)).toEqual({
      lifetimeSpentMicros: 600,
      lifetimeReservedMicros: 400,
      todaySpentMicros: 600,
      todayReservedMicros: 400,
    });
  });

  it('refuses an impression of a reservation the broker released: the ad was never served', async () => {
    const released = await reserve(100, {}, T0, 's1', 'rel');
    await ledger.release(released.id, T0);
    await ledger.reserveMany({
      requestId: 'gave-up',
      sessionId: 's1',
      nowMs: T0,
      reservations: [{ reservationId: 'abandoned', campaignId: 'c1', amountMicros: 100, limits: UNLIMITED }],
    });
    expect(await ledger.releaseRequest('gave-up', [], T0)).toEqual(['abandoned']);
    // Released before it would have expired: still refused after the expiry time.
    await ledger.releaseExpired(T0 + TTL);
    expect(await ledger.settle('rel', T0 + TTL)).toEqual(refused('released'));
    expect(await ledger.settle('abandoned', T0 + TTL)).toEqual(refused('released'));
    expect(await ledger.spend('c1', T0 + TTL)).toMatchObject({
      lifetimeSpentMicros: 0,
      lifetimeReservedMicros: 0,
    });
  });

  it('forgets a tombstone after the late-impression window: a later impression is refused as unknown', async () => {
    ledger = await make({ lateImpressionMs: 150 });
    const r = await reserve(100);
    await ledger.releaseExpired(T0 + TTL);
    await new Promise((resolve) => setTimeout(resolve, 250)); // Redis expires keys in real time
    await ledger.releaseExpired(T0 + TTL + 250);
    expect(await ledger.settle(r.id, T0 + TTL + 250)).toEqual(refused('unknown'));
    expect(await ledger.spend('c1', T0 + TTL + 250)).toMatchObject({ lifetimeSpentMicros: 0 });
    // With no window at all, no tombstone is kept.
    ledger = await make({ lateImpressionMs: 0 });
    const none = await reserve(100);
    await ledger.releaseExpired(T0 + TTL);
    expect(await ledger.settle(none.id, T0 + TTL)).toEqual(refused('unknown'));
  });

  it('sweeps many expired reservations in one call', async () => {
    for (let i = 0; i < 600; i++) await reserve(1);
    expect((await ledger.releaseExpired(T0 + TTL)).length).toBe(600);
    expect(await ledger.spend('c1', T0)).toMatchObject({ lifetimeReservedMicros: 0 });
  });

  it('refuses a reservation id that is already held', async () => {
    await reserve(10, {}, T0, 's1', 'same');
    expect(await reserve(10, {}, T0, 's1', 'same')).toMatchObject({ reserved: false, reason: 'duplicate' });
    expect(await ledger.spend('c1', T0)).toMatchObject({ lifetimeReservedMicros: 10 });
  });

  it('holds zero-cost (house) reservations against an unlimited budget', async () => {
    const r = await reserve(0);
    expect(r.reserved).toBe(true);
    expect(await ledger.settle(r.id, T0)).toEqual(onTime(0));
    expect(await ledger.spend('c1', T0)).toMatchObject({ lifetimeSpentMicros: 0, lifetimeReservedMicros: 0 });
  });

  it('reserves a commit in one call exactly as one call each would, in order', async () => {
    const cap = { maxImpressions: 1, windowMs: HOUR };
    const limits = { ...UNLIMITED, totalBudgetMicros: 1000 };
    const results = await ledger.reserveMany({
      requestId: 'req-a',
      sessionId: 's1',
      nowMs: T0,
      reservations: [
        { reservationId: 'm1', campaignId: 'c1', amountMicros: 600, limits },
        { reservationId: 'm2', campaignId: 'c1', amountMicros: 500, limits }, // 1100 > 1000
        { reservationId: 'm1', campaignId: 'c2', amountMicros: 1, limits: UNLIMITED }, // id held by now
        { reservationId: 'm3', campaignId: 'c1', amountMicros: 400, limits },
        {
          reservationId: 'm4',
          campaignId: 'c3',
          amountMicros: 10,
          limits: { ...UNLIMITED, frequencyCap: cap },
        },
        {
          reservationId: 'm5',
          campaignId: 'c3',
          amountMicros: 10,
          limits: { ...UNLIMITED, frequencyCap: cap },
        },
      ],
    });
    expect(results).toEqual([
      { reserved: true },
      { reserved: false, reason: 'lifetime_budget' },
      { reserved: false, reason: 'duplicate' },
      { reserved: true },
      { reserved: true },
      { reserved: false, reason: 'frequency_cap' },
    ]);
    expect(await ledger.spend('c1', T0)).toMatchObject({
      lifetimeReservedMicros: 1000,
      todayReservedMicros: 1000,
    });
    expect(await ledger.spend('c2', T0)).toMatchObject({ lifetimeReservedMicros: 0 });
    expect(await ledger.sessionImpressions('c3', 's1', HOUR, T0)).toBe(1);
    expect(
      await ledger.reserveMany({ requestId: 'req-b', sessionId: 's1', nowMs: T0, reservations: [] }),
    ).toEqual([]);
    // A refused id left nothing behind: it can be reserved once it fits.
    expect((await reserve(1, {}, T0, 's1', 'm2')).reserved).toBe(true);
    expect(await ledger.settle('m2', T0)).toEqual(onTime(1));
  });

  it('releases a request: the named reservations of it, or all its open ones, once', async () => {
    const cap = { ...UNLIMITED, frequencyCap: { maxImpressions: 5, windowMs: HOUR } };
    const commit = (requestId: string, ids: string[]) =>
      ledger.reserveMany({
        requestId,
        sessionId: 's1',
        nowMs: T0,
        reservations: ids.map((reservationId) => ({
          reservationId,
          campaignId: 'c1',
          amountMicros: 100,
          limits: cap,
        })),
      });
    await commit('req-a', ['a1', 'a2', 'a3']);
    await commit('req-b', ['b1']);
    await reserve(100, cap, T0, 's1', 'loose'); // reserved without a request
    expect(await ledger.settle('a1', T0)).toEqual(onTime(100));
    // Named ids: only those of this request that are still open.
    expect(await ledger.releaseRequest('req-a', ['a1', 'a2', 'b1', 'loose', 'nope'])).toEqual(['a2']);
    expect(await ledger.releaseRequest('req-a', ['a2'])).toEqual([]);
    expect(await ledger.sessionImpressions('c1', 's1', HOUR, T0)).toBe(4); // a2's slot is free again
    // No ids: every open one of the request.
    expect(await ledger.releaseRequest('req-a')).toEqual(['a3']);
    expect(await ledger.releaseRequest('req-a', [])).toEqual([]);
    expect(await ledger.releaseRequest('never')).toEqual([]);
    expect(await ledger.settle('a3', T0)).toEqual(refused('released'));
    expect(await ledger.spend('c1', T0)).toMatchObject({
      lifetimeSpentMicros: 100,
      lifetimeReservedMicros: 200, // b1 and loose
      todayReservedMicros: 200,
    });
    expect(await ledger.releaseRequest('req-b')).toEqual(['b1']);
    expect(await ledger.release('loose', T0)).toBe(true);
    expect(await ledger.spend('c1', T0)).toMatchObject({ lifetimeReservedMicros: 0 });
    expect(await ledger.sessionImpressions('c1', 's1', HOUR, T0)).toBe(1); // a1 was served
  });

  it('refuses a commit of a request released as a whole before it (the release overtook the commit)', async () => {
    const commit = (requestId: string, id: string) =>
      ledger.reserveMany({
        requestId,
        sessionId: 's1',
        nowMs: T0 + 1,
        reservations: [{ reservationId: id, campaignId: 'c1', amountMicros: 100, limits: UNLIMITED }],
      });
    expect(await ledger.releaseRequest('gave-up', [], T0)).toEqual([]);
    expect(await commit('gave-up', 'g1')).toEqual([{ reserved: false, reason: 'abandoned' }]);
    const one = {
      requestId: 'gave-up',
      reservationId: 'g2',
      campaignId: 'c1',
      sessionId: 's1',
      amountMicros: 100,
      limits: UNLIMITED,
      nowMs: T0 + 1,
    };
    expect(await ledger.reserve(one)).toEqual({ reserved: false, reason: 'abandoned' });
    // Releasing named reservations abandons nothing: the request may still commit.
    expect(await ledger.releaseRequest('partly', ['p0'], T0)).toEqual([]);
    expect(await commit('partly', 'p1')).toEqual([{ reserved: true }]);
    expect(await ledger.spend('c1', T0 + 1)).toMatchObject({ lifetimeReservedMicros: 100 });
  });

  const backend = backends.find(([n]) => n === name)?.[1];
  if (backend) {
    it('keeps every key under the configured prefix, all in one slot ({objective})', async () => {
      await reserve(10, { frequencyCap: { maxImpressions: 3, windowMs: HOUR } });
      const keys = await backend.keys('*');
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) expect(k.startsWith(`${PREFIX}{objective}:`)).toBe(true);
    });

    it("keeps a campaign's books of the last days only", async () => {
      for (let d = 0; d < 10; d++) {
        const r = await reserve(10, {}, T0 + d * DAY);
        await ledger.settle(r.id);
      }
      expect(await ledger.spend('c1', T0 + 9 * DAY)).toEqual({
        lifetimeSpentMicros: 100,
        lifetimeReservedMicros: 0,
        todaySpentMicros: 10,
        todayReservedMicros: 0,
      });
      // Lifetime books, the list of days, the latest limits, and three days' books.
      expect(await connections.get(name)!.hlen(KEYS.lifetime('c1'))).toBe(2 + 1 + 2 + 3 * 2);
    });

    it('leaves nothing to give back when the reserve script fails halfway: no money is freed twice', async () => {
      const limits = { totalBudgetMicros: 1000, frequencyCap: { maxImpressions: 3, windowMs: HOUR } };
      // A Redis error inside the script after its first checks (here: the session's frequency
      // key holds another type for a moment; a bad argument would do the same).
      const freq = KEYS.frequency('c1', 's1');
      await connections.get(name)!.hset(freq, 'not', 'a string');
      await expect(reserve(400, limits, T0, 's1', 'failed')).rejects.toThrow(/WRONGTYPE/);
      await connections.get(name)!.del(freq);
      // The objective agent releases what a failed commit asked for (its reply may have been lost).
      expect(await ledger.release('failed', T0)).toBe(false);
      expect(await ledger.settle('failed', T0)).toEqual(refused('unknown'));
      expect(await ledger.releaseExpired(T0 + TTL)).toEqual([]);
      expect(await ledger.spend('c1', T0)).toEqual({
        lifetimeSpentMicros: 0,
        lifetimeReservedMicros: 0,
        todaySpentMicros: 0,
        todayReservedMicros: 0,
      });
      // So the budget still binds exactly: 1000, not 1000 plus what the failed reserve "gave back".
      expect((await reserve(1000, limits, T0, 's2')).reserved).toBe(true);
      expect(await reserve(1, limits, T0, 's3')).toMatchObject({
        reserved: false,
        reason: 'lifetime_budget',
      });
    });
  }
});

describe('Redis ledger under concurrent replicas (property)', () => {
  const REPLICAS = 4;
  let ledgers: RedisLedger[];
  beforeAll(() => {
    ledgers = Array.from(
      { length: REPLICAS },
      () => new RedisLedger(redis.client(), PREFIX, { reservationTtlMs: 1000 }),
    );
  });

  it('accepts exactly what fits: never over a budget or cap, every refusal was justified', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1_000, max: 200_000 }),
        fc.integer({ min: 500, max: 150_000 }),
        // Commits of one to three ads, each from some replica for some session.
        fc.array(
          fc.record({
            replica: fc.nat(REPLICAS - 1),
            amounts: fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 3 }),
            session: fc.constantFrom('s1', 's2', 's3'),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        async (total, daily, commits) => {
          await redis.flush();
          const limits = {
            totalBudgetMicros: total,
            dailyBudgetMicros: daily,
            frequencyCap: { maxImpressions: 3, windowMs: HOUR },
          };
          const results = await Promise.all(
            commits.map((c, i) => {
              const ledger = ledgers[c.replica]!;
              const reservations = c.amounts.map((amountMicros, k) => ({
                reservationId: `p${i}-${k}`,
                campaignId: 'c1',
                amountMicros,
                limits,
              }));
              // One ad: reserve; several: one reserveMany.
              return reservations.length === 1
                ? ledger
                    .reserve({ ...reservations[0]!, sessionId: c.session, nowMs: T0, requestId: `r${i}` })
                    .then((r) => [r])
                : ledger.reserveMany({ requestId: `r${i}`, sessionId: c.session, nowMs: T0, reservations });
            }),
          );
          const ops = commits.flatMap((c) => c.amounts.map((amount) => ({ amount, session: c.session })));
          const flat = results.flat();
          const accepted = ops.filter((_, i) => flat[i]!.reserved);
          const sum = accepted.reduce((a, op) => a + op.amount, 0);
          const perSession = (s: string) => accepted.filter((op) => op.session === s).length;
          const books = await ledgers[0]!.spend('c1', T0);
          expect(books.lifetimeReservedMicros).toBe(sum);
          expect(books.todayReservedMicros).toBe(sum);
          expect(sum).toBeLessThanOrEqual(Math.min(total, daily));
          for (const s of ['s1', 's2', 's3']) expect(perSession(s)).toBeLessThanOrEqual(3);
          flat.forEach((r, i) => {
            if (r.reserved) return;
            const op = ops[i]!;
            // Totals only grew after the refusal, so its reason must still hold at the end.
            if (r.reason === 'lifetime_budget') expect(sum + op.amount).toBeGreaterThan(total);
            else if (r.reason === 'daily_budget') expect(sum + op.amount).toBeGreaterThan(daily);
            else if (r.reason === 'frequency_cap') expect(perSession(op.session)).toBe(3);
            else throw new Error(`unexpected refusal ${r.reason}`);
          });
        },
      ),
      { numRuns: 30, seed: 20261127 },
    );
  });

  type Op =
    | { kind: 'reserve'; replica: number; amounts: number[] }
    // lateImpression: settle a reservation known to have expired (settle picks any).
    | { kind: 'settle' | 'release' | 'lateImpression'; replica: number; pick: number }
    | { kind: 'releaseRequest'; replica: number; pick: number; all: boolean }
    | { kind: 'sweep'; replica: number; advanceMs: number };

  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('reserve' as const),
      replica: fc.nat(REPLICAS - 1),
      amounts: fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 1, maxLength: 2 }),
    }),
    fc.record({
      kind: fc.constantFrom('settle' as const, 'release' as const, 'lateImpression' as const),
      replica: fc.nat(REPLICAS - 1),
      pick: fc.nat(),
    }),
    fc.record({
      kind: fc.constant('releaseRequest' as const),
      replica: fc.nat(REPLICAS - 1),
      pick: fc.nat(),
      all: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('sweep' as const),
      replica: fc.nat(REPLICAS - 1),
      advanceMs: fc.nat(1500),
    }),
  );

  it('balances the books with interleaved reserves, settles (on time and late), releases and expiry across replicas', async () => {
    // Across the runs, so the property is known to exercise late charges and their refusals.
    const seen = { late: 0, refusedForBudget: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 12 }),
        async (batches) => {
          await redis.flush();
          const total = 60_000; // tight, so late charges are refused for the budget too
          const limits = { ...UNLIMITED, totalBudgetMicros: total, dailyBudgetMicros: total };
          let now = T0;
          let seq = 0;
          const amounts = new Map<string, number>();
          const requestOf = new Map<string, string>();
          // What happened to each reservation, in the order the answers came (replicas answer in
          // any order, so the sequence is checked at the end, not step by step).
          type Event = 'settled' | 'late' | 'released' | 'expired' | `refused:${ChargeRefusal}`;
          const events = new Map<string, Event[]>();
          const note = (id: string, e: Event) => events.set(id, [...(events.get(id) ?? []), e]);
          for (const batch of batches) {
            const ids = [...amounts.keys()];
            const expired = ids.filter((id) => events.get(id)?.includes('expired'));
            const pick = (n: number, from = ids) => from[n % Math.max(1, from.length)] ?? 'none';
            for (const o of batch) if (o.kind === 'sweep') now += o.advanceMs;
            await Promise.all(
              batch.map(async (o) => {
                const ledger = ledgers[o.replica]!;
                if (o.kind === 'reserve') {
                  const requestId = `qr${++seq}`;
                  const reservations = o.amounts.map((amountMicros, k) => ({
                    reservationId: `${requestId}-${k}`,
                    campaignId: 'c1',
                    amountMicros,
                    limits,
                  }));
                  const rs = await ledger.reserveMany({
                    requestId,
                    sessionId: 's',
                    nowMs: now,
                    reservations,
                  });
                  rs.forEach((r, k) => {
                    if (!r.reserved) return;
                    amounts.set(reservations[k]!.reservationId, reservations[k]!.amountMicros);
                    requestOf.set(reservations[k]!.reservationId, requestId);
                  });
                } else if (o.kind === 'releaseRequest') {
                  const id = pick(o.pick);
                  const requestId = requestOf.get(id) ?? 'none';
                  for (const released of await ledger.releaseRequest(requestId, o.all ? [] : [id])) {
                    expect(requestOf.get(released)).toBe(requestId);
                    if (!o.all) expect(released).toBe(id);
                    note(released, 'released');
                  }
                } else if (o.kind === 'settle' || o.kind === 'lateImpression') {
                  const id = o.kind === 'settle' ? pick(o.pick) : pick(o.pick, expired);
                  const charge = await ledger.settle(id);
                  if (charge.refusal) {
                    expect(charge.micros).toBe(0);
                    note(id, `refused:${charge.refusal}`);
                  } else {
                    expect(charge.micros).toBe(amounts.get(id));
                    note(id, charge.late ? 'late' : 'settled');
                  }
                } else if (o.kind === 'release') {
                  const id = pick(o.pick);
                  if (await ledger.release(id)) note(id, 'released');
                } else {
                  for (const id of await ledger.releaseExpired(now)) note(id, 'expired');
                }
              }),
            );
          }
          let spent = 0;
          let open = 0;
          let tombstones = 0;
          for (const [id, amount] of amounts) {
            const e = events.get(id) ?? [];
            const count = (x: Event) => e.filter((y) => y === x).length;
            const closes = count('settled') + count('released') + count('expired');
            expect(closes, `${id}: ${e}`).toBeLessThanOrEqual(1);
            // A late charge, at most one, only of an expired reservation; a refusal only for what it says.
            expect(count('late'), `${id}: ${e}`).toBeLessThanOrEqual(count('expired'));
            const forBudget = count('refused:lifetime_budget') + count('refused:daily_budget');
            if (count('refused:released') > 0) expect(count('released'), `${id}: ${e}`).toBe(1);
            if (forBudget > 0) expect(count('expired'), `${id}: ${e}`).toBe(1);
            if (count('refused:unknown') > 0) expect(count('settled') + count('late'), `${id}: ${e}`).toBe(1);
            if (count('settled') + count('late') > 0) spent += amount;
            else if (closes === 0) open += amount;
            if (count('released') + count('expired') - count('late') > 0) tombstones++;
            seen.late += count('late');
            seen.refusedForBudget += forBudget;
          }
          const books = await ledgers[0]!.spend('c1', now);
          // Total charged = settled on time + charged late; never over the budget.
          expect(books.lifetimeSpentMicros).toBe(spent);
          expect(books.lifetimeReservedMicros).toBe(open);
          expect(books.todaySpentMicros + books.todayReservedMicros).toBe(spent + open);
          expect(spent + open).toBeLessThanOrEqual(total);
          // Every expired or released reservation not charged since keeps its tombstone.
          expect((await shared.keys(`${KEYS.tombstonePrefix}*`)).length).toBe(tombstones);
          // Nothing leaks: exactly the open reservations are still tracked for expiry.
          const openIds = [...amounts.keys()].filter((id) =>
            (events.get(id) ?? []).every((e) => !CLOSES.has(e)),
          ).length;
          expect(await shared.zcard(KEYS.expiries)).toBe(openIds);
          // A request released as a whole keeps a '!abandoned' mark, which expires.
          let noted = 0;
          for (const key of await shared.keys(KEYS.request('*'))) {
            const members = await shared.smembers(key);
            noted += members.filter((m) => m !== '!abandoned').length;
            if (members.includes('!abandoned')) expect(await shared.pttl(key)).toBeGreaterThan(0);
          }
          expect(noted).toBe(openIds);
        },
      ),
      { numRuns: 30, seed: 42 },
    );
    expect(seen.late).toBeGreaterThan(0);
    expect(seen.refusedForBudget).toBeGreaterThan(0);
  });
});

/** The events that close a reservation (the property above). */
const CLOSES = new Set(['settled', 'released', 'expired']);

describe.skipIf(cluster.missing)('Redis ledger on a Redis Cluster whose master fails over (property)', () => {
  const REPLICAS = 3;
  let replicas: Array<{ ledger: RedisLedger; outcomes: RedisOutcomeLog; client: Redis }>;
  beforeAll(() => {
    replicas = Array.from({ length: REPLICAS }, () => {
      const client = cluster.client();
      return {
        client,
        ledger: new RedisLedger(client, PREFIX, { reservationTtlMs: HOUR }),
        outcomes: new RedisOutcomeLog(client, PREFIX, { idempotencyTtlMs: HOUR, maxLen: 100_000 }),
      };
    });
  });

  /** Calls `f` until it answers, as the objective agent's callers retry UNAVAILABLE (same ids, same keys). */
  async function retried<T>(f: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await f();
      } catch (err) {
        if (attempt === 40) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  it('never overspends and loses no outcome: commits and impressions before, during and after the failover of the ledger’s master', async () => {
    // One failover, in the first run (the masters vote about a shard's failover once per 2 × node
    // timeout, and quick repeated failovers of one shard were seen to leave the old master behind);
    // the later runs go on against the new master. Counted, so the property is known to have run
    // calls while the failover was under way.
    let failovers = 0;
    let duringFailover = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 20_000, max: 200_000 }),
        fc.array(
          fc.record({
            replica: fc.nat(REPLICAS - 1),
            amounts: fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 3 }),
            played: fc.boolean(),
          }),
          { minLength: 20, maxLength: 60 },
        ),
        async (total, commits) => {
          await cluster.flush();
          const limits = { ...UNLIMITED, totalBudgetMicros: total };
          /** Reservation id → amount, of every reservation held; and the ids whose impression was acknowledged. */
          const held = new Map<string, number>();
          const played = new Set<string>();
          const commit = async (c: (typeof commits)[number], i: number) => {
            const { ledger, outcomes } = replicas[c.replica]!;
            const reservations = c.amounts.map((amountMicros, k) => ({
              reservationId: `f${i}-${k}`,
              campaignId: 'c1',
              amountMicros,
              limits,
            }));
            const results = await retried(() =>
              ledger.reserveMany({ requestId: `fr${i}`, sessionId: 's', nowMs: T0, reservations }),
            );
            const mine = reservations.filter((_, k) => {
              const r = results[k]!;
              // 'duplicate': an earlier try of this very call held it before its answer was lost.
              if (r.reserved || r.reason === 'duplicate') return true;
              expect(r.reason).toBe('lifetime_budget');
              return false;
            });
            for (const r of mine) held.set(r.reservationId, r.amountMicros);
            if (!c.played) return;
            for (const r of mine) {
              const e = {
                idempotencyKey: `imp-${r.reservationId}`,
                requestId: `fr${i}`,
                reservationId: r.reservationId,
                creativeId: 'cr-1',
                campaignId: 'c1',
                sessionId: 's',
                event: 'impression' as const,
                skipOffsetMs: 0,
                occurredAtMs: T0,
              };
              await retried(() => outcomes.record(e, T0));
              played.add(r.reservationId);
            }
          };
          // A few before the failover, one after another while it runs, the rest at once after it.
          let next = 0;
          for (; next < 3; next++) await commit(commits[next]!, next);
          let failingOver = failovers++ === 0;
          const failover = failingOver ? cluster.failover(KEYS.expiries) : Promise.resolve();
          const over = () => {
            failingOver = false;
          };
          failover.then(over, over);
          for (; failingOver && next < commits.length; next++) {
            duringFailover++;
            await commit(commits[next]!, next);
          }
          await failover;
          await Promise.all(commits.slice(next).map((c, k) => commit(c, next + k)));

          const sum = (ids: Iterable<string>) => [...ids].reduce((a, id) => a + held.get(id)!, 0);
          const open = [...held.keys()].filter((id) => !played.has(id));
          const books = await replicas[0]!.ledger.spend('c1', T0);
          // No overspend, and the books are exact: each impression charged once, the rest still held.
          expect(books.lifetimeSpentMicros).toBe(sum(played));
          expect(books.lifetimeReservedMicros).toBe(sum(open));
          expect(books.lifetimeSpentMicros + books.lifetimeReservedMicros).toBeLessThanOrEqual(total);
          // No outcome lost or doubled: one log entry per acknowledged impression, charging its amount.
          const log = await replicas[1]!.client.xrange(KEYS.log, '-', '+');
          const logged = new Map<string, number>();
          for (const [, fields] of log) {
            const f = new Map<string, string>();
            for (let j = 0; j + 1 < fields.length; j += 2) f.set(fields[j]!, fields[j + 1]!);
            const id = f.get('reservation_id')!;
            expect(logged.has(id), `${id} logged twice`).toBe(false);
            logged.set(id, Number(f.get('settled_micros')));
          }
          expect(new Map([...played].map((id) => [id, held.get(id)!]))).toEqual(logged);
          expect((await replicas[2]!.outcomes.counters('c1')).impressions).toBe(played.size);
        },
      ),
      { numRuns: 4, seed: 20261206 },
    );
    expect(duringFailover).toBeGreaterThan(0);
  }, 90_000);
});
