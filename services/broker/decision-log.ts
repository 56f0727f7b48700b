/**
 * The broker's side of the decision log: every decision becomes a
 * DecisionRecord (admin.proto) — the request, each round's proposal, the
 * broker's screening and each critic's verdicts, every eligible
 * candidate's utility terms, the overrides that applied, the response (with
 * reason codes, degraded agents and trace id) and each agent's part (model
 * version, time, degraded).
 *
 * Recording never slows a decision: `record()` only queues a thunk (O(1));
 * the record is built and shipped in the background, in batches, one batch
 * in flight at a time. A batch collects the records of `flushDelayMs` (or
 * `batch` records, whichever comes first): one sink write per batch instead
 * of one per decision keeps the log's cost per decision low under load.
 * The queue is bounded: when the sink cannot keep up (or the admin service
 * is away) the newest records are dropped and counted.
 *
 * Sinks: with Redis, the shared ring (decision-store-redis.ts); in embedded
 * mode, the admin service's RecordDecisions client stream.
 */
import * as grpc from '@grpc/grpc-js';
import type { DecideRequest__Output } from '../../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse } from '../../proto/gen/parley/v1/DecideResponse';
import type { DecisionRecord } from '../../proto/gen/parley/v1/DecisionRecord';
import type { RecordDecisionsAck__Output } from '../../proto/gen/parley/v1/RecordDecisionsAck';
import type { DecisionLog, DecisionRecordData } from '../admin/decision-store';
import { candidateToWire, rejectionToWire, snapshotToWire } from '../common/grpc/convert';
import { messageOf } from '../common/grpc/errors';
import { v1 } from '../common/grpc/proto';
import type { Logger } from '../common/log';
import { critiqueToWire } from '../common/wire/agent';
import type { Decision } from './negotiation';
import { agentReportsToWire } from './wire';

/** Defaults of the recorder's bounds. */
export const RECORDER = { maxQueue: 2000, batch: 200, flushDelayMs: 50 } as const;

export interface RecorderBounds {
  /** Records queued beyond this are dropped (and counted). */
  maxQueue: number;
  /** Most records per sink write; a full batch is written at once. */
  batch: number;
  /** How long the first record of a batch waits for others (0: the next turn of the event loop). */
  flushDelayMs?: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The wire record of one decision. `request` and `response` are the
 * messages exchanged with the ad server, as they were.
 */
export function buildDecisionRecord(
  request: DecideRequest__Output,
  response: DecideResponse,
  decision: Decision,
  broker: string,
  atMs: number,
): DecisionRecordData {
  const t = decision.trace;
  const record: DecisionRecord = {
    request_id: decision.requestId,
    at_ms: atMs,
    broker,
    request,
    context: t ? snapshotToWire(t.snapshot) : null,
    rounds: (t?.rounds ?? []).map((r) => ({
      round: r.round,
      proposal_source: r.source,
      proposal_model_version: r.modelVersion,
      proposed: r.proposed.map(candidateToWire),
      removed_by_proposers: r.removedByProposers.map(rejectionToWire),
      screened: r.screened.map(rejectionToWire),
      critiques: Object.fromEntries([...r.critiques].map(([name, c]) => [name, critiqueToWire(c)])),
      guard: r.guard,
    })),
    scored: (t?.scored ?? []).map((s) => ({
      creative_id: s.candidate.creativeId,
      campaign_id: s.candidate.campaignId,
      utility: s.terms.utility,
      terms: s.terms.terms,
      boost: s.boost ?? 0,
      pinned: s.pinned ?? false,
      lead_probability: t?.leadProbabilities?.get(s.candidate.creativeId) ?? 0,
    })),
    response,
    overrides: (t?.overrides ?? []).map((o) => ({
      override_id: o.overrideId,
      kind: o.kind,
      creative_id: o.creativeId,
      effect: o.effect,
    })),
    agents: agentReportsToWire(decision.explanation.agents),
    commit_ms: round2(t?.commitMs ?? 0),
    total_ms: round2(t?.totalMs ?? 0),
    overrides_version: t?.overridesVersion ?? 0,
  };
  // Every field is set above, so the input shape is the output shape.
  return record as DecisionRecordData;
}

/** Where finished records go. A rejected write drops that batch (it is counted). */
export interface DecisionSink {
  write(records: DecisionRecordData[]): Promise<void>;
  close(): void;
}

export interface RecorderStats {
  recorded: number;
  dropped: number;
  queued: number;
}

export class DecisionRecorder {
  private queue: Array<() => DecisionRecordData> = [];
  private flushing = false;
  private recorded = 0;
  private dropped = 0;
  private lastWarnMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sink: DecisionSink,
    private readonly log: Logger,
    private readonly bounds: RecorderBounds = RECORDER,
  ) {}

  /** Queues one record (built later, off the decision's path). Never throws, never waits. */
  record(build: () => DecisionRecordData): void {
    if (this.queue.length >= this.bounds.maxQueue) {
      this.dropped++;
      return;
    }
    this.queue.push(build);
    if (this.flushing) return;
    if (this.timer && this.queue.length >= this.bounds.batch) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.timer) return;
    const delay = this.queue.length >= this.bounds.batch ? 0 : (this.bounds.flushDelayMs ?? 0);
    if (delay <= 0) {
      this.flushing = true;
      setImmediate(() => void this.flush());
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing = true;
      void this.flush();
    }, delay);
  }

  stats(): RecorderStats {
    return { recorded: this.recorded, dropped: this.dropped, queued: this.queue.length };
  }

  /** Resolves once everything queued so far has been written (or dropped). */
  async drain(timeoutMs = 2000): Promise<void> {
    const until = Date.now() + timeoutMs;
    if (this.timer && this.queue.length > 0) {
      clearTimeout(this.timer);
      this.timer = null;
      this.flushing = true;
      void this.flush();
    }
    while ((this.queue.length > 0 || this.flushing) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.sink.close();
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const thunks = this.queue.splice(0, this.bounds.batch);
        const records: DecisionRecordData[] = [];
        for (const build of thunks) {
          try {
            records.push(build());
          } catch (err) {
            this.dropped++;
            this.log.warn('could not build a decision record', { error: messageOf(err) });
          }
        }
        try {
          await this.sink.write(records);
          this.recorded += records.length;
        } catch (err) {
          this.dropped += records.length;
          const now = Date.now();
          if (now - this.lastWarnMs > 10_000) {
            this.lastWarnMs = now;
            this.log.warn('decision records dropped: the decision log is unavailable', {
              error: messageOf(err),
              dropped: this.dropped,
            });
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

/** Redis mode: append to the shared ring. */
export function storeSink(store: DecisionLog): DecisionSink {
  return { write: (records) => store.append(records), close: () => undefined };
}

/** A sink that keeps nothing (no admin configured). */
export const nullSink: DecisionSink = { write: async () => undefined, close: () => undefined };

/**
 * Embedded mode: the admin service's RecordDecisions client stream, opened
 * on first use and again after it breaks (not more than once a second).
 */
export function adminSink(address: string): DecisionSink {
  const client = new v1.Admin(address, grpc.credentials.createInsecure());
  let call: grpc.ClientWritableStream<DecisionRecord> | null = null;
  let brokenAt = 0;
  let closed = false;
  const open = (): grpc.ClientWritableStream<DecisionRecord> | null => {
    if (call) return call;
    if (closed || Date.now() - brokenAt < 1000) return null;
    const c = client.RecordDecisions((err: grpc.ServiceError | null, _ack?: RecordDecisionsAck__Output) => {
      if (err && call === c) {
        call = null;
        brokenAt = Date.now();
      }
    });
    call = c;
    return c;
  };
  return {
    async write(records) {
      const c = open();
      if (!c) throw new Error(`the admin service at ${address} is unavailable`);
      let ok = true;
      for (const r of records) ok = c.write(r) && ok;
      if (!ok) {
        // Back-pressure: wait for the stream to drain (or break) before the next batch.
        await new Promise<void>((resolve) => {
          const done = () => {
            c.off('drain', done);
            c.off('error', done);
            resolve();
          };
          c.on('drain', done);
          c.on('error', done);
        });
      }
    },
    close() {
      closed = true;
      call?.end();
      call = null;
      client.close();
    },
  };
}
