/**
 * Bad input against the running mesh (four processes, Redis): every bad
 * field gets INVALID_ARGUMENT naming it, an oversize message
 * RESOURCE_EXHAUSTED, a deadline too short to decide DEADLINE_EXCEEDED;
 * nothing crashes and not one Redis key changes.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdDecisionClient,
  connect,
  type DecideRequest,
  decide,
  type OutcomeReport,
  reportOutcome,
} from '../../bin/client';
import type { Redis } from '../../services/common/state/redis';
import type { TestMesh } from '../support/mesh';
import { startRedis, type TestRedis } from '../support/redis';
import { E2E_PREFIX, startE2eMesh, validDecide, validOutcome } from './fixtures';

type Signals = NonNullable<DecideRequest['signals']>;
type Slot = NonNullable<DecideRequest['slot']>;

const withSlot = (s: Partial<Slot>) => (r: DecideRequest) => ({ ...r, slot: { ...r.slot, ...s } });
const withSignals = (s: Partial<Signals>) => (r: DecideRequest) => ({
  ...r,
  signals: { ...r.signals, ...s },
});
/** An enum number the contract does not define (sent as a raw number on the wire). */
const unknownEnum = <T>(n: number) => n as unknown as T;

/** [what, how to break a valid request, the field the error must name] */
const BAD_DECIDE: Array<[string, (r: DecideRequest) => DecideRequest, string]> = [
  ['missing request_id', (r) => ({ ...r, request_id: '' }), 'request_id'],
  ['request_id with spaces', (r) => ({ ...r, request_id: 'a b' }), 'request_id'],
  ['request_id too long', (r) => ({ ...r, request_id: 'x'.repeat(129) }), 'request_id'],
  ['missing slot', (r) => ({ ...r, slot: null }), 'slot'],
  ['missing slot_id', withSlot({ slot_id: '' }), 'slot.slot_id'],
  ['unspecified position', withSlot({ position: 'POSITION_UNSPECIFIED' }), 'slot.position'],
  ['unknown position number', withSlot({ position: unknownEnum<Slot['position']>(42) }), 'slot.position'],
  ['max_ads 0', withSlot({ max_ads: 0 }), 'slot.max_ads'],
  ['max_ads 7', withSlot({ max_ads: 7 }), 'slot.max_ads'],
  ['max_total_duration_ms too short', withSlot({ max_total_duration_ms: 999 }), 'slot.max_total_duration_ms'],
  [
    'max_total_duration_ms too long',
    withSlot({ max_total_duration_ms: 180_001 }),
    'slot.max_total_duration_ms',
  ],
  ['missing signals', (r) => ({ ...r, signals: null }), 'signals'],
  ['missing session_id', withSignals({ session_id: '' }), 'signals.session_id'],
  ['unspecified device', withSignals({ device: 'DEVICE_UNSPECIFIED' }), 'signals.device'],
  ['unknown device number', withSignals({ device: unknownEnum<Signals['device']>(99) }), 'signals.device'],
  ['local_time without offset', withSignals({ local_time: '2026-11-27T08:15:00' }), 'signals.local_time'],
  ['local_time not a time', withSignals({ local_time: 'tomorrow' }), 'signals.local_time'],
  ['track_genre too long', withSignals({ track_genre: 'g'.repeat(65) }), 'signals.track_genre'],
  [
    'control character in previous_genre',
    withSignals({ previous_genre: 'pop\u0000' }),
    'signals.previous_genre',
  ],
  ['recent_skips absurd', withSignals({ recent_skips: 100_000 }), 'signals.recent_skips'],
  [
    'unknown playlist kind',
    withSignals({ playlist_kind: unknownEnum<Signals['playlist_kind']>(77) }),
    'signals.playlist_kind',
  ],
  [
    'unknown activity hint',
    withSignals({ activity_hint: unknownEnum<Signals['activity_hint']>(50) }),
    'signals.activity_hint',
  ],
  ['lower-case country', withSignals({ country: 'se' }), 'signals.country'],
  ['missing country', withSignals({ country: '' }), 'signals.country'],
  [
    '101 excluded advertisers',
    (r) => ({ ...r, excluded_advertisers: Array.from({ length: 101 }, (_, i) => `adv-${i}`) }),
    'excluded_advertisers',
  ],
  [
    'bad excluded advertiser id',
    (r) => ({ ...r, excluded_advertisers: ['ok', 'not ok'] }),
    'excluded_advertisers[1]',
  ],
  ['bad excluded category', (r) => ({ ...r, excluded_categories: [''] }), 'excluded_categories[0]'],
  ['deadline_ms above 60 s', (r) => ({ ...r, deadline_ms: 60_001 }), 'deadline_ms'],
];

const BAD_OUTCOME: Array<[string, Partial<OutcomeReport>, string]> = [
  ['missing idempotency_key', { idempotency_key: '' }, 'idempotency_key'],
  ['idempotency_key too long', { idempotency_key: 'k'.repeat(129) }, 'idempotency_key'],
  ['unspecified event', { event: 'OUTCOME_EVENT_UNSPECIFIED' }, 'event'],
  ['unknown event number', { event: unknownEnum<OutcomeReport['event']>(99) }, 'event'],
  [
    'impression with a malformed reservation_id',
    { event: 'OUTCOME_EVENT_IMPRESSION', reservation_id: 'not a reservation' },
    'reservation_id',
  ],
  [
    'skip_offset_ms on a completion',
    { event: 'OUTCOME_EVENT_COMPLETE', skip_offset_ms: 5000 },
    'skip_offset_ms',
  ],
  [
    'skip_offset_ms beyond any slot',
    { event: 'OUTCOME_EVENT_SKIP', skip_offset_ms: 180_001 },
    'skip_offset_ms',
  ],
  ['occurred_at_ms negative', { occurred_at_ms: -1 }, 'occurred_at_ms'],
  ['occurred_at_ms far in the future', { occurred_at_ms: Date.now() + 24 * 3_600_000 }, 'occurred_at_ms'],
  ['missing creative_id', { creative_id: '' }, 'creative_id'],
  ['bad session_id', { session_id: 'a\nb' }, 'session_id'],
];

/** Every key under the e2e prefix with its value, so any change shows up. */
async function snapshot(db: Redis): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of (await db.keys(`${E2E_PREFIX}*`)).sort()) {
    const type = await db.type(key);
    if (type === 'string') out[key] = await db.get(key);
    else if (type === 'hash') out[key] = await db.hgetall(key);
    else if (type === 'zset') out[key] = await db.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'set') out[key] = (await db.smembers(key)).sort();
    else if (type === 'list') out[key] = await db.lrange(key, 0, -1);
    else if (type === 'stream') out[key] = await db.xrange(key, '-', '+');
    else out[key] = type;
  }
  return out;
}

/** The state once background work (e.g. the broker's best-effort session update) has landed. */
async function settled(db: Redis): Promise<Record<string, unknown>> {
  let last = await snapshot(db);
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const next = await snapshot(db);
    if (JSON.stringify(next) === JSON.stringify(last)) return next;
    last = next;
  }
  throw new Error('Redis state does not settle');
}

function expectStatus(err: unknown, code: grpc.status, field?: string): void {
  const e = err as grpc.ServiceError;
  expect(grpc.status[e.code], e.details).toBe(grpc.status[code]);
  if (field) expect(e.details).toContain(field);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => {
      throw new Error(`expected an error, got ${JSON.stringify(v)}`);
    },
    (err: unknown) => err,
  );
}

describe('bad input against the running mesh', () => {
  let redis: TestRedis;
  let db: Redis;
  let mesh: TestMesh;
  let client: AdDecisionClient;
  let before: Record<string, unknown>;
  let pids: Record<string, number>;

  beforeAll(async () => {
    redis = await startRedis();
    db = redis.client();
    mesh = await startE2eMesh(redis.url);
    client = connect(mesh.broker);
    // A valid decision and impression first, so there is state to protect (a paid ad: a decision
    // on a busy machine may come back degraded to a house ad, so a few tries).
    let req = validDecide({ deadline_ms: 2000 });
    let res = await decide(client, req, { timeoutMs: 5000 });
    for (let i = 0; i < 10 && !res.ads[0]?.reservation_id; i++) {
      req = validDecide({ deadline_ms: 2000 });
      res = await decide(client, req, { timeoutMs: 5000 });
    }
    const ad = res.ads[0]!;
    expect(ad?.reservation_id, `${JSON.stringify(res)}\n${mesh.logs()}`).not.toBe('');
    await reportOutcome(
      client,
      validOutcome({
        reservation_id: ad.reservation_id,
        creative_id: ad.creative_id,
        session_id: req.signals?.session_id,
        event: 'OUTCOME_EVENT_IMPRESSION',
      }),
    );
    pids = mesh.pids();
    before = await settled(db);
    expect(Object.keys(before).length).toBeGreaterThan(0);
  });

  afterAll(async () => {
    client?.close();
    await mesh?.stop();
    await redis?.stop();
  });

  it.each(BAD_DECIDE.map(([what, breakIt, field]) => [what, field, breakIt] as const))(
    'Decide: %s → INVALID_ARGUMENT naming %s',
    async (_what, field, breakIt) => {
      expectStatus(
        await rejection(decide(client, breakIt(validDecide()))),
        grpc.status.INVALID_ARGUMENT,
        field,
      );
    },
  );

  it.each(BAD_OUTCOME.map(([what, change, field]) => [what, field, change] as const))(
    'ReportOutcome: %s → INVALID_ARGUMENT naming %s',
    async (_what, field, change) => {
      const report = validOutcome({ reservation_id: 'res-unknown', ...change });
      expectStatus(await rejection(reportOutcome(client, report)), grpc.status.INVALID_ARGUMENT, field);
    },
  );

  it('an oversize Decide (1 MiB of excluded advertisers) → RESOURCE_EXHAUSTED', async () => {
    const huge = Array.from(
      { length: 10_000 },
      (_, i) => `advertiser-${String(i).padStart(6, '0')}-${'x'.repeat(90)}`,
    );
    expect(huge.join('').length).toBeGreaterThan(1024 * 1024);
    const err = await rejection(decide(client, validDecide({ excluded_advertisers: huge })));
    expectStatus(err, grpc.status.RESOURCE_EXHAUSTED);
  });

  it('a deadline too short to decide in → DEADLINE_EXCEEDED from the broker', async () => {
    // The request's own deadline (1 ms) leaves less than PARLEY_MIN_DEADLINE_MS; the
    // gRPC deadline is generous, so the status comes from the broker, not the client.
    const err = await rejection(decide(client, validDecide({ deadline_ms: 1 }), { timeoutMs: 5000 }));
    expectStatus(err, grpc.status.DEADLINE_EXCEEDED);
    expect((err as grpc.ServiceError).details).toMatch(/ms/);
  });

  it('afterwards nothing crashed, no state moved, and the mesh still decides', async () => {
    expect(await snapshot(db)).toEqual(before);
    expect(mesh.pids()).toEqual(pids);
    for (const pid of Object.values(pids)) expect(() => process.kill(pid, 0)).not.toThrow();
    // A generous deadline: this asks whether the mesh still works, not how fast (a CI run's loaded
    // machine made the objective agent miss a default deadline's share).
    const res = await decide(client, validDecide({ deadline_ms: 1000 }), { timeoutMs: 5000 });
    expect(res.degraded, mesh.logs()).toEqual([]);
    expect(res.ads.length).toBeGreaterThan(0);
  });
});
