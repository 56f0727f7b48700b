/**
 * Metrics, shared once by every service: the instruments parley records
 * (names in semconv.ts), the runtime metrics of the process (event-loop
 * delay, GC pauses, heap), and the HTTP endpoint Prometheus scrapes, served
 * by the OpenTelemetry Prometheus exporter.
 *
 * Recording is on the hot path of every decision, so counters, histograms
 * and gauges are pre-aggregated here instead of going through the SDK's
 * instruments (which hash the attribute object on every record): a caller
 * binds a series (one fixed attribute set) once and then records into it
 * with an add; the series are read at scrape time through a MetricProducer,
 * and the text is the same as the SDK's. Every label is low-cardinality, so
 * the series stay bounded. Instruments exist from import time: with no
 * endpoint started they simply accumulate in memory.
 *
 *   const endpoint = await startMetricsEndpoint(config, log); // one line per process
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  constants,
  type IntervalHistogram,
  monitorEventLoopDelay,
  type NodeGCPerformanceDetail,
  PerformanceObserver,
} from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import {
  type Attributes,
  type BatchObservableResult,
  type HrTime,
  type MetricOptions,
  type ObservableGauge,
  type ObservableResult,
  ValueType,
} from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type Histogram as HistogramPoint,
  MeterProvider,
  type MetricData,
  type MetricDescriptor,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import type { Config } from './config';
import type { Logger } from './log';
import { METRIC, METRIC_ATTR } from './semconv';

/**
 * Buckets (s) of every latency histogram: decisions have deadlines of ~5 ms
 * to a few seconds. Durations are recorded in seconds, as Prometheus and the
 * OpenTelemetry conventions want them; callers pass milliseconds (what
 * performance.now() differences are) and the recorder divides.
 */
export const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];
/** Buckets (s) of federated round durations: seconds to hours. */
const ROUND_BUCKETS_S = [1, 5, 15, 60, 300, 900, 3600, 14_400];
const CLIENT_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10_000];
/** Buckets (s) of GC pauses: a pause above a few ms is an event-loop stall. */
const GC_BUCKETS_S = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1];

// ---------------------------------------------------------------------------
// Pre-aggregated instruments

interface Description {
  name: string;
  description: string;
  unit?: string;
  /** Integer values (counts, micros). */
  int?: boolean;
}

/** One series of a counter (a fixed attribute set). */
class CounterSeries {
  value = 0;
  constructor(readonly attributes: Attributes) {}
  add(n = 1): void {
    if (n >= 0) this.value += n;
  }
}

/** One series of a histogram with explicit bucket boundaries (inclusive upper bounds, as Prometheus `le`). */
class HistogramSeries {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(
    readonly attributes: Attributes,
    private readonly boundaries: readonly number[],
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }
  record(value: number): void {
    if (!(value >= 0)) return; // negative or NaN: not a duration, as the SDK does
    const b = this.boundaries;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** One series of a gauge: the last value set. */
class GaugeSeries {
  value = 0;
  constructor(readonly attributes: Attributes) {}
  set(value: number): void {
    this.value = value;
  }
}

/** An instrument: its series by attribute set, bound once by the code that records into them. */
abstract class Instrument<S extends { attributes: Attributes }, V> {
  private readonly series = new Map<string, S>();
  private readonly startTime = hrTime();
  constructor(protected readonly d: Description) {
    registry.push(this);
  }
  /** The sample names it exports, as Prometheus shows them. */
  abstract names(): string[];
  protected abstract create(attributes: Attributes): S;
  protected abstract point(series: S): V;
  protected abstract data(descriptor: MetricDescriptor, dataPoints: DataPoint<V>[]): MetricData;

  /** The series of `attributes` (built on the first call; keep it for the hot path). */
  bind(attributes: Attributes = {}): S {
    const key = Object.keys(attributes)
      .map((k) => `${k}=${String(attributes[k])}`)
      .join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = this.create(attributes);
      this.series.set(key, s);
    }
    return s;
  }

  collect(endTime: HrTime): MetricData | null {
    if (this.series.size === 0) return null;
    const descriptor = {
      name: this.d.name,
      description: this.d.description,
      unit: this.d.unit ?? '',
      valueType: this.d.int ? ValueType.INT : ValueType.DOUBLE,
    };
    const points = [...this.series.values()].map((s) => ({
      startTime: this.startTime,
      endTime,
      attributes: s.attributes,
      value: this.point(s),
    }));
    return this.data(descriptor, points);
  }
}

const registry: Array<Instrument<{ attributes: Attributes }, unknown>> = [];

class Counter extends Instrument<CounterSeries, number> {
  names() {
    return [`${this.d.name}_total`];
  }
  protected create(a: Attributes) {
    return new CounterSeries(a);
  }
  protected point(s: CounterSeries) {
    return s.value;
  }
  protected data(descriptor: MetricDescriptor, dataPoints: DataPoint<number>[]): MetricData {
    const temporality = AggregationTemporality.CUMULATIVE;
    return {
      descriptor,
      aggregationTemporality: temporality,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints,
    };
  }
}

class Histogram extends Instrument<HistogramSeries, HistogramPoint> {
  constructor(
    d: Description,
    private readonly boundaries: readonly number[],
  ) {
    super(d);
  }
  names() {
    return ['_bucket', '_sum', '_count'].map((suffix) => this.d.name + suffix);
  }
  protected create(a: Attributes) {
    return new HistogramSeries(a, this.boundaries);
  }
  protected point(s: HistogramSeries): HistogramPoint {
    return {
      buckets: { boundaries: [...this.boundaries], counts: [...s.counts] },
      sum: s.sum,
      count: s.count,
    };
  }
  protected data(descriptor: MetricDescriptor, dataPoints: DataPoint<HistogramPoint>[]): MetricData {
    const temporality = AggregationTemporality.CUMULATIVE;
    return {
      descriptor,
      aggregationTemporality: temporality,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    };
  }
}

class Gauge extends Instrument<GaugeSeries, number> {
  names() {
    return [this.d.name];
  }
  protected create(a: Attributes) {
    return new GaugeSeries(a);
  }
  protected point(s: GaugeSeries) {
    return s.value;
  }
  protected data(descriptor: MetricDescriptor, dataPoints: DataPoint<number>[]): MetricData {
    const temporality = AggregationTemporality.CUMULATIVE;
    return {
      descriptor,
      aggregationTemporality: temporality,
      dataPointType: DataPointType.GAUGE,
      dataPoints,
    };
  }
}

/** Every pre-aggregated instrument, read at scrape time (the runtime gauges are refreshed first). */
const instruments = {
  async collect(): Promise<CollectionResult> {
    collectRuntime();
    const end = hrTime();
    const metrics = registry.map((i) => i.collect(end)).filter((m): m is MetricData => m !== null);
    return {
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: { name: 'parley' }, metrics }] },
      errors: [],
    };
  },
};

// ---------------------------------------------------------------------------
// The exporter

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
const observedGauges: string[] = [];

/** A gauge observed at scrape time (through scrapeTimeReader), its name kept for exportedMetricNames. */
function observableGauge(name: string, options: MetricOptions): ObservableGauge {
  observedGauges.push(name);
  return gaugeMeter.createObservableGauge(name, options);
}

/**
 * Every sample name parley's code exports, as Prometheus shows them
 * (counters with `_total`, histograms as `_bucket`, `_sum` and `_count`):
 * the instruments as this module defines them, whether or not they have a
 * series yet. Dashboards and alert rules are checked against it.
 */
export function exportedMetricNames(): string[] {
  return [...registry.flatMap((i) => i.names()), ...observedGauges].sort();
}

const exporter = new PrometheusExporter({
  preventServerStart: true,
  // Prometheus labels every series with its job and instance: scope and
  // resource series would only repeat them.
  withoutScopeInfo: true,
  withoutTargetInfo: true,
  metricProducers: [instruments, { collect: (options) => scrapeTimeReader.collect(options) }],
});
// The exporter is a reader and must be bound to a provider; every series comes from its producers.
new MeterProvider({ readers: [exporter] });
const serializer = new PrometheusSerializer('', false, undefined, true, true);

/** The text an endpoint would serve now (tests and in-process readers). */
export async function metricsText(): Promise<string> {
  const { resourceMetrics } = await exporter.collect();
  return serializer.serialize(resourceMetrics);
}

// ---------------------------------------------------------------------------
// gRPC calls (recorded by the shared adapters in grpc/server.ts and grpc/mux.ts)

const rpcDuration = {
  server: new Histogram(
    {
      name: METRIC.rpcServerDuration,
      description:
        'Duration of gRPC calls (and of each call on the Agent.Negotiate stream, by parley_agent_call) as the server sees it',
      unit: 's',
    },
    LATENCY_BUCKETS_S,
  ),
  client: new Histogram(
    {
      name: METRIC.rpcClientDuration,
      description:
        "Duration of gRPC calls (and of each call on the Agent.Negotiate stream, by parley_agent_call) as the caller sees it: the broker's per-agent latency",
      unit: 's',
    },
    LATENCY_BUCKETS_S,
  ),
};

export interface RpcRecorder {
  /** Records one call that ended with gRPC status `code` after `ms` milliseconds (exported in seconds). */
  record(code: number, ms: number): void;
}

/**
 * A recorder for one method (`package.Service/Method`), on the server or the
 * client side; `extra` labels every series (e.g. which agent a client calls).
 */
export function rpcRecorder(side: 'server' | 'client', method: string, extra: Attributes = {}): RpcRecorder {
  const [service, name] = method.split('/') as [string, string];
  const histogram = rpcDuration[side];
  // Bound on first use, so only the statuses that happened are exported.
  let ok: HistogramSeries | undefined;
  const byCode = new Map<number, HistogramSeries>();
  return {
    record(code, ms) {
      if (code === 0) {
        ok ??= bindRpc(histogram, service, name, 0, extra);
        ok.record(ms / 1000);
        return;
      }
      let series = byCode.get(code);
      if (!series) {
        series = bindRpc(histogram, service, name, code, extra);
        byCode.set(code, series);
      }
      series.record(ms / 1000);
    },
  };
}

function bindRpc(
  h: Histogram,
  service: string,
  name: string | undefined,
  code: number,
  extra: Attributes,
): HistogramSeries {
  return h.bind({
    ...extra,
    [METRIC_ATTR.rpcService]: service,
    [METRIC_ATTR.rpcMethod]: name ?? '',
    [METRIC_ATTR.rpcStatusCode]: code,
  });
}

// ---------------------------------------------------------------------------
// Decisions (broker)

const decisions = new Counter({
  name: METRIC.decisions,
  description: 'Decisions answered, by result (ad | no_ad) and whether any part was degraded',
  int: true,
});
const decisionDuration = new Histogram(
  {
    name: METRIC.decisionDuration,
    description: 'Time from receiving a Decide call to its answer, by result',
    unit: 's',
  },
  LATENCY_BUCKETS_S,
);
const noAdDecisions = new Counter({
  name: METRIC.noAdDecisions,
  description: 'Decisions answered with no ad, by their primary reason code',
  int: true,
});
const degradedDecisions = new Counter({
  name: METRIC.degradedDecisions,
  description: 'Decisions that ran degraded, by part (a decision degraded in two parts counts in both)',
  int: true,
});

const shedDecisions = new Counter({
  name: METRIC.shedDecisions,
  description:
    'Decisions shed under load (answered at once with house ads, no agent asked), by reason (in_flight | event_loop_lag | deadline_budget); each also counts as degraded by part "shed"',
  int: true,
});

/** Series bound on first use (so only combinations that happened are exported), indexed by result and degradation. */
const RESULTS = ['ad', 'no_ad'] as const;
const decisionCount: CounterSeries[] = [];
const decisionTime: HistogramSeries[] = [];

function decisionCountOf(r: 0 | 1, degraded: boolean): CounterSeries {
  const i = r * 2 + (degraded ? 1 : 0);
  let s = decisionCount[i];
  if (!s) {
    s = decisions.bind({ [METRIC_ATTR.result]: RESULTS[r], [METRIC_ATTR.degraded]: String(degraded) });
    decisionCount[i] = s;
  }
  return s;
}

function decisionTimeOf(r: 0 | 1): HistogramSeries {
  let s = decisionTime[r];
  if (!s) {
    s = decisionDuration.bind({ [METRIC_ATTR.result]: RESULTS[r] });
    decisionTime[r] = s;
  }
  return s;
}

const byReason = new Map<string, CounterSeries>();
const byPart = new Map<string, CounterSeries>();

function counterFor(
  cache: Map<string, CounterSeries>,
  counter: Counter,
  key: string,
  value: string,
): CounterSeries {
  let s = cache.get(value);
  if (!s) {
    s = counter.bind({ [key]: value });
    cache.set(value, s);
  }
  return s;
}

/** What the metrics need to know about one decision. */
export interface DecisionFacts {
  noAd: boolean;
  /** The first one is the primary reason. */
  noAdReasons: readonly string[];
  degraded: readonly string[];
}

export function recordDecision(d: DecisionFacts, durationMs: number): void {
  const r = d.noAd ? 1 : 0;
  decisionCountOf(r, d.degraded.length > 0).add(1);
  decisionTimeOf(r).record(durationMs / 1000);
  if (d.noAd)
    counterFor(byReason, noAdDecisions, METRIC_ATTR.reason, d.noAdReasons[0] ?? 'REASON_UNSPECIFIED').add(1);
  for (const part of d.degraded) counterFor(byPart, degradedDecisions, METRIC_ATTR.part, part).add(1);
}

const shedByReason = new Map<string, CounterSeries>();

/** Counts one shed decision by why it was shed (the decision itself goes through recordDecision). */
export function recordShed(reason: string): void {
  counterFor(shedByReason, shedDecisions, METRIC_ATTR.reason, reason).add(1);
}

// ---------------------------------------------------------------------------
// Outcomes and campaigns (objective agent)

const outcomes = new Counter({
  name: METRIC.outcomes,
  description:
    'Ad outcomes recorded (once per idempotency key), by event and campaign: skip rate = skip / impression',
  int: true,
});
const byOutcome = new Map<string, CounterSeries>();
const impressionCharges = new Counter({
  name: METRIC.impressionCharges,
  description:
    'Impressions of a reservation (once per idempotency key), by what they charged: settled (on time), late (after the reservation expired), or why nothing (lifetime_budget, daily_budget, released, unknown)',
  int: true,
});
const byCharge = new Map<string, CounterSeries>();

/** A counter's series for one value of `key` and one campaign ('' = unknown), cached by both. */
function campaignSeries(
  cache: Map<string, CounterSeries>,
  counter: Counter,
  key: string,
  value: string,
  campaignId: string,
): CounterSeries {
  const k = `${value}\u0000${campaignId}`;
  let s = cache.get(k);
  if (!s) {
    s = counter.bind({ [key]: value, [METRIC_ATTR.campaign]: campaignId || 'unknown' });
    cache.set(k, s);
  }
  return s;
}

export function recordOutcome(event: string, campaignId: string): void {
  campaignSeries(byOutcome, outcomes, METRIC_ATTR.event, event, campaignId).add(1);
}

/** What an impression of a reservation charged: `settled`, `late`, or the charge refusal. */
export function recordImpressionCharge(charge: string, campaignId: string): void {
  campaignSeries(byCharge, impressionCharges, METRIC_ATTR.charge, charge, campaignId).add(1);
}

/** One campaign's spend and pacing, as the objective agent reports it at scrape time. */
export interface CampaignSpendSample {
  campaignId: string;
  lifetimeSpentMicros: number;
  lifetimeReservedMicros: number;
  todaySpentMicros: number;
  todayReservedMicros: number;
  /** The campaign's budgets (0 = none): settled spend above one is overspend, which must never happen. */
  lifetimeBudgetMicros: number;
  dailyBudgetMicros: number;
  /** Even-paced campaigns: the paced period's budget, the ideal curve by now, the spend compared with it (spent + reserved), the multiplier. */
  pacing: { budgetMicros: number; idealMicros: number; spendMicros: number; multiplier: number } | null;
}

const campaignGauges = {
  spent: observableGauge(METRIC.campaignSpent, {
    description: 'Settled spend of a campaign, lifetime and in the current UTC day',
    valueType: ValueType.INT,
  }),
  budget: observableGauge(METRIC.campaignBudget, {
    description:
      'Budget of a campaign, lifetime and per UTC day (only the ones it has): settled spend above it is overspend',
    valueType: ValueType.INT,
  }),
  reserved: observableGauge(METRIC.campaignReserved, {
    description: 'Spend reserved by decisions and not yet settled or released',
    valueType: ValueType.INT,
  }),
  paced: observableGauge(METRIC.campaignPacedSpend, {
    description: 'Spend (settled + reserved) in the paced period of an even-paced campaign',
    valueType: ValueType.INT,
  }),
  ideal: observableGauge(METRIC.campaignIdealSpend, {
    description: 'What the ideal pacing curve says an even-paced campaign should have spent by now',
  }),
  pacedBudget: observableGauge(METRIC.campaignPacedBudget, {
    description: "The paced period's budget (daily budget, or lifetime budget over the flight)",
    valueType: ValueType.INT,
  }),
  multiplier: observableGauge(METRIC.campaignPacingMultiplier, {
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
      if (s.lifetimeBudgetMicros > 0) result.observe(g.budget, s.lifetimeBudgetMicros, lifetime);
      if (s.dailyBudgetMicros > 0) result.observe(g.budget, s.dailyBudgetMicros, today);
      if (s.pacing) {
        const c = { [METRIC_ATTR.campaign]: id };
        result.observe(g.paced, s.pacing.spendMicros, c);
        result.observe(g.ideal, s.pacing.idealMicros, c);
        result.observe(g.pacedBudget, s.pacing.budgetMicros, c);
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

const onlineSteps = new Counter({
  name: METRIC.onlineSteps,
  description:
    'Guarded online learning steps of the inventory policy, by result (accepted, rejected, rolled_back)',
  int: true,
});
const onlineHoldoutLoss = new Gauge({
  name: METRIC.onlineHoldoutLoss,
  description: 'Holdout log-loss measured at the last online learning step',
});

const stepSeries = new Map<string, CounterSeries>();

export function recordOnlineStep(result: 'accepted' | 'rejected' | 'rolled_back', holdoutLoss: number): void {
  counterFor(stepSeries, onlineSteps, METRIC_ATTR.step, result).add(1);
  if (Number.isFinite(holdoutLoss)) onlineHoldoutLoss.bind().set(holdoutLoss);
}

// ---------------------------------------------------------------------------
// Federated rounds (the aggregator calls this when a round closes)

const federatedRounds = new Counter({
  name: METRIC.federatedRounds,
  description: 'Federated rounds closed, by status (e.g. aggregated, no_quorum, failed)',
  int: true,
});
const federatedRoundDuration = new Histogram(
  {
    name: METRIC.federatedRoundDuration,
    description: 'Time from opening a federated round to closing it',
    unit: 's',
  },
  ROUND_BUCKETS_S,
);
const federatedRoundClients = new Histogram(
  {
    name: METRIC.federatedRoundClients,
    description: 'Client updates aggregated per closed round',
    int: true,
  },
  CLIENT_BUCKETS,
);
const federatedModelVersion = new Gauge({
  name: METRIC.federatedModelVersion,
  description: 'The global model version last published',
  int: true,
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
  federatedRounds.bind(attrs).add(1);
  federatedRoundDuration.bind(attrs).record(r.durationMs / 1000);
  federatedRoundClients.bind(attrs).record(r.clients);
  if (r.modelVersion !== undefined) federatedModelVersion.bind().set(r.modelVersion);
}

// ---------------------------------------------------------------------------
// Federated round progress (the aggregator reports its open round at each scrape)

/** The open round as the aggregator sees it now. */
export interface FederatedRoundProgress {
  roundId: number;
  /** Clients selected in it so far. */
  joined: number;
  /** Updates accepted in it so far. */
  accepted: number;
  /** Epoch ms at which it closes at the latest. */
  deadlineMs: number;
}

const federatedRoundGauges = {
  open: observableGauge(METRIC.federatedRoundOpen, {
    description: 'The id of the federated round open now (absent while none is)',
    valueType: ValueType.INT,
  }),
  joined: observableGauge(METRIC.federatedRoundJoined, {
    description: 'Clients selected in the open federated round so far',
    valueType: ValueType.INT,
  }),
  accepted: observableGauge(METRIC.federatedRoundAccepted, {
    description: 'Client updates accepted in the open federated round so far',
    valueType: ValueType.INT,
  }),
  left: observableGauge(METRIC.federatedRoundSecondsLeft, {
    description: "Seconds until the open federated round's deadline",
    unit: 's',
  }),
};

/** Reports the open round through `read` at each scrape; returns the function that stops it. */
export function observeFederatedRound(
  read: () => FederatedRoundProgress | null,
  clock: () => number = Date.now,
): () => void {
  const g = federatedRoundGauges;
  const callback = (result: BatchObservableResult) => {
    const r = read();
    if (!r) return;
    result.observe(g.open, r.roundId);
    result.observe(g.joined, r.joined);
    result.observe(g.accepted, r.accepted);
    result.observe(g.left, Math.max(0, (r.deadlineMs - clock()) / 1000));
  };
  const all = Object.values(g);
  gaugeMeter.addBatchObservableCallback(callback, all);
  return () => gaugeMeter.removeBatchObservableCallback(callback, all);
}

// ---------------------------------------------------------------------------
// Outcome-log consumers (the inventory agent's online learner)

const outcomeConsumerLag = new Gauge({
  name: METRIC.outcomeConsumerLag,
  description:
    'How far behind the outcome log a consumer group reads: the age of the oldest entry of its last read (0 when the last read found nothing new)',
  unit: 's',
});
const outcomeEntriesRead = new Counter({
  name: METRIC.outcomeEntriesRead,
  description: 'Outcome-log entries a consumer group has read',
  int: true,
});

export interface OutcomeConsumerMetrics {
  /** After each read: the entries' log times (epoch ms; empty when the read found nothing). */
  read(loggedAtMs: readonly number[], nowMs?: number): void;
}

/** The lag gauge and read counter of one consumer group, bound once. */
export function outcomeConsumerMetrics(group: string): OutcomeConsumerMetrics {
  const attrs = { [METRIC_ATTR.consumerGroup]: group };
  const lag = outcomeConsumerLag.bind(attrs);
  const entries = outcomeEntriesRead.bind(attrs);
  lag.set(0);
  return {
    read(loggedAtMs, nowMs = Date.now()) {
      entries.add(loggedAtMs.length);
      let oldest = Number.POSITIVE_INFINITY;
      for (const t of loggedAtMs) if (t < oldest) oldest = t;
      lag.set(Number.isFinite(oldest) ? Math.max(0, (nowMs - oldest) / 1000) : 0);
    },
  };
}

// ---------------------------------------------------------------------------
// Decision records (the admin service's embedded decision log)

const decisionRecords = new Counter({
  name: METRIC.decisionRecords,
  description:
    'Decision records brokers streamed to the admin service (embedded decision log), by result: accepted, or malformed and dropped',
  int: true,
});

/** The admin service's counters of decision records received, bound once. */
export function decisionRecordCounters(): {
  accepted: { add(n?: number): void };
  malformed: { add(n?: number): void };
} {
  return {
    accepted: decisionRecords.bind({ [METRIC_ATTR.record]: 'accepted' }),
    malformed: decisionRecords.bind({ [METRIC_ATTR.record]: 'malformed' }),
  };
}

// ---------------------------------------------------------------------------
// Overrides in force (the admin service reports its store at each scrape)

const overridesActive = observableGauge(METRIC.overridesActive, {
  description: 'Overrides in force now (not expired), by kind',
  valueType: ValueType.INT,
});

/**
 * Reports the overrides in force through `read` (a count per kind; kinds
 * it leaves out count 0) at each scrape. Returns the function that stops it.
 */
export function observeOverrides(
  kinds: readonly string[],
  read: () => Promise<Readonly<Record<string, number>>>,
  log?: Logger,
): () => void {
  const attrs = kinds.map((k) => [k, { [METRIC_ATTR.overrideKind]: k }] as const);
  const callback = async (result: ObservableResult) => {
    let counts: Readonly<Record<string, number>>;
    try {
      counts = await read();
    } catch (err) {
      log?.warn('override metrics unavailable', { error: (err as Error)?.message });
      return;
    }
    for (const [k, a] of attrs) result.observe(counts[k] ?? 0, a);
  };
  overridesActive.addCallback(callback);
  return () => overridesActive.removeCallback(callback);
}

// ---------------------------------------------------------------------------
// Model versions (every agent reports the versions its models use at each scrape)

const modelInfo = observableGauge(METRIC.modelInfo, {
  description:
    'The version each model of this process uses now: always 1, the version is the parley_model_version label (a hot swap changes it)',
  valueType: ValueType.INT,
});

/**
 * Reports `read()` (model name → version in use, e.g. `{ 'inventory.policy':
 * 'inventory-fed-12' }`) at each scrape. Returns the function that stops it.
 */
export function observeModelVersions(read: () => Readonly<Record<string, string>>): () => void {
  // One attribute object per (model, version) seen, so a scrape allocates none while nothing changes.
  const attrs = new Map<string, Attributes>();
  const callback = (result: ObservableResult) => {
    for (const [model, version] of Object.entries(read())) {
      const key = `${model}\u0000${version}`;
      let a = attrs.get(key);
      if (!a) {
        a = { [METRIC_ATTR.model]: model, [METRIC_ATTR.modelVersion]: version };
        if (attrs.size < 256) attrs.set(key, a);
      }
      result.observe(1, a);
    }
  };
  modelInfo.addCallback(callback);
  return () => modelInfo.removeCallback(callback);
}

// ---------------------------------------------------------------------------
// The runtime of this process: event-loop delay, GC pauses, heap (every service)

/**
 * How often the event loop is sampled (ms). A stall shows up as a delay
 * within this much of its length; sampling costs a timer wake-up each time
 * (~1% of a core when idle, nothing measurable under load).
 */
export const EVENT_LOOP_RESOLUTION_MS = 2;

const eventLoopDelay = {
  p50: new Gauge({
    name: METRIC.eventLoopDelayP50,
    description: 'Median event-loop delay since the previous scrape',
    unit: 's',
  }),
  p99: new Gauge({
    name: METRIC.eventLoopDelayP99,
    description: '99th percentile of the event-loop delay since the previous scrape',
    unit: 's',
  }),
  max: new Gauge({
    name: METRIC.eventLoopDelayMax,
    description: 'Longest event-loop delay since the previous scrape: the worst stall',
    unit: 's',
  }),
};
const gcDuration = new Histogram(
  {
    name: METRIC.gcDuration,
    description: 'Garbage-collection pauses, by type (major, minor, incremental, weakcb)',
    unit: 's',
  },
  GC_BUCKETS_S,
);
const heapUsed = new Gauge({
  name: METRIC.heapUsed,
  description: 'V8 heap in use, by heap space',
  unit: 'By',
  int: true,
});

const GC_TYPES: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

let runtime: { delay: IntervalHistogram; gc: PerformanceObserver } | null = null;

/**
 * Starts watching this process's event loop and garbage collector (once;
 * serveMetrics calls it). The event-loop delay gauges cover the time since
 * the previous scrape: each scrape reads them and starts a new window.
 */
export function monitorRuntime(): void {
  if (runtime) return;
  const delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  delay.enable();
  const byType = new Map<number, HistogramSeries>();
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: NodeGCPerformanceDetail }).detail?.kind ?? 0;
      let s = byType.get(kind);
      if (!s) {
        s = gcDuration.bind({ [METRIC_ATTR.gcType]: GC_TYPES[kind] ?? 'unknown' });
        byType.set(kind, s);
      }
      s.record(entry.duration / 1000);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  runtime = { delay, gc };
}

/** Refreshes the runtime gauges (at each scrape) and starts the next event-loop window. */
function collectRuntime(): void {
  if (!runtime) return;
  const h = runtime.delay;
  // The histogram holds the time between samples: the delay is what exceeds the sampling interval.
  const delay = (ns: number) => (h.count > 0 ? Math.max(0, ns / 1e9 - EVENT_LOOP_RESOLUTION_MS / 1000) : 0);
  eventLoopDelay.p50.bind().set(delay(h.percentile(50)));
  eventLoopDelay.p99.bind().set(delay(h.percentile(99)));
  eventLoopDelay.max.bind().set(delay(h.max));
  h.reset();
  for (const space of getHeapSpaceStatistics()) {
    heapUsed.bind({ [METRIC_ATTR.heapSpace]: space.space_name }).set(space.space_used_size);
  }
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
  monitorRuntime();
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
