/**
 * The shared metrics layer without a mesh: the config of the endpoint port,
 * what each recorder puts in the Prometheus text (names, labels, exact
 * counts, latencies in seconds with buckets that fit them), the gauges read at scrape
 * time, the HTTP endpoint itself, and the k8s scrape annotations.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { metricsPortFor } from '../../../bin/spawn';
import { ConfigError, loadConfig } from '../../../services/common/config';
import {
  EVENT_LOOP_RESOLUTION_MS,
  exportedMetricNames,
  LATENCY_BUCKETS_S,
  metricsText,
  monitorRuntime,
  observeCampaigns,
  observeFederatedRound,
  observeModelVersions,
  observeOverrides,
  outcomeConsumerMetrics,
  parsePrometheus,
  recordDecision,
  recordFederatedRound,
  recordImpressionCharge,
  recordOutcome,
  rpcRecorder,
  type Sample,
  serveMetrics,
  sumOf,
} from '../../../services/common/metrics';
import { seededRng } from '../../../services/common/rng';

const scrape = async (): Promise<Sample[]> => parsePrometheus(await metricsText());

describe('PARLEY_METRICS_PORT', () => {
  it('defaults per service, so services on one host never share a port', () => {
    const ports = ['broker', 'context', 'inventory', 'objective', 'admin', 'aggregator'].map(
      (s) => loadConfig({}, `parley-${s}`).metricsPort,
    );
    expect(ports).toEqual([9464, 9465, 9466, 9467, 9468, 9469]);
    expect(new Set(ports).size).toBe(ports.length);
    // The short name (as the deploy test passes it) works too; an unknown service gets 9464.
    expect(loadConfig({}, 'objective').metricsPort).toBe(9467);
    expect(loadConfig({}).metricsPort).toBe(9464);
  });

  it('takes a port, 0 for any free port, or off', () => {
    expect(loadConfig({ PARLEY_METRICS_PORT: '9999' }, 'parley-broker').metricsPort).toBe(9999);
    expect(loadConfig({ PARLEY_METRICS_PORT: '0' }, 'parley-broker').metricsPort).toBe(0);
    expect(loadConfig({ PARLEY_METRICS_PORT: 'off' }, 'parley-broker').metricsPort).toBeNull();
    expect(() => loadConfig({ PARLEY_METRICS_PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadConfig({ PARLEY_METRICS_PORT: 'on' })).toThrow(/PARLEY_METRICS_PORT/);
  });

  it('a launcher gives each child its own port: free by default, N + the service offset when set, off stays off', () => {
    const four = ['broker', 'context', 'inventory', 'objective'];
    expect(four.map((s) => metricsPortFor(undefined, s))).toEqual(['0', '0', '0', '0']);
    expect(four.map((s) => metricsPortFor('9464', s))).toEqual(['9464', '9465', '9466', '9467']);
    expect(four.map((s) => metricsPortFor('19000', s))).toEqual(['19000', '19001', '19002', '19003']);
    expect(metricsPortFor('19000', 'admin')).toBe('19004');
    expect(metricsPortFor('off', 'context')).toBe('off');
    expect(metricsPortFor('0', 'objective')).toBe('0');
  });
});

describe('parsePrometheus', () => {
  it('reads names, escaped labels and special values; rejects garbage', () => {
    const text = [
      '# HELP x_total a counter',
      '# TYPE x_total counter',
      'x_total{a="1",b="say \\"hi\\"\\\\n"} 3',
      'y 2.5',
      'h_bucket{le="+Inf"} 7',
      'g -Inf',
    ].join('\n');
    expect(parsePrometheus(text)).toEqual([
      { name: 'x_total', labels: { a: '1', b: 'say "hi"\\n' }, value: 3 },
      { name: 'y', labels: {}, value: 2.5 },
      { name: 'h_bucket', labels: { le: '+Inf' }, value: 7 },
      { name: 'g', labels: {}, value: Number.NEGATIVE_INFINITY },
    ]);
    expect(() => parsePrometheus('not a sample')).toThrow(/not a Prometheus sample/);
    expect(() => parsePrometheus('x{a=1} 2')).toThrow(/bad labels/);
  });
});

describe('decision metrics', () => {
  it('count every decision exactly once, with its result, no-ad reason and degraded parts', async () => {
    const before = await scrape();
    const rng = seededRng(42);
    const decisions = Array.from({ length: 200 }, () => {
      const noAd = rng.next() < 0.3;
      const degraded = (['context', 'inventory', 'objective'] as const).filter(() => rng.next() < 0.2);
      return {
        noAd,
        noAdReasons: noAd ? ['REASON_NO_ELIGIBLE_CANDIDATES', 'REASON_FREQUENCY_CAP'] : [],
        degraded,
      };
    });
    for (const d of decisions) recordDecision(d, 1 + rng.next() * 20);
    const after = await scrape();
    const delta = (name: string, match: Record<string, string> = {}) =>
      sumOf(after, name, match) - sumOf(before, name, match);

    const noAd = decisions.filter((d) => d.noAd).length;
    const degraded = decisions.filter((d) => d.degraded.length > 0).length;
    expect(delta('parley_decisions_total')).toBe(200);
    expect(delta('parley_decisions_total', { parley_decision_result: 'no_ad' })).toBe(noAd);
    expect(delta('parley_decisions_total', { parley_decision_degraded: 'true' })).toBe(degraded);
    // Only the primary reason counts, so no-ad reasons add up to the no-ad decisions.
    expect(delta('parley_no_ad_decisions_total')).toBe(noAd);
    expect(delta('parley_no_ad_decisions_total', { parley_reason: 'REASON_NO_ELIGIBLE_CANDIDATES' })).toBe(
      noAd,
    );
    for (const part of ['context', 'inventory', 'objective']) {
      expect(delta('parley_degraded_decisions_total', { parley_part: part })).toBe(
        decisions.filter((d) => d.degraded.includes(part as never)).length,
      );
    }
    expect(delta('parley_decision_duration_seconds_count')).toBe(200);
  });

  it('latency is exported in seconds, with buckets that put typical decisions apart', async () => {
    // Decisions take ~1 ms to a few hundred ms; deadlines reach seconds.
    expect(LATENCY_BUCKETS_S[0]).toBeLessThanOrEqual(0.001);
    expect(LATENCY_BUCKETS_S).toContain(0.1);
    expect(LATENCY_BUCKETS_S.at(-1)).toBeGreaterThanOrEqual(5);
    const before = await scrape();
    for (const ms of [0.3, 3, 7, 15, 42, 90, 450])
      recordDecision({ noAd: false, noAdReasons: [], degraded: [] }, ms);
    const after = await scrape();
    const bucket = (le: string) =>
      sumOf(after, 'parley_decision_duration_seconds_bucket', { le, parley_decision_result: 'ad' }) -
      sumOf(before, 'parley_decision_duration_seconds_bucket', { le, parley_decision_result: 'ad' });
    expect([
      bucket('0.0005'),
      bucket('0.005'),
      bucket('0.01'),
      bucket('0.02'),
      bucket('0.05'),
      bucket('0.1'),
    ]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(bucket('0.5')).toBe(7);
    expect(bucket('+Inf')).toBe(7);
    const sum =
      sumOf(after, 'parley_decision_duration_seconds_sum', { parley_decision_result: 'ad' }) -
      sumOf(before, 'parley_decision_duration_seconds_sum', { parley_decision_result: 'ad' });
    expect(sum).toBeCloseTo(0.6073, 9); // the 607.3 ms recorded, in seconds
  });
});

describe('rpc durations', () => {
  it('record per service, method and status code, server and client side apart', async () => {
    const server = rpcRecorder('server', 'parley.v1.Test/Ping');
    const client = rpcRecorder('client', 'parley.v1.Test/Ping');
    for (let i = 0; i < 5; i++) server.record(0, 2);
    client.record(0, 3);
    client.record(4, 50);
    const s = await scrape();
    const ping = { rpc_service: 'parley.v1.Test', rpc_method: 'Ping' };
    expect(sumOf(s, 'rpc_server_duration_seconds_count', { ...ping, rpc_grpc_status_code: '0' })).toBe(5);
    expect(sumOf(s, 'rpc_client_duration_seconds_count', { ...ping, rpc_grpc_status_code: '0' })).toBe(1);
    expect(sumOf(s, 'rpc_client_duration_seconds_count', { ...ping, rpc_grpc_status_code: '4' })).toBe(1);
    expect(sumOf(s, 'rpc_client_duration_seconds_sum', ping)).toBeCloseTo(0.053, 12);
  });
});

describe('pre-aggregated recording', () => {
  /** The lines of `text` that mention `marker` (one test's own series). */
  const linesWith = (text: string, marker: string) =>
    text
      .split('\n')
      .filter((l) => l.includes(marker))
      .join('\n');

  it("serves exactly the text the SDK's own instruments would", async () => {
    // The reference: the SDK's histogram and counter behind the same exporter settings.
    const reference = new PrometheusExporter({
      preventServerStart: true,
      withoutScopeInfo: true,
      withoutTargetInfo: true,
    });
    const meter = new MeterProvider({ readers: [reference] }).getMeter('parley');
    const sdkRpc = meter.createHistogram('rpc_server_duration_seconds', {
      description:
        'Duration of gRPC calls (and of each call on the Agent.Negotiate stream, by parley_agent_call) as the server sees it',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_S },
    });
    const sdkDecisions = meter.createCounter('parley_decisions', {
      description: 'Decisions answered, by result (ad | no_ad) and whether any part was degraded',
    });
    const sdkDuration = meter.createHistogram('parley_decision_duration_seconds', {
      description: 'Time from receiving a Decide call to its answer, by result',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_S },
    });

    const rng = seededRng(3);
    const rpc = rpcRecorder('server', 'parley.v1.Same/Text');
    const rpcAttrs = (code: number) => ({
      'rpc.service': 'parley.v1.Same',
      'rpc.method': 'Text',
      'rpc.grpc.status_code': code,
    });
    // Values on and around every boundary, below the first and above the last.
    const values = [
      0,
      0.5,
      0.50001,
      1,
      2,
      5,
      10_000,
      10_000.1,
      123_456,
      ...LATENCY_BUCKETS_S.map((b) => b * 1000 * 0.99),
    ];
    for (let i = 0; i < 300; i++) values.push(rng.next() ** 3 * 3000);
    const before = await metricsText();
    for (const [i, v] of values.entries()) {
      const code = i % 7 === 0 ? 4 : 0;
      rpc.record(code, v);
      sdkRpc.record(v / 1000, rpcAttrs(code)); // recorded in ms, exported in seconds
      const d = { noAd: i % 5 === 0, noAdReasons: [], degraded: i % 3 === 0 ? ['context'] : [] };
      recordDecision(d, v);
      const result = d.noAd ? 'no_ad' : 'ad';
      sdkDecisions.add(1, {
        'parley.decision.result': result,
        'parley.decision.degraded': String(d.degraded.length > 0),
      });
      sdkDuration.record(v / 1000, { 'parley.decision.result': result });
    }
    const ours = await metricsText();
    const { resourceMetrics } = await reference.collect();
    const theirs = new PrometheusSerializer('', false, undefined, true, true).serialize(resourceMetrics);
    expect(linesWith(ours, 'parley.v1.Same')).toBe(linesWith(theirs, 'parley.v1.Same'));
    // Two series (OK and DEADLINE_EXCEEDED), each a count, a sum and a bucket per boundary and +Inf.
    expect(linesWith(ours, 'parley.v1.Same').split('\n')).toHaveLength(
      2 * (2 + LATENCY_BUCKETS_S.length + 1),
    );
    // The decision series hold earlier tests' decisions too: compare what this test added.
    const delta = (text: string, base: string, name: string, match: Record<string, string>) =>
      sumOf(parsePrometheus(text), name, match) - sumOf(parsePrometheus(base), name, match);
    for (const le of [...LATENCY_BUCKETS_S.map(String), '+Inf']) {
      for (const result of ['ad', 'no_ad']) {
        const m = { le, parley_decision_result: result };
        expect(delta(ours, before, 'parley_decision_duration_seconds_bucket', m), `${result} le=${le}`).toBe(
          sumOf(parsePrometheus(theirs), 'parley_decision_duration_seconds_bucket', m),
        );
      }
    }
    for (const degraded of ['true', 'false']) {
      const m = { parley_decision_result: 'no_ad', parley_decision_degraded: degraded };
      expect(delta(ours, before, 'parley_decisions_total', m)).toBe(
        sumOf(parsePrometheus(theirs), 'parley_decisions_total', m),
      );
    }
    // Same help, unit and type lines.
    const header = (text: string, name: string) =>
      text.split('\n').filter((l) => l.startsWith('# ') && l.split(' ')[2] === name);
    for (const name of [
      'rpc_server_duration_seconds',
      'parley_decisions_total',
      'parley_decision_duration_seconds',
    ])
      expect(header(ours, name), name).toEqual(header(theirs, name));
  });

  it('ignores what is not a duration (negative, NaN) and exports only series that were recorded', async () => {
    const r = rpcRecorder('client', 'parley.v1.Edge/Values');
    r.record(0, -1);
    r.record(0, Number.NaN);
    r.record(0, 3);
    const s = await scrape();
    const edge = { rpc_service: 'parley.v1.Edge', rpc_method: 'Values' };
    expect(sumOf(s, 'rpc_client_duration_seconds_count', edge)).toBe(1);
    expect(sumOf(s, 'rpc_client_duration_seconds_sum', edge)).toBe(0.003);
    // Only the status codes that happened have series.
    expect(
      s.filter((x) => x.name === 'rpc_client_duration_seconds_count' && x.labels.rpc_method === 'Values'),
    ).toHaveLength(1);
  });
});

describe('runtime metrics', () => {
  it('event-loop delay p50, p99 and max in seconds cover the time since the previous scrape', async () => {
    monitorRuntime();
    await scrape(); // starts a window
    const stallMs = 200;
    await new Promise((r) => setTimeout(r, 20));
    const until = performance.now() + stallMs;
    while (performance.now() < until) {
      // a stall: the event loop cannot run
    }
    await new Promise((r) => setTimeout(r, 20));
    const s = await scrape();
    const one = (name: string) => {
      const found = s.filter((x) => x.name === name);
      expect(found, name).toHaveLength(1);
      return found[0]!.value;
    };
    const max = one('nodejs_eventloop_delay_max_seconds');
    const p99 = one('nodejs_eventloop_delay_p99_seconds');
    const p50 = one('nodejs_eventloop_delay_p50_seconds');
    // The stall, less at most one sampling interval (and the loop's own lateness on a busy machine).
    expect(max).toBeGreaterThanOrEqual((stallMs - EVENT_LOOP_RESOLUTION_MS - 1) / 1000);
    expect(max).toBeLessThan(10);
    expect(p50).toBeLessThanOrEqual(p99);
    expect(p99).toBeLessThanOrEqual(max);
    // The scrape started a new window: the stall is not in the next one.
    await new Promise((r) => setTimeout(r, 20));
    expect(sumOf(await scrape(), 'nodejs_eventloop_delay_max_seconds')).toBeLessThan(max);
  });

  it('GC pauses by type, in seconds, and the heap in use by space', async () => {
    monitorRuntime();
    let keep: number[][] = [];
    for (let i = 0; i < 200_000; i++) {
      keep.push([i, i + 1]);
      if (keep.length > 1000) keep = [];
    }
    await new Promise((r) => setTimeout(r, 50)); // GC entries arrive asynchronously
    const s = await scrape();
    expect(sumOf(s, 'v8js_gc_duration_seconds_count', { v8js_gc_type: 'minor' })).toBeGreaterThan(0);
    const gcTypes = new Set(
      s.filter((x) => x.name === 'v8js_gc_duration_seconds_count').map((x) => x.labels.v8js_gc_type),
    );
    for (const t of gcTypes) expect(['major', 'minor', 'incremental', 'weakcb']).toContain(t);
    const heap = sumOf(s, 'v8js_memory_heap_used_bytes');
    const used = process.memoryUsage().heapUsed;
    expect(heap).toBeGreaterThan(used / 2);
    expect(heap).toBeLessThan(used * 2);
    expect(sumOf(s, 'v8js_memory_heap_used_bytes', { v8js_heap_space_name: 'old_space' })).toBeGreaterThan(0);
  });
});

describe('outcomes, campaigns and federated rounds', () => {
  it('outcomes count per event and campaign', async () => {
    const before = await scrape();
    for (const e of ['impression', 'impression', 'skip', 'complete']) recordOutcome(e, 'camp-a');
    recordOutcome('impression', '');
    const after = await scrape();
    const d = (m: Record<string, string>) =>
      sumOf(after, 'parley_outcomes_total', m) - sumOf(before, 'parley_outcomes_total', m);
    expect(d({ parley_outcome_event: 'impression', parley_campaign_id: 'camp-a' })).toBe(2);
    expect(d({ parley_outcome_event: 'skip', parley_campaign_id: 'camp-a' })).toBe(1);
    expect(d({ parley_outcome_event: 'impression', parley_campaign_id: 'unknown' })).toBe(1);
  });

  it('impression charges count per charge and campaign', async () => {
    const before = await scrape();
    for (const c of ['settled', 'settled', 'late', 'lifetime_budget']) recordImpressionCharge(c, 'camp-c');
    recordImpressionCharge('unknown', '');
    const after = await scrape();
    const d = (m: Record<string, string>) =>
      sumOf(after, 'parley_impression_charges_total', m) -
      sumOf(before, 'parley_impression_charges_total', m);
    expect(d({ parley_charge: 'settled', parley_campaign_id: 'camp-c' })).toBe(2);
    expect(d({ parley_charge: 'late', parley_campaign_id: 'camp-c' })).toBe(1);
    expect(d({ parley_charge: 'lifetime_budget', parley_campaign_id: 'camp-c' })).toBe(1);
    expect(d({ parley_charge: 'unknown', parley_campaign_id: 'unknown' })).toBe(1);
  });

  it('campaign gauges are read at scrape time and stop when unregistered', async () => {
    let spent = 1000;
    const stop = observeCampaigns(async () => [
      {
        campaignId: 'camp-even',
        lifetimeSpentMicros: spent,
        lifetimeReservedMicros: 20,
        todaySpentMicros: 300,
        todayReservedMicros: 5,
        lifetimeBudgetMicros: 50_000,
        dailyBudgetMicros: 10_000,
        pacing: { budgetMicros: 10_000, idealMicros: 4_000, spendMicros: 305, multiplier: 1.5 },
      },
      {
        campaignId: 'camp-asap',
        lifetimeSpentMicros: 7,
        lifetimeReservedMicros: 0,
        todaySpentMicros: 7,
        todayReservedMicros: 0,
        lifetimeBudgetMicros: 900,
        dailyBudgetMicros: 0,
        pacing: null,
      },
    ]);
    let s = await scrape();
    const even = { parley_campaign_id: 'camp-even' };
    expect(sumOf(s, 'parley_campaign_spent_micros', { ...even, parley_budget_period: 'lifetime' })).toBe(
      1000,
    );
    expect(sumOf(s, 'parley_campaign_reserved_micros', { ...even, parley_budget_period: 'today' })).toBe(5);
    expect(sumOf(s, 'parley_campaign_ideal_spend_micros', even)).toBe(4000);
    expect(sumOf(s, 'parley_campaign_paced_spend_micros', even)).toBe(305);
    expect(sumOf(s, 'parley_campaign_paced_budget_micros', even)).toBe(10_000);
    expect(sumOf(s, 'parley_campaign_pacing_multiplier', even)).toBe(1.5);
    // Budgets, only the ones a campaign has (the overspend alert compares spend with them).
    expect(sumOf(s, 'parley_campaign_budget_micros', { ...even, parley_budget_period: 'lifetime' })).toBe(
      50_000,
    );
    expect(sumOf(s, 'parley_campaign_budget_micros', { ...even, parley_budget_period: 'today' })).toBe(
      10_000,
    );
    expect(
      s
        .filter(
          (x) => x.name === 'parley_campaign_budget_micros' && x.labels.parley_campaign_id === 'camp-asap',
        )
        .map((x) => [x.labels.parley_budget_period, x.value]),
    ).toEqual([['lifetime', 900]]);
    // An asap campaign has spend but no pacing curve.
    expect(
      s.some((x) => x.name === 'parley_campaign_spent_micros' && x.labels.parley_campaign_id === 'camp-asap'),
    ).toBe(true);
    expect(
      s.some(
        (x) => x.name === 'parley_campaign_ideal_spend_micros' && x.labels.parley_campaign_id === 'camp-asap',
      ),
    ).toBe(false);
    spent = 2500;
    s = await scrape();
    expect(sumOf(s, 'parley_campaign_spent_micros', { ...even, parley_budget_period: 'lifetime' })).toBe(
      2500,
    );
    stop();
    s = await scrape();
    expect(
      s.some((x) => x.labels.parley_campaign_id === 'camp-even' && x.name.startsWith('parley_campaign_')),
    ).toBe(false);
  });

  it('a failing campaign read leaves the other metrics scrapeable', async () => {
    const stop = observeCampaigns(async () => {
      throw new Error('redis down');
    });
    try {
      recordOutcome('click', 'camp-z');
      const s = await scrape();
      expect(sumOf(s, 'parley_outcomes_total', { parley_campaign_id: 'camp-z' })).toBe(1);
    } finally {
      stop();
    }
  });

  it('federated rounds: a counter by status, duration and client histograms, the model version', async () => {
    recordFederatedRound({ status: 'aggregated', durationMs: 12_000, clients: 40, modelVersion: 7 });
    recordFederatedRound({ status: 'no_quorum', durationMs: 60_000, clients: 2 });
    const s = await scrape();
    expect(sumOf(s, 'parley_federated_rounds_total')).toBe(2);
    expect(sumOf(s, 'parley_federated_rounds_total', { parley_federated_status: 'no_quorum' })).toBe(1);
    expect(sumOf(s, 'parley_federated_round_duration_seconds_sum')).toBe(72);
    expect(sumOf(s, 'parley_federated_round_clients_sum')).toBe(42);
    expect(sumOf(s, 'parley_federated_model_version')).toBe(7);
  });

  it('federated round progress: the open round, its clients and updates so far, time left; none once stopped', async () => {
    let progress: { roundId: number; joined: number; accepted: number; deadlineMs: number } | null = {
      roundId: 12,
      joined: 30,
      accepted: 7,
      deadlineMs: 1_000_000 + 45_000,
    };
    const stop = observeFederatedRound(
      () => progress,
      () => 1_000_000,
    );
    try {
      let s = await scrape();
      expect(sumOf(s, 'parley_federated_round_open')).toBe(12);
      expect(sumOf(s, 'parley_federated_round_joined_clients')).toBe(30);
      expect(sumOf(s, 'parley_federated_round_accepted_updates')).toBe(7);
      expect(sumOf(s, 'parley_federated_round_remaining_seconds')).toBe(45);
      progress = null; // between rounds, or closed
      s = await scrape();
      expect(s.some((x) => x.name.startsWith('parley_federated_round_open'))).toBe(false);
    } finally {
      stop();
    }
  });

  it('outcome-log consumer lag: the age of the oldest entry of the last read, 0 once caught up', async () => {
    const group = 'lag-test';
    const consumer = outcomeConsumerMetrics(group);
    const g = { parley_consumer_group: group };
    consumer.read([10_000, 7_500, 9_000], 12_000);
    let s = await scrape();
    expect(sumOf(s, 'parley_outcome_log_consumer_lag_seconds', g)).toBe(4.5);
    expect(sumOf(s, 'parley_outcome_log_entries_read_total', g)).toBe(3);
    consumer.read([], 13_000);
    s = await scrape();
    expect(sumOf(s, 'parley_outcome_log_consumer_lag_seconds', g)).toBe(0);
    expect(sumOf(s, 'parley_outcome_log_entries_read_total', g)).toBe(3);
  });

  it('overrides active: a series per kind, 0 for kinds with none, read at each scrape', async () => {
    let counts: Record<string, number> = { pause: 2 };
    const stop = observeOverrides(['block', 'pause'], async () => counts);
    try {
      let s = await scrape();
      expect(sumOf(s, 'parley_overrides_active', { parley_override_kind: 'pause' })).toBe(2);
      expect(s.filter((x) => x.name === 'parley_overrides_active').map((x) => x.labels)).toEqual([
        { parley_override_kind: 'block' },
        { parley_override_kind: 'pause' },
      ]);
      counts = { block: 1 };
      s = await scrape();
      expect(sumOf(s, 'parley_overrides_active', { parley_override_kind: 'block' })).toBe(1);
      expect(sumOf(s, 'parley_overrides_active', { parley_override_kind: 'pause' })).toBe(0);
    } finally {
      stop();
    }
  });

  it('model info: one series per model with its version as a label; a hot swap replaces it', async () => {
    let version = 'inventory-fed-11';
    const stop = observeModelVersions(() => ({ 'inventory.policy': version, 'objective.forecast': 'f-3' }));
    try {
      const versions = async () =>
        (await scrape())
          .filter((x) => x.name === 'parley_model_info')
          .map((x) => [x.labels.parley_model, x.labels.parley_model_version, x.value]);
      expect(await versions()).toEqual([
        ['inventory.policy', 'inventory-fed-11', 1],
        ['objective.forecast', 'f-3', 1],
      ]);
      version = 'inventory-fed-12';
      expect(await versions()).toEqual([
        ['inventory.policy', 'inventory-fed-12', 1],
        ['objective.forecast', 'f-3', 1],
      ]);
    } finally {
      stop();
    }
    expect((await scrape()).some((x) => x.name === 'parley_model_info')).toBe(false);
  });
});

describe('labels stay low-cardinality', () => {
  it('every label is from a fixed set, and a thousand decisions add no series', async () => {
    const rng = seededRng(7);
    const decide = () =>
      recordDecision(
        { noAd: rng.next() < 0.5, noAdReasons: ['REASON_BUDGET_EXHAUSTED'], degraded: ['inventory'] },
        rng.next() * 30,
      );
    decide();
    const seriesBefore = (await scrape()).length;
    for (let i = 0; i < 1000; i++) decide();
    const s = await scrape();
    expect(s.length).toBe(seriesBefore);
    const allowed = new Set([
      'le',
      'rpc_service',
      'rpc_method',
      'rpc_grpc_status_code',
      'parley_decision_result',
      'parley_decision_degraded',
      'parley_reason',
      'parley_part',
      'parley_outcome_event',
      'parley_charge',
      'parley_campaign_id',
      'parley_budget_period',
      'parley_federated_status',
      'parley_agent',
      'parley_agent_call',
      'parley_consumer_group',
      'parley_override_kind',
      'parley_record_result',
      // One series per model, its version the one in use now (a swapped-out version disappears).
      'parley_model',
      'parley_model_version',
      'v8js_gc_type',
      'v8js_heap_space_name',
    ]);
    for (const x of s) for (const k of Object.keys(x.labels)) expect(allowed, `${x.name}{${k}}`).toContain(k);
    expect(s.some((x) => /request|session/.test(Object.keys(x.labels).join(',')))).toBe(false);
  });
});

describe('the names the code exports', () => {
  it('exportedMetricNames lists every sample name the text can hold, as Prometheus shows it', async () => {
    const names = new Set(exportedMetricNames());
    // Whatever earlier tests recorded and observed: every sample is under a listed name.
    const stop = observeModelVersions(() => ({ 'inventory.policy': 'v1' }));
    try {
      for (const x of await scrape()) expect(names, x.name).toContain(x.name);
    } finally {
      stop();
    }
    // Counters with _total, histograms by their three series, gauges observed at scrape time too.
    for (const n of [
      'parley_decisions_total',
      'parley_decision_duration_seconds_bucket',
      'rpc_server_duration_seconds_count',
      'parley_overrides_active',
      'parley_model_info',
      'parley_campaign_budget_micros',
      'parley_outcome_log_consumer_lag_seconds',
      'parley_federated_round_open',
    ])
      expect(names, n).toContain(n);
    expect([...names].some((n) => n.includes('milliseconds'))).toBe(false);
  });
});

describe('the endpoint', () => {
  it('serves the text format at /metrics on a free port, 404 elsewhere, and closes', async () => {
    recordDecision({ noAd: false, noAdReasons: [], degraded: [] }, 4);
    const endpoint = await serveMetrics({ host: '127.0.0.1', port: 0 });
    try {
      expect(endpoint.port).toBeGreaterThan(0);
      expect(endpoint.url).toBe(`http://127.0.0.1:${endpoint.port}/metrics`);
      const res = await fetch(endpoint.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const body = await res.text();
      expect(body).toContain('# TYPE parley_decisions_total counter');
      expect(body).toContain('# TYPE parley_decision_duration_seconds histogram');
      expect(sumOf(parsePrometheus(body), 'parley_decisions_total')).toBeGreaterThan(0);
      expect((await fetch(`http://${endpoint.address}/`)).status).toBe(404);
      // A taken port is an error, not a silent second endpoint.
      await expect(serveMetrics({ host: '127.0.0.1', port: endpoint.port })).rejects.toThrow(
        /^metrics endpoint on 127\.0\.0\.1:\d+: .*EADDRINUSE/,
      );
    } finally {
      await endpoint.close();
    }
    await expect(fetch(endpoint.url)).rejects.toThrow();
  });
});

describe('deployment', () => {
  it('each k8s workload is annotated for scraping on its service default port', () => {
    for (const name of ['broker', 'context', 'inventory', 'objective']) {
      const path = fileURLToPath(new URL(`../../../deploy/k8s/base/${name}.yaml`, import.meta.url));
      const docs = parseAllDocuments(readFileSync(path, 'utf8')).map(
        (d) =>
          d.toJS() as {
            kind: string;
            spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
          },
      );
      const deployment = docs.find((d) => d.kind === 'Deployment')!;
      const a = deployment.spec?.template?.metadata?.annotations ?? {};
      expect(a['prometheus.io/scrape'], name).toBe('true');
      expect(a['prometheus.io/path'], name).toBe('/metrics');
      expect(Number(a['prometheus.io/port']), name).toBe(loadConfig({}, name).metricsPort);
    }
  });
});
