/**
 * Redis adapter of the DecisionLog port: a ring of `size` slots, so the log
 * never holds more than `size` records whatever the traffic. Keys (under the
 * prefix; one hash tag, so on a Redis Cluster the ring is one slot, as the
 * append script needs):
 *
 *   {decisions}:seq     STRING records ever appended
 *   {decisions}:ring    HASH   r<slot> → the record's protobuf bytes, q<slot> → its request id
 *   {decisions}:index   HASH   request id → slot (removed when the slot is reused)
 *
 * An append of a batch is one Lua script (sent by its SHA once loaded); brokers of any
 * number append concurrently. Records go in and come out as Buffers (Lua
 * strings are binary-safe), never through a UTF-8 string.
 */
import {
  type DecisionLog,
  type DecisionRecordData,
  type EncodedDecision,
  tryDecodeDecision,
} from './decisions';
import type { Redis } from './redis';

// KEYS: seq, ring, index; ARGV: size, then request id / record bytes pairs
const APPEND = `
local size = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local seq = redis.call('INCR', KEYS[1])
  local slot = tostring(seq % size)
  local old = redis.call('HGET', KEYS[2], 'q' .. slot)
  if old and redis.call('HGET', KEYS[3], old) == slot then redis.call('HDEL', KEYS[3], old) end
  redis.call('HSET', KEYS[2], 'q' .. slot, ARGV[i], 'r' .. slot, ARGV[i + 1])
  redis.call('HSET', KEYS[3], ARGV[i], slot)
end
return 1
`;

interface AppendCommand {
  parleyDecisionAppend(...args: Array<string | Buffer>): Promise<number>;
}

export class RedisDecisionLog implements DecisionLog {
  private readonly keys: { seq: string; ring: string; index: string };
  private readonly redis: Redis & AppendCommand;

  constructor(
    redis: Redis,
    prefix: string,
    readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`decision log size: expected >= 1, got ${size}`);
    // defineCommand: EVALSHA, falling back to EVAL once per connection.
    redis.defineCommand('parleyDecisionAppend', { numberOfKeys: 3, lua: APPEND });
    this.redis = redis as Redis & AppendCommand;
    this.keys = {
      seq: `${prefix}{decisions}:seq`,
      ring: `${prefix}{decisions}:ring`,
      index: `${prefix}{decisions}:index`,
    };
  }

  async append(records: EncodedDecision[]): Promise<void> {
    if (records.length === 0) return;
    const args: Array<string | Buffer> = [String(this.size)];
    for (const r of records) args.push(r.requestId, r.bytes);
    await this.redis.parleyDecisionAppend(this.keys.seq, this.keys.ring, this.keys.index, ...args);
  }

  async get(requestId: string): Promise<DecisionRecordData | null> {
    const slot = await this.redis.hget(this.keys.index, requestId);
    if (slot === null) return null;
    const [id, bytes] = await this.redis.hmgetBuffer(this.keys.ring, `q${slot}`, `r${slot}`);
    // The slot may have been reused between the two reads.
    if (id?.toString() !== requestId) return null;
    return tryDecodeDecision(bytes);
  }

  async recent(limit: number): Promise<DecisionRecordData[]> {
    const seq = Number((await this.redis.get(this.keys.seq)) ?? 0);
    const n = Math.min(limit, seq, this.size);
    if (n <= 0) return [];
    const fields: string[] = [];
    for (let i = 0; i < n; i++) fields.push(`r${(seq - i) % this.size}`);
    const out: DecisionRecordData[] = [];
    for (const bytes of await this.redis.hmgetBuffer(this.keys.ring, ...fields)) {
      const r = tryDecodeDecision(bytes);
      if (r) out.push(r);
    }
    return out;
  }

  async close(): Promise<void> {}
}
