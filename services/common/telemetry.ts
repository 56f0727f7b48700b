/**
 * Tracing set-up shared by every service: a tracer provider with W3C trace
 * context propagation, OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set, and helpers to carry context across gRPC metadata and the envelopes of
 * multiplexed streams (explicit propagation: it works the same under ESM,
 * tsx and vitest, where auto-instrumentation may not patch grpc-js).
 */
import type { Metadata } from '@grpc/grpc-js';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let provider: NodeTracerProvider | null = null;

export interface TelemetryOptions {
  serviceName: string;
  otlpEndpoint?: string;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  spanProcessors?: SpanProcessor[];
}

/** Installs the global tracer provider once per process. */
export function initTelemetry(opts: TelemetryOptions): { shutdown(): Promise<void> } {
  if (provider) return { shutdown: () => shutdownTelemetry() };
  const processors: SpanProcessor[] = [...(opts.spanProcessors ?? [])];
  if (opts.otlpEndpoint) {
    const url = `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName }),
    spanProcessors: processors,
  });
  provider.register();
  return { shutdown: () => shutdownTelemetry() };
}

export async function shutdownTelemetry(): Promise<void> {
  const p = provider;
  provider = null;
  if (p) await p.shutdown().catch(() => undefined);
}

export function tracer(): Tracer {
  return trace.getTracer('parley');
}

/** W3C trace context of `ctx` as a plain map (for envelopes). */
export function injectContext(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

export function extractContext(carrier: Record<string, string> | undefined | null): Context {
  return propagation.extract(ROOT_CONTEXT, carrier ?? {});
}

export function contextFromMetadata(md: Metadata): Context {
  const carrier: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.getMap())) if (typeof v === 'string') carrier[k] = v;
  return extractContext(carrier);
}

export function metadataFromContext(md: Metadata, ctx: Context = context.active()): Metadata {
  for (const [k, v] of Object.entries(injectContext(ctx))) md.set(k, v);
  return md;
}

/** Runs fn inside a new active span; ends it, records errors. */
export async function withSpan<T>(
  name: string,
  opts: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = opts.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    span.end();
  }
}

export { SpanKind };
