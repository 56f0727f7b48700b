/**
 * Redis adapters of the objective agent's ports (BudgetLedger, OutcomeLog),
 * for several replicas sharing one budget. Every check-and-update is a Lua
 * script (ioredis defineCommand), so concurrent replicas can never overspend
 * a budget, exceed a frequency cap or move a reservation's money twice. A
 * commit's reservations are one script call, an outcome (or a batch of
 * them) another; each read evaluate makes is one command.
 *
 * Keys (all under `${redisPrefix}{objective}:`: one hash tag, so on a Redis
 * Cluster every key of the ledger and the outcome log is in one slot, as
 * the scripts below need: a commit's reservations span campaigns, a request
 * and the expiry index, and an outcome's script its idempotency key, the
 * reservation, the campaign and the event log):
 *   camp:<campaign>               hash: the campaign's books and KPI counters
 *                                   spent, reserved              lifetime micros
 *                                   spent:<day>, reserved:<day>  that UTC day's micros (days kept: `days`)
 *                                   days                         the days with books, kept 2 days after the day
 *                                   total_budget, daily_budget   the limits of its latest reservation (late charges)
 *                                   impressions, completes, clicks, skips
 *   freq:<campaign>|<session>     string: the session's reservation times in the cap's window,
 *                                 space-separated, oldest first (capped campaigns; PX the window)
 *   res:<reservation>             string: an open reservation (its record: see LUA_COMMON)
 *   req:<request>                 set: the request's open reservations (releaseRequest), and the
 *                                 member '!abandoned' once the whole request was released
 *                                 (a later commit of it is refused; PX the reservation TTL)
 *   expiries                      zset reservation id → expiry
 *   late:<reservation>            string: the tombstone of an expired or released reservation, for a
 *                                 late impression: 'expired' | 'released', amount, UTC day, campaign hash
 *                                 (newline-separated; PX the late-impression window)
 *   idem:<idempotency key>        outcome already recorded: the recording call's token and what it did
 *                                 (settled micros, the charge, the log entry; newline-separated; PX
 *                                 idempotencyTtlMs), so a call that Redis ran twice gets its own answer
 *   outcomes                      stream: the outcome event log (MAXLEN ~)
 *   lift:waves                    hash: brand-lift survey waves, `<campaign>\n<wave>` → the wave's
 *                                 figures (JSON; brand-lift-redis.ts)
 *   lift:version                  string: bumped by each report that changed a wave
 *
 * The scripts settle/release through the key names stored in the
 * reservation, which are all in that one slot.
 */

import { randomBytes } from 'node:crypto';
import type { OutcomeKind } from '../common/domain/types';
import type { Redis } from '../common/state/redis';
import {
  type BudgetLedger,
  type Charge,
  type ChargeRefusal,
  LATE_IMPRESSION_MS,
  type LedgerOptions,
  type ReserveBatch,
  type ReserveInput,
  type ReserveRefusal,
  type ReserveResult,
  type SpendState,
} from './ledger';
import {
  COUNTER_OF,
  type GroupStart,
  type LoggedOutcome,
  NO_CHARGE,
  type OutcomeCounters,
  type OutcomeEntry,
  type OutcomeLog,
  type OutcomeLogOptions,
  type RecordResult,
} from './outcome-log';
import { utcDay } from './pacing';

export function objectiveKeys(redisPrefix: string) {
  const p = `${redisPrefix}{objective}:`;
  return {
    reservationPrefix: `${p}res:`,
    /** The campaign's books (lifetime `spent` / `reserved`, the days', KPI counters). */
    lifetime: (campaignId: string) => `${p}camp:${campaignId}`,
    frequency: (campaignId: string, sessionId: string) => `${p}freq:${campaignId}|${sessionId}`,
    reservation: (reservationId: string) => `${p}res:${reservationId}`,
    tombstonePrefix: `${p}late:`,
    tombstone: (reservationId: string) => `${p}late:${reservationId}`,
    request: (requestId: string) => `${p}req:${requestId}`,
    expiries: `${p}expiries`,
    idempotency: (key: string) => `${p}idem:${key}`,
    log: `${p}outcomes`,
    liftWaves: `${p}lift:waves`,
    liftVersion: `${p}lift:version`,
  };
}

/** The books' fields of a UTC day in a campaign hash. */
const spentOn = (day: number) => `spent:${day}`;
const reservedOn = (day: number) => `reserved:${day}`;

/**
 * Shared Lua. A reservation record is one string, its parts separated by
 * newlines (ids and key names have none): amount, UTC day, reserved at
 * (ms), the campaign hash, the frequency key ('' = uncapped), the request
 * set ('' = none).
 *
 * close_reservation moves a reservation's amount out of `reserved` (into
 * `spent` when to_spent; the day's books only while they are kept), gives a
 * released one's frequency slot back, and forgets it; given a tombstone key
 * and kind ('expired' | 'released'), it leaves the tombstone for late_ms (0 =
 * none). Returns the amount, or -1 when there is no such reservation.
 *
 * charge is an impression's: it settles the open reservation, else charges
 * an expired one's tombstone when the campaign's budgets (as of its latest
 * reservation) have room. Returns the micros charged and 'settled' | 'late'
 * | the refusal ('unknown' | 'released' | 'lifetime_budget' | 'daily_budget').
 */
const LUA_COMMON = `
local function num(v) return tonumber(v) or 0 end
local function int(n) return string.format('%d', n) end

local function close_reservation(rkey, rid, expiries, to_spent, tkey, kind, late_ms)
  local v = redis.call('GET', rkey)
  if not v then return -1 end
  local amount, day, at, camp, freq, req = string.match(v, '^(%d+)\\n(%d+)\\n(%d+)\\n([^\\n]*)\\n([^\\n]*)\\n(.*)$')
  amount = tonumber(amount)
  if amount > 0 then
    local b = redis.call('HMGET', camp, 'spent', 'reserved', 'spent:' .. day, 'reserved:' .. day)
    local books = {'reserved', int(num(b[2]) - amount)}
    if to_spent then books[3] = 'spent'; books[4] = int(num(b[1]) + amount) end
    if b[4] then
      books[#books + 1] = 'reserved:' .. day
      books[#books + 1] = int(num(b[4]) - amount)
      if to_spent then
        books[#books + 1] = 'spent:' .. day
        books[#books + 1] = int(num(b[3]) + amount)
      end
    end
    redis.call('HSET', camp, unpack(books))
  end
  if (not to_spent) and freq ~= '' then
    local times = redis.call('GET', freq)
    if times then
      local kept, found = {}, false
      for t in string.gmatch(times, '%d+') do
        if (not found) and t == at then found = true else kept[#kept + 1] = t end
      end
      if #kept == 0 then redis.call('DEL', freq)
      elseif found then redis.call('SET', freq, table.concat(kept, ' '), 'KEEPTTL') end
    end
  end
  redis.call('DEL', rkey)
  redis.call('ZREM', expiries, rid)
  if req ~= '' then redis.call('SREM', req, rid) end
  if tkey and tonumber(late_ms) > 0 then
    redis.call('SET', tkey, table.concat({kind, int(amount), day, camp}, '\\n'), 'PX', late_ms)
  end
  return amount
end

local function charge(rkey, tkey, rid, expiries)
  local moved = close_reservation(rkey, rid, expiries, true)
  if moved >= 0 then return moved, 'settled' end
  local v = redis.call('GET', tkey)
  if not v then return 0, 'unknown' end
  local kind, amount, day, camp = string.match(v, '^(%a+)\\n(%d+)\\n(%d+)\\n(.*)$')
  if kind ~= 'expired' then return 0, 'released' end
  amount = tonumber(amount)
  local b = redis.call('HMGET', camp, 'spent', 'reserved', 'spent:' .. day, 'reserved:' .. day,
    'total_budget', 'daily_budget')
  -- No budgets noted (the campaign was last reserved by an older version): nothing to check against.
  if not b[5] then return 0, 'unknown' end
  local total, daily = num(b[5]), num(b[6])
  if total > 0 and num(b[1]) + num(b[2]) + amount > total then return 0, 'lifetime_budget' end
  -- The day's books only while they are kept (reserved:<day> is there from the day's first reservation).
  if b[4] and daily > 0 and num(b[3]) + num(b[4]) + amount > daily then return 0, 'daily_budget' end
  if amount > 0 then
    local books = {'spent', int(num(b[1]) + amount)}
    if b[4] then books[3] = 'spent:' .. day; books[4] = int(num(b[3]) + amount) end
    redis.call('HSET', camp, unpack(books))
  end
  redis.call('DEL', tkey)
  return amount, 'late'
end
`;

/** The request set's member saying the whole request was released: its later commits are refused. */
const ABANDONED = '!abandoned';

// KEYS: expiries, request set, then per reservation: campaign hash, frequency key, reservation key
// ARGV: now, utc day, expires at, '1' to note the reservations in the request set | '0',
//       then per reservation: reservation id, amount, total budget, daily budget, max impressions, window ms
// Returns per reservation 'ok' or the refusal.
const RESERVE = `${LUA_COMMON}
local now, day, expires_at = ARGV[1], ARGV[2], ARGV[3]
local req = ARGV[4] == '1' and KEYS[2] or ''

local function reserve(camp, freq, rkey, rid, amount, total, daily, max_impressions, window)
  local capped = max_impressions > 0
  if redis.call('EXISTS', rkey) == 1 then return 'duplicate' end
  local b = redis.call('HMGET', camp, 'spent', 'reserved', 'spent:' .. day, 'reserved:' .. day, 'days',
    'total_budget', 'daily_budget')
  if b[6] ~= int(total) or b[7] ~= int(daily) then
    -- What a late impression of the campaign is charged against.
    redis.call('HSET', camp, 'total_budget', int(total), 'daily_budget', int(daily))
  end
  local refusal = nil
  if total > 0 and num(b[1]) + num(b[2]) + amount > total then refusal = 'lifetime_budget'
  elseif daily > 0 and num(b[3]) + num(b[4]) + amount > daily then refusal = 'daily_budget' end
  local times = {}
  if capped and not refusal then
    local since = tonumber(now) - window
    for t in string.gmatch(redis.call('GET', freq) or '', '%d+') do
      if tonumber(t) > since then times[#times + 1] = t end
    end
    if #times >= max_impressions then refusal = 'frequency_cap' end
  end
  if refusal then return refusal end
  if capped then
    times[#times + 1] = now
    redis.call('SET', freq, table.concat(times, ' '), 'PX', window)
  end
  if amount > 0 then
    local books = {'reserved', int(num(b[2]) + amount), 'reserved:' .. day, int(num(b[4]) + amount)}
    if not b[4] then
      -- The campaign's first reservation of the day: keep the books of the last two days only.
      local keep, drop = {}, {}
      for d in string.gmatch(b[5] or '', '%d+') do
        if tonumber(d) >= tonumber(day) - 2 then keep[#keep + 1] = d
        else drop[#drop + 1] = 'spent:' .. d; drop[#drop + 1] = 'reserved:' .. d end
      end
      if #drop > 0 then redis.call('HDEL', camp, unpack(drop)) end
      keep[#keep + 1] = day
      books[5] = 'days'
      books[6] = table.concat(keep, ' ')
    end
    redis.call('HSET', camp, unpack(books))
  end
  redis.call('ZADD', KEYS[1], expires_at, rid)
  -- The record last: a script that fails before this line (Redis does not undo what it wrote)
  -- leaves no reservation that a release or an impression would take out of the books.
  redis.call('SET', rkey, table.concat({int(amount), day, now, camp, capped and freq or '', req}, '\\n'))
  return 'ok'
end

local out, held = {}, {}
if req ~= '' and redis.call('SISMEMBER', req, '${ABANDONED}') == 1 then
  -- The broker gave this request up (releaseRequest of all of it) before its commit got here.
  for i = 0, (#KEYS - 2) / 3 - 1 do out[i + 1] = 'abandoned' end
  return out
end
for i = 0, (#KEYS - 2) / 3 - 1 do
  local a = 5 + 6 * i
  local rid = ARGV[a]
  local r = reserve(KEYS[3 + 3 * i], KEYS[4 + 3 * i], KEYS[5 + 3 * i], rid,
    tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]))
  if r == 'ok' then held[#held + 1] = rid end
  out[i + 1] = r
end
if req ~= '' and #held > 0 then redis.call('SADD', req, unpack(held)) end
return out
`;

// KEYS: reservation, expiries, tombstone; ARGV: reservation id. Returns [micros, 'settled' | 'late' | refusal]
const SETTLE = `${LUA_COMMON}
local micros, how = charge(KEYS[1], KEYS[3], ARGV[1], KEYS[2])
return {micros, how}
`;

// KEYS: reservation, expiries, tombstone; ARGV: reservation id, late-impression ms. Returns the amount or -1.
const RELEASE = `${LUA_COMMON}
return close_reservation(KEYS[1], ARGV[1], KEYS[2], false, KEYS[3], 'released', ARGV[2])
`;

// KEYS: request set, expiries; ARGV: reservation key prefix, reservation TTL ms, tombstone key prefix,
// late-impression ms, then the ids to release
// (none = all of the request's, and the request is marked abandoned for the TTL)
const RELEASE_REQUEST = `${LUA_COMMON}
local ids = {}
for i = 5, #ARGV do ids[#ids + 1] = ARGV[i] end
local all = #ids == 0
if all then ids = redis.call('SMEMBERS', KEYS[1]) end
local out = {}
for _, id in ipairs(ids) do
  if id ~= '${ABANDONED}' and redis.call('SISMEMBER', KEYS[1], id) == 1 then
    if close_reservation(ARGV[1] .. id, id, KEYS[2], false, ARGV[3] .. id, 'released', ARGV[4]) >= 0 then
      out[#out + 1] = id
    else redis.call('SREM', KEYS[1], id) end
  end
end
if all then
  redis.call('SADD', KEYS[1], '${ABANDONED}')
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return out
`;

// KEYS: expiries; ARGV: now, reservation key prefix, limit, tombstone key prefix, late-impression ms.
// Returns [scanned, released ids…]
const RELEASE_EXPIRED = `${LUA_COMMON}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {#ids}
for _, id in ipairs(ids) do
  if close_reservation(ARGV[2] .. id, id, KEYS[1], false, ARGV[4] .. id, 'expired', ARGV[5]) >= 0 then
    out[#out + 1] = id
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
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

/** The stream entry's fields of an outcome, in the order RECORD gets their values (settled_micros follows). */
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

function entryValues(e: OutcomeEntry): string[] {
  return [
    e.idempotencyKey,
    e.requestId,
    e.reservationId,
    e.creativeId,
    e.campaignId,
    e.sessionId,
    e.event,
    String(e.skipOffsetMs),
    String(e.occurredAtMs),
  ];
}

// KEYS: log, expiries, then per outcome: idempotency key, campaign hash, reservation key, tombstone key
// ARGV: idempotency TTL ms, log max length, the call's token, then per outcome: '1' to settle | '0',
//       reservation id, counter field ('' = none), the values of ENTRY_FIELDS
// Returns per outcome, flattened: duplicate (1 | 0), charged micros, log entry id ('' for a duplicate),
// what the charge did ('' when none was asked for, else as charge returns).
// 4 values per outcome. A key recorded by this very call (its token: ioredis sent the script again
// after its reply was lost) answers what the first run did, not 'duplicate'.
const RECORD = `${LUA_COMMON}
local fields = {${ENTRY_FIELDS.map((f) => `'${f}'`).join(', ')}}
local per = 3 + #fields
local token = ARGV[3]
local out = {}
-- Keys this run has answered for: a key again in the same batch is a duplicate, even of this call's own.
local answered = {}
for i = 0, (#KEYS - 2) / 4 - 1 do
  local idem, camp, rkey, tkey = KEYS[3 + 4 * i], KEYS[4 + 4 * i], KEYS[5 + 4 * i], KEYS[6 + 4 * i]
  local a = 4 + per * i
  local seen = redis.call('GET', idem)
  local again = answered[idem]
  answered[idem] = true
  if seen and not again and string.sub(seen, 1, #token + 1) == token .. '\\n' then
    local first = {}
    for v in string.gmatch(string.sub(seen, #token + 2), '([^\\n]*)\\n?') do first[#first + 1] = v end
    out[#out + 1] = 0
    out[#out + 1] = tonumber(first[1])
    out[#out + 1] = first[2]
    out[#out + 1] = first[3]
  elseif not seen then
    local settled, how = 0, ''
    if ARGV[a] == '1' then settled, how = charge(rkey, tkey, ARGV[a + 1], KEYS[2]) end
    if ARGV[a + 2] ~= '' then redis.call('HINCRBY', camp, ARGV[a + 2], 1) end
    local entry = {}
    for j = 1, #fields do
      entry[#entry + 1] = fields[j]
      entry[#entry + 1] = ARGV[a + 2 + j]
    end
    entry[#entry + 1] = 'settled_micros'
    entry[#entry + 1] = int(settled)
    local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(entry))
    redis.call('SET', idem, table.concat({token, int(settled), id, how}, '\\n'), 'PX', ARGV[1])
    out[#out + 1] = 0
    out[#out + 1] = settled
    out[#out + 1] = id
    out[#out + 1] = how
  else
    out[#out + 1] = 1
    out[#out + 1] = 0
    out[#out + 1] = ''
    out[#out + 1] = ''
  end
end
return out
`;

type Arg = string | number;
interface ObjectiveCommands {
  parleyObjReserve(numberOfKeys: number, ...args: Arg[]): Promise<string[]>;
  parleyObjSettle(...args: Arg[]): Promise<[number, string]>;
  parleyObjRelease(...args: Arg[]): Promise<number>;
  parleyObjReleaseRequest(...args: Arg[]): Promise<string[]>;
  parleyObjReleaseExpired(...args: Arg[]): Promise<[number, ...string[]]>;
  parleyObjRecord(numberOfKeys: number, ...args: Arg[]): Promise<Array<number | string>>;
  parleyObjHmgetMany(numberOfKeys: number, ...args: Arg[]): Promise<Array<string | null>>;
}

function withCommands(redis: Redis): Redis & ObjectiveCommands {
  // Variable key count (no numberOfKeys): the first argument of each call is the number of keys.
  // (On a cluster ioredis' auto-pipelining files such a call under the node of that number's
  // slot, then sends the pipeline to its keys' slot: right, as long as every key the
  // connection touches is in the one {objective} slot.)
  redis.defineCommand('parleyObjReserve', { lua: RESERVE });
  redis.defineCommand('parleyObjSettle', { numberOfKeys: 3, lua: SETTLE });
  redis.defineCommand('parleyObjRelease', { numberOfKeys: 3, lua: RELEASE });
  redis.defineCommand('parleyObjReleaseRequest', { numberOfKeys: 2, lua: RELEASE_REQUEST });
  redis.defineCommand('parleyObjReleaseExpired', { numberOfKeys: 1, lua: RELEASE_EXPIRED });
  redis.defineCommand('parleyObjRecord', { lua: RECORD });
  redis.defineCommand('parleyObjHmgetMany', { lua: HMGET_MANY });
  return redis as Redis & ObjectiveCommands;
}

const int = (v: string | null | undefined): number => (v ? Number(v) : 0);

/** How many expired reservations one script call releases (keeps each call short). */
const SWEEP_BATCH = 256;
/** How many outcomes one script call records (keeps each call short). */
const RECORD_CHUNK = 100;

/** Reservation times (a frequency key's value) after `since`. */
function countAfter(times: string | null, since: number): number {
  if (!times) return 0;
  let n = 0;
  for (const t of times.split(' ')) if (Number(t) > since) n++;
  return n;
}

export class RedisLedger implements BudgetLedger {
  private readonly redis: Redis & ObjectiveCommands;
  private readonly keys: ReturnType<typeof objectiveKeys>;

  private readonly lateImpressionMs: number;

  /** `redis` is borrowed: closing the ledger does not close it. */
  constructor(
    redis: Redis,
    redisPrefix: string,
    private readonly options: LedgerOptions,
  ) {
    this.redis = withCommands(redis);
    this.keys = objectiveKeys(redisPrefix);
    this.lateImpressionMs = options.lateImpressionMs ?? LATE_IMPRESSION_MS;
  }

  async reserve(input: ReserveInput): Promise<ReserveResult> {
    const [r] = await this.reserveMany({
      requestId: input.requestId ?? '',
      sessionId: input.sessionId,
      nowMs: input.nowMs,
      reservations: [input],
    });
    return r!;
  }

  /** One script call for the whole commit. */
  async reserveMany(batch: ReserveBatch): Promise<ReserveResult[]> {
    const n = batch.reservations.length;
    if (n === 0) return [];
    const k = this.keys;
    const keys: Arg[] = [k.expiries, k.request(batch.requestId)];
    const args: Arg[] = [
      batch.nowMs,
      utcDay(batch.nowMs),
      batch.nowMs + this.options.reservationTtlMs,
      batch.requestId ? '1' : '0',
    ];
    for (const r of batch.reservations) {
      const cap = r.limits.frequencyCap;
      keys.push(
        k.lifetime(r.campaignId),
        k.frequency(r.campaignId, batch.sessionId),
        k.reservation(r.reservationId),
      );
      args.push(
        r.reservationId,
        r.amountMicros,
        r.limits.totalBudgetMicros,
        r.limits.dailyBudgetMicros,
        cap.maxImpressions,
        // Whole ms: the script sets it as the frequency key's PX, which Redis refuses otherwise
        // (a catalogue's window_s * 1000 need not be whole: 16.1 s is 16100.000000000002 ms).
        Math.max(1, Math.round(cap.windowMs)),
      );
    }
    const out = await this.redis.parleyObjReserve(keys.length, ...keys, ...args);
    return out.map((r) =>
      r === 'ok' ? { reserved: true } : { reserved: false, reason: r as ReserveRefusal },
    );
  }

  /** nowMs is not used: Redis expires the tombstones itself (PX). */
  async settle(reservationId: string): Promise<Charge> {
    const k = this.keys;
    const [micros, how] = await this.redis.parleyObjSettle(
      k.reservation(reservationId),
      k.expiries,
      k.tombstone(reservationId),
      reservationId,
    );
    return chargeOf(micros, how);
  }

  async release(reservationId: string): Promise<boolean> {
    const k = this.keys;
    const n = await this.redis.parleyObjRelease(
      k.reservation(reservationId),
      k.expiries,
      k.tombstone(reservationId),
      reservationId,
      this.lateImpressionMs,
    );
    return n >= 0;
  }

  async releaseRequest(requestId: string, reservationIds: readonly string[] = []): Promise<string[]> {
    return this.redis.parleyObjReleaseRequest(
      this.keys.request(requestId),
      this.keys.expiries,
      this.keys.reservationPrefix,
      this.options.reservationTtlMs,
      this.keys.tombstonePrefix,
      this.lateImpressionMs,
      ...reservationIds,
    );
  }

  async releaseExpired(nowMs: number): Promise<string[]> {
    const released: string[] = [];
    for (;;) {
      const [scanned, ...ids] = await this.redis.parleyObjReleaseExpired(
        this.keys.expiries,
        nowMs,
        this.keys.reservationPrefix,
        SWEEP_BATCH,
        this.keys.tombstonePrefix,
        this.lateImpressionMs,
      );
      released.push(...ids);
      if (scanned < SWEEP_BATCH) return released;
    }
  }

  async spend(campaignId: string, nowMs: number): Promise<SpendState> {
    const day = utcDay(nowMs);
    const v = await this.redis.hmget(this.keys.lifetime(campaignId), ...spendFields(day));
    return spendOf(v, 0);
  }

  /** One command whatever the number of campaigns (an HMGET, or one script call for several). */
  async spendMany(campaignIds: readonly string[], nowMs: number): Promise<SpendState[]> {
    if (campaignIds.length === 0) return [];
    if (campaignIds.length === 1) return [await this.spend(campaignIds[0]!, nowMs)];
    const keys = campaignIds.map((id) => this.keys.lifetime(id));
    const v = await this.redis.parleyObjHmgetMany(keys.length, ...keys, ...spendFields(utcDay(nowMs)));
    return campaignIds.map((_, i) => spendOf(v, 4 * i));
  }

  async sessionImpressions(
    campaignId: string,
    sessionId: string,
    windowMs: number,
    nowMs: number,
  ): Promise<number> {
    return countAfter(await this.redis.get(this.keys.frequency(campaignId, sessionId)), nowMs - windowMs);
  }

  /** One MGET for every capped campaign of an evaluation. */
  async sessionImpressionsMany(
    caps: ReadonlyArray<{ campaignId: string; windowMs: number }>,
    sessionId: string,
    nowMs: number,
  ): Promise<number[]> {
    if (caps.length === 0) return [];
    const times = await this.redis.mget(caps.map((c) => this.keys.frequency(c.campaignId, sessionId)));
    return caps.map((c, i) => countAfter(times[i] ?? null, nowMs - c.windowMs));
  }

  async close(): Promise<void> {}
}

/** A charge as the scripts report it (charge in LUA_COMMON). */
function chargeOf(micros: number, how: string): Charge {
  if (how === 'settled' || how === 'late') return { micros, late: how === 'late', refusal: null };
  return { micros: 0, late: false, refusal: how as ChargeRefusal };
}

function spendFields(day: number): string[] {
  return ['spent', 'reserved', spentOn(day), reservedOn(day)];
}

function spendOf(v: Array<string | null>, at: number): SpendState {
  return {
    lifetimeSpentMicros: int(v[at]),
    lifetimeReservedMicros: int(v[at + 1]),
    todaySpentMicros: int(v[at + 2]),
    todayReservedMicros: int(v[at + 3]),
  };
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

const COUNTER_FIELDS = ['impressions', 'completes', 'clicks', 'skips'] as const;

function countersOf(v: Array<string | null>, at: number): OutcomeCounters {
  return {
    impressions: int(v[at]),
    completes: int(v[at + 1]),
    clicks: int(v[at + 2]),
    skips: int(v[at + 3]),
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

  async record(entry: OutcomeEntry, nowMs: number): Promise<RecordResult> {
    const [r] = await this.recordMany([entry], nowMs);
    return r!;
  }

  /**
   * One script call per RECORD_CHUNK entries, all sent together (one round
   * trip); a chunk bounds how long one call holds Redis.
   */
  async recordMany(entries: readonly OutcomeEntry[], _nowMs: number): Promise<RecordResult[]> {
    if (entries.length <= RECORD_CHUNK) return this.recordChunk(entries);
    const chunks: Array<Promise<RecordResult[]>> = [];
    for (let i = 0; i < entries.length; i += RECORD_CHUNK) {
      chunks.push(this.recordChunk(entries.slice(i, i + RECORD_CHUNK)));
    }
    return (await Promise.all(chunks)).flat();
  }

  private async recordChunk(entries: readonly OutcomeEntry[]): Promise<RecordResult[]> {
    if (entries.length === 0) return [];
    const k = this.keys;
    const keys: Arg[] = [k.log, k.expiries];
    // The call's token: a script Redis runs twice (a resend) finds its own keys and answers the same.
    const args: Arg[] = [
      this.options.idempotencyTtlMs,
      this.options.maxLen,
      randomBytes(9).toString('base64'),
    ];
    for (const e of entries) {
      const settle = e.event === 'impression' && e.reservationId !== '';
      keys.push(
        k.idempotency(e.idempotencyKey),
        k.lifetime(e.campaignId),
        k.reservation(e.reservationId),
        k.tombstone(e.reservationId),
      );
      args.push(
        settle ? '1' : '0',
        e.reservationId,
        e.campaignId ? COUNTER_OF[e.event] : '',
        ...entryValues(e),
      );
    }
    const flat = await this.redis.parleyObjRecord(keys.length, ...keys, ...args);
    return entries.map((_, i) => {
      const how = String(flat[4 * i + 3]);
      const charge = how === '' ? NO_CHARGE : chargeOf(Number(flat[4 * i + 1]), how);
      return {
        duplicate: flat[4 * i] === 1,
        settledMicros: charge.micros,
        late: charge.late,
        refusal: charge.refusal,
        id: String(flat[4 * i + 2]),
      };
    });
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
    return countersOf(await this.redis.hmget(this.keys.lifetime(campaignId), ...COUNTER_FIELDS), 0);
  }

  /** One script call for every campaign (instead of an HMGET each). */
  async countersMany(campaignIds: readonly string[]): Promise<OutcomeCounters[]> {
    if (campaignIds.length === 0) return [];
    if (campaignIds.length === 1) return [await this.counters(campaignIds[0]!)];
    const keys = campaignIds.map((id) => this.keys.lifetime(id));
    const v = await this.redis.parleyObjHmgetMany(keys.length, ...keys, ...COUNTER_FIELDS);
    return campaignIds.map((_, i) => countersOf(v, 4 * i));
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
