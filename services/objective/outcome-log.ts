/**
 * The outcome log port: ad outcomes (impression, skip, complete, click) are
 * recorded once per idempotency key — an impression settles its reservation
 * in the same atomic step — appended to a bounded event log that learners
 * read through consumer groups, and counted per campaign for KPI progress.
 * Two adapters: this embedded one (a ring buffer) and Redis (a Stream, see
 * redis-state.ts).
 */
import type {
  Charge,
  ChargeRefusal,
  GroupStart,
  LoggedOutcome,
  OutcomeEntry,
} from '../common/domain/outcomes';
import type { OutcomeKind } from '../common/domain/types';
import type { EmbeddedLedger } from './ledger';

export type {
  Charge,
  ChargeRefusal,
  FeedEntry,
  GroupStart,
  LoggedOutcome,
  OutcomeEntry,
  OutcomeFeed,
} from '../common/domain/outcomes';

export interface RecordResult {
  duplicate: boolean;
  /** Micros this impression charged (on time, or late: see `late`). */
  settledMicros: number;
  /** The impression was charged after its reservation had expired (BudgetLedger.settle). */
  late: boolean;
  /** Why an impression charged nothing (BudgetLedger.settle); null when charged, and for other events. */
  refusal: ChargeRefusal | null;
  /** The new log entry's id; '' for a duplicate. */
  id: string;
}

/** The charge of an event that asks for none (not an impression, or no reservation), and of a duplicate. */
export const NO_CHARGE: Charge = Object.freeze({ micros: 0, late: false, refusal: null });

export interface OutcomeCounters {
  impressions: number;
  completes: number;
  clicks: number;
  skips: number;
}

export const ZERO_COUNTERS: OutcomeCounters = Object.freeze({
  impressions: 0,
  completes: 0,
  clicks: 0,
  skips: 0,
});

export const COUNTER_OF: Record<OutcomeKind, keyof OutcomeCounters> = {
  impression: 'impressions',
  complete: 'completes',
  click: 'clicks',
  skip: 'skips',
};

export interface OutcomeLog {
  /**
   * Records an outcome once: a replayed idempotency key has no effect at all.
   * An impression with a reservation id is charged (BudgetLedger.settle: on
   * time, late, or refused) in the same atomic step as the idempotency check
   * and the append.
   */
  record(entry: OutcomeEntry, nowMs: number): Promise<RecordResult>;
  /**
   * record for each entry, in order, in one call (one round trip for a
   * remote store), with the same guarantees: a key repeated within the
   * batch is a duplicate the second time.
   */
  recordMany(entries: readonly OutcomeEntry[], nowMs: number): Promise<RecordResult[]>;
  /**
   * New entries for `group`, created on first use from the oldest retained
   * entry, or after the newest one with from = 'newest' (a reader that has no
   * use for what came before it, e.g. an online learner that just started).
   */
  readGroup(group: string, consumer: string, count: number, from?: GroupStart): Promise<LoggedOutcome[]>;
  /** Acknowledges entries of `group`; returns how many were pending. */
  ack(group: string, ids: string[]): Promise<number>;
  /** Removes `group` (its position and pending entries); false when there was none. */
  leaveGroup(group: string): Promise<boolean>;
  counters(campaignId: string): Promise<OutcomeCounters>;
  /** counters of several campaigns in one call (one round trip for a remote store); in the order asked. */
  countersMany?(campaignIds: readonly string[]): Promise<OutcomeCounters[]>;
  close(): Promise<void>;
}

export interface OutcomeLogOptions {
  /** Idempotency keys are remembered this long. */
  idempotencyTtlMs: number;
  /** Approximate maximum number of retained log entries. */
  maxLen: number;
  /**
   * Embedded log only: the most idempotency keys held in memory (about 300
   * bytes each). Past it the oldest key is forgotten before its TTL, so the
   * replay window shrinks to the last maxKeys outcomes. A forgotten
   * impression's replay still charges nothing: its reservation was settled
   * once and is gone. Unset: bounded by the TTL alone.
   */
  maxKeys?: number;
}

function resultOf(c: Charge): Omit<RecordResult, 'duplicate' | 'id'> {
  return { settledMicros: c.micros, late: c.late, refusal: c.refusal };
}

interface Group {
  /** Sequence number of the last entry delivered to the group. */
  lastSeq: number;
  pending: Set<string>;
}

/** In-process outcome log: a bounded ring buffer with the Redis Stream group API. */
export class EmbeddedOutcomeLog implements OutcomeLog {
  private readonly ring: Array<LoggedOutcome | undefined>;
  private seq = 0;
  /** idempotency key → expiry; insertion order is expiry order (time only moves forward). */
  private readonly seen = new Map<string, number>();
  private readonly groups = new Map<string, Group>();
  private readonly counts = new Map<string, OutcomeCounters>();

  constructor(
    private readonly ledger: EmbeddedLedger,
    private readonly options: OutcomeLogOptions,
  ) {
    this.ring = new Array(Math.max(1, options.maxLen));
  }

  async record(entry: OutcomeEntry, nowMs: number): Promise<RecordResult> {
    return this.recordNow(entry, nowMs);
  }

  async recordMany(entries: readonly OutcomeEntry[], nowMs: number): Promise<RecordResult[]> {
    return entries.map((e) => this.recordNow(e, nowMs));
  }

  /** Synchronous: check, settle, count and append are one step. */
  private recordNow(entry: OutcomeEntry, nowMs: number): RecordResult {
    this.forgetExpired(nowMs);
    const expiry = this.seen.get(entry.idempotencyKey);
    if (expiry !== undefined && expiry > nowMs) return { ...resultOf(NO_CHARGE), duplicate: true, id: '' };
    this.seen.delete(entry.idempotencyKey);
    this.seen.set(entry.idempotencyKey, nowMs + this.options.idempotencyTtlMs);
    if (this.seen.size > (this.options.maxKeys ?? Number.POSITIVE_INFINITY)) {
      for (const oldest of this.seen.keys()) {
        this.seen.delete(oldest);
        break;
      }
    }
    const charges = entry.event === 'impression' && entry.reservationId !== '';
    const charge = charges ? this.ledger.settleNow(entry.reservationId, nowMs) : NO_CHARGE;
    const settledMicros = charge.micros;
    if (entry.campaignId) {
      // A new object per change, so counters() can hand out the stored one.
      const c = { ...(this.counts.get(entry.campaignId) ?? ZERO_COUNTERS) };
      c[COUNTER_OF[entry.event]]++;
      this.counts.set(entry.campaignId, Object.freeze(c));
    }
    this.seq++;
    const id = `${nowMs}-${this.seq}`;
    this.ring[this.seq % this.ring.length] = { ...entry, id, settledMicros };
    return { ...resultOf(charge), duplicate: false, id };
  }

  async readGroup(
    group: string,
    _consumer: string,
    count: number,
    from: GroupStart = 'oldest',
  ): Promise<LoggedOutcome[]> {
    let g = this.groups.get(group);
    if (!g) {
      g = {
        lastSeq: from === 'newest' ? this.seq : Math.max(0, this.seq - this.ring.length),
        pending: new Set(),
      };
      this.groups.set(group, g);
    }
    const out: LoggedOutcome[] = [];
    // Entries older than the ring were trimmed, as MAXLEN trims a stream.
    let next = Math.max(g.lastSeq + 1, this.seq - this.ring.length + 1);
    while (next <= this.seq && out.length < count) {
      const e = this.ring[next % this.ring.length];
      if (e) {
        out.push(e);
        g.pending.add(e.id);
      }
      g.lastSeq = next;
      next++;
    }
    return out;
  }

  async ack(group: string, ids: string[]): Promise<number> {
    const g = this.groups.get(group);
    if (!g) return 0;
    let n = 0;
    for (const id of ids) if (g.pending.delete(id)) n++;
    return n;
  }

  async leaveGroup(group: string): Promise<boolean> {
    return this.groups.delete(group);
  }

  /** The stored counters (frozen: a change replaces them). */
  async counters(campaignId: string): Promise<OutcomeCounters> {
    return this.counts.get(campaignId) ?? ZERO_COUNTERS;
  }

  async countersMany(campaignIds: readonly string[]): Promise<OutcomeCounters[]> {
    return campaignIds.map((id) => this.counts.get(id) ?? ZERO_COUNTERS);
  }

  async close(): Promise<void> {}

  private forgetExpired(nowMs: number): void {
    for (const [key, expiry] of this.seen) {
      if (expiry > nowMs) break;
      this.seen.delete(key);
    }
  }
}
