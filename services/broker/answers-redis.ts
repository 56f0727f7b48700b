/**
 * The Redis adapter of the AnswerStore port (answers.ts): brokers sharing a
 * Redis share their answers, so a retry that reaches another broker still
 * gets the first answer. One key per request id,
 * `<prefix>broker:answer:<request id>`: empty while its decision runs, then
 * a version byte (1) and the encoded answer; it expires with the window (PX). Claiming is one
 * script: the key's value if it exists, else the key is set empty.
 */
import type { Redis } from '../common/state/redis';
import type { AnswerStore, Claim } from './answers';

// KEYS[1] the request's key; ARGV[1] window ms. Returns the value (''= pending) or false (claimed now).
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], '', 'PX', ARGV[1])
return false
`;

/** Before an answer's bytes (which may be empty), so an answer never reads as pending. */
const ANSWERED = Buffer.from([1]);

interface AnswerCommands {
  parleyAnswerClaimBuffer(key: string, windowMs: number): Promise<Buffer | null>;
}

export interface AnswerCodec<A> {
  encode(answer: A): Buffer;
  decode(bytes: Buffer): A;
}

export class RedisAnswerStore<A> implements AnswerStore<A> {
  private readonly redis: Redis & AnswerCommands;

  /** `redis` is borrowed unless `owns`: then close() closes it. */
  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly codec: AnswerCodec<A>,
    private readonly owns = false,
  ) {
    if (!('parleyAnswerClaim' in redis))
      redis.defineCommand('parleyAnswerClaim', { numberOfKeys: 1, lua: CLAIM });
    this.redis = redis as Redis & AnswerCommands;
  }

  key(requestId: string): string {
    return `${this.prefix}broker:answer:${requestId}`;
  }

  async claim(requestId: string, windowMs: number): Promise<Claim<A>> {
    const v = await this.redis.parleyAnswerClaimBuffer(this.key(requestId), windowMs);
    if (v === null) return { kind: 'mine' };
    return v.length === 0
      ? { kind: 'pending' }
      : { kind: 'answered', answer: this.codec.decode(v.subarray(1)) };
  }

  async answer(requestId: string, answer: A, windowMs: number): Promise<void> {
    const value = Buffer.concat([ANSWERED, this.codec.encode(answer)]);
    await this.redis.set(this.key(requestId), value, 'PX', windowMs);
  }

  async drop(requestId: string): Promise<void> {
    await this.redis.del(this.key(requestId));
  }

  async close(): Promise<void> {
    if (this.owns) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
