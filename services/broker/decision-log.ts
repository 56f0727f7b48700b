/**
 * The broker's side of the decision log: every decision becomes a
 * DecisionRecord (admin.proto) — the request, each round's proposal, the
 * broker's screening and each critic's verdicts, every eligible
 * candidate's utility terms, the overrides that applied, the response (with
 * reason codes, degraded agents and trace id) and each agent's part (model
 * version, time, degraded).
 *
 * Recording never slows a decision: `record()` only queues a thunk (O(1));
 * the record is built, encoded to its protobuf bytes (once: every sink
 * carries and stores those bytes) and written in the background, one write
 * in flight at a time. The work comes in bounded pieces: a turn of the
 * event loop builds and encodes records until `sliceMs` of work is done and
 * leaves the rest to a later turn, so a burst of records never stalls the
 * decisions in between. Encoded records go out in batches (`batch` of them,
 * or what is encoded once the queue is empty): a write costs mostly per
 * call, so one per batch, not one per slice. Records of the first
 * `flushDelayMs` are collected before the work starts (fewer, larger writes
 * under light load). The queue is bounded: when the sink cannot keep up (or
 * the admin service is away) the newest records are dropped and counted.
 *
 * A dry run is not logged, but its record is still built and encoded, then
 * thrown away (`rehearse()`): a dry run then costs the broker what a decision
 * costs, and the dry runs that warm a fresh mesh (bin/traffic.ts warmUp)
 * compile this path too. Without it the recorder's code, the broker's largest
 * single cost, met real traffic cold: the first second of 500/s after the
 * warm-up often came back 18-73% degraded (bench/ANALYSIS.md, section 15).
 *
 * Sinks: with Redis, the shared ring (common/state/decisions-redis.ts); in
 * embedded mode, the admin service's RecordDecisions client stream, which
 * sends the encoded bytes as they are (admin-client.ts).
 */
import { performance } from 'node:perf_hooks';
import type { DecideRequest__Output } from '../../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse } from '../../proto/gen/parley/v1/DecideResponse';
import type { DecisionRecord } from '../../proto/gen/parley/v1/DecisionRecord';
import { messageOf } from '../common/grpc/errors';
import { type Logger, rateLimited } from '../common/log';
import {
  type DecisionLog,
  type DecisionRecordData,
  type EncodedDecision,
  encodeDecision,
} from '../common/state/decisions';
import { candidateToWire, critiqueToWire } from '../common/wire/agent';
import { rejectionToWire, snapshotToWire } from '../common/wire/common';
import type { Decision } from './negotiation';
import { agentReportsToWire } from './wire';

/** Defaults of the recorder's bounds. */
export const RECORDER = { maxQueue: 2000, batch: 200, flushDelayMs: 50, sliceMs: 1 } as const;

export interface RecorderBounds {
  /** Records queued beyond this are dropped (and counted). */
  maxQueue: number;
  /** Most records per sink write; a full batch is written at once. */
  batch: number;
  /** How long the first record of a batch waits for others (0: the next turn of the event loop). */
  flushDelayMs?: number;
  /**
   * Building and encoding stop once a turn of the event loop has spent this
   * long on them (at least one record per turn); the rest wait for a later
   * turn. Default 1.
   */
  sliceMs?: number;
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

/** Where finished records go, encoded. A rejected write drops those records (they are counted). */
export interface DecisionSink {
  write(records: EncodedDecision[]): Promise<void>;
  close(): void;
}

export interface RecorderStats {
  recorded: number;
  dropped: number;
  queued: number;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class DecisionRecorder {
  /** Records to build and encode; `keep: false` for a rehearsal (encoded, then dropped). */
  private queue: Array<{ build: () => DecisionRecord; keep: boolean }> = [];
  private flushing = false;
  private closed = false;
  private recorded = 0;
  private dropped = 0;
  private readonly mayWarn = rateLimited(10_000);
  private timer: NodeJS.Timeout | null = null;

  /** `now` is a clock in ms for the time slices (a fake one in tests). */
  constructor(
    private readonly sink: DecisionSink,
    private readonly log: Logger,
    private readonly bounds: RecorderBounds = RECORDER,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Queues one record (built later, off the decision's path). Never throws, never waits. */
  record(build: () => DecisionRecord): void {
    if (this.closed || this.queue.length >= this.bounds.maxQueue) {
      this.dropped++;
      return;
    }
    this.enqueue(build, true);
  }

  /**
   * Builds and encodes a record like record() and then drops it (a dry run's):
   * the same work, nothing written or counted. Skipped while a batch or more
   * is queued, so a rehearsal never takes the place of a record.
   */
  rehearse(build: () => DecisionRecord): void {
    if (this.closed || this.queue.length >= this.bounds.batch) return;
    this.enqueue(build, false);
  }

  private enqueue(build: () => DecisionRecord, keep: boolean): void {
    this.queue.push({ build, keep });
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

  /** Resolves once everything queued so far has been written (or dropped), or after `timeoutMs`. */
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

  /** Drops what is queued (call drain() first to keep it) and closes the sink. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dropped += this.queue.filter((q) => q.keep).length;
    this.queue = [];
    this.sink.close();
  }

  private async flush(): Promise<void> {
    try {
      let batch: EncodedDecision[] = [];
      while (this.queue.length > 0 && !this.closed) {
        this.slice(batch);
        // A full batch, or all there is for now: write it (a write costs mostly per call, so
        // one per batch, not one per slice).
        if (batch.length >= this.bounds.batch || this.queue.length === 0) {
          await this.write(batch);
          batch = [];
        }
        if (this.queue.length > 0) await nextTurn();
      }
      this.dropped += batch.length; // encoded, but closed before it could be written
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Builds and encodes records from the queue's head into `batch` until the
   * slice's time is spent or the batch is full (at least one record).
   */
  private slice(batch: EncodedDecision[]): void {
    const started = this.now();
    const sliceMs = this.bounds.sliceMs ?? RECORDER.sliceMs;
    do {
      const { build, keep } = this.queue.shift()!;
      try {
        const encoded = encodeDecision(build());
        if (keep) batch.push(encoded);
      } catch (err) {
        if (keep) this.dropped++;
        this.log.warn('could not build a decision record', { error: messageOf(err) });
      }
    } while (this.queue.length > 0 && batch.length < this.bounds.batch && this.now() - started < sliceMs);
  }

  private async write(records: EncodedDecision[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await this.sink.write(records);
      this.recorded += records.length;
    } catch (err) {
      this.dropped += records.length;
      if (this.mayWarn()) {
        this.log.warn('decision records dropped: the decision log is unavailable', {
          error: messageOf(err),
          dropped: this.dropped,
        });
      }
    }
  }
}

/** Redis mode: append to the shared ring. */
export function storeSink(store: DecisionLog): DecisionSink {
  return { write: (records) => store.append(records), close: () => undefined };
}

/** A sink that keeps nothing (no admin configured). */
export const nullSink: DecisionSink = { write: async () => undefined, close: () => undefined };
