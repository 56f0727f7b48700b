/**
 * Redis adapter of the SessionStore port: one HASH per session at
 * `<prefix>context:session:{<id>}`, expiring `ttlMs` after its last write
 * (PEXPIRE). Each update is one Lua script, so concurrent replicas never lose
 * an update. The session id is the key's hash tag: on a Redis Cluster the
 * sessions spread over the slots, and a batch of outcomes is one script call
 * per session (one per OUTCOMES_CHUNK outcomes on a single Redis). Fields:
 *
 *   ads_heard   integer
 *   outcomes    last ad outcomes, oldest first: "s" skip, "c" complete
 *   genres      last genres, oldest first, separated by "\n"
 *   scenario    scenario of the last assessment
 *   updated_ms  time of the last write (caller's clock)
 */
import { createHash } from 'node:crypto';
import { SCENARIOS, type Scenario } from '../common/domain/types';
import type { Redis } from '../common/state/redis';
import {
  type AdOutcome,
  type AssessUpdate,
  type ContextUpdate,
  cleanGenre,
  type OutcomeUpdate,
  RECENT_GENRES,
  RECENT_OUTCOMES,
  type SessionOutcome,
  type SessionState,
  type SessionStore,
} from './session-store';

// Shared: the session hash as a table, and the genres after `genre` (the genre playing, '' = none):
// repeats collapsed, the last `max` kept; nil when unchanged.
const COMMON = `
local function read(key)
  local flat = redis.call('HGETALL', key)
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  return h, flat
end

local function push_genre(cur, genre, max)
  if genre == '' then return nil end
  local list = {}
  for g in string.gmatch(cur or '', '[^\\n]+') do list[#list + 1] = g end
  if list[#list] == genre then return nil end
  list[#list + 1] = genre
  while #list > max do table.remove(list, 1) end
  return table.concat(list, '\\n')
end
`;

// KEYS[1] session; ARGV: genre, scenario, now_ms, ttl_ms, max_genres
const RECORD_CONTEXT = `${COMMON}
local key = KEYS[1]
local h = read(key)
local genres = push_genre(h.genres, ARGV[1], tonumber(ARGV[5]))
if genres then redis.call('HSET', key, 'scenario', ARGV[2], 'updated_ms', ARGV[3], 'genres', genres)
else redis.call('HSET', key, 'scenario', ARGV[2], 'updated_ms', ARGV[3]) end
redis.call('PEXPIRE', key, ARGV[4])
return 1
`;

// KEYS[1] session; ARGV: genre, scenario from the signals ('' = none), now_ms, ttl_ms, max_genres,
// fallback scenario, sticky_ms. Returns the hash as it was (HGETALL).
const ASSESS = `${COMMON}
local known = {${SCENARIOS.map((s) => `['${s}'] = true`).join(', ')}}
local key = KEYS[1]
local h, before = read(key)
local scenario = ARGV[2]
if scenario == '' then
  scenario = ARGV[6]
  local last = h.scenario
  local updated = tonumber(h.updated_ms or '') or 0
  if last and known[last] and last ~= 'unknown' and tonumber(ARGV[3]) - updated <= tonumber(ARGV[7]) then
    scenario = last
  end
end
local genres = push_genre(h.genres, ARGV[1], tonumber(ARGV[5]))
if genres then redis.call('HSET', key, 'scenario', scenario, 'updated_ms', ARGV[3], 'genres', genres)
else redis.call('HSET', key, 'scenario', scenario, 'updated_ms', ARGV[3]) end
redis.call('PEXPIRE', key, ARGV[4])
return before
`;

// KEYS: one session per outcome; ARGV: now_ms, ttl_ms, max_outcomes, then per outcome: served (0|1), mark ('s'|'c'|'')
// Returns the last session's new state (HGETALL-shaped).
const RECORD_OUTCOMES = `${COMMON}
local now, ttl, max = ARGV[1], ARGV[2], tonumber(ARGV[3])
local h
for i = 1, #KEYS do
  local key = KEYS[i]
  h = read(key)
  local update = {'updated_ms', now}
  if ARGV[2 + 2 * i] == '1' then
    h.ads_heard = string.format('%d', (tonumber(h.ads_heard) or 0) + 1)
    update[#update + 1] = 'ads_heard'
    update[#update + 1] = h.ads_heard
  end
  local mark = ARGV[3 + 2 * i]
  if mark ~= '' then
    local o = (h.outcomes or '') .. mark
    if #o > max then o = string.sub(o, #o - max + 1) end
    h.outcomes = o
    update[#update + 1] = 'outcomes'
    update[#update + 1] = o
  end
  h.updated_ms = now
  redis.call('HSET', key, unpack(update))
  redis.call('PEXPIRE', key, ttl)
end
local out = {}
for k, v in pairs(h) do
  out[#out + 1] = k
  out[#out + 1] = v
end
return out
`;

/** Most observations one script call records (keeps each call short). */
const OUTCOMES_CHUNK = 200;

class Script {
  private readonly sha: string;
  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

const recordContextScript = new Script(RECORD_CONTEXT);
const recordOutcomesScript = new Script(RECORD_OUTCOMES);
const assessScript = new Script(ASSESS);

function toState(h: Record<string, string>): SessionState {
  const scenario = h.scenario as Scenario | undefined;
  return {
    adsHeard: Number(h.ads_heard ?? 0),
    recentOutcomes: [...(h.outcomes ?? '')].map((c): AdOutcome => (c === 's' ? 'skip' : 'complete')),
    lastGenres: h.genres ? h.genres.split('\n') : [],
    lastScenario: scenario && SCENARIOS.includes(scenario) ? scenario : 'unknown',
    updatedMs: Number(h.updated_ms ?? 0),
  };
}

function pairs(flat: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

/** The items of each session, in their order. */
function bySession(items: ReadonlyArray<SessionOutcome>): SessionOutcome[][] {
  const groups = new Map<string, SessionOutcome[]>();
  for (const item of items) {
    const group = groups.get(item.sessionId);
    if (group) group.push(item);
    else groups.set(item.sessionId, [item]);
  }
  return [...groups.values()];
}

export interface RedisSessionStoreOptions {
  redis: Redis;
  /** config.redisPrefix */
  prefix: string;
  ttlMs: number;
  /** Close the connection on close() (true when the store opened it). */
  ownsConnection?: boolean;
}

export class RedisSessionStore implements SessionStore {
  constructor(private readonly opts: RedisSessionStoreOptions) {}

  key(sessionId: string): string {
    return `${this.opts.prefix}context:session:{${sessionId}}`;
  }

  async get(sessionId: string, _nowMs: number): Promise<SessionState | null> {
    const h = await this.opts.redis.hgetall(this.key(sessionId));
    return Object.keys(h).length === 0 ? null : toState(h);
  }

  async recordContext(sessionId: string, update: ContextUpdate, nowMs: number): Promise<void> {
    await recordContextScript.run(
      this.opts.redis,
      [this.key(sessionId)],
      [cleanGenre(update.genre), update.scenario, nowMs, this.opts.ttlMs, RECENT_GENRES],
    );
  }

  /** One script: the session as it was, and this assessment recorded (see SessionStore.assessSession). */
  async assessSession(sessionId: string, update: AssessUpdate, nowMs: number): Promise<SessionState | null> {
    const flat = await assessScript.run(
      this.opts.redis,
      [this.key(sessionId)],
      [
        cleanGenre(update.genre),
        update.fromSignals ?? '',
        nowMs,
        this.opts.ttlMs,
        RECENT_GENRES,
        update.fallback,
        update.stickyMs,
      ],
    );
    const h = pairs(flat);
    return Object.keys(h).length === 0 ? null : toState(h);
  }

  async recordOutcome(sessionId: string, outcome: OutcomeUpdate, nowMs: number): Promise<SessionState> {
    return toState(pairs(await this.recordChunk([{ sessionId, outcome }], nowMs)));
  }

  /**
   * One script call per OUTCOMES_CHUNK items, all sent together (one round
   * trip); on a Redis Cluster, where a script touches one slot, the items of
   * each session separately (in their order).
   */
  async recordOutcomes(items: ReadonlyArray<SessionOutcome>, nowMs: number): Promise<void> {
    const groups = this.opts.redis.isCluster ? bySession(items) : [items];
    const chunks: Array<Promise<unknown>> = [];
    for (const group of groups) {
      for (let i = 0; i < group.length; i += OUTCOMES_CHUNK) {
        chunks.push(this.recordChunk(group.slice(i, i + OUTCOMES_CHUNK), nowMs));
      }
    }
    await Promise.all(chunks);
  }

  private recordChunk(items: ReadonlyArray<SessionOutcome>, nowMs: number): Promise<unknown> {
    const args: Array<string | number> = [nowMs, this.opts.ttlMs, RECENT_OUTCOMES];
    for (const { outcome } of items) {
      args.push(outcome.served ? 1 : 0, outcome.skipped ? 's' : outcome.completed ? 'c' : '');
    }
    return recordOutcomesScript.run(
      this.opts.redis,
      items.map((i) => this.key(i.sessionId)),
      args,
    );
  }

  async close(): Promise<void> {
    if (this.opts.ownsConnection) await this.opts.redis.quit().catch(() => undefined);
  }
}
