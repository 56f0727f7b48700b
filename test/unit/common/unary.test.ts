/**
 * The shared unary server adapter (grpc/server.ts) without sockets, under
 * parley's default sampler with nothing exported (parentbased_always_off):
 * an unsampled call still has a trace id (a fresh one, or the caller's) and
 * its latency recorded by status, yet no span is recorded; a call whose
 * caller sampled its trace gets a full server span (rpc attributes, status,
 * the error). Errors map to statuses either way.
 */
import * as grpc from '@grpc/grpc-js';
import { isSpanContextValid, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { invalidArgument } from '../../../services/common/errors';
import { type CallContext, type UnaryHandler, unary } from '../../../services/common/grpc/server';
import { createLogger } from '../../../services/common/log';
import { metricsText, parsePrometheus, sumOf } from '../../../services/common/metrics';
import { ATTR } from '../../../services/common/semconv';
import { initTelemetry } from '../../../services/common/telemetry';

const exporter = new InMemorySpanExporter();
const telemetry = initTelemetry({
  serviceName: 'parley-test',
  spanProcessors: [new SimpleSpanProcessor(exporter)],
  env: {}, // the default: no endpoint, so new traces are not sampled
});
afterAll(() => telemetry.shutdown());
beforeEach(() => exporter.reset());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const log = createLogger('test', 'error');

interface Answer {
  err: grpc.ServiceError | null;
  res: unknown;
  ctx: CallContext;
  /** The span active while the handler ran. */
  active: ReturnType<typeof trace.getActiveSpan>;
  /** Whether the server span recorded while the handler ran. */
  recording: boolean;
}

/** Calls `handler` through the adapter as grpc-js would, with an optional traceparent. */
async function call(
  method: string,
  handler: UnaryHandler<object, object>,
  traceparent?: string,
  opts?: { traced?: boolean },
) {
  const md = new grpc.Metadata();
  md.set('user-agent', 'grpc-node-js/test');
  if (traceparent) md.set('traceparent', traceparent);
  let ctx: CallContext | undefined;
  let active: Answer['active'];
  let recording = false;
  const adapter = unary<object, object>(
    method,
    (req, c) => {
      ctx = c;
      active = trace.getActiveSpan();
      recording = c.span.isRecording();
      return handler(req, c);
    },
    log,
    opts,
  );
  const served = {
    request: {},
    metadata: md,
    getDeadline: () => Number.POSITIVE_INFINITY,
    getHost: () => 'broker.internal:50051', // the :authority the caller dialled
  };
  const { err, res } = await new Promise<{ err: grpc.ServiceError | null; res: unknown }>((resolve) =>
    adapter(served as never, (e, r) => resolve({ err: e as grpc.ServiceError | null, res: r })),
  );
  return { err, res, ctx: ctx!, active, recording } satisfies Answer;
}

async function served(method: string, code: number): Promise<number> {
  const [service, name] = method.split('/');
  return sumOf(parsePrometheus(await metricsText()), 'rpc_server_duration_seconds_count', {
    rpc_service: service!,
    rpc_method: name!,
    rpc_grpc_status_code: String(code),
  });
}

describe('unary adapter, call not sampled', () => {
  it('records no span and switches no context, yet the handler sees a span with a fresh trace id, explicitly', async () => {
    const method = 'parley.v1.Test/Unsampled';
    const a = await call(method, async () => ({ ok: true }));
    const b = await call(method, async () => ({ ok: true }));
    expect(a.err).toBeNull();
    expect(a.res).toEqual({ ok: true });
    for (const { ctx, active, recording } of [a, b]) {
      expect(recording).toBe(false);
      expect(isSpanContextValid(ctx.span.spanContext())).toBe(true);
      expect(trace.getSpan(ctx.context!)).toBe(ctx.span);
      expect(active).toBeUndefined();
    }
    expect(a.ctx.span.spanContext().traceId).not.toBe(b.ctx.span.spanContext().traceId);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(await served(method, grpc.status.OK)).toBe(2);
  });

  it("keeps an unsampled caller's trace id", async () => {
    const { ctx, recording } = await call(
      'parley.v1.Test/UnsampledParent',
      async () => ({}),
      `00-${TRACE_ID}-00f067aa0ba902b7-00`,
    );
    expect(ctx.span.spanContext().traceId).toBe(TRACE_ID);
    expect(recording).toBe(false);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('maps errors to statuses and records them', async () => {
    const method = 'parley.v1.Test/UnsampledError';
    const { err } = await call(method, async () => {
      throw invalidArgument('slot.max_ads', 'must be in [1, 6]');
    });
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details).toBe('slot.max_ads: must be in [1, 6]');
    expect(await served(method, grpc.status.INVALID_ARGUMENT)).toBe(1);
    expect(exporter.getFinishedSpans()).toEqual([]);
    // A handler that throws before returning a promise is answered too.
    const sync = await call('parley.v1.Test/Throws', (() => {
      throw new Error('boom');
    }) as never);
    expect(sync.err?.code).toBe(grpc.status.INTERNAL);
  });
});

describe('unary adapter, caller sampled', () => {
  it('records the server span, a child of the caller, with the rpc attributes and status', async () => {
    const method = 'parley.v1.Test/Sampled';
    const { recording } = await call(method, async () => ({}), `00-${TRACE_ID}-00f067aa0ba902b7-01`);
    expect(recording).toBe(true);
    const [span] = exporter.getFinishedSpans();
    expect(span).toBeDefined();
    expect(span!.name).toBe(method);
    expect(span!.kind).toBe(1); // SERVER
    expect(span!.spanContext().traceId).toBe(TRACE_ID);
    expect(span!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span!.attributes).toEqual({
      [ATTR.rpcSystem]: 'grpc',
      [ATTR.rpcService]: 'parley.v1.Test',
      [ATTR.rpcMethod]: 'Sampled',
      [ATTR.serverAddress]: 'broker.internal',
      [ATTR.serverPort]: 50051,
      [ATTR.rpcStatusCode]: grpc.status.OK,
    });
    expect(await served(method, grpc.status.OK)).toBe(1);
  });

  it('an untraced method (background polling) makes no span even for a sampled caller, and still counts', async () => {
    const method = 'parley.v1.Test/Polled';
    const { recording, ctx, err } = await call(
      method,
      async () => ({}),
      `00-${TRACE_ID}-00f067aa0ba902b7-01`,
      { traced: false },
    );
    expect(err).toBeNull();
    expect(recording).toBe(false);
    expect(isSpanContextValid(ctx.span.spanContext())).toBe(false);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(await served(method, grpc.status.OK)).toBe(1);
  });

  it('marks a failed call: status code attribute, error status, the exception', async () => {
    const { err } = await call(
      'parley.v1.Test/SampledError',
      async () => {
        throw invalidArgument('request_id', 'required');
      },
      `00-${TRACE_ID}-00f067aa0ba902b7-01`,
    );
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const [span] = exporter.getFinishedSpans();
    expect(span!.attributes[ATTR.rpcStatusCode]).toBe(grpc.status.INVALID_ARGUMENT);
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'request_id: required' });
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
  });
});
