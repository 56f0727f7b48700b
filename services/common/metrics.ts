/**
 * Metrics, shared once by every service: one process-wide OpenTelemetry
 * MeterProvider whose reader is a Prometheus exporter, the instruments parley
 * records (names in semconv.ts), and the HTTP endpoint Prometheus scrapes.
 *
 * Instruments exist from import time, so recording never depends on start-up
 * order; with no endpoint started they simply accumulate in memory (bounded:
 * every label is low-cardinality). Recording is a hash of a few attributes
 * and an add: attribute objects are built once and reused on hot paths.
 *
 *   const endpoint = await startMetricsEndpoint(config, log); // one line per process
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Attributes, type BatchObservableResult, ValueType } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { Config } from './config';
import type { Logger } from './log';
import { METRIC, METRIC_ATTR } from './semconv';

/** Buckets (ms) of every latency histogram: decisions have deadlines of ~5 ms to a few seconds. */
export const LATENCY_BUCKETS_MS = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];
/** Buckets (ms) of federated round durations: seconds to hours. */
const ROUND_BUCKETS_MS = [1000, 5000, 15_000, 60_000, 300_000, 900_000, 3_600_000, 14_400_000];
const CLIENT_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10_000];

/**
 * Reads the gauges observed at scrape time with delta temporality: a series
 * not observed in this scrape (a campaign gone from the catalogue, a closed
 * agent) disappears instead of repeating its last value forever, as it would
 * under the exporter's cumulative temporality.
 */
class ScrapeTimeReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}
const scrapeTimeReader = new ScrapeTimeReader();
const gaugeMeter = new MeterProvider({ readers: [scrapeTimeReader] }).getMeter('parley');

const exporter = new PrometheusExporter({
  preventServerStart: true,
  // Prometheus labels every series with its job and instance: scope and
  // resource series would only repeat them.
  withoutScopeInfo: true,
  withoutTargetInfo: true,
  metricProducers: [{ collect: (options) => scrapeTimeReader.collect(options) }],
});
const provider = new MeterProvider({ readers: [exporter] });
const meter = provider.getMeter('parley');
const serializer = new PrometheusSerializer('', false, undefined, true, true);

/** The text an endpoint would serve now (tests and in-process readers). */
export async function metricsText(): Promise<string> {
  const { resourceMetrics } = await exporter.collect();
  return serializer.serialize(resourceMetrics);
}

// ---------------------------------------------------------------------------
// gRPC calls (recorded by the shared adapters in grpc/server.ts and grpc/mux.ts)

const rpcDuration = {
  server: meter.createHistogram(METRIC.rpcServerDuration, {
    description: 'Duration of gRPC calls (and of each message of a multiplexed stream) as the server sees it',
    unit: 'ms',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
  }),
  client: meter.createHistogram(METRIC.rpcClientDuration, {
    description:
      "Duration of gRPC calls (and of each message of a multiplexed stream) as the caller sees it: the broker's per-agent latency",
    unit: 'ms',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
  }),
};

export interface RpcRecorder {
  /** Records one call that ended with gRPC status `code` after `ms`. */
  record(code: number, ms: number): void;
}

/**
 * A recorder for one method (`package.Service/Method`), on the server or the
 * client side; `extra` labels every series (e.g. which agent a client calls).
 */
export function rpcRecorder(side: 'server' | 'client', method: string, extra: Attributes = {}): RpcRecorder {
  const [service, name] = method.split('/') as [string, string];
  const histogram = rpcDuration[side];
  const byCode = new Map<number, Attributes>();
  return {
    record(code, ms) {
      let attrs = byCode.get(code);
      if (!attrs) {
        attrs = {
          ...extra,
          [METRIC_ATTR.rpcService]: service,
          [METRIC_ATTR.rpcMethod]: name ?? '',
          [METRIC_ATTR.rpcStatusCode]: code,
        };
        byCode.set(code, attrs);
      }
      histogram.record(ms, attrs);
    },
  };
}

// ---------------------------------------------------------------------------
// Decisions (broker)

const decisions = meter.createCounter(METRIC.decisions, {
  description: 'Decisions answered, by result (ad | no_ad) and whether any part was degraded',
  valueType: ValueType.INT,
});
const decisionDuration = meter.createHistogram(METRIC.decisionDuration, {
  description: 'Time from receiving a Decide call to its answer, by result',
  unit: 'ms',
  advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
});
const noAdDecisions = meter.createCounter(METRIC.noAdDecisions, {
  description: 'Decisions answered with no ad, by their primary reason code',
  valueType: ValueType.INT,
});
const degradedDecisions = meter.createCounter(METRIC.degradedDecisions, {
  description: 'Decisions that ran degraded, by part (a decision degraded in two parts counts in both)',
  valueType: ValueType.INT,
});

const RESULT_ATTRS = {
  ad: { [METRIC_ATTR.result]: 'ad' },
  no_ad: { [METRIC_ATTR.result]: 'no_ad' },
} as const;
const DECISION_ATTRS: Record<'ad' | 'no_ad', Record<'true' | 'false', Attributes>> = {
  ad: {
    true: { [METRIC_ATTR.result]: 'ad', [METRIC_ATTR.degraded]: 'true' },
    false: { [METRIC_ATTR.result]: 'ad', [METRIC_ATTR.degraded]: 'false' },
  },
  no_ad: {
    true: { [METRIC_ATTR.result]: 'no_ad', [METRIC_ATTR.degraded]: 'true' },
    false: { [METRIC_ATTR.result]: 'no_ad', [METRIC_ATTR.degraded]: 'false' },
  },
};
const reasonAttrs = new Map<string, Attributes>();
const partAttrs = new Map<string, Attributes>();

function cached(map: Map<string, Attributes>, key: string, value: string): Attributes {
  let a = map.get(value);
  if (!a) {
    a = { [key]: value };
    map.set(value, a);
  }
  return a;
}

/** What the metrics need to know about one decision. */
export interface DecisionFacts {
  noAd: boolean;
  /** The first one is the primary reason. */
  noAdReasons: readonly string[];
  degraded: readonly string[];
}

export function recordDecision(d: DecisionFacts, durationMs: number): void {
  const result = d.noAd ? 'no_ad' : 'ad';
  decisions.add(1, DECISION_ATTRS[result][d.degraded.length > 0 ? 'true' : 'false']);
  decisionDuration.record(durationMs, RESULT_ATTRS[result]);
  if (d.noAd)
    noAdDecisions.add(1, cached(reasonAttrs, METRIC_ATTR.reason, d.noAdReasons[0] ?? 'REASON_UNSPECIFIED'));
  for (const part of d.degraded) degradedDecisions.add(1, cached(partAttrs, METRIC_ATTR.part, part));
}

// ---------------------------------------------------------------------------
// Outcomes and campaigns (objective agent)

const outcomes = meter.createCounter(METRIC.outcomes, {
  description:
    'Ad outcomes recorded (once per idempotency key), by event and campaign: skip rate = skip / impression',
  valueType: ValueType.INT,
});
const outcomeAttrs = new Map<string, Attributes>();

export function recordOutcome(event: string, campaignId: string): void {
  const key = `${event}\u0000${campaignId}`;
  let a = outcomeAttrs.get(key);
  if (!a) {
    a = { [METRIC_ATTR.event]: event, [METRIC_ATTR.campaign]: campaignId || 'unknown' };
    outcomeAttrs.set(key, a);
  }
  outcomes.add(1, a);
}

/** One campaign's spend and pacing, as the objective agent reports it at scrape time. */
export interface CampaignSpendSample {
  campaignId: string;
  lifetimeSpentMicros: number;
  lifetimeReservedMicros: number;
  todaySpentMicros: number;
  todayReservedMicros: number;
  /** Even-paced campaigns: the paced period's budget, the ideal curve by now, the spend compared with it (spent + reserved), the multiplier. */
  pacing: { budgetMicros: number; idealMicros: number; spendMicros: number; multiplier: number } | null;
}

const campaignGauges = {
  spent: gaugeMeter.createObservableGauge(METRIC.campaignSpent, {
    description: 'Settled spend of a campaign, lifetime and in the current UTC day',
    valueType: ValueType.INT,
  }),
  reserved: gaugeMeter.createObservableGauge(METRIC.campaignReserved, {
    description: 'Spend reserved by decisions and not yet settled or released',
    valueType: ValueType.INT,
  }),
  paced: gaugeMeter.createObservableGauge(METRIC.campaignPacedSpend, {
    description: 'Spend (settled + reserved) in the paced period of an even-paced campaign',
    valueType: ValueType.INT,
  }),
  ideal: gaugeMeter.createObservableGauge(METRIC.campaignIdealSpend, {
    description: 'What the ideal pacing curve says an even-paced campaign should have spent by now',
  }),
  budget: gaugeMeter.createObservableGauge(METRIC.campaignPacedBudget, {
    description: "The paced period's budget (daily budget, or lifetime budget over the flight)",
    valueType: ValueType.INT,
  }),
  multiplier: gaugeMeter.createObservableGauge(METRIC.campaignPacingMultiplier, {
    description: 'Pacing multiplier (>1 behind the curve, <1 ahead)',
  }),
};

/**
 * Reports every campaign's spend and pacing through `read` at each scrape.
 * Returns the function that stops it (call it when the agent closes).
 */
export function observeCampaigns(read: () => Promise<CampaignSpendSample[]>, log?: Logger): () => void {
  const g = campaignGauges;
  const callback = async (result: BatchObservableResult) => {
    let samples: CampaignSpendSample[];
    try {
      samples = await read();
    } catch (err) {
      log?.warn('campaign metrics unavailable', { error: (err as Error)?.message });
      return;
    }
    for (const s of samples) {
      const id = s.campaignId;
      const lifetime = { [METRIC_ATTR.campaign]: id, [METRIC_ATTR.period]: 'lifetime' };
      const today = { [METRIC_ATTR.campaign]: id, [METRIC_ATTR.period]: 'today' };
      result.observe(g.spent, s.lifetimeSpentMicros, lifetime);
      result.observe(g.spent, s.todaySpentMicros, today);
      result.observe(g.reserved, s.lifetimeReservedMicros, lifetime);
      result.observe(g.reserved, s.todayReservedMicros, today);
      if (s.pacing) {
        const c = { [METRIC_ATTR.campaign]: id };
        result.observe(g.paced, s.pacing.spendMicros, c);
        result.observe(g.ideal, s.pacing.idealMicros, c);
        result.observe(g.budget, s.pacing.budgetMicros, c);
        result.observe(g.multiplier, s.pacing.multiplier, c);
      }
    }
  };
  const all = Object.values(g);
  gaugeMeter.addBatchObservableCallback(callback, all);
  return () => gaugeMeter.removeBatchObservableCallback(callback, all);
}

// ---------------------------------------------------------------------------
// Online learning (the inventory agent's learner calls this after each step)

const onlineSteps = meter.createCounter(METRIC.onlineSteps, {
  description:
    'Guarded online learning steps of the inventory policy, by result (accepted, rejected, rolled_back)',
  valueType: ValueType.INT,
});
const onlineHoldoutLoss = meter.createGauge(METRIC.onlineHoldoutLoss, {
  description: 'Holdout log-loss measured at the last online learning step',
});

export function recordOnlineStep(result: 'accepted' | 'rejected' | 'rolled_back', holdoutLoss: number): void {
  onlineSteps.add(1, { [METRIC_ATTR.step]: result });
  if (Number.isFinite(holdoutLoss)) onlineHoldoutLoss.record(holdoutLoss);
}

// ---------------------------------------------------------------------------
// Federated rounds (the aggregator calls this when a round closes)

const federatedRounds = meter.createCounter(METRIC.federatedRounds, {
  description: 'Federated rounds closed, by status (e.g. aggregated, no_quorum, failed)',
  valueType: ValueType.INT,
});
const federatedRoundDuration = meter.createHistogram(METRIC.federatedRoundDuration, {
  description: 'Time from opening a federated round to closing it',
  unit: 'ms',
  advice: { explicitBucketBoundaries: ROUND_BUCKETS_MS },
});
const federatedRoundClients = meter.createHistogram(METRIC.federatedRoundClients, {
  description: 'Client updates aggregated per closed round',
  valueType: ValueType.INT,
  advice: { explicitBucketBoundaries: CLIENT_BUCKETS },
});
const federatedModelVersion = meter.createGauge(METRIC.federatedModelVersion, {
  description: 'The global model version last published',
  valueType: ValueType.INT,
});

export interface FederatedRoundStats {
  /** Low-cardinality: `aggregated`, `no_quorum`, `failed`, … */
  status: string;
  durationMs: number;
  clients: number;
  /** The model version published by this round (omit when none was). */
  modelVersion?: number;
}

export function recordFederatedRound(r: FederatedRoundStats): void {
  const attrs = { [METRIC_ATTR.status]: r.status };
  federatedRounds.add(1, attrs);
  federatedRoundDuration.record(r.durationMs, attrs);
  federatedRoundClients.record(r.clients, attrs);
  if (r.modelVersion !== undefined) federatedModelVersion.record(r.modelVersion);
}

// ---------------------------------------------------------------------------
// The endpoint

export interface MetricsEndpoint {
  /** host:port it listens on (the real port when 0 was asked for). */
  address: string;
  port: number;
  /** http://host:port/metrics */
  url: string;
  close(): Promise<void>;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
    exporter.getMetricsRequestHandler(req, res);
    return;
  }
  res.statusCode = 404;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end('not found: metrics are served at /metrics\n');
}

/** Serves this process's metrics at http://host:port/metrics (port 0 = any free port). */
export async function serveMetrics(opts: { host: string; port: number }): Promise<MetricsEndpoint> {
  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new Error(`metrics endpoint on ${opts.host}:${opts.port}: ${err.message}`)),
    );
    server.listen(opts.port, opts.host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    address: `${host}:${port}`,
    port,
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The one line a service process needs: the endpoint its config asks for, or null when metrics are off. */
export async function startMetricsEndpoint(config: Config, log: Logger): Promise<MetricsEndpoint | null> {
  if (config.metricsPort === null) return null;
  const endpoint = await serveMetrics({ host: config.host, port: config.metricsPort });
  log.info('metrics endpoint listening', { url: endpoint.url });
  return endpoint;
}

// ---------------------------------------------------------------------------
// Reading the text format (tests, the dashboard)

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

/** Parses the Prometheus text exposition format into samples (comments skipped). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    let consumed = 0;
    for (let l = LABEL.exec(body); l; l = LABEL.exec(body)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      consumed = LABEL.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`bad labels in: ${line}`);
    const v = m[3]!;
    out.push({
      name: m[1]!,
      labels,
      value: v === '+Inf' ? Number.POSITIVE_INFINITY : v === '-Inf' ? Number.NEGATIVE_INFINITY : Number(v),
    });
  }
  return out;
}

/** Sum of the samples called `name` whose labels include every pair of `match`. */
export function sumOf(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}
