/**
 * The grpc-js plumbing every parley server shares: start a server with the
 * standard health service and server reflection, bound with mutual TLS (or
 * plaintext when PARLEY_PLAINTEXT=1: tls.ts) behind the caller checks and
 * rate limit of access.ts, and adapt plain async
 * handlers `(request, ctx) => response` into grpc-js unary handlers with a
 * server span, the caller's deadline, and errors mapped to statuses.
 */
import * as grpc from '@grpc/grpc-js';
import {
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  type Span,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { HealthImplementation } from 'grpc-health-check';
import type { Identity } from '../access';
import type { Logger } from '../log';
import { rpcRecorder } from '../metrics';
import type { RateLimit } from '../rate-limit';
import { ATTR, rpcAttributes } from '../semconv';
import { contextFromMetadata, SpanKind, tracer } from '../telemetry';
import { accessInterceptor } from './access';
import { detailsOf, messageOf, RpcError, statusOf } from './errors';
import { packageDefinition } from './proto';
import { addReflection } from './reflection';
import { callerOf, processTransport, serverCredentials } from './tls';

export interface CallContext {
  /** Absolute deadline (epoch ms); Infinity when the caller set none. */
  deadline: number;
  /** The server span: a non-recording one (with its trace id) when the call is not sampled. */
  span: Span;
  /**
   * The caller's trace context with `span` set: the parent of whatever the
   * handler starts or calls (`unary` always sets it; optional for handlers
   * called directly, e.g. in tests).
   */
  context?: Context;
  metadata: grpc.Metadata;
  /** The caller's address (`ip:port`), when the transport knows it. */
  peer?: () => string;
  /** The caller's certificate identity; null in plaintext mode (nobody is identified). */
  caller?: () => Identity | null;
}

export type UnaryHandler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;

/** Largest message a parley server accepts; larger ones get RESOURCE_EXHAUSTED. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/** Largest message a parley server sends. */
export const MAX_SEND_BYTES = 4 * MAX_MESSAGE_BYTES;

export function deadlineOf(call: { getDeadline(): grpc.Deadline }): number {
  const d = call.getDeadline();
  if (d instanceof Date) return d.getTime();
  return Number.isFinite(d) ? d : Number.POSITIVE_INFINITY;
}

const SERVER_SPAN = { kind: SpanKind.SERVER } as const;

/**
 * A request message grpc-js could not decode (truncated, a wrong wire type,
 * random bytes). grpc-js itself would answer INTERNAL "Error deserializing
 * request"; parley's servers hand this to the handler instead (see
 * `decodable`), which answers INVALID_ARGUMENT naming the message.
 */
export class UndecodableMessage {
  constructor(
    readonly type: string,
    readonly reason: string,
  ) {}

  error(): RpcError {
    return new RpcError(
      grpc.status.INVALID_ARGUMENT,
      `request: not a valid ${this.type} message (${this.reason})`,
    );
  }
}

/** `def` with every request decoder answering UndecodableMessage where it would throw. */
export function decodable(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  return Object.fromEntries(
    Object.entries(def).map(([name, method]) => {
      const decode = method.requestDeserialize;
      // '/parley.v1.AdDecision/Decide' → 'parley.v1', and the request's message name from its descriptor.
      const pkg = method.path.split('/')[1]?.split('.').slice(0, -1).join('.');
      const type = (method as { requestType?: { type?: { name?: string } } }).requestType?.type?.name;
      const full = type ? [pkg, type].filter(Boolean).join('.') : `${method.path} request`;
      const requestDeserialize = (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch (err) {
          return new UndecodableMessage(full, messageOf(err));
        }
      };
      return [name, { ...method, requestDeserialize }];
    }),
  );
}

/** The span of a call that is never traced: no ids, records nothing. */
const UNTRACED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * A grpc-js unary handler around `handler`: the call's latency by status
 * (always), and a server span that is only ever touched when the sampler
 * records it. An unsampled call costs the sampler's decision and the span's
 * ids, nothing more: no attributes, status or end.
 *
 * `traced: false` is for methods background pollers call (a learner reading
 * the outcome log, the dashboard's sampler): they get no span at all, so
 * they never make root traces of their own.
 */
export function unary<Req, Res>(
  method: string,
  handler: UnaryHandler<Req, Res>,
  log: Logger,
  { traced = true }: { traced?: boolean } = {},
): grpc.handleUnaryCall<Req, Res> {
  const metric = rpcRecorder('server', method);
  return (call, callback) => {
    const started = performance.now();
    const parent = contextFromMetadata(call.metadata);
    const span = traced ? tracer().startSpan(method, SERVER_SPAN, parent) : UNTRACED;
    const recording = span.isRecording();
    // rpc.* and server.address/port (the :authority the caller dialled), one object per address.
    if (recording) span.setAttributes(rpcAttributes(method, call.getHost()));
    const ctx = trace.setSpan(parent, span);
    const callCtx: CallContext = {
      deadline: deadlineOf(call),
      span,
      context: ctx,
      metadata: call.metadata,
      peer: () => call.getPeer(),
      caller: () => callerOf(call),
    };
    let answer: Promise<Res>;
    try {
      if (call.request instanceof UndecodableMessage) throw call.request.error();
      // A sampled call's handler runs inside its span's context, so whatever it
      // calls (a unary client span, say) joins the trace; an unsampled one pays
      // no context switch (and no AsyncLocalStorage) at all.
      answer = recording
        ? context.with(ctx, handler, undefined, call.request, callCtx)
        : handler(call.request, callCtx);
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer
      .then(
        (res) => {
          metric.record(grpc.status.OK, performance.now() - started);
          if (recording) {
            span.setAttribute(ATTR.rpcStatusCode, grpc.status.OK);
            span.end();
          }
          callback(null, res);
        },
        (err: unknown) => {
          const code = statusOf(err);
          metric.record(code, performance.now() - started);
          if (recording) {
            span.setAttribute(ATTR.rpcStatusCode, code);
            span.recordException(err as Error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(err) });
            span.end();
          }
          if (code === grpc.status.INTERNAL || code === grpc.status.UNKNOWN) {
            log.error('handler failed', { method, error: messageOf(err), stack: (err as Error)?.stack });
          }
          callback({ code, details: detailsOf(err) });
        },
      )
      .catch((err) => log.error('unary adapter failed', { method, error: messageOf(err) }));
  };
}

export interface StartedServer {
  server: grpc.Server;
  port: number;
  address: string;
  health: HealthImplementation;
  /** Stops taking calls, lets running ones finish (up to graceMs), then closes. */
  shutdown(graceMs?: number): Promise<void>;
}

export interface ServerSpec {
  host: string;
  port: number;
  /** Fully-qualified service names served (for health). */
  serviceNames: string[];
  services: Array<[grpc.ServiceDefinition, grpc.UntypedServiceImplementation]>;
  log: Logger;
  /** Health says SERVING from the start (default); false: NOT_SERVING until the caller sets it. */
  serving?: boolean;
  /** Calls per caller identity on `serviceNames` (config.rateLimit); absent/null = none. */
  rateLimit?: RateLimit | null;
}

export async function startServer(spec: ServerSpec): Promise<StartedServer> {
  // mTLS (or plaintext when configured so) from the process's env: grpc/tls.ts.
  const transport = processTransport();
  const access = accessInterceptor({
    authenticate: transport.mode === 'mtls',
    rateLimit: spec.rateLimit ?? null,
    limitedServices: spec.serviceNames,
    log: spec.log,
  });
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_SEND_BYTES,
    ...(access ? { interceptors: [access] } : {}),
  });
  for (const [def, impl] of spec.services) server.addService(decodable(def), impl);
  const initial = spec.serving === false ? 'NOT_SERVING' : 'SERVING';
  const health = new HealthImplementation({ '': initial });
  for (const name of spec.serviceNames) health.setStatus(name, initial);
  health.addToServer(server);
  addReflection(server, packageDefinition, spec.serviceNames);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${spec.host}:${spec.port}`, serverCredentials(transport), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });
  const address = `${spec.host}:${port}`;
  return {
    server,
    port,
    address,
    health,
    shutdown: (graceMs = 2000) =>
      new Promise<void>((resolve) => {
        health.setStatus('', 'NOT_SERVING');
        for (const name of spec.serviceNames) health.setStatus(name, 'NOT_SERVING');
        const timer = setTimeout(() => {
          spec.log.warn('calls still running after the grace period were cut', { graceMs });
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** What every start function (startBroker, startContextAgent, …) returns. */
export interface RunningService {
  name: string;
  address: string;
  port: number;
  /** Graceful stop: no new calls, finish running ones, close state connections. */
  close(): Promise<void>;
}
