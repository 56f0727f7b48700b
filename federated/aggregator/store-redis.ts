/**
 * Redis adapter of the FederatedStore port. Keys (all under the deployment's
 * prefix; one hash tag, so on a Redis Cluster they are one slot, as the
 * model script, the round's MULTI and the rounds' MGET need):
 *
 *   <prefix>{fed}:model:<version>   HASH  weights (raw little-endian float32), created_ms, round
 *   <prefix>{fed}:model:latest      STRING highest stored version
 *   <prefix>{fed}:round:<id>        STRING the round record as JSON
 *   <prefix>{fed}:rounds            ZSET  round ids (score = id)
 *
 * A model version is written once (HSETNX-guarded Lua script that also moves
 * the `latest` pointer forward), so two aggregators can never publish two
 * different models under one version.
 */
import type { Redis } from '../../services/common/state/redis';
import { type FederatedStore, type ModelRecord, type RoundRecord, StoreConflictError } from './store';

// KEYS[1] model hash, KEYS[2] latest pointer; ARGV: weights, created_ms, round, version
const PUT_MODEL = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'weights', ARGV[1], 'created_ms', ARGV[2], 'round', ARGV[3])
local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[4]) > cur then redis.call('SET', KEYS[2], ARGV[4]) end
return 1
`;

function toBuffer(v: Float32Array): Buffer {
  const out = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) out.writeFloatLE(v[i]!, i * 4);
  return out;
}

function fromBuffer(b: Buffer): Float32Array {
  const out = new Float32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

export class RedisFederatedStore implements FederatedStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Close the connection on close() (false when the caller shares it). */
    private readonly ownsConnection = true,
  ) {}

  private modelKey(version: number): string {
    return `${this.prefix}{fed}:model:${version}`;
  }

  private roundKey(id: number): string {
    return `${this.prefix}{fed}:round:${id}`;
  }

  async putModel(model: ModelRecord): Promise<void> {
    const ok = await this.redis.eval(
      PUT_MODEL,
      2,
      this.modelKey(model.version),
      `${this.prefix}{fed}:model:latest`,
      toBuffer(model.weights),
      String(model.createdAtMs),
      String(model.round),
      String(model.version),
    );
    if (ok !== 1) throw new StoreConflictError(`model version ${model.version} exists`);
  }

  async getModel(version: number): Promise<ModelRecord | null> {
    const key = this.modelKey(version);
    const [weights, created, round] = await Promise.all([
      this.redis.hgetBuffer(key, 'weights'),
      this.redis.hget(key, 'created_ms'),
      this.redis.hget(key, 'round'),
    ]);
    if (!weights) return null;
    return { version, weights: fromBuffer(weights), createdAtMs: Number(created), round: Number(round) };
  }

  async latestModel(): Promise<ModelRecord | null> {
    const v = await this.redis.get(`${this.prefix}{fed}:model:latest`);
    return v ? this.getModel(Number(v)) : null;
  }

  async putRound(round: RoundRecord): Promise<void> {
    await this.redis
      .multi()
      .set(this.roundKey(round.id), JSON.stringify(round))
      .zadd(`${this.prefix}{fed}:rounds`, round.id, String(round.id))
      .exec();
  }

  async getRound(id: number): Promise<RoundRecord | null> {
    const json = await this.redis.get(this.roundKey(id));
    return json ? (JSON.parse(json) as RoundRecord) : null;
  }

  async latestRound(): Promise<RoundRecord | null> {
    const ids = await this.redis.zrevrange(`${this.prefix}{fed}:rounds`, 0, 0);
    return ids[0] ? this.getRound(Number(ids[0])) : null;
  }

  async listRounds(): Promise<RoundRecord[]> {
    const ids = await this.redis.zrange(`${this.prefix}{fed}:rounds`, 0, -1);
    if (ids.length === 0) return [];
    const docs = await this.redis.mget(ids.map((id) => this.roundKey(Number(id))));
    return docs.filter((d): d is string => d !== null).map((d) => JSON.parse(d) as RoundRecord);
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit().catch(() => undefined);
  }
}
