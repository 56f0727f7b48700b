/**
 * A small promise-based AdDecision client (what an ad server would write),
 * used by the CLI's `traffic` and `decide` commands and by the e2e tests.
 */
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import type { AdDecisionClient } from '../proto/gen/parley/v1/AdDecision';
import type { DecideRequest } from '../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse__Output } from '../proto/gen/parley/v1/DecideResponse';
import type { OutcomeAck__Output } from '../proto/gen/parley/v1/OutcomeAck';
import type { OutcomeAcks__Output } from '../proto/gen/parley/v1/OutcomeAcks';
import type { OutcomeReport } from '../proto/gen/parley/v1/OutcomeReport';
import { v1 } from '../services/common/grpc/proto';
import { channelCredentials } from '../services/common/grpc/tls';

export type { AdDecisionClient, DecideRequest, DecideResponse__Output, OutcomeAck__Output, OutcomeReport };

export interface CallOptions {
  /** gRPC deadline of the call (ms from now). */
  timeoutMs?: number;
  metadata?: grpc.Metadata;
}

/** A broker client; `credentials` by default this process's (mTLS as an ad server, grpc/tls.ts). */
export function connect(
  target: string,
  options: grpc.ChannelOptions = {},
  credentials: grpc.ChannelCredentials = channelCredentials(),
): AdDecisionClient {
  return new v1.AdDecision(target, credentials, options);
}

/** Resolves once the channel is connected; rejects after timeoutMs. */
export function waitReady(client: grpc.Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) =>
    client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())),
  );
}

export function decide(
  client: AdDecisionClient,
  req: DecideRequest,
  opts: CallOptions = {},
): Promise<DecideResponse__Output> {
  return new Promise((resolve, reject) => {
    client.Decide(
      req,
      opts.metadata ?? new grpc.Metadata(),
      { deadline: Date.now() + (opts.timeoutMs ?? 2000) },
      (err, res) => (err || !res ? reject(err ?? new Error('empty response')) : resolve(res)),
    );
  });
}

export function reportOutcome(
  client: AdDecisionClient,
  report: OutcomeReport,
  opts: CallOptions = {},
): Promise<OutcomeAck__Output> {
  return new Promise((resolve, reject) => {
    client.ReportOutcome(
      report,
      opts.metadata ?? new grpc.Metadata(),
      { deadline: Date.now() + (opts.timeoutMs ?? 2000) },
      (err, res) => (err || !res ? reject(err ?? new Error('empty response')) : resolve(res)),
    );
  });
}

/** The gRPC status name of an error, e.g. "INVALID_ARGUMENT". */
export function statusName(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? (grpc.status[code] ?? String(code)) : 'ERROR';
}

/** The server's message of a gRPC error (without grpc-js's "3 INVALID_ARGUMENT: " prefix). */
export function detailsOf(err: unknown): string {
  const e = err as { details?: unknown; message?: unknown } | null;
  return typeof e?.details === 'string' && e.details ? e.details : String(e?.message ?? err);
}

/** "2 ads (nike-run-30, oatly-15)" or "no ad (REASON_NO_ELIGIBLE_CANDIDATES)". */
export function describeOutcome(res: DecideResponse__Output): string {
  if (res.ads.length === 0) return `no ad (${res.no_ad_reasons.join(', ') || 'no reason given'})`;
  const ids = res.ads.map((a) => `${a.creative_id} [${a.tier}, ${a.price_micros} µ]`).join(', ');
  return `${res.ads.length} ad${res.ads.length > 1 ? 's' : ''}: ${ids}`;
}

/** How an OutcomeBatcher groups reports. */
export interface BatchOptions {
  /** A batch goes out once it holds this many reports (the server takes at most 500)... */
  maxBatch: number;
  /** ...or this long after its first report, whichever comes first. */
  batchMs: number;
  /** gRPC deadline of each ReportOutcomes call (ms from when it is sent). */
  timeoutMs?: number;
  /** Told about every call when it ends: how many reports, how long it took, its error if any. */
  onBatch?: (reports: number, elapsedMs: number, err: grpc.ServiceError | null) => void;
}

/**
 * Collects outcome reports and sends them through ReportOutcomes in batches,
 * as an ad server should: one call per batch costs the mesh a fraction of a
 * call per report. Each report's promise settles with its own ack, or with
 * its batch's error (a bad report refuses the whole batch).
 */
export class OutcomeBatcher {
  private pending: Array<{
    report: OutcomeReport;
    resolve: (ack: OutcomeAck__Output) => void;
    reject: (err: unknown) => void;
  }> = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: () => AdDecisionClient,
    private readonly opts: BatchOptions,
  ) {}

  report(report: OutcomeReport): Promise<OutcomeAck__Output> {
    return new Promise((resolve, reject) => {
      this.pending.push({ report, resolve, reject });
      if (this.pending.length >= this.opts.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.opts.batchMs);
    });
  }

  /** Sends everything pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.pending.length > 0) this.send(this.pending.splice(0, this.opts.maxBatch));
  }

  /** Sends what is pending and waits until every call has ended. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private send(batch: OutcomeBatcher['pending']): void {
    const started = performance.now();
    const call = new Promise<void>((done) => {
      this.client().ReportOutcomes(
        { reports: batch.map((b) => b.report) },
        { deadline: Date.now() + (this.opts.timeoutMs ?? 2000) },
        (err: grpc.ServiceError | null, res?: OutcomeAcks__Output) => {
          const failure = err ?? (res?.acks.length === batch.length ? null : wrongAcks(batch.length, res));
          this.opts.onBatch?.(batch.length, performance.now() - started, failure);
          for (const [i, b] of batch.entries()) {
            if (failure) b.reject(failure);
            else b.resolve(res!.acks[i]!);
          }
          done();
        },
      );
    });
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
  }
}

function wrongAcks(sent: number, res: OutcomeAcks__Output | undefined): grpc.ServiceError {
  return Object.assign(new Error(`${sent} reports sent, ${res?.acks.length ?? 0} acks received`), {
    code: grpc.status.INTERNAL,
    details: `${sent} reports sent, ${res?.acks.length ?? 0} acks received`,
    metadata: new grpc.Metadata(),
  });
}
