/**
 * The DecisionLog port: one record per decision (DecisionRecord of
 * admin.proto), bounded to the newest `size` records. Records are kept as
 * their protobuf bytes, the same bytes RecordDecisions carries: a broker
 * encodes each record once, off the decision's path (broker/decision-log.ts),
 * and nothing decodes it until someone reads it (GetDecision, ListDecisions,
 * the dashboard). Bytes are about 2.5 times smaller than the JSON of the same
 * record. Lookups by request id are O(1). Two adapters: this embedded ring
 * (in the admin service) and a ring in Redis (decisions-redis.ts: brokers
 * write to it directly, any admin reads it).
 *
 * A stored record that cannot be decoded (corrupt, or written in an older
 * format) reads as absent, never as an error for the whole list.
 */
import type { DecisionRecord, DecisionRecord__Output } from '../../../proto/gen/parley/v1/DecisionRecord';
import { v1 } from '../grpc/proto';
import { wireChecker } from '../grpc/wire-check';

export type DecisionRecordData = DecisionRecord__Output;

/** One record, encoded, with its request id (for the index). */
export interface EncodedDecision {
  requestId: string;
  bytes: Buffer;
}

export interface DecisionLog {
  append(records: EncodedDecision[]): Promise<void>;
  /** The newest record for this request id, or null once it has left the log. */
  get(requestId: string): Promise<DecisionRecordData | null>;
  /** The newest `limit` records, newest first. */
  recent(limit: number): Promise<DecisionRecordData[]>;
  close(): Promise<void>;
}

// The message codec grpc-js uses for this contract (proto-loader's, with the
// loader options of services/common/grpc/proto.ts): what a reader decodes is
// exactly what GetDecision would have sent.
const codec = v1.Admin.service.RecordDecisions;

export function encodeDecision(record: DecisionRecord): EncodedDecision {
  return { requestId: record.request_id ?? '', bytes: codec.requestSerialize(record) };
}

export function decodeDecision(bytes: Buffer): DecisionRecordData {
  return codec.requestDeserialize(bytes);
}

/** The decoded record, or null when the bytes are not one. */
export function tryDecodeDecision(bytes: Buffer | null | undefined): DecisionRecordData | null {
  if (!bytes) return null;
  try {
    return decodeDecision(bytes);
  } catch {
    return null;
  }
}

/**
 * The request id (field 1) of an encoded record, read without decoding the
 * rest: the admin service indexes the bytes brokers send it as they are.
 * Walks the top-level fields, so bytes that are not a well-framed message
 * throw.
 */
export function requestIdOf(bytes: Buffer): string {
  let pos = 0;
  const bad = (problem: string) => new Error(`not a decision record: ${problem} at byte ${pos}`);
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (pos >= bytes.length) throw bad('truncated varint');
      const b = bytes[pos++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw bad('varint too long');
  };
  let requestId = '';
  while (pos < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    if (field === 0) throw bad('field number 0');
    switch (tag % 8) {
      case 0:
        varint();
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        const len = varint();
        if (pos + len > bytes.length) throw bad('truncated field');
        if (field === 1) requestId = bytes.toString('utf8', pos, pos + len);
        pos += len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw bad(`wire type ${tag % 8}`);
    }
  }
  if (pos > bytes.length) throw bad('truncated field');
  return requestId;
}

/**
 * The request id of bytes that are a whole decision record; throws when they
 * are not: every field of it and of its nested messages is checked against
 * the contract (grpc/wire-check.ts: framing, wire types, no field number 0)
 * without building the record, which would cost the admin service more than
 * everything else it does with a record. A record that cannot be read back must not
 * take a place in the log, where it would push out a good one and hide any
 * older record with its request id.
 */
export function wholeRecordId(bytes: Buffer): string {
  const requestId = requestIdOf(bytes);
  checkRecord(bytes);
  return requestId;
}

/** Throws unless the bytes could be decoded as a DecisionRecord (without decoding them: grpc/wire-check.ts). */
const checkRecord = wireChecker('parley.v1.DecisionRecord');

export class EmbeddedDecisionLog implements DecisionLog {
  private readonly ring: Array<EncodedDecision | undefined>;
  private readonly index = new Map<string, number>();
  /** Records ever appended; the next one goes to slot (seq % size). */
  private seq = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`decision log size: expected >= 1, got ${size}`);
    this.ring = new Array(size);
  }

  async append(records: EncodedDecision[]): Promise<void> {
    for (const r of records) {
      const slot = this.seq % this.size;
      const old = this.ring[slot];
      if (old && this.index.get(old.requestId) === slot) this.index.delete(old.requestId);
      this.ring[slot] = r;
      this.index.set(r.requestId, slot);
      this.seq++;
    }
  }

  async get(requestId: string): Promise<DecisionRecordData | null> {
    const slot = this.index.get(requestId);
    return slot === undefined ? null : tryDecodeDecision(this.ring[slot]?.bytes);
  }

  async recent(limit: number): Promise<DecisionRecordData[]> {
    const out: DecisionRecordData[] = [];
    const n = Math.min(limit, this.seq, this.size);
    for (let i = 1; i <= n; i++) {
      const r = tryDecodeDecision(this.ring[(this.seq - i) % this.size]?.bytes);
      if (r) out.push(r);
    }
    return out;
  }

  async close(): Promise<void> {}
}
