/**
 * Tracing set-up shared by every service: a tracer provider with W3C trace
 * context propagation, OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set, and helpers to carry context across gRPC metadata and the envelopes of
 * multiplexed streams (explicit propagation: it works the same under ESM,
 * tsx and vitest, where auto-instrumentation may not patch grpc-js).
 *
 * Sampling and the resource follow the OpenTelemetry SDK environment
 * variables (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME); parley's default samples 1%
 * of new traces when spans are exported and records none when they are not.
 * An unsampled span still has a trace id (a fresh one for a new trace), so
 * decision records and explanations always carry one.
 */
import { randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ConfigError } from './config';

type Env = Record<string, string | undefined>;

let provider: NodeTracerProvider | null = null;

export interface TelemetryOptions {
  serviceName: string;
  otlpEndpoint?: string;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  spanProcessors?: SpanProcessor[];
  /** Where the OTEL_* variables are read (sampler, resource); process.env by default. */
  env?: Env;
}

/** Installs the global tracer provider once per process. Bad OTEL_* values throw a ConfigError naming the variable. */
export function initTelemetry(opts: TelemetryOptions): { shutdown(): Promise<void> } {
  if (provider) return { shutdown: () => shutdownTelemetry() };
  const env = opts.env ?? process.env;
  const exporting = Boolean(opts.otlpEndpoint);
  const sampler = tracesSampler(env, exporting);
  const resource = telemetryResource(opts.serviceName, env);
  const processors: SpanProcessor[] = [...(opts.spanProcessors ?? [])];
  if (opts.otlpEndpoint) {
    const url = `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  provider = new NodeTracerProvider({ resource, sampler, spanProcessors: processors });
  provider.register();
  return { shutdown: () => shutdownTelemetry() };
}

// ---------------------------------------------------------------------------
// Sampling (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG)

export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** The ratio of new traces parley samples by default when spans are exported. */
export const DEFAULT_SAMPLE_RATIO = 0.01;

export interface SamplerSetting {
  name: SamplerName;
  /** The ratio of a *traceidratio sampler (0..1); absent for the others. */
  ratio?: number;
}

/**
 * The sampler the environment asks for. Unset: parentbased_traceidratio at
 * OTEL_TRACES_SAMPLER_ARG (default 1%) when spans are exported, else
 * parentbased_always_off (nothing is exported, so nothing is recorded,
 * unless a caller's sampled trace context says otherwise). A *traceidratio
 * sampler named explicitly defaults to a ratio of 1, as the SDK spec says.
 */
export function samplerSetting(env: Env, exporting: boolean): SamplerSetting {
  const raw = (env.OTEL_TRACES_SAMPLER ?? '').trim().toLowerCase();
  const named = raw !== '';
  if (named && !(SAMPLERS as readonly string[]).includes(raw)) {
    throw new ConfigError(
      `OTEL_TRACES_SAMPLER: expected ${SAMPLERS.join('|')}, got "${env.OTEL_TRACES_SAMPLER}"`,
    );
  }
  const name: SamplerName = named
    ? (raw as SamplerName)
    : exporting
      ? 'parentbased_traceidratio'
      : 'parentbased_always_off';
  if (!name.endsWith('traceidratio')) return { name };
  const arg = (env.OTEL_TRACES_SAMPLER_ARG ?? '').trim();
  if (arg === '') return { name, ratio: named ? 1 : DEFAULT_SAMPLE_RATIO };
  const ratio = Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new ConfigError(
      `OTEL_TRACES_SAMPLER_ARG: expected a ratio in [0, 1] for ${name}, got "${env.OTEL_TRACES_SAMPLER_ARG}"`,
    );
  }
  return { name, ratio };
}

export function samplerOf(s: SamplerSetting): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(s.ratio ?? 1);
  switch (s.name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
  }
}

/** The sampler the environment asks for (see samplerSetting). */
export function tracesSampler(env: Env, exporting: boolean): Sampler {
  return samplerOf(samplerSetting(env, exporting));
}

// ---------------------------------------------------------------------------
// Resource (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME)

/**
 * OTEL_RESOURCE_ATTRIBUTES as the SDK spec writes it: `key=value` pairs,
 * comma-separated, values percent-encoded.
 */
export function parseResourceAttributes(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (key === '') {
      throw new ConfigError(
        `OTEL_RESOURCE_ATTRIBUTES: expected key=value pairs separated by commas, got "${pair}"`,
      );
    }
    try {
      out[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      throw new ConfigError(`OTEL_RESOURCE_ATTRIBUTES: bad percent-encoding in the value of "${key}"`);
    }
  }
  return out;
}

/**
 * The SDK's default resource (telemetry.sdk.*), then parley's service.name
 * and a service.instance.id unique to this process, then
 * OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME: later ones win.
 */
export function telemetryResource(serviceName: string, env: Env = process.env): Resource {
  const fromEnv = parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES);
  const name = env.OTEL_SERVICE_NAME?.trim();
  if (name) fromEnv['service.name'] = name;
  return defaultResource()
    .merge(resourceFromAttributes({ 'service.name': serviceName, 'service.instance.id': randomUUID() }))
    .merge(resourceFromAttributes(fromEnv));
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

/** Reads propagation headers straight from gRPC metadata (no copy of every entry per call). */
const metadataGetter: TextMapGetter<Metadata> = {
  keys: (md) => Object.keys(md.getMap()),
  get: (md, key) => {
    const v = md.get(key)[0];
    return typeof v === 'string' ? v : undefined;
  },
};

export function contextFromMetadata(md: Metadata): Context {
  return propagation.extract(ROOT_CONTEXT, md, metadataGetter);
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
