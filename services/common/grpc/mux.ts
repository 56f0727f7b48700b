/**
 * Multiplexed persistent streams: the broker keeps one long-lived bidi stream
 * per agent and sends every decision's messages over it, each with an
 * Envelope (call id, this hop's timeout, W3C trace context). This is the
 * cheapest grpc-js pattern for many small exchanges, and it keeps all stream
 * plumbing here so agents and broker see plain async functions.
 *
 * Back-pressure: when write() returns false we queue and wait for 'drain'.
 */
import * as grpc from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import type { Logger } from '../log';
import { type RpcRecorder, rpcRecorder } from '../metrics';
import { ATTR, rpcAttributes } from '../semconv';
import { extractContext, injectContext, SpanKind, withSpan } from '../telemetry';
import { messageOf, RpcError, statusOf } from './errors';

interface Enveloped {
  envelope?: { call_id?: string; timeout_ms?: number; trace_context?: Record<string, string> } | null;
}
interface WithError {
  error?: { code?: number; message?: string } | null;
}

/** Writes to a stream, honouring back-pressure. */
class Writer<T> {
  private queue: T[] = [];
  private blocked = false;
  constructor(private readonly stream: NodeJS.WritableStream & { write(msg: T): boolean }) {}

  write(msg: T): void {
    if (this.blocked) {
      this.queue.push(msg);
      return;
    }
    if (!this.stream.write(msg)) this.block();
  }

  private block(): void {
    this.blocked = true;
    this.stream.once('drain', () => {
      this.blocked = false;
      while (this.queue.length > 0 && !this.blocked) {
        if (!this.stream.write(this.queue.shift() as T)) this.block();
      }
    });
  }
}

export interface MuxContext {
  /** Absolute deadline (epoch ms) for this message. */
  deadline: number;
  span: Span;
}

/** The default timeout of a message whose envelope names none. */
const DEFAULT_TIMEOUT_MS = 1000;

/**
 * Serves a multiplexed stream: each incoming message runs `handle`
 * concurrently; its result (or error) goes back with the same call id.
 */
export function muxServer<Call extends Enveloped, Reply extends Enveloped & WithError>(
  spanName: string,
  handle: (call: Call, ctx: MuxContext) => Promise<Omit<Reply, 'envelope' | 'error'>>,
  log: Logger,
): grpc.handleBidiStreamingCall<Call, Reply> {
  const metric = rpcRecorder('server', spanName);
  return (stream) => {
    const writer = new Writer<Reply>(stream as never);
    let inFlight = 0;
    let ended = false;
    const maybeEnd = () => {
      if (ended && inFlight === 0) stream.end();
    };
    stream.on('data', (msg: Call) => {
      const env = msg.envelope;
      const callId = env?.call_id ?? '';
      if (!callId) {
        writer.write({
          envelope: { call_id: '' },
          error: { code: grpc.status.INVALID_ARGUMENT, message: 'envelope.call_id: required' },
        } as Reply);
        return;
      }
      inFlight++;
      const started = performance.now();
      const timeout = env?.timeout_ms || DEFAULT_TIMEOUT_MS;
      const deadline = Date.now() + timeout;
      withSpan(
        spanName,
        {
          kind: SpanKind.SERVER,
          parent: extractContext(env?.trace_context),
          attributes: rpcAttributes(spanName),
        },
        async (span) => {
          try {
            const body = await handle(msg, { deadline, span });
            metric.record(grpc.status.OK, performance.now() - started);
            writer.write({ ...body, envelope: { call_id: callId } } as Reply);
          } catch (err) {
            const code = statusOf(err);
            span.setAttribute(ATTR.rpcStatusCode, code);
            metric.record(code, performance.now() - started);
            if (code === grpc.status.INTERNAL)
              log.error('stream handler failed', { spanName, error: messageOf(err) });
            writer.write({
              envelope: { call_id: callId },
              error: { code, message: messageOf(err) },
            } as Reply);
          }
        },
      )
        .catch(() => undefined)
        .finally(() => {
          inFlight--;
          maybeEnd();
        });
    });
    stream.on('end', () => {
      ended = true;
      maybeEnd();
    });
    stream.on('error', (err) => log.debug('stream error', { spanName, error: messageOf(err) }));
  };
}

interface Pending<Reply> {
  resolve(reply: Reply): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The client side: `call(body, timeoutMs)` sends one message and resolves
 * with the matching reply, or rejects with DEADLINE_EXCEEDED on timeout and
 * UNAVAILABLE when the stream breaks (the next call opens a new one).
 */
export class MuxClient<Call extends Enveloped, Reply extends Enveloped & WithError> {
  private stream: grpc.ClientDuplexStream<Call, Reply> | null = null;
  private writer: Writer<Call> | null = null;
  private readonly pending = new Map<string, Pending<Reply>>();
  private nextId = 1;
  /** Latency recorders per span name (one stream may carry several kinds of call). */
  private readonly metrics = new Map<string, RpcRecorder>();

  constructor(
    private readonly open: () => grpc.ClientDuplexStream<Call, Reply>,
    private readonly spanName: string,
  ) {}

  /**
   * `spanName` names this call's client span and latency series when one
   * stream carries several kinds of call (e.g. the objective agent's
   * evaluate and commit); it defaults to the stream's name.
   */
  call(
    body: Omit<Call, 'envelope'>,
    timeoutMs: number,
    attributes: Record<string, string | number> = {},
    spanName = this.spanName,
  ): Promise<Reply> {
    let metric = this.metrics.get(spanName);
    if (!metric) {
      metric = rpcRecorder('client', spanName);
      this.metrics.set(spanName, metric);
    }
    const recorder = metric;
    return withSpan(
      spanName,
      {
        kind: SpanKind.CLIENT,
        attributes: { ...rpcAttributes(spanName), ...attributes },
      },
      () => this.timed(body, timeoutMs, recorder),
    );
  }

  private async timed(body: Omit<Call, 'envelope'>, timeoutMs: number, metric: RpcRecorder): Promise<Reply> {
    const started = performance.now();
    try {
      const reply = await this.send(body, timeoutMs);
      metric.record(grpc.status.OK, performance.now() - started);
      return reply;
    } catch (err) {
      metric.record(statusOf(err), performance.now() - started);
      throw err;
    }
  }

  private send(body: Omit<Call, 'envelope'>, timeoutMs: number): Promise<Reply> {
    const timeout = Math.max(1, Math.floor(timeoutMs));
    const callId = String(this.nextId++);
    const envelope = { call_id: callId, timeout_ms: timeout, trace_context: injectContext() };
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(callId);
        reject(
          new RpcError(grpc.status.DEADLINE_EXCEEDED, `${this.spanName}: no reply within ${timeout} ms`),
        );
      }, timeout);
      this.pending.set(callId, { resolve, reject, timer });
      try {
        this.ensureStream().write({ ...body, envelope } as Call);
      } catch (err) {
        this.settle(callId, new RpcError(grpc.status.UNAVAILABLE, messageOf(err)));
      }
    });
  }

  private ensureStream(): Writer<Call> {
    if (this.stream && this.writer) return this.writer;
    const stream = this.open();
    this.stream = stream;
    this.writer = new Writer<Call>(stream as never);
    stream.on('data', (reply: Reply) => {
      const id = reply.envelope?.call_id ?? '';
      if (reply.error?.code) {
        this.settle(id, new RpcError(reply.error.code, reply.error.message ?? 'agent error'));
      } else {
        this.settle(id, reply);
      }
    });
    const broken = (err?: Error) => {
      if (this.stream !== stream) return;
      this.stream = null;
      this.writer = null;
      const why = new RpcError(
        grpc.status.UNAVAILABLE,
        `${this.spanName}: stream closed${err ? `: ${messageOf(err)}` : ''}`,
      );
      for (const id of [...this.pending.keys()]) this.settle(id, why);
    };
    stream.on('error', broken);
    stream.on('end', () => broken());
    stream.on('close', () => broken());
    return this.writer;
  }

  private settle(callId: string, outcome: Reply | Error): void {
    const p = this.pending.get(callId);
    if (!p) return; // late reply after its timeout: dropped
    this.pending.delete(callId);
    clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  close(): void {
    const stream = this.stream;
    this.stream = null;
    this.writer = null;
    stream?.end();
    stream?.cancel();
  }
}
