/**
 * The DecisionLog port: one record per decision (DecisionRecord of
 * admin.proto, kept in its wire form, the same JSON the API serves), bounded
 * to the newest `size` records. Lookups by request id are O(1). Two adapters:
 * this embedded ring buffer (in the admin service) and a ring in Redis
 * (decision-store-redis.ts: brokers write to it directly, any admin reads it).
 */
import type { DecisionRecord__Output } from '../../proto/gen/parley/v1/DecisionRecord';

export type DecisionRecordData = DecisionRecord__Output;

export interface DecisionLog {
  append(records: DecisionRecordData[]): Promise<void>;
  /** The newest record for this request id, or null once it has left the log. */
  get(requestId: string): Promise<DecisionRecordData | null>;
  /** The newest `limit` records, newest first. */
  recent(limit: number): Promise<DecisionRecordData[]>;
  close(): Promise<void>;
}

export class EmbeddedDecisionLog implements DecisionLog {
  private readonly ring: Array<DecisionRecordData | undefined>;
  private readonly index = new Map<string, number>();
  /** Records ever appended; the next one goes to slot (seq % size). */
  private seq = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`decision log size: expected >= 1, got ${size}`);
    this.ring = new Array(size);
  }

  async append(records: DecisionRecordData[]): Promise<void> {
    for (const r of records) {
      const slot = this.seq % this.size;
      const old = this.ring[slot];
      if (old && this.index.get(old.request_id) === slot) this.index.delete(old.request_id);
      this.ring[slot] = r;
      this.index.set(r.request_id, slot);
      this.seq++;
    }
  }

  async get(requestId: string): Promise<DecisionRecordData | null> {
    const slot = this.index.get(requestId);
    return slot === undefined ? null : (this.ring[slot] ?? null);
  }

  async recent(limit: number): Promise<DecisionRecordData[]> {
    const out: DecisionRecordData[] = [];
    const n = Math.min(limit, this.seq, this.size);
    for (let i = 1; i <= n; i++) {
      const r = this.ring[(this.seq - i) % this.size];
      if (r) out.push(r);
    }
    return out;
  }

  async close(): Promise<void> {}
}
