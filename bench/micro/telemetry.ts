/**
 * What telemetry costs per decision, in process: recording the rpc and
 * decision metrics, and the span work of the shared `unary` server adapter
 * when the call is not sampled (the common case: 1% of decisions are sampled
 * when an OTLP endpoint is set, none when it is not).
 *
 *   npx tsx bench/micro/telemetry.ts            # the default sampler (no endpoint: parentbased_always_off)
 *   OTEL_TRACES_SAMPLER=always_on npx tsx bench/micro/telemetry.ts
 *
 * Prints the median µs of CPU per operation over repeated runs (bench/MICRO.md
 * keeps the figures).
 */
import * as grpc from '@grpc/grpc-js';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { unary } from '../../services/common/grpc/server';
import { createLogger } from '../../services/common/log';
import { metricsText, recordDecision, rpcRecorder } from '../../services/common/metrics';
import { initTelemetry, SpanKind, withSpan } from '../../services/common/telemetry';

// ---------------------------------------------------------------------------
// A local copy of the micro-benchmark harness's `measure` (bench/micro/harness.ts
// is being written alongside; same signature, so this can switch to it).

interface MeasureOptions {
  /** Timed runs; the median is reported. */
  runs?: number;
  /** Operations per run. */
  iterations?: number;
  /** Untimed runs first (JIT warm-up). */
  warmup?: number;
}

interface Measured {
  name: string;
  /** Median µs of CPU (all threads of the process) per operation over the runs. */
  usPerOp: number;
  runs: number[];
}

async function measure(
  name: string,
  fn: () => unknown,
  { runs = 9, iterations = 20_000, warmup = 2 }: MeasureOptions = {},
): Promise<Measured> {
  const perOp: number[] = [];
  for (let r = 0; r < warmup + runs; r++) {
    // CPU time, not wall time: on a shared machine the wall clock also counts time spent descheduled.
    const t0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) {
      const p = fn();
      if (p instanceof Promise) await p;
    }
    const t = process.cpuUsage(t0);
    const us = (t.user + t.system) / iterations;
    if (r >= warmup) perOp.push(us);
  }
  const sorted = [...perOp].sort((a, b) => a - b);
  return { name, usPerOp: sorted[Math.floor(sorted.length / 2)]!, runs: perOp };
}

function table(results: Measured[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  return results.map((r) => `${r.name.padEnd(width)}  ${r.usPerOp.toFixed(3).padStart(8)} µs/op`).join('\n');
}

// ---------------------------------------------------------------------------

const telemetry = initTelemetry({ serviceName: 'bench-telemetry' });
const log = createLogger('bench', 'error');

/** Metadata as a grpc-js server sees it from a typical client (no trace context). */
function incomingMetadata(traceparent?: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('user-agent', 'grpc-node-js/1.14.3');
  md.set('grpc-accept-encoding', 'identity,deflate,gzip');
  md.set('accept-encoding', 'identity');
  if (traceparent) md.set('traceparent', traceparent);
  return md;
}

function unaryCall(handler: grpc.handleUnaryCall<object, object>, metadata: grpc.Metadata) {
  const call = {
    request: {},
    metadata,
    getDeadline: () => Number.POSITIVE_INFINITY,
  } as unknown as grpc.ServerUnaryCall<object, object>;
  return () =>
    new Promise<void>((resolve) => {
      handler(call, () => resolve());
    });
}

const server = rpcRecorder('server', 'parley.v1.Bench/Record');
const client = rpcRecorder('client', 'parley.v1.Bench/Record');
let ms = 0;
const next = () => {
  ms = (ms + 0.37) % 40;
  return ms;
};
const ad = { noAd: false, noAdReasons: [], degraded: [] };
const noAdDegraded = { noAd: true, noAdReasons: ['REASON_NO_ELIGIBLE_CANDIDATES'], degraded: ['inventory'] };
const handler = unary<object, object>('parley.v1.Bench/Unary', async () => ({}), log);
const plain = incomingMetadata();
const unsampledParent = incomingMetadata('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00');

// The SDK's own histogram, as metrics.ts recorded before its series were pre-aggregated (a reference in the same run).
const sdkHistogram = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] })
  .getMeter('bench')
  .createHistogram('bench_sdk_histogram', {
    advice: { explicitBucketBoundaries: [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] },
  });
const sdkAttributes = { 'rpc.service': 'parley.v1.Bench', 'rpc.method': 'Record', 'rpc.grpc.status_code': 0 };

const results: Measured[] = [];
results.push(
  await measure('sdk-metrics histogram.record (reference)', () => sdkHistogram.record(next(), sdkAttributes)),
);
results.push(await measure('rpc record (server, OK)', () => server.record(0, next())));
results.push(
  await measure('rpc record (client, OK + DEADLINE_EXCEEDED)', () => client.record(ms > 30 ? 4 : 0, next())),
);
results.push(await measure('recordDecision (ad)', () => recordDecision(ad, next())));
results.push(await measure('recordDecision (no ad, degraded)', () => recordDecision(noAdDegraded, next())));
// The unary adapter first: withSpan runs the AsyncLocalStorage context manager, whose promise hooks
// then cost every later await in the process.
results.push(
  await measure('unary adapter, no trace context', unaryCall(handler, plain), { iterations: 10_000 }),
);
results.push(
  await measure('unary adapter, unsampled traceparent', unaryCall(handler, unsampledParent), {
    iterations: 10_000,
  }),
);
results.push(
  await measure(
    'withSpan, empty body',
    () => withSpan('bench', { kind: SpanKind.INTERNAL }, async () => undefined),
    { iterations: 10_000 },
  ),
);
results.push(await measure('scrape (metricsText)', () => metricsText(), { iterations: 200, runs: 5 }));

process.stdout.write(`sampler: ${process.env.OTEL_TRACES_SAMPLER ?? '(default)'}\n${table(results)}\n`);
await telemetry.shutdown();
