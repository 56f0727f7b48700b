/**
 * Redis adapters of the objective agent's ports (BudgetLedger, OutcomeLog),
 * for several replicas sharing one budget. Every check-and-update is a Lua
 * script (ioredis defineCommand), so concurrent replicas can never overspend
 * a budget, exceed a frequency cap or move a reservation's money twice.
 *
 * Keys (all under `${redisPrefix}objective:`):
 *   camp:<campaign>               hash spent, reserved (lifetime)
 *   day:<campaign>|<utc day>      hash spent, reserved (expires 2 days after the day)
 *   freq:<campaign>|<session>     zset reservation id → reserved at (capped campaigns)
 *   res:<reservation>             hash amount and the keys above it touched
 *   expiries                      zset reservation id → expiry
 *   idem:<idempotency key>        outcome already recorded (PX idempotencyTtlMs)
 *   outcomes                      stream: the outcome event log (MAXLEN ~)
 *   kpi:<campaign>                hash impressions, completes, clicks, skips
 *
 * The scripts settle/release through the key names stored in the
 * reservation hash, so they assume a single Redis (or a primary with
 * replicas), not Redis Cluster.
 */
import type { Redis } from 'ioredis';
import type { OutcomeKind } from '../common/domain/types';
import type {
  BudgetLedger,
  LedgerOptions,
  ReserveInput,
  ReserveRefusal,
  ReserveResult,
  SpendState,
} from './ledger';
import {
  COUNTER_OF,
  type GroupStart,
  type LoggedOutcome,
  type OutcomeCounters,
  type OutcomeEntry,
  type OutcomeLog,
  type OutcomeLogOptions,
  type RecordResult,
} from './outcome-log';
import { DAY_MS, utcDay } from './pacing';

export function objectiveKeys(redisPrefix: string) {
  const p = `${redisPrefix}objective:`;
  return {
    reservationPrefix: `${p}res:`,
    lifetime: (campaignId: string) => `${p}camp:${campaignId}`,
    day: (campaignId: string, day: number) => `${p}day:${campaignId}|${day}`,
    frequency: (campaignId: string, sessionId: string) => `${p}freq:${campaignId}|${sessionId}`,
    reservation: (reservationId: string) => `${p}res:${reservationId}`,
    expiries: `${p}expiries`,
    idempotency: (key: string) => `${p}idem:${key}`,
    log: `${p}outcomes`,
    kpi: (campaignId: string) => `${p}kpi:${campaignId}`,
  };
}

/**
 * Moves a reservation's amount out of `reserved` (into `spent` when to_spent)
 * and deletes it. Returns the amount, or -1 when there is no such reservation.
 */
const CLOSE_RESERVATION = `
local function close_reservation(rkey, rid, expiries, to_spent)
  local r = redis.call('HMGET', rkey, 'amount', 'life', 'day', 'freq')
  if not r[1] then return -1 end
  local amount = tonumber(r[1])
  if amount > 0 then
    redis.call('HINCRBY', r[2], 'reserved', -amount)
    if to_spent then redis.call('HINCRBY', r[2], 'spent', amount) end
    if redis.call('EXISTS', r[3]) == 1 then
      redis.call('HINCRBY', r[3], 'reserved', -amount)
      if to_spent then redis.call('HINCRBY', r[3], 'spent', amount) end
    end
  end
  if (not to_spent) and r[4] and r[4] ~= '' then redis.call('ZREM', r[4], rid) end
  redis.call('DEL', rkey)
  redis.call('ZREM', expiries, rid)
  return amount
end
`;

// KEYS: lifetime, day, frequency, reservation, expiries
// ARGV: amount, total, daily, maxImpressions, windowStart, now, expiresAt, reservationId, dayTtlMs, windowMs
const RESERVE = `
if redis.call('EXISTS', KEYS[4]) == 1 then return 'duplicate' end
local amount = tonumber(ARGV[1])
local total = tonumber(ARGV[2])
if total > 0 then
  local b = redis.call('HMGET', KEYS[1], 'spent', 'reserved')
  if (tonumber(b[1]) or 0) + (tonumber(b[2]) or 0) + amount > total then return 'lifetime_budget' end
end
local daily = tonumber(ARGV[3])
if daily > 0 then
  local b = redis.call('HMGET', KEYS[2], 'spent', 'reserved')
  if (tonumber(b[1]) or 0) + (tonumber(b[2]) or 0) + amount > daily then return 'daily_budget' end
end
local capped = tonumber(ARGV[4]) > 0
if capped then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[5])
  if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[4]) then return 'frequency_cap' end
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[8])
  redis.call('PEXPIRE', KEYS[3], ARGV[10])
end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
redis.call('HINCRBY', KEYS[2], 'reserved', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[9])
redis.call('HSET', KEYS[4], 'amount', ARGV[1], 'life', KEYS[1], 'day', KEYS[2], 'freq', capped and KEYS[3] or '')
redis.call('ZADD', KEYS[5], ARGV[7], ARGV[8])
return 'ok'
`;

// KEYS: reservation, expiries; ARGV: reservation id, '1' to settle | '0' to release
const CLOSE = `${CLOSE_RESERVATION}
return close_reservation(KEYS[1], ARGV[1], KEYS[2], ARGV[2] == '1')
`;

// KEYS: expiries; ARGV: now, reservation key prefix, limit. Returns [scanned, released ids…]
const RELEASE_EXPIRED = `${CLOSE_RESERVATION}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {#ids}
for _, id in ipairs(ids) do
  if close_reservation(ARGV[2] .. id, id, KEYS[1], false) >= 0 then
    out[#out + 1] = id
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
`;

// KEYS: idempotency, log, kpi, reservation, expiries
// ARGV: idempotencyTtlMs, maxLen, settle '1'|'0', reservation id, counter field or '', field, value, …
const RECORD = `${CLOSE_RESERVATION}
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return {1, 0, ''} end
local settled = 0
if ARGV[3] == '1' then
  local a = close_reservation(KEYS[4], ARGV[4], KEYS[5], true)
  if a > 0 then settled = a end
end
if ARGV[5] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[5], 1) end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
fields[#fields + 1] = 'settled_micros'
fields[#fields + 1] = tostring(settled)
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(fields))
return {0, settled, id}
`;

// KEYS: one frequency zset per capped campaign; ARGV: the matching window starts (exclusive)
const SESSION_IMPRESSIONS = `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('ZCOUNT', KEYS[i], '(' .. ARGV[i], '+inf') end
return out
`;

// KEYS: one hash per value wanted; ARGV: the fields read from each. Returns the HMGETs, flattened.
const HMGET_MANY = `
local out = {}
for i = 1, #KEYS do
  local v = redis.call('HMGET', KEYS[i], unpack(ARGV))
  for j = 1, #ARGV do out[#out + 1] = v[j] or false end
end
return out
`;

type Arg = string | number;
interface ObjectiveCommands {
  parleyObjReserve(...args: Arg[]): Promise<string>;
  parleyObjClose(...args: Arg[]): Promise<number>;
  parleyObjReleaseExpired(...args: Arg[]): Promise<[number, ...string[]]>;
  parleyObjRecord(...args: Arg[]): Promise<[number, number, string]>;
  parleyObjSessionImpressions(numberOfKeys: number, ...args: Arg[]): Promise<number[]>;
  parleyObjHmgetMany(numberOfKeys: number, ...args: Arg[]): Promise<Array<string | null>>;
}

function withCommands(redis: Redis): Redis & ObjectiveCommands {
  redis.defineCommand('parleyObjReserve', { numberOfKeys: 5, lua: RESERVE });
  redis.defineCommand('parleyObjClose', { numberOfKeys: 2, lua: CLOSE });
  redis.defineCommand('parleyObjReleaseExpired', { numberOfKeys: 1, lua: RELEASE_EXPIRED });
  redis.defineCommand('parleyObjRecord', { numberOfKeys: 5, lua: RECORD });
  // Variable key count: the first argument of each call is the number of keys.
  redis.defineCommand('parleyObjSessionImpressions', { lua: SESSION_IMPRESSIONS });
  redis.defineCommand('parleyObjHmgetMany', { lua: HMGET_MANY });
  return redis as Redis & ObjectiveCommands;
}

const int = (v: string | null | undefined): number => (v ? Number(v) : 0);

/** How many expired reservations one script call releases (keeps each call short). */
const SWEEP_BATCH = 256;

export class RedisLedger implements BudgetLedger {
  private readonly redis: Redis & ObjectiveCommands;
  private readonly keys: ReturnType<typeof objectiveKeys>;

  /** `redis` is borrowed: closing the ledger does not close it. */
  constructor(
    redis: Redis,
    redisPrefix: string,
    private readonly options: LedgerOptions,
  ) {
    this.redis = withCommands(redis);
    this.keys = objectiveKeys(redisPrefix);
  }

  async reserve(input: ReserveInput): Promise<ReserveResult> {
    const { limits, nowMs } = input;
    const k = this.keys;
    const day = utcDay(nowMs);
    const r = await this.redis.parleyObjReserve(
      k.lifetime(input.campaignId),
      k.day(input.campaignId, day),
      k.frequency(input.campaignId, input.sessionId),
      k.reservation(input.reservationId),
      k.expiries,
      input.amountMicros,
      limits.totalBudgetMicros,
      limits.dailyBudgetMicros,
      limits.frequencyCap.maxImpressions,
      nowMs - limits.frequencyCap.windowMs,
      nowMs,
      nowMs + this.options.reservationTtlMs,
      input.reservationId,
      // Relative, so the day's books live 2-3 days whatever Redis's own clock says.
      (day + 3) * DAY_MS - nowMs,
      Math.max(1, limits.frequencyCap.windowMs),
    );
    return r === 'ok' ? { reserved: true } : { reserved: false, reason: r as ReserveRefusal };
  }

  async settle(reservationId: string): Promise<number> {
    const n = await this.redis.parleyObjClose(
      this.keys.reservation(reservationId),
      this.keys.expiries,
      reservationId,
      '1',
    );
    return Math.max(0, n);
  }

  async release(reservationId: string): Promise<boolean> {
    const n = await this.redis.parleyObjClose(
      this.keys.reservation(reservationId),
      this.keys.expiries,
      reservationId,
      '0',
    );
    return n >= 0;
  }

  async releaseExpired(nowMs: number): Promise<string[]> {
    const released: string[] = [];
    for (;;) {
      const [scanned, ...ids] = await this.redis.parleyObjReleaseExpired(
        this.keys.expiries,
        nowMs,
        this.keys.reservationPrefix,
        SWEEP_BATCH,
      );
      released.push(...ids);
      if (scanned < SWEEP_BATCH) return released;
    }
  }

  async spend(campaignId: string, nowMs: number): Promise<SpendState> {
    const [life, today] = await Promise.all([
      this.redis.hmget(this.keys.lifetime(campaignId), 'spent', 'reserved'),
      this.redis.hmget(this.keys.day(campaignId, utcDay(nowMs)), 'spent', 'reserved'),
    ]);
    return {
      lifetimeSpentMicros: int(life[0]),
      lifetimeReservedMicros: int(life[1]),
      todaySpentMicros: int(today[0]),
      todayReservedMicros: int(today[1]),
    };
  }

  /** One script call for every campaign (instead of two HMGETs each). */
  async spendMany(campaignIds: readonly string[], nowMs: number): Promise<SpendState[]> {
    if (campaignIds.length === 0) return [];
    if (campaignIds.length === 1) return [await this.spend(campaignIds[0]!, nowMs)];
    const day = utcDay(nowMs);
    const keys = campaignIds.flatMap((id) => [this.keys.lifetime(id), this.keys.day(id, day)]);
    const v = await this.redis.parleyObjHmgetMany(keys.length, ...keys, 'spent', 'reserved');
    return campaignIds.map((_, i) => ({
      lifetimeSpentMicros: int(v[4 * i]),
      lifetimeReservedMicros: int(v[4 * i + 1]),
      todaySpentMicros: int(v[4 * i + 2]),
      todayReservedMicros: int(v[4 * i + 3]),
    }));
  }

  async sessionImpressions(
    campaignId: string,
    sessionId: string,
    windowMs: number,
    nowMs: number,
  ): Promise<number> {
    return this.redis.zcount(this.keys.frequency(campaignId, sessionId), `(${nowMs - windowMs}`, '+inf');
  }

  /** One script call for every capped campaign of an evaluation (instead of a ZCOUNT each). */
  async sessionImpressionsMany(
    caps: ReadonlyArray<{ campaignId: string; windowMs: number }>,
    sessionId: string,
    nowMs: number,
  ): Promise<number[]> {
    if (caps.length === 0) return [];
    if (caps.length === 1) {
      const c = caps[0]!;
      return [await this.sessionImpressions(c.campaignId, sessionId, c.windowMs, nowMs)];
    }
    const keys = caps.map((c) => this.keys.frequency(c.campaignId, sessionId));
    const starts = caps.map((c) => nowMs - c.windowMs);
    const counts = await this.redis.parleyObjSessionImpressions(caps.length, ...keys, ...starts);
    return counts.map((n) => Number(n));
  }

  async close(): Promise<void> {}
}

const ENTRY_FIELDS = [
  'idempotency_key',
  'request_id',
  'reservation_id',
  'creative_id',
  'campaign_id',
  'session_id',
  'event',
  'skip_offset_ms',
  'occurred_at_ms',
] as const;

function entryFields(e: OutcomeEntry): string[] {
  const values: Record<(typeof ENTRY_FIELDS)[number], string> = {
    idempotency_key: e.idempotencyKey,
    request_id: e.requestId,
    reservation_id: e.reservationId,
    creative_id: e.creativeId,
    campaign_id: e.campaignId,
    session_id: e.sessionId,
    event: e.event,
    skip_offset_ms: String(e.skipOffsetMs),
    occurred_at_ms: String(e.occurredAtMs),
  };
  return ENTRY_FIELDS.flatMap((f) => [f, values[f]]);
}

function entryFromStream(id: string, flat: string[]): LoggedOutcome {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!, flat[i + 1]!);
  const s = (name: string) => f.get(name) ?? '';
  return {
    id,
    idempotencyKey: s('idempotency_key'),
    requestId: s('request_id'),
    reservationId: s('reservation_id'),
    creativeId: s('creative_id'),
    campaignId: s('campaign_id'),
    sessionId: s('session_id'),
    event: s('event') as OutcomeKind,
    skipOffsetMs: int(f.get('skip_offset_ms')),
    occurredAtMs: int(f.get('occurred_at_ms')),
    settledMicros: int(f.get('settled_micros')),
  };
}

type StreamReply = Array<[string, Array<[string, string[]]>]> | null;

export class RedisOutcomeLog implements OutcomeLog {
  private readonly redis: Redis & ObjectiveCommands;
  private readonly keys: ReturnType<typeof objectiveKeys>;
  private readonly groups = new Set<string>();

  /** `redis` is borrowed: closing the log does not close it. */
  constructor(
    redis: Redis,
    redisPrefix: string,
    private readonly options: OutcomeLogOptions,
  ) {
    this.redis = withCommands(redis);
    this.keys = objectiveKeys(redisPrefix);
  }

  async record(entry: OutcomeEntry, _nowMs: number): Promise<RecordResult> {
    const k = this.keys;
    const settle = entry.event === 'impression' && entry.reservationId !== '';
    const [duplicate, settledMicros, id] = await this.redis.parleyObjRecord(
      k.idempotency(entry.idempotencyKey),
      k.log,
      k.kpi(entry.campaignId),
      k.reservation(entry.reservationId),
      k.expiries,
      this.options.idempotencyTtlMs,
      this.options.maxLen,
      settle ? '1' : '0',
      entry.reservationId,
      entry.campaignId ? COUNTER_OF[entry.event] : '',
      ...entryFields(entry),
    );
    return { duplicate: duplicate === 1, settledMicros, id };
  }

  async readGroup(
    group: string,
    consumer: string,
    count: number,
    from: GroupStart = 'oldest',
  ): Promise<LoggedOutcome[]> {
    const read = async () => {
      await this.ensureGroup(group, from);
      return (await this.redis.xreadgroup(
        'GROUP',
        group,
        consumer,
        'COUNT',
        count,
        'STREAMS',
        this.keys.log,
        '>',
      )) as StreamReply;
    };
    let reply: StreamReply;
    try {
      reply = await read();
    } catch (err) {
      // Another instance removed the group since this one created it: create it again.
      if (!String((err as Error).message).includes('NOGROUP')) throw err;
      this.groups.delete(group);
      reply = await read();
    }
    const entries = reply?.[0]?.[1] ?? [];
    return entries.map(([id, flat]) => entryFromStream(id, flat));
  }

  async leaveGroup(group: string): Promise<boolean> {
    this.groups.delete(group);
    return (await this.redis.xgroup('DESTROY', this.keys.log, group)) === 1;
  }

  async ack(group: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.redis.xack(this.keys.log, group, ...ids);
  }

  async counters(campaignId: string): Promise<OutcomeCounters> {
    const [impressions, completes, clicks, skips] = await this.redis.hmget(
      this.keys.kpi(campaignId),
      'impressions',
      'completes',
      'clicks',
      'skips',
    );
    return {
      impressions: int(impressions),
      completes: int(completes),
      clicks: int(clicks),
      skips: int(skips),
    };
  }

  /** One script call for every campaign (instead of an HMGET each). */
  async countersMany(campaignIds: readonly string[]): Promise<OutcomeCounters[]> {
    if (campaignIds.length === 0) return [];
    if (campaignIds.length === 1) return [await this.counters(campaignIds[0]!)];
    const keys = campaignIds.map((id) => this.keys.kpi(id));
    const v = await this.redis.parleyObjHmgetMany(
      keys.length,
      ...keys,
      'impressions',
      'completes',
      'clicks',
      'skips',
    );
    return campaignIds.map((_, i) => ({
      impressions: int(v[4 * i]),
      completes: int(v[4 * i + 1]),
      clicks: int(v[4 * i + 2]),
      skips: int(v[4 * i + 3]),
    }));
  }

  async close(): Promise<void> {}

  private async ensureGroup(group: string, from: GroupStart): Promise<void> {
    if (this.groups.has(group)) return;
    try {
      await this.redis.xgroup('CREATE', this.keys.log, group, from === 'newest' ? '$' : '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
    this.groups.add(group);
  }
}
