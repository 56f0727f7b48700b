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

/** Most request ids the embedded store keeps: beyond it the oldest go first. */
export const MAX_EMBEDDED_ANSWERS = 200_000;

export class EmbeddedAnswerStore<A> implements AnswerStore<A> {
  /** In claim order, so the oldest are at the front. */
  private readonly entries = new Map<string, { until: number; answer: A | null }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = MAX_EMBEDDED_ANSWERS,
  ) {}

  async claim(requestId: string, windowMs: number): Promise<Claim<A>> {
    const now = this.now();
    for (const [id, e] of this.entries) {
      if (e.until > now && this.entries.size < this.maxEntries) break;
      this.entries.delete(id);
    }
    const e = this.entries.get(requestId);
    if (e && e.until > now)
      return e.answer === null ? { kind: 'pending' } : { kind: 'answered', answer: e.answer };
    this.entries.delete(requestId);
    this.entries.set(requestId, { until: now + windowMs, answer: null });
    return { kind: 'mine' };
  }

  async answer(requestId: string, answer: A, windowMs: number): Promise<void> {
    this.entries.set(requestId, { until: this.now() + windowMs, answer });
  }

  async drop(requestId: string): Promise<void> {
    this.entries.delete(requestId);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
