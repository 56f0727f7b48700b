/**
 * Tracing configuration from the OpenTelemetry SDK environment variables:
 * which sampler OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG give (and
 * parley's default with and without an exporter), what each sampler decides
 * for new traces and for sampled or unsampled callers, that an unsampled span
 * still has a fresh trace id, the resource merged from the SDK default,
 * OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME, and clear errors naming the
 * variable. Samplers run in local tracer providers (deterministic ids from a
 * seeded RNG); the last test installs the global one as a service does.
 */
import * as grpc from '@grpc/grpc-js';
import {
  type Context,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import {
  BasicTracerProvider,
  type IdGenerator,
  InMemorySpanExporter,
  type Sampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/common/config';
import { seededRng } from '../../../services/common/rng';
import {
  contextFromMetadata,
  DEFAULT_SAMPLE_RATIO,
  initTelemetry,
  parseResourceAttributes,
  SAMPLERS,
  samplerSetting,
  telemetryResource,
  tracer,
  tracesSampler,
} from '../../../services/common/telemetry';

/** Trace and span ids from a seeded RNG, so ratio sampling is reproducible. */
function seededIds(seed: number): IdGenerator {
  const rng = seededRng(seed);
  const hex = (bytes: number) =>
    Array.from({ length: bytes }, () =>
      Math.floor(rng.next() * 256)
        .toString(16)
        .padStart(2, '0'),
    ).join('');
  return { generateTraceId: () => hex(16), generateSpanId: () => hex(8) };
}

function tracerWith(sampler: Sampler, seed = 1) {
  return new BasicTracerProvider({ sampler, idGenerator: seededIds(seed) }).getTracer('test');
}

/** A caller's context as a traceparent would carry it. */
function remoteParent(sampled: boolean): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

/** How many of n new traces (no parent) `sampler` records. */
function recordedRoots(sampler: Sampler, n: number): number {
  const t = tracerWith(sampler);
  let recorded = 0;
  for (let i = 0; i < n; i++) if (t.startSpan('root', {}, ROOT_CONTEXT).isRecording()) recorded++;
  return recorded;
}

describe('OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG', () => {
  it("parley's default: 1% of new traces, parent-based, when spans are exported; none when they are not", () => {
    expect(samplerSetting({}, true)).toEqual({
      name: 'parentbased_traceidratio',
      ratio: DEFAULT_SAMPLE_RATIO,
    });
    expect(DEFAULT_SAMPLE_RATIO).toBe(0.01);
    expect(samplerSetting({}, false)).toEqual({ name: 'parentbased_always_off' });
    // The ratio of the default sampler can be set alone.
    expect(samplerSetting({ OTEL_TRACES_SAMPLER_ARG: '0.25' }, true)).toEqual({
      name: 'parentbased_traceidratio',
      ratio: 0.25,
    });
    expect(samplerSetting({ OTEL_TRACES_SAMPLER: '', OTEL_TRACES_SAMPLER_ARG: '' }, true).ratio).toBe(0.01);
  });

  it('takes every sampler of the SDK spec; a ratio sampler named without an argument samples everything', () => {
    for (const name of SAMPLERS) {
      const s = samplerSetting({ OTEL_TRACES_SAMPLER: name }, false);
      expect(s.name).toBe(name);
      expect(s.ratio).toBe(name.endsWith('traceidratio') ? 1 : undefined);
    }
    expect(
      samplerSetting({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }, false),
    ).toEqual({ name: 'traceidratio', ratio: 0.5 });
    expect(samplerSetting({ OTEL_TRACES_SAMPLER: ' Always_On ' }, false)).toEqual({ name: 'always_on' });
    // The argument means nothing to the other samplers, so it is not read.
    expect(samplerSetting({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: 'x' }, false)).toEqual(
      {
        name: 'always_on',
      },
    );
  });

  it('a bad value is a configuration error naming the variable', () => {
    const bad = (env: Record<string, string>) => () => samplerSetting(env, true);
    expect(bad({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(ConfigError);
    expect(bad({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(
      /^OTEL_TRACES_SAMPLER: expected always_on\|always_off\|.*, got "sometimes"$/,
    );
    expect(bad({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toThrow(/OTEL_TRACES_SAMPLER:/);
    for (const arg of ['abc', '1.5', '-0.1', 'NaN', 'Infinity']) {
      expect(bad({ OTEL_TRACES_SAMPLER_ARG: arg }), arg).toThrow(
        new RegExp(
          `^OTEL_TRACES_SAMPLER_ARG: expected a ratio in \\[0, 1\\] for parentbased_traceidratio, got "${arg}"$`,
        ),
      );
    }
    expect(bad({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(
      /OTEL_TRACES_SAMPLER_ARG: .* for traceidratio/,
    );
  });

  it('the default without an exporter records nothing, yet every span has a fresh, valid trace id', () => {
    const t = tracerWith(tracesSampler({}, false));
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const span = t.startSpan('decide', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
      expect(span.isRecording()).toBe(false);
      expect(span.spanContext().traceFlags).toBe(TraceFlags.NONE);
      expect(isSpanContextValid(span.spanContext())).toBe(true);
      ids.add(span.spanContext().traceId);
    }
    expect(ids.size).toBe(50);
  });

  it('parent-based samplers follow the caller; the others decide alone', () => {
    const decide = (name: string, sampledParent: boolean) => {
      const span = tracerWith(tracesSampler({ OTEL_TRACES_SAMPLER: name }, true)).startSpan(
        'call',
        {},
        remoteParent(sampledParent),
      );
      // A child keeps the caller's trace id, sampled or not.
      expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      return span.isRecording();
    };
    for (const name of ['parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio']) {
      expect(decide(name, true), name).toBe(true);
      expect(decide(name, false), name).toBe(false);
    }
    expect(decide('always_off', true)).toBe(false);
    expect(decide('always_on', false)).toBe(true);
  });

  it('ratio samplers record about that share of new traces', () => {
    const n = 4000;
    const share = (env: Record<string, string>) => recordedRoots(tracesSampler(env, true), n) / n;
    expect(share({})).toBeGreaterThan(0.005);
    expect(share({})).toBeLessThan(0.015);
    expect(share({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' })).toBeCloseTo(
      0.5,
      1,
    );
    expect(share({ OTEL_TRACES_SAMPLER_ARG: '0' })).toBe(0);
    expect(share({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio' })).toBe(1);
    expect(share({ OTEL_TRACES_SAMPLER: 'always_off' })).toBe(0);
  });
});

describe('the resource', () => {
  it('merges the SDK default, parley service name, a per-process instance id, then the environment', () => {
    const plain = telemetryResource('parley-broker', {}).attributes;
    expect(plain['service.name']).toBe('parley-broker');
    expect(plain['telemetry.sdk.language']).toBe('nodejs');
    expect(plain['telemetry.sdk.name']).toBe('opentelemetry');
    expect(plain['service.instance.id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(telemetryResource('parley-broker', {}).attributes['service.instance.id']).not.toBe(
      plain['service.instance.id'],
    );

    const env = {
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod, team=ads%20core,service.name=from-attrs',
    };
    const a = telemetryResource('parley-broker', env).attributes;
    expect(a).toMatchObject({
      'deployment.environment.name': 'prod',
      team: 'ads core',
      'service.name': 'from-attrs',
      'telemetry.sdk.language': 'nodejs',
    });
    expect(a['service.instance.id']).toBeTruthy();
    // OTEL_SERVICE_NAME wins over both; an instance id set by the operator (a pod name) wins over ours.
    const b = telemetryResource('parley-broker', {
      ...env,
      OTEL_SERVICE_NAME: 'broker-eu',
      OTEL_RESOURCE_ATTRIBUTES: `${env.OTEL_RESOURCE_ATTRIBUTES},service.instance.id=broker-7d9f`,
    }).attributes;
    expect(b['service.name']).toBe('broker-eu');
    expect(b['service.instance.id']).toBe('broker-7d9f');
  });

  it('OTEL_RESOURCE_ATTRIBUTES: key=value pairs, percent-decoded; anything else names the variable', () => {
    expect(parseResourceAttributes(undefined)).toEqual({});
    expect(parseResourceAttributes(' a=1 ,, b = x%2Cy ,c=')).toEqual({ a: '1', b: 'x,y', c: '' });
    expect(parseResourceAttributes('k=a=b')).toEqual({ k: 'a=b' });
    expect(() => parseResourceAttributes('novalue')).toThrow(ConfigError);
    expect(() => parseResourceAttributes('a=1,novalue')).toThrow(
      /^OTEL_RESOURCE_ATTRIBUTES: expected key=value pairs separated by commas, got "novalue"$/,
    );
    expect(() => parseResourceAttributes('=x')).toThrow(/OTEL_RESOURCE_ATTRIBUTES/);
    expect(() => parseResourceAttributes('a=%E0%A4%A')).toThrow(
      /^OTEL_RESOURCE_ATTRIBUTES: bad percent-encoding in the value of "a"$/,
    );
  });
});

describe('initTelemetry', () => {
  it('installs the default sampler: without an endpoint only a sampled caller is recorded, with its resource', async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = initTelemetry({
      serviceName: 'parley-test',
      spanProcessors: [new SimpleSpanProcessor(exporter)],
      env: { OTEL_RESOURCE_ATTRIBUTES: 'team=ads' },
    });
    try {
      const own = tracer().startSpan('own', {}, ROOT_CONTEXT);
      expect(own.isRecording()).toBe(false);
      expect(isSpanContextValid(own.spanContext())).toBe(true);
      own.end();

      const md = new grpc.Metadata();
      md.set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
      md.set('user-agent', 'test');
      const parent = contextFromMetadata(md);
      const child = tracer().startSpan('child', {}, parent);
      expect(child.isRecording()).toBe(true);
      child.end();

      const done = exporter.getFinishedSpans();
      expect(done.map((s) => s.name)).toEqual(['child']);
      expect(done[0]!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
      expect(done[0]!.resource.attributes).toMatchObject({ 'service.name': 'parley-test', team: 'ads' });
      // No trace context in the metadata: a new trace.
      expect(trace.getSpanContext(contextFromMetadata(new grpc.Metadata()))).toBeUndefined();
    } finally {
      await telemetry.shutdown();
    }
  });

  it('a bad OTEL_* value stops start-up with the configuration error', () => {
    expect(() =>
      initTelemetry({ serviceName: 'parley-test', env: { OTEL_TRACES_SAMPLER: 'often' } }),
    ).toThrow(/^OTEL_TRACES_SAMPLER: /);
  });
});
