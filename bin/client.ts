/**
 * A small promise-based AdDecision client (what an ad server would write),
 * used by the CLI's `traffic` and `decide` commands and by the e2e tests.
 */
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import type { AdDecisionClient } from '../proto/gen/parley/v1/AdDecision';
import type { DecideRequest } from '../proto/gen/parley/v1/DecideRequest';
import type { DecideRequests } from '../proto/gen/parley/v1/DecideRequests';
import type { DecideResponse__Output } from '../proto/gen/parley/v1/DecideResponse';
import type { DecideResults__Output } from '../proto/gen/parley/v1/DecideResults';
import type { OutcomeAck__Output } from '../proto/gen/parley/v1/OutcomeAck';
import type { OutcomeAcks__Output } from '../proto/gen/parley/v1/OutcomeAcks';
import type { OutcomeReport } from '../proto/gen/parley/v1/OutcomeReport';
import { CallStream } from '../services/common/grpc/coalescer';
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

/**
 * Decisions over one AdDecision.DecideStream (what an ad server sending
 * hundreds of decisions a second should use): `decide` resolves with the
 * response or rejects with a grpc.ServiceError-like error carrying the
 * request's status, as the unary `decide` would. Requests sent in the same
 * turn of the event loop leave in one message. A broken stream fails the
 * requests waiting on it (UNAVAILABLE) and the next request opens a new one.
 * A request that gets no result within its timeout is rejected
 * DEADLINE_EXCEEDED (its late result is then dropped).
 */
export class DecisionStream {
  private readonly requests: CallStream<DecideRequest, DecideRequests, DecideResults__Output>;
  private readonly waiting = new Map<
    string,
    Array<(err: grpc.ServiceError | null, res?: DecideResponse__Output) => void>
  >();

  constructor(client: AdDecisionClient) {
    this.requests = new CallStream({
      open: () => client.DecideStream(),
      message: (requests) => ({ requests }),
      onMessage: (msg) => {
        for (const r of msg.results) {
          const first = this.waiting.get(r.request_id)?.[0];
          if (!first) continue; // timed out already
          if (r.status_code === grpc.status.OK && r.response) first(null, r.response);
          else first(statusError(r.status_code || grpc.status.UNKNOWN, r.status_message));
        }
      },
      onBroken: (err) =>
        this.failWaiting(
          statusError(err?.code ?? grpc.status.UNAVAILABLE, err?.details ?? 'the decision stream closed'),
        ),
    });
  }

  decide(req: DecideRequest, opts: Pick<CallOptions, 'timeoutMs'> = {}): Promise<DecideResponse__Output> {
    const id = req.request_id ?? '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => settle(statusError(grpc.status.DEADLINE_EXCEEDED, 'no result within the timeout')),
        opts.timeoutMs ?? 2000,
      );
      const settle = (err: grpc.ServiceError | null, res?: DecideResponse__Output) => {
        clearTimeout(timer);
        const list = this.waiting.get(id);
        const i = list?.indexOf(settle) ?? -1;
        if (i < 0) return; // settled already
        list!.splice(i, 1);
        if (list!.length === 0) this.waiting.delete(id);
        if (err || !res) reject(err ?? statusError(grpc.status.INTERNAL, 'empty result'));
        else resolve(res);
      };
      const list = this.waiting.get(id);
      if (list) list.push(settle);
      else this.waiting.set(id, [settle]);
      this.requests.push(req);
    });
  }

  /** Ends the stream (requests still waiting fail UNAVAILABLE). */
  close(): void {
    this.requests.close();
    this.failWaiting(statusError(grpc.status.UNAVAILABLE, 'the decision stream closed'));
  }

  private failWaiting(why: grpc.ServiceError): void {
    for (const list of [...this.waiting.values()]) for (const settle of [...list]) settle(why);
  }
}

function statusError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), {
    code,
    details,
    metadata: new grpc.Metadata(),
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
  return statusError(grpc.status.INTERNAL, `${sent} reports sent, ${res?.acks.length ?? 0} acks received`);
}
