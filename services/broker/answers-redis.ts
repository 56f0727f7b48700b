/**
 * The Redis adapter of the AnswerStore port (answers.ts): brokers sharing a
 * Redis share their answers, so a retry that reaches another broker still
 * gets the first answer. One key per request id,
 * `<prefix>broker:answer:<request id>`: empty while its decision runs, then
 * a version byte (1) and the encoded answer; it expires with the window
 * (PX). A claim is one `SET NX` (the common case: a new request id); only a
 * repeated id reads the key.
 */
import type { Redis } from '../common/state/redis';
import type { AnswerStore, Claim } from './answers';

/** Before an answer's bytes (which may be empty), so an answer never reads as pending. */
const ANSWERED = Buffer.from([1]);

export interface AnswerCodec<A> {
  encode(answer: A): Buffer;
  decode(bytes: Buffer): A;
}

export class RedisAnswerStore<A> implements AnswerStore<A> {
  /** `redis` is borrowed unless `owns`: then close() closes it. */
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly codec: AnswerCodec<A>,
    private readonly owns = false,
  ) {}

  key(requestId: string): string {
    return `${this.prefix}broker:answer:${requestId}`;
  }

  async claim(requestId: string, windowMs: number): Promise<Claim<A>> {
    const key = this.key(requestId);
    // Twice at most: the key may expire between the SET that found it and the GET.
    for (let attempt = 0; attempt < 2; attempt++) {
      if ((await this.redis.set(key, '', 'PX', windowMs, 'NX')) === 'OK') return { kind: 'mine' };
      const v = await this.redis.getBuffer(key);
      if (v === null) continue;
      return v.length === 0
        ? { kind: 'pending' }
        : { kind: 'answered', answer: this.codec.decode(v.subarray(1)) };
    }
    return { kind: 'pending' };
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
