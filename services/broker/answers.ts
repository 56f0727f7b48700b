/**
 * Decide is idempotent per request_id for a window
 * (PARLEY_DECIDE_IDEMPOTENCY_MS): the first call claims the id and decides;
 * a retry inside the window gets that first answer (the same ads and
 * reservation ids: nothing new is reserved, nothing logged twice); a retry
 * while the first call is still deciding waits for its answer. A claim whose
 * decision failed is dropped, so a retry decides afresh.
 *
 * The AnswerStore port has two adapters: this one, in the broker's memory
 * (one broker, embedded mode), and answers-redis.ts (brokers sharing a
 * Redis, where a retry may reach another broker). One contract suite runs
 * against both (test/contract/answer-store.test.ts).
 */

export type Claim<A> = { kind: 'mine' } | { kind: 'pending' } | { kind: 'answered'; answer: A };

export interface AnswerStore<A> {
  /** Claims `requestId` for `windowMs` unless it is claimed already: then its answer, or pending. */
  claim(requestId: string, windowMs: number): Promise<Claim<A>>;
  /** The answer of a claimed request, kept for `windowMs`. */
  answer(requestId: string, answer: A, windowMs: number): Promise<void>;
  /** Forgets a claim whose decision failed. */
  drop(requestId: string): Promise<void>;
  close(): Promise<void>;
}

/** How a store keeps an answer as bytes, and reads it back. */
export interface AnswerCodec<A> {
  encode(answer: A): Buffer;
  decode(bytes: Buffer): A;
}

/** Most request ids the embedded store keeps: beyond it the oldest go first. */
export const MAX_EMBEDDED_ANSWERS = 200_000;

/**
 * With a codec, each answer is kept as its bytes, in a buffer of its own size
 * (a slice of Node's shared pool would hold a whole 8 KiB slab for the
 * window): a broker keeps a minute of answers, and as objects they were most
 * of its heap, and what its major garbage collections kept walking.
 */
export class EmbeddedAnswerStore<A> implements AnswerStore<A> {
  /** In claim order, so the oldest are at the front. */
  private readonly entries = new Map<string, { until: number; answer: A | Buffer | null }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = MAX_EMBEDDED_ANSWERS,
    private readonly codec?: AnswerCodec<A>,
  ) {}

  async claim(requestId: string, windowMs: number): Promise<Claim<A>> {
    const now = this.now();
    for (const [id, e] of this.entries) {
      if (e.until > now && this.entries.size < this.maxEntries) break;
      this.entries.delete(id);
    }
    const e = this.entries.get(requestId);
    if (e && e.until > now) {
      if (e.answer === null) return { kind: 'pending' };
      return {
        kind: 'answered',
        answer: this.codec ? this.codec.decode(e.answer as Buffer) : (e.answer as A),
      };
    }
    this.entries.delete(requestId);
    this.entries.set(requestId, { until: now + windowMs, answer: null });
    return { kind: 'mine' };
  }

  async answer(requestId: string, answer: A, windowMs: number): Promise<void> {
    this.entries.set(requestId, { until: this.now() + windowMs, answer: this.kept(answer) });
  }

  private kept(answer: A): A | Buffer {
    if (!this.codec) return answer;
    const bytes = this.codec.encode(answer);
    const own = Buffer.allocUnsafeSlow(bytes.length);
    bytes.copy(own);
    return own;
  }

  async drop(requestId: string): Promise<void> {
    this.entries.delete(requestId);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
