/**
 * A small promise-based AdDecision client (what an ad server would write),
 * used by the CLI's `traffic` and `decide` commands and by the e2e tests.
 */
import * as grpc from '@grpc/grpc-js';
import type { AdDecisionClient } from '../proto/gen/parley/v1/AdDecision';
import type { DecideRequest } from '../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse__Output } from '../proto/gen/parley/v1/DecideResponse';
import type { OutcomeAck__Output } from '../proto/gen/parley/v1/OutcomeAck';
import type { OutcomeReport } from '../proto/gen/parley/v1/OutcomeReport';
import { v1 } from '../services/common/grpc/proto';

export type { AdDecisionClient, DecideRequest, DecideResponse__Output, OutcomeAck__Output, OutcomeReport };

export interface CallOptions {
  /** gRPC deadline of the call (ms from now). */
  timeoutMs?: number;
  metadata?: grpc.Metadata;
}

export function connect(target: string, options: grpc.ChannelOptions = {}): AdDecisionClient {
  return new v1.AdDecision(target, grpc.credentials.createInsecure(), options);
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
