/**
 * Redis adapter of the SessionStore port: one HASH per session at
 * `<prefix>context:session:<id>`, expiring `ttlMs` after its last write
 * (PEXPIRE). Each update is one Lua script, so concurrent replicas never lose
 * an update. Fields:
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
  type SessionState,
  type SessionStore,
} from './session-store';

// Appends ARGV[1] (the genre playing, '' = none) to the session's genres,
// repeats collapsed, the last ARGV[5] kept.
const PUSH_GENRE = `
local genre = ARGV[1]
if genre ~= '' then
  local list = {}
  local cur = redis.call('HGET', key, 'genres')
  if cur then
    for g in string.gmatch(cur, '[^\\n]+') do list[#list + 1] = g end
  end
  if list[#list] ~= genre then
    list[#list + 1] = genre
    while #list > tonumber(ARGV[5]) do table.remove(list, 1) end
    redis.call('HSET', key, 'genres', table.concat(list, '\\n'))
  end
end
`;

// KEYS[1] session; ARGV: genre, scenario, now_ms, ttl_ms, max_genres
const RECORD_CONTEXT = `
local key = KEYS[1]
${PUSH_GENRE}redis.call('HSET', key, 'scenario', ARGV[2], 'updated_ms', ARGV[3])
redis.call('PEXPIRE', key, ARGV[4])
return 1
`;

// KEYS[1] session; ARGV: genre, scenario from the signals ('' = none), now_ms, ttl_ms, max_genres,
// fallback scenario, sticky_ms, then every valid scenario name. Returns the hash as it was (HGETALL).
const ASSESS = `
local key = KEYS[1]
local before = redis.call('HGETALL', key)
local scenario = ARGV[2]
if scenario == '' then
  scenario = ARGV[6]
  local last = redis.call('HGET', key, 'scenario')
  local known = false
  for i = 8, #ARGV do if ARGV[i] == last then known = true end end
  local updated = tonumber(redis.call('HGET', key, 'updated_ms') or '') or 0
  if known and last ~= 'unknown' and tonumber(ARGV[3]) - updated <= tonumber(ARGV[7]) then scenario = last end
end
${PUSH_GENRE}redis.call('HSET', key, 'scenario', scenario, 'updated_ms', ARGV[3])
redis.call('PEXPIRE', key, ARGV[4])
return before
`;

// KEYS[1] session; ARGV: served (0|1), mark ('s'|'c'|''), now_ms, ttl_ms, max_outcomes
const RECORD_OUTCOME = `
local key = KEYS[1]
if ARGV[1] == '1' then redis.call('HINCRBY', key, 'ads_heard', 1) end
if ARGV[2] ~= '' then
  local o = (redis.call('HGET', key, 'outcomes') or '') .. ARGV[2]
  local max = tonumber(ARGV[5])
  if #o > max then o = string.sub(o, #o - max + 1) end
  redis.call('HSET', key, 'outcomes', o)
end
redis.call('HSET', key, 'updated_ms', ARGV[3])
redis.call('PEXPIRE', key, ARGV[4])
return redis.call('HGETALL', key)
`;

class Script {
  private readonly sha: string;
  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, key: string, args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, 1, key, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return redis.eval(this.source, 1, key, ...args);
    }
  }
}

const recordContextScript = new Script(RECORD_CONTEXT);
const recordOutcomeScript = new Script(RECORD_OUTCOME);
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
    return `${this.opts.prefix}context:session:${sessionId}`;
  }

  async get(sessionId: string, _nowMs: number): Promise<SessionState | null> {
    const h = await this.opts.redis.hgetall(this.key(sessionId));
    return Object.keys(h).length === 0 ? null : toState(h);
  }

  async recordContext(sessionId: string, update: ContextUpdate, nowMs: number): Promise<void> {
    await recordContextScript.run(this.opts.redis, this.key(sessionId), [
      cleanGenre(update.genre),
      update.scenario,
      nowMs,
      this.opts.ttlMs,
      RECENT_GENRES,
    ]);
  }

  /** One script: the session as it was, and this assessment recorded (see SessionStore.assessSession). */
  async assessSession(sessionId: string, update: AssessUpdate, nowMs: number): Promise<SessionState | null> {
    const flat = await assessScript.run(this.opts.redis, this.key(sessionId), [
      cleanGenre(update.genre),
      update.fromSignals ?? '',
      nowMs,
      this.opts.ttlMs,
      RECENT_GENRES,
      update.fallback,
      update.stickyMs,
      ...SCENARIOS,
    ]);
    const h = pairs(flat);
    return Object.keys(h).length === 0 ? null : toState(h);
  }

  async recordOutcome(sessionId: string, outcome: OutcomeUpdate, nowMs: number): Promise<SessionState> {
    const mark = outcome.skipped ? 's' : outcome.completed ? 'c' : '';
    const flat = await recordOutcomeScript.run(this.opts.redis, this.key(sessionId), [
      outcome.served ? 1 : 0,
      mark,
      nowMs,
      this.opts.ttlMs,
      RECENT_OUTCOMES,
    ]);
    return toState(pairs(flat));
  }

  async close(): Promise<void> {
    if (this.opts.ownsConnection) await this.opts.redis.quit().catch(() => undefined);
  }
}
