/**
 * The Redis adapter of the BrandLiftStore port (brand-lift.ts), for several
 * objective replicas sharing one set of survey waves that outlives a
 * restart. A report is one Lua script: each wave is compared with the one
 * kept under its (campaign, wave id) and written only when it differs, and
 * the version is bumped once when anything changed. Keys (redis-state.ts
 * objectiveKeys, in the {objective} slot): lift:waves, lift:version.
 */
import type { Redis } from '../common/state/redis';
import {
  type BrandLiftStore,
  decodeWave,
  encodeWave,
  type LiftRecordStatus,
  type LiftWave,
  waveKey,
} from './brand-lift';
import { objectiveKeys } from './redis-state';

/** KEYS: the waves hash, the version. ARGV: field, value pairs. Returns 0 duplicate | 1 recorded | 2 replaced per pair. */
const RECORD_WAVES = `
local out = {}
local changed = false
for i = 1, #ARGV, 2 do
  local before = redis.call('HGET', KEYS[1], ARGV[i])
  if before == ARGV[i + 1] then
    out[#out + 1] = 0
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    changed = true
    out[#out + 1] = before and 2 or 1
  end
end
if changed then redis.call('INCR', KEYS[2]) end
return out
`;

const STATUS: readonly LiftRecordStatus[] = ['duplicate', 'recorded', 'replaced'];

interface LiftCommands {
  parleyObjLiftRecord(waves: string, version: string, ...args: string[]): Promise<number[]>;
}

export class RedisBrandLiftStore implements BrandLiftStore {
  private readonly redis: Redis & LiftCommands;
  private readonly keys: { waves: string; version: string };

  constructor(redis: Redis, prefix: string) {
    redis.defineCommand('parleyObjLiftRecord', { numberOfKeys: 2, lua: RECORD_WAVES });
    this.redis = redis as Redis & LiftCommands;
    const k = objectiveKeys(prefix);
    this.keys = { waves: k.liftWaves, version: k.liftVersion };
  }

  async record(waves: readonly LiftWave[]): Promise<LiftRecordStatus[]> {
    if (waves.length === 0) return [];
    const args = waves.flatMap((w) => [waveKey(w), encodeWave(w)]);
    const out = await this.redis.parleyObjLiftRecord(this.keys.waves, this.keys.version, ...args);
    return out.map((n) => STATUS[n]!);
  }

  async snapshot(): Promise<{ version: number; waves: LiftWave[] }> {
    // One MULTI (both keys in one slot): the waves and the version they are at.
    const res = await this.redis.multi().get(this.keys.version).hvals(this.keys.waves).exec();
    if (!res) throw new Error('brand-lift snapshot: transaction aborted');
    const [[e1, version], [e2, values]] = res as [[Error | null, string | null], [Error | null, string[]]];
    if (e1 || e2) throw e1 ?? e2;
    return { version: Number(version ?? 0), waves: values.map(decodeWave) };
  }

  async version(): Promise<number> {
    return Number((await this.redis.get(this.keys.version)) ?? 0);
  }

  /** The connection belongs to whoever made it (state.ts closes it). */
  async close(): Promise<void> {}
}
