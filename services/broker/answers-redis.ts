/**
 * The Redis adapter of the AnswerStore port (answers.ts): brokers sharing a
 * Redis share their answers, so a retry that reaches another broker still
 * gets the first answer. One key per request id,
 * `<prefix>broker:answer:{<request id>}`: while its decision runs, a byte 2
 * and the claim's own token (so a claim that the client sends again after
 * its reply was lost still finds itself the owner), then a version byte (1)
 * and the encoded answer; it expires with the window (PX). The request id
 * is the key's hash tag, so on a Redis Cluster answers spread over the
 * slots, and a batch is one script call per key there (auto-pipelined per
 * node).
 *
 * Every decision claims an id and keeps an answer, so both go in batches:
 * claims made within 2 ms are one script call (the negotiation runs
 * meanwhile; only its commit waits for the claim), answers kept within
 * 10 ms another (nobody waits for them). A Redis command costs the broker
 * tens of microseconds whatever it carries: one per decision each was 12% of
 * the broker's CPU (bench/ANALYSIS.md, "Idempotent Decide").
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from '../common/state/redis';
import type { AnswerCodec, AnswerStore, Claim } from './answers';

/** Before an answer's bytes (which may be empty), so an answer never reads as pending. */
const ANSWERED = Buffer.from([1]);
/** What the claim script returns for a key that is this claim's. */
const MINE = Buffer.from([0]);
/** Before a pending claim's token. */
const PENDING = 2;

/**
 * A claim's token: what its key holds while the decision runs. ioredis sends
 * a command again once it has reconnected when it got no reply to it: the
 * script then finds its own token, and the claim is still the caller's
 * (else the first call would wait as a retry for an answer nobody writes,
 * and every retry of the request would end ABORTED for the window).
 */
const newToken = () => `${String.fromCharCode(PENDING)}${randomBytes(9).toString('base64')}`;

// KEYS: the requests' keys; ARGV[1]: window ms, then per key its claim's token.
// Per key: '\0' when it is this claim's (claimed now, or by this very claim sent again), else its value.
const CLAIM_MANY = `
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if not v then
    redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1])
    v = '\\0'
  elseif v == ARGV[i + 1] then
    v = '\\0'
  end
  out[i] = v
end
return out
`;

// KEYS: the requests' keys; ARGV: per key its window ms, its value and the claim's token ('' = none).
// An answer is kept only where its claim holds the key (or nothing does): a broker whose claim timed
// out and decided anyway does not overwrite the answer, or the claim, of another broker's decision.
const ANSWER_MANY = `
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if (not v) or (ARGV[3 * i] ~= '' and v == ARGV[3 * i]) then
    redis.call('SET', key, ARGV[3 * i - 1], 'PX', ARGV[3 * i - 2])
  end
end
return #KEYS
`;

// KEYS[1]: the request's key; ARGV[1]: the claim's token. Forgets the claim only if it is still this one.
const DROP = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

interface AnswerCommands {
  parleyAnswerClaimManyBuffer(...args: Array<string | number>): Promise<Buffer[]>;
  parleyAnswerMany(...args: Array<string | number | Buffer>): Promise<number>;
  parleyAnswerClaimOneBuffer(key: string, windowMs: number, token: string): Promise<Buffer[]>;
  parleyAnswerOne(key: string, windowMs: number, value: Buffer, token: string): Promise<number>;
  parleyAnswerDrop(key: string, token: string): Promise<number>;
}

/** Items queued within `delayMs` (or `max` of them) go to `write` together; each add() settles with its result. */
class Batches<I, R> {
  private queued: Array<{ item: I; resolve(r: R): void; reject(e: unknown): void }> = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly write: (items: I[]) => Promise<R[]>,
    private readonly delayMs: number,
    private readonly max = 200,
  ) {}

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queued.push({ item, resolve, reject });
      if (this.queued.length >= this.max) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
    });
  }

  /** Writes what is queued now; resolves once every write so far has settled. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return;
    const done = this.write(batch.map((b) => b.item)).then(
      (results) => {
        for (const [i, b] of batch.entries()) b.resolve(results[i]!);
      },
      (err) => {
        for (const b of batch) b.reject(err);
      },
    );
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }
}

export class RedisAnswerStore<A> implements AnswerStore<A> {
  private readonly redis: Redis & AnswerCommands;
  private readonly claims: Batches<{ key: string; windowMs: number; token: string }, Buffer>;
  private readonly answers: Batches<{ key: string; windowMs: number; value: Buffer; token: string }, number>;
  /** The tokens of this store's claims that came back its own, until their answer or drop. */
  private readonly mine = new Map<string, string>();

  /** `redis` is borrowed unless `owns`: then close() closes it. */
  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly codec: AnswerCodec<A>,
    private readonly owns = false,
  ) {
    if (!('parleyAnswerClaimMany' in redis)) {
      redis.defineCommand('parleyAnswerClaimMany', { lua: CLAIM_MANY });
      redis.defineCommand('parleyAnswerMany', { lua: ANSWER_MANY });
      // The same scripts with one key, for a cluster: ioredis' auto-pipelining routes a
      // script call by its first argument, which for a key count given per call is the count.
      redis.defineCommand('parleyAnswerClaimOne', { numberOfKeys: 1, lua: CLAIM_MANY });
      redis.defineCommand('parleyAnswerOne', { numberOfKeys: 1, lua: ANSWER_MANY });
      redis.defineCommand('parleyAnswerDrop', { numberOfKeys: 1, lua: DROP });
    }
    this.redis = redis as Redis & AnswerCommands;
    // One window per batch: the largest asked for (they are all the broker's one setting).
    // On a Redis Cluster (a script touches one slot, and each request id is a slot) one call per key.
    const cluster = this.redis.isCluster;
    this.claims = new Batches(async (items) => {
      if (cluster) {
        const one = (c: { key: string; windowMs: number; token: string }) =>
          this.redis.parleyAnswerClaimOneBuffer(c.key, c.windowMs, c.token);
        return (await Promise.all(items.map(one))).flat();
      }
      const windowMs = Math.max(...items.map((c) => c.windowMs));
      const keys = items.map((c) => c.key);
      return this.redis.parleyAnswerClaimManyBuffer(
        items.length,
        ...keys,
        windowMs,
        ...items.map((c) => c.token),
      );
    }, 2);
    this.answers = new Batches(async (items) => {
      if (cluster) {
        return Promise.all(items.map((a) => this.redis.parleyAnswerOne(a.key, a.windowMs, a.value, a.token)));
      }
      const args = items.flatMap((a) => [a.windowMs, a.value, a.token]);
      await this.redis.parleyAnswerMany(items.length, ...items.map((a) => a.key), ...args);
      return items.map(() => 1);
    }, 10);
  }

  key(requestId: string): string {
    return `${this.prefix}broker:answer:{${requestId}}`;
  }

  async claim(requestId: string, windowMs: number): Promise<Claim<A>> {
    const token = newToken();
    const v = await this.claims.add({ key: this.key(requestId), windowMs, token });
    if (v.equals(MINE)) {
      this.mine.set(requestId, token);
      return { kind: 'mine' };
    }
    // Pending: another claim's token (or '', as brokers before tokens wrote it).
    return v[0] === ANSWERED[0]
      ? { kind: 'answered', answer: this.codec.decode(v.subarray(1)) }
      : { kind: 'pending' };
  }

  /** Keeps the answer where this store's claim holds the id, or where nothing does (its claim never landed). */
  async answer(requestId: string, answer: A, windowMs: number): Promise<void> {
    const value = Buffer.concat([ANSWERED, this.codec.encode(answer)]);
    const token = this.mine.get(requestId) ?? '';
    this.mine.delete(requestId);
    await this.answers.add({ key: this.key(requestId), windowMs, value, token });
  }

  /** Forgets this store's claim of the id; another broker's claim, or an answer, stays. */
  async drop(requestId: string): Promise<void> {
    const token = this.mine.get(requestId);
    this.mine.delete(requestId);
    if (token) await this.redis.parleyAnswerDrop(this.key(requestId), token);
  }

  async close(): Promise<void> {
    await Promise.all([this.claims.drain(), this.answers.drain()]);
    this.mine.clear();
    if (this.owns) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
