/**
 * The benchmark harness the speed targets are read from: the load
 * generator's counting (late answers, outcome reports, window probes), the
 * no-op server, the statistics, options, the summary against the targets,
 * the report and its kept History, and the helpers the numbers depend on
 * (the generated catalogue, the workload, the profile summary).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchCatalogueYaml, DEFAULT_BENCH_CATALOGUE } from '../../bench/catalogue';
import type { ClosedResult, OpenResult } from '../../bench/load';
import { newTally, record, runOpen } from '../../bench/load';
import {
  BEFORE_PEAK_RSS_MIB,
  badShare,
  benchDefaults,
  equalLoadRate,
  historyRow,
  keptHistory,
  type MeshResult,
  parseArgs,
  queued,
  type RealResult,
  type RunResult,
  report,
  rssGrowthMiB,
  summarise,
  TARGET,
  targets,
} from '../../bench/mesh';
import { startNoopBroker } from '../../bench/noop';
import { eventLoopFromMetrics, scrapeEventLoop } from '../../bench/procs';
import { summariseProfile } from '../../bench/profile';
import {
  growthOverSecondHalf,
  median,
  medianByKey,
  percentile,
  perDecision,
  shareOf,
  total as sum,
} from '../../bench/stats';
import { createWorkload, SKIP_SHARE } from '../../bench/workload';
import type { DecideRequest__Output } from '../../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse, DecideResponse__Output } from '../../proto/gen/parley/v1/DecideResponse';
import type { OutcomeAcks } from '../../proto/gen/parley/v1/OutcomeAcks';
import type { OutcomeReport__Output } from '../../proto/gen/parley/v1/OutcomeReport';
import type { OutcomeReports__Output } from '../../proto/gen/parley/v1/OutcomeReports';
import { parseCatalogue } from '../../services/common/catalogue/load';
import { RpcError } from '../../services/common/grpc/errors';
import { SERVICE_NAMES, v1 } from '../../services/common/grpc/proto';
import { type RunningService, startServer, unary } from '../../services/common/grpc/server';
import { createLogger } from '../../services/common/log';

const log = createLogger('bench-harness-test', 'error');
const NOW = Date.UTC(2026, 10, 27, 12);

function answer(req: { request_id?: string }): DecideResponse {
  return {
    request_id: req.request_id ?? '',
    ads: [
      {
        pod_position: 0,
        creative_id: 'c1',
        reservation_id: `res-${req.request_id}`,
        duration_ms: 30_000,
        tier: 'standard',
        price_micros: 7,
      },
    ],
    why: { rounds: 1 },
  };
}

describe('the load generator', () => {
  /** Answers every request whose number (the id's suffix) is odd after `slowMs`; records outcome batches. */
  const batches: OutcomeReport__Output[][] = [];
  let slowMs = 0;
  /** ReportOutcomes calls to refuse (UNAVAILABLE) before answering again. */
  let refuseOutcomes = 0;
  let server: Awaited<ReturnType<typeof startServer>>;
  let noop: RunningService;
  let metrics: Server;
  let metricsAddr = '';
  beforeAll(async () => {
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      serviceNames: [SERVICE_NAMES.adDecision],
      services: [
        [
          v1.AdDecision.service,
          {
            Decide: unary(
              'test/Decide',
              async (req: DecideRequest__Output) => {
                const n = Number(req.request_id.split('-').pop());
                if (n % 2 === 1 && slowMs > 0) await new Promise((r) => setTimeout(r, slowMs));
                return answer(req);
              },
              log,
            ),
            ReportOutcomes: unary(
              'test/ReportOutcomes',
              async (req: OutcomeReports__Output): Promise<OutcomeAcks> => {
                if (refuseOutcomes > 0) {
                  refuseOutcomes--;
                  throw new RpcError(grpc.status.UNAVAILABLE, 'outcomes cannot be recorded now');
                }
                batches.push(req.reports);
                return {
                  acks: req.reports.map((r) =>
                    r.event === 'OUTCOME_EVENT_IMPRESSION'
                      ? { accepted: true, settlement: 'SETTLEMENT_SETTLED' as const, charged_micros: 7 }
                      : { accepted: true, settlement: 'SETTLEMENT_NONE' as const },
                  ),
                };
              },
              log,
            ),
          },
        ],
      ],
      log,
    });
    noop = await startNoopBroker({ host: '127.0.0.1', port: 0, log });
    metrics = createServer((_req, res) =>
      res.end(
        '# TYPE nodejs_eventloop_delay_p99_seconds gauge\nnodejs_eventloop_delay_p99_seconds 0.002\n' +
          'nodejs_eventloop_delay_max_seconds{service="x"} 0.0075\n',
      ),
    );
    await new Promise<void>((r) => metrics.listen(0, '127.0.0.1', r));
    metricsAddr = `127.0.0.1:${(metrics.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server.shutdown(100);
    await noop.close();
    await new Promise((r) => metrics.close(r));
  });

  const spec = (target: string, tag: string) => ({
    mode: 'open' as const,
    target,
    channels: 1,
    seed: 5,
    tag,
    sessions: 10,
    // Generous: these tests count answers, not latency (the lateness test sets its own).
    deadlineMs: 1000,
    rate: 100,
    seconds: 0.2,
    warmupSeconds: 0,
    maxInFlight: 50,
  });

  it('counts a slow answer as late and leaves it out of the rate', async () => {
    // Far above deadline_ms (500) and far below the gRPC deadline (1000).
    slowMs = 750;
    try {
      const res = await runOpen({ ...spec(server.address, 'late'), deadlineMs: 500 });
      expect(res.firstError).toBe('');
      expect(res.sent).toBe(20);
      expect(res.ok).toBe(20);
      // The 10 slow ones at least (a busy machine may make a fast one late too).
      expect(res.late).toBeGreaterThanOrEqual(10);
      expect(res.achievedRate).toBeCloseTo((res.ok - res.late) / res.seconds, 5);
      expect(res.p99Ms).toBeGreaterThanOrEqual(750);
    } finally {
      slowMs = 0;
    }
  });

  it("reports each decision's outcomes (impression, then skip or complete) in batches no larger than asked", async () => {
    batches.length = 0;
    const res = await runOpen({ ...spec(server.address, 'oc'), outcomes: { batchMs: 20, maxBatch: 5 } });
    expect(res.ok).toBe(20);
    const reports = batches.flat();
    expect(res.outcomes).toMatchObject({
      reports: 40,
      accepted: 40,
      failedBatches: 0,
      batches: batches.length,
    });
    expect(reports).toHaveLength(40);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(5);
    expect(new Set(reports.map((r) => r.idempotency_key)).size).toBe(40);
    const byRequest = new Map<string, string[]>();
    for (const r of reports) byRequest.set(r.request_id, [...(byRequest.get(r.request_id) ?? []), r.event]);
    expect(byRequest.size).toBe(20);
    for (const [id, events] of byRequest) {
      expect(events[0]).toBe('OUTCOME_EVENT_IMPRESSION');
      expect(['OUTCOME_EVENT_SKIP', 'OUTCOME_EVENT_COMPLETE']).toContain(events[1]);
      expect(reports.find((r) => r.request_id === id)?.reservation_id).toBe(`res-${id}`);
    }
  });

  it('sends the reports of a refused batch again with the same keys until they are acknowledged, and counts what was charged', async () => {
    batches.length = 0;
    refuseOutcomes = 2;
    const res = await runOpen({
      ...spec(server.address, 'retry'),
      outcomes: { batchMs: 20, maxBatch: 100, retryForMs: 10_000 },
    });
    expect(refuseOutcomes).toBe(0);
    expect(res.outcomes).toMatchObject({
      reports: expect.any(Number),
      unacked: 0,
      accepted: 40,
      impressions: 20,
      impressionMicros: 20 * 7,
      settled: 20,
      chargedMicros: 20 * 7,
      notCharged: 0,
    });
    expect(res.outcomes!.failedBatches).toBe(2);
    expect(res.outcomes!.retries).toBeGreaterThan(0);
    expect(new Set(batches.flat().map((r) => r.idempotency_key)).size).toBe(40);
    expect(batches.flat()).toHaveLength(40); // each report acknowledged once
  });

  it('without retries, the reports of a refused batch are counted unacknowledged', async () => {
    refuseOutcomes = 1000;
    try {
      const res = await runOpen({
        ...spec(server.address, 'noretry'),
        outcomes: { batchMs: 20, maxBatch: 100 },
      });
      expect(res.outcomes).toMatchObject({ accepted: 0, unacked: 40, settled: 0, impressions: 20 });
    } finally {
      refuseOutcomes = 0;
    }
  });

  it('counts the calls per stretch of wall-clock time, late answers degraded or not', async () => {
    const res = await runOpen({ ...spec(noop.address, 'timeline'), timelineMs: 50 });
    expect(res.timeline.length).toBeGreaterThan(1);
    expect(res.timeline.every((b) => b.at % 50 === 0)).toBe(true);
    expect(res.timeline.map((b) => b.at)).toEqual([...res.timeline.map((b) => b.at)].sort((a, b) => a - b));
    expect(res.timeline.reduce((n, b) => n + b.answers, 0)).toBe(20);
    expect(res.timeline.reduce((n, b) => n + b.errors + b.degraded, 0)).toBe(0);
    const t = newTally();
    t.timelineMs = 1000;
    record(
      t,
      null,
      { ...(answer({ request_id: 'x' }) as DecideResponse__Output), degraded: ['context'] },
      150,
      100,
    );
    record(t, null, { ...(answer({ request_id: 'y' }) as DecideResponse__Output), degraded: [] }, 50, 100);
    expect(t.anyLate).toBe(1);
    expect([...t.timeline.values()].reduce((n, b) => n + b.late, 0)).toBe(1);
    expect([...t.timeline.values()].reduce((n, b) => n + (b.degradedBy.context ?? 0), 0)).toBe(1);
  });

  it('counts outcome batches a server refuses as failed, with the first error, and still counts the decisions', async () => {
    // The no-op server serves Decide only: ReportOutcomes is UNIMPLEMENTED there.
    const res = await runOpen({ ...spec(noop.address, 'unimpl'), outcomes: { batchMs: 20, maxBatch: 100 } });
    expect(res.ok).toBe(20);
    expect(res.outcomes!.batches).toBeGreaterThan(0);
    expect(res.outcomes!.failedBatches).toBe(res.outcomes!.batches);
    expect(res.outcomes!.accepted).toBe(0);
    expect(res.outcomes!.firstError).toMatch(new RegExp(`^${grpc.status.UNIMPLEMENTED} `));
  });

  it('probes the window: CPU and bytes per readable process, event-loop delay per endpoint, RSS samples', async () => {
    const res = await runOpen({
      ...spec(noop.address, 'probe'),
      cpuPids: { self: process.pid, gone: 2 ** 22 + 1 },
      metrics: { self: metricsAddr, down: '127.0.0.1:1' },
      rssSampleMs: 50,
    });
    expect(Object.keys(res.cpuMs)).toEqual(['self']);
    expect(Object.keys(res.bytesWritten)).toEqual(['self']);
    expect(res.eventLoop.self).toEqual({ p99Ms: 2, maxMs: 7.5 });
    expect(res.eventLoop.down).toBeNull();
    expect(Object.keys(res.rssKb)).toEqual(['self']);
    expect(res.rssKb.self!.length).toBeGreaterThanOrEqual(3);
    expect(res.rssKb.self!.every(([t, kb]) => t >= 0 && kb > 0)).toBe(true);
  });

  it("the no-op server answers Decide with the caller's request id and one ad", async () => {
    const res = await runOpen(spec(noop.address, 'noop'));
    expect(res.ok).toBe(20);
    expect(res.noAd + res.errors + res.degraded).toBe(0);
  });

  it('over DecideStream (--api stream) every request is answered once, as with Decide', async () => {
    const res = await runOpen({ ...spec(noop.address, 'noop-stream'), api: 'stream' });
    expect(res.ok).toBe(20);
    expect(res.noAd + res.errors + res.degraded).toBe(0);
  });
});

describe('counting answers', () => {
  const res = (extra: Partial<DecideResponse__Output> = {}) =>
    ({
      ...(answer({ request_id: 'x' }) as DecideResponse__Output),
      degraded: [],
      no_ad: false,
      ...extra,
    }) as DecideResponse__Output;

  it('a decision is OK and not degraded; one after the deadline is also late; degraded and failed ones are neither', () => {
    const t = newTally();
    expect(record(t, null, res(), 99, 100)).toBeNull();
    expect(record(t, null, res(), 100, 100)).toBeNull();
    expect(record(t, null, res({ no_ad: true }), 101, 100)).toBeNull();
    expect(record(t, null, res({ degraded: ['PART_CONTEXT'] }), 150, 100)).toBeNull();
    const err = Object.assign(new Error('late'), {
      code: grpc.status.DEADLINE_EXCEEDED,
      details: 'Deadline exceeded',
    });
    expect(record(t, err as grpc.ServiceError, undefined, 200, 100)).toBe('4 Deadline exceeded');
    expect(t).toMatchObject({ ok: 3, late: 1, noAd: 1, degraded: 1, errors: 1, rounds: 3 });
    expect(t.latenciesMs).toEqual([99, 100, 101, 150, 200]);
  });
});

describe('event-loop gauges', () => {
  it('reads the p99 and max gauges, labelled or not, in ms; NaN when absent', () => {
    expect(
      eventLoopFromMetrics(
        'nodejs_eventloop_delay_p99_seconds 0.0031\nnodejs_eventloop_delay_max_seconds{a="b"} 0.012\n',
      ),
    ).toEqual({ p99Ms: 3.1, maxMs: 12 });
    const none = eventLoopFromMetrics('# only comments\nother_metric 1\n');
    expect(none.p99Ms).toBeNaN();
    expect(none.maxMs).toBeNaN();
  });

  it('a scrape of an endpoint that is not there gives null', async () => {
    expect(await scrapeEventLoop('127.0.0.1:1', 500)).toBeNull();
  });
});

describe('bench statistics', () => {
  it('percentile is nearest-rank and median averages the middle pair', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('perDecision, total and medianByKey', () => {
    expect(perDecision({ broker: 30, context: 10 }, 20)).toEqual({ broker: 1.5, context: 0.5 });
    expect(perDecision({ broker: 30 }, 0).broker).toBeNaN();
    expect(sum({ a: 1, b: 2.5 })).toBe(3.5);
    // Per key over the records that have it; a NaN is left out.
    expect(medianByKey([{ a: 1, b: 5 }, { a: 3 }, { a: 2, b: Number.NaN }])).toEqual({ a: 2, b: 5 });
  });

  it("growth over the second half is the rise of its peak over the first half's: a trend, not a collector's swing", () => {
    const linear = Array.from({ length: 61 }, (_, t) => [t, 1000 + 2 * t] as [number, number]);
    expect(growthOverSecondHalf(linear)).toBeCloseTo(60);
    // A jump and a drop in the first half, flat after: no growth.
    const flat = Array.from(
      { length: 61 },
      (_, t) => [t, t < 10 ? 5000 : t < 20 ? 9000 : 7000] as [number, number],
    );
    expect(growthOverSecondHalf(flat)).toBeLessThanOrEqual(0);
    // A garbage collector's sawtooth over a level (a 25 s period, 400 to 480): whichever phase
    // the second half starts in, no growth. A line through the second half read it as anything
    // from -21 to +24 with these phases.
    const saw = (phase: number, leakPerS = 0) =>
      Array.from(
        { length: 61 },
        (_, t) => [t, 400 + 80 * (((t + phase) % 25) / 24) + leakPerS * t] as [number, number],
      );
    for (const phase of [0, 5, 12, 20]) expect(Math.abs(growthOverSecondHalf(saw(phase)))).toBeLessThan(5);
    // The same sawtooth over a leak of 2 a second: the leak shows (60 over the second half, give or take a tooth).
    for (const phase of [0, 5, 12, 20]) {
      expect(growthOverSecondHalf(saw(phase, 2))).toBeGreaterThan(40);
      expect(growthOverSecondHalf(saw(phase, 2))).toBeLessThan(80);
    }
    expect(growthOverSecondHalf([[0, 1]])).toBeNaN();
    expect(growthOverSecondHalf([])).toBeNaN();
    expect(shareOf(1, 4)).toBe(0.25);
    expect(shareOf(1, 0)).toBeNaN();
  });
});

describe('options', () => {
  it('defaults to the issue: 3 runs, a 100 ms deadline, equal load at 70%, outcomes at 500/s, gzip vs off', () => {
    const o = parseArgs([])!;
    expect(o).toMatchObject({
      runs: 3,
      deadlineMs: 100,
      equalShare: 0.7,
      outcomeRate: 500,
      soakSeconds: 60,
      compression: ['gzip'],
      preset: 'full',
    });
    expect(o.out).toMatch(/bench\/RESULTS\.md$/);
  });

  it('--quick and --smoke are short, write under bench/out/, and later flags still apply', () => {
    const q = parseArgs(['--quick'])!;
    expect(q).toMatchObject({ preset: 'quick', runs: 1 });
    expect(q.out).toMatch(/bench\/out\/RESULTS\.quick\.md$/);
    const s = parseArgs(['--smoke', '--soak-seconds', '3'])!;
    expect(s).toMatchObject({ preset: 'smoke', runs: 1, soakSeconds: 3, profile: 'never' });
    expect(s.out).toMatch(/bench\/out\/RESULTS\.smoke\.md$/);
  });

  it('compression modes, and bad flags named in the error', () => {
    expect(parseArgs(['--compression', 'none'])?.compression).toEqual([]);
    expect(parseArgs(['--compression', 'gzip,deflate'])?.compression).toEqual(['gzip', 'deflate']);
    expect(() => parseArgs(['--compression', 'zstd'])).toThrow(/--compression/);
    expect(() => parseArgs(['--equal-share', '2'])).toThrow(/--equal-share/);
    expect(() => parseArgs(['--deadline-ms'])).toThrow(/--deadline-ms/);
    expect(() => parseArgs(['--frobnicate'])).toThrow(/--frobnicate/);
    expect(parseArgs([])?.api).toBe('unary');
    expect(parseArgs(['--api', 'stream'])?.api).toBe('stream');
    expect(() => parseArgs(['--api', 'carrier-pigeon'])).toThrow(/--api/);
    expect(parseArgs(['--help'])).toBeNull();
  });

  it('the equal-load rate is the share of the real saturation rate, at least 20/s', () => {
    expect(equalLoadRate(1000, 0.7)).toBe(700);
    expect(equalLoadRate(20, 0.7)).toBe(20);
  });
});

// ---------------------------------------------------------------------------
// Synthetic runs for the summary and the report

function open(rate: number, p99Ms: number, extra: Partial<OpenResult> = {}): OpenResult {
  return {
    mode: 'open',
    rate,
    seconds: 1,
    sent: rate,
    achievedRate: rate,
    p50Ms: p99Ms / 2,
    p90Ms: p99Ms,
    p99Ms,
    maxMs: p99Ms,
    ok: rate,
    late: 0,
    noAd: 0,
    degraded: 0,
    errors: 0,
    dropped: 0,
    requests: rate,
    cpuMs: {},
    bytesWritten: {},
    loopbackBytes: 0,
    eventLoop: {},
    rssKb: {},
    outcomes: null,
    agentMs: {},
    degradedBy: {},
    stages: [],
    perSecond: [],
    anyLate: 0,
    timeline: [],
    firstError: '',
    ...extra,
  };
}

function closed(rate: number): ClosedResult {
  return {
    mode: 'closed',
    levels: [
      {
        concurrency: 8,
        seconds: 1,
        rate,
        p50Ms: 5,
        p99Ms: 9,
        ok: rate,
        late: 0,
        noAd: 0,
        degraded: 0,
        errors: 0,
      },
    ],
    saturation: { rate, concurrency: 8 },
    meanRounds: 1,
    requests: rate,
    firstError: '',
  };
}

/** CPU ms of the window per process for `rate` answers, so CPU per decision is `perDecision`. */
const cpuFor = (rate: number, perDecisionMs: Record<string, number>) =>
  Object.fromEntries(Object.entries(perDecisionMs).map(([p, v]) => [p, v * rate]));

function run(n: number, realSat: number, realCpu: Record<string, number>, realP99: number): RunResult {
  const eqRate = realSat * 0.7;
  const mesh = (sat: number, equal: OpenResult | null): MeshResult => ({
    closed: closed(sat),
    cpuMsPerRequest: { broker: 1 },
    equal,
    rssKb: { broker: 100 * 1024 },
  });
  const real: RealResult = {
    ...mesh(
      realSat,
      open(eqRate, realP99, { cpuMs: cpuFor(eqRate, realCpu), bytesWritten: { broker: eqRate * 2048 } }),
    ),
    rssKb: { broker: 280 * 1024, context: 160 * 1024, inventory: 200 * 1024, 'redis-server': 10 * 1024 },
    outcomes: open(500, 20, {
      degraded: 1,
      outcomes: {
        batches: 5,
        reports: 1000,
        accepted: 0,
        duplicates: 0,
        failedBatches: 5,
        retries: 0,
        unacked: 1000,
        impressions: 500,
        impressionMicros: 0,
        settled: 0,
        chargedMicros: 0,
        notCharged: 0,
        p50Ms: 1,
        p99Ms: 2,
        firstError: '12 UNIMPLEMENTED',
      },
    }),
    soak: open(eqRate, realP99, {
      seconds: 60,
      eventLoop: { broker: { p99Ms: 2, maxMs: 4 + n }, context: null },
      rssKb: {
        broker: Array.from({ length: 61 }, (_, t) => [t, 300 * 1024 + t * 1024] as [number, number]),
        context: Array.from({ length: 61 }, (_, t) => [t, 160 * 1024] as [number, number]),
        // Redis keeps the mesh's state: its growth is reported, not held to "flat".
        'redis-server': Array.from({ length: 61 }, (_, t) => [t, 10 * 1024 + t * 2048] as [number, number]),
      },
    }),
    compressed: {
      gzip: open(eqRate, realP99, {
        cpuMs: cpuFor(eqRate, { broker: (realCpu.broker ?? 0) * 1.2 }),
        bytesWritten: { broker: eqRate * 1024 },
      }),
    },
  };
  return {
    run: n,
    loadBefore: 0.5,
    rounds: 1,
    equalRate: eqRate,
    real,
    bare: mesh(realSat * 1.1, open(eqRate, 10, { cpuMs: cpuFor(eqRate, { broker: 0.5, context: 0.25 }) })),
    noop: mesh(realSat * 3, null),
  };
}

describe('summary, targets and report', () => {
  const runs = [
    run(1, 900, { broker: 1.2, context: 0.4 }, 20), // 1.6 ms
    run(2, 1100, { broker: 1, context: 0.3 }, 30), // 1.3 ms
    run(3, 1000, { broker: 1.5, context: 0.5 }, 24), // 2.0 ms
  ];
  const s = summarise(runs)!;

  it('takes medians over runs, ratios within each run first', () => {
    expect(s.realSaturation).toBe(1000);
    expect(s.throughputRatio).toBeCloseTo(1 / 1.1);
    expect(s.noopSaturation).toBe(3000);
    expect(s.realOfCeiling).toBeCloseTo(1 / 3);
    expect(s.equalRate).toBe(700);
    expect(s.real.p99Ms).toBe(24);
    expect(s.real.cpuMs).toBeCloseTo(1.6);
    expect(s.real.cpuByProcess.broker).toBeCloseTo(1.2);
    expect(s.bare.cpuMs).toBeCloseTo(0.75);
    expect(s.eqCpuRatio).toBeCloseTo(0.75 / 1.6);
    expect(s.outcomes.badShare).toBeCloseTo(1 / 500);
    expect(s.outcomes.acknowledged).toBe(0);
    // The broker grew 1 MiB/s over a 60 s soak: 30 MiB over its second half; the context agent stayed flat.
    expect(s.soak.growthMiB.broker).toBeCloseTo(30);
    expect(s.soak.growthMiB.context).toBeCloseTo(0);
    expect(s.eventLoop.broker).toEqual({ p99Ms: 2, maxMs: 6 });
    expect(s.eventLoop.context!.maxMs).toBeNaN();
    expect(s.peakRssMiB.real.inventory).toBe(200);
    const gzip = s.compression.find((c) => c.mode === 'gzip')!;
    expect(gzip.bytesRatio).toBeCloseTo(0.5);
    expect(gzip.cpuRatio).toBeGreaterThan(0.7);
  });

  it('compares each target and says by how much it was missed', () => {
    const t = Object.fromEntries(targets(s).map((x) => [x.name.split(' (')[0]!.split(',')[0]!, x]));
    expect(t['saturation']).toMatchObject({ pass: true });
    expect(t['p99 at equal load']).toMatchObject({ pass: true, measured: '24.0' });
    expect(t['CPU per decision at equal load']).toMatchObject({ pass: true });
    expect(t['outcome reports acknowledged']).toMatchObject({ pass: false, miss: '100% short' });
    // inventory 200 MiB against 190 before.
    expect(200 / BEFORE_PEAK_RSS_MIB.inventory!).toBeGreaterThan(TARGET.peakRssRatio);
    expect(t['peak RSS / before']).toMatchObject({ pass: false });
    expect(t['peak RSS / before']!.name).toContain('inventory');
    expect(t['RSS growth over the second half of the 60 s soak']).toMatchObject({
      pass: false,
      measured: '30.0',
    });
    expect(t['RSS growth over the second half of the 60 s soak']!.name).toContain('(broker)');
    expect(t['event-loop delay max during the soak']).toMatchObject({
      pass: false,
      miss: '1.20× the allowed',
    });
  });

  it('an event-loop delay nobody exported is "not measured", not a pass', () => {
    const without = runs.map((r) => ({
      ...r,
      real: { ...r.real!, soak: { ...r.real!.soak, eventLoop: {} } },
    }));
    const row = targets(summarise(without)!).find((x) => x.name.startsWith('event-loop'));
    expect(row).toMatchObject({ pass: null, measured: '–' });
    expect(report(benchDefaults(), 'npm run bench', without, '', [])).toContain('| not measured |');
  });

  it('a run that sent no outcome reports is left out of the acknowledged share', () => {
    const withReports = (r: RunResult, reports: number, accepted: number): RunResult => ({
      ...r,
      real: {
        ...r.real!,
        outcomes: { ...r.real!.outcomes, outcomes: { ...r.real!.outcomes.outcomes!, reports, accepted } },
      },
    });
    const mixed = [withReports(runs[0]!, 0, 0), withReports(runs[1]!, 1000, 1000), runs[2]!];
    expect(summarise(mixed)!.outcomes.acknowledged).toBe(0.5);
    const none = runs.map((r) => withReports(r, 0, 0));
    const row = targets(summarise(none)!).find((t) => t.name === 'outcome reports acknowledged');
    expect(row?.pass).toBeNull();
  });

  it('a degraded, failed or dropped request counts against the share; a queued phase is flagged', () => {
    expect(badShare(open(100, 10, { degraded: 1, errors: 1, dropped: 1 }))).toBeCloseTo(0.03);
    const level = closed(100).levels[0];
    expect(queued(open(50, 40, { p50Ms: 20 }), level)).toBe(false);
    expect(queued(open(50, 40, { p50Ms: 21 }), level)).toBe(true);
    expect(queued(open(50, 40, { p50Ms: 1, errors: 1 }), level)).toBe(true);
  });

  it('rssGrowthMiB reads each sampled process', () => {
    expect(Object.keys(rssGrowthMiB(runs[0]!.real!.soak)).sort()).toEqual([
      'broker',
      'context',
      'redis-server',
    ]);
  });

  it('the report has the targets, findings, per-run tables and the kept History with this run appended', () => {
    const earlier =
      '| 2026-12-01 | abc1234 | `old bench` | 3 | 2.0 | 1000 | 567 | 1552 | 0.40 | – | 283 | 171.4 | 1.00% | 4.99 (2.51) | – | 300 / 190 | – | – | – | baseline |';
    const row = historyRow(benchDefaults(), 'npm run bench', runs, new Date(NOW));
    const md = report(benchDefaults(), 'npm run bench', runs, '', [earlier, row]);
    expect(md).toContain('| saturation, real (decisions/s) | 1000 | ≥ 1000 | PASS |');
    expect(md).toContain('| outcome reports acknowledged | 0.00% | all | FAIL (100% short) |');
    expect(md).toMatch(/- \d+ of 11 measured targets met\. Missed: /);
    expect(md).toContain('- gzip: CPU per decision');
    expect(md).toContain("- redis-server's RSS changed by 60.0 MiB over the soak's second half");
    expect(md).toContain('| 1 | gzip |');
    expect(md).toContain('`12 UNIMPLEMENTED`');
    expect(md).toContain('| before | real | 300 | 190 | 190 | 190 | – |');
    // The History keeps earlier rows and this run's, in order, and a re-run keeps both.
    expect(keptHistory(md)).toEqual([earlier, row]);
    const cells = (line: string) => line.split('|').length;
    expect(cells(row)).toBe(cells(md.split('\n').find((l) => l.startsWith('| date |'))!));
    expect(row).toContain('| 2026-11-27 |');
    expect(row).toContain('| 1000 | 1100 | 0.91 | 3000 | 700 | 24.0 |');
  });

  it('a file without a History section keeps nothing', () => {
    expect(keptHistory('# Results\n\n## Analysis\n\n| a | b |\n|---|---|\n| 1 | 2 |\n')).toEqual([]);
  });
});

describe('workload', () => {
  it('the workload gives unique request ids and spreads sessions', () => {
    const w = createWorkload({ seed: 1, tag: 'x', sessions: 1000, deadlineMs: 100, nowMs: NOW });
    const reqs = Array.from({ length: 200 }, (_, i) => w.request(i));
    expect(new Set(reqs.map((r) => r.request_id)).size).toBe(200);
    expect(new Set(reqs.map((r) => r.signals?.session_id)).size).toBeGreaterThan(150);
  });

  it('outcomes: per ad an impression, then a skip (with an offset) or a completion, the same for the same answer', () => {
    const w = createWorkload({ seed: 1, tag: 'o', sessions: 1000, deadlineMs: 100, nowMs: NOW });
    let skips = 0;
    for (let n = 0; n < 1000; n++) {
      const req = w.request(n);
      const res = answer(req) as DecideResponse__Output;
      const reports = w.outcomes(req, res);
      expect(reports).toHaveLength(2);
      expect(reports[0]).toMatchObject({
        event: 'OUTCOME_EVENT_IMPRESSION',
        request_id: req.request_id,
        reservation_id: `res-${req.request_id}`,
        session_id: req.signals?.session_id,
      });
      if (reports[1]!.event === 'OUTCOME_EVENT_SKIP') {
        skips++;
        expect(reports[1]!.skip_offset_ms).toBeGreaterThanOrEqual(1000);
      } else expect(reports[1]!.event).toBe('OUTCOME_EVENT_COMPLETE');
      expect(new Set(reports.map((r) => r.idempotency_key)).size).toBe(2);
      expect(w.outcomes(req, res)).toEqual(reports);
    }
    expect(Math.abs(skips / 1000 - SKIP_SHARE)).toBeLessThan(0.05);
    expect(
      w.outcomes(w.request(0), { ...(answer(w.request(0)) as DecideResponse__Output), ads: [] }),
    ).toEqual([]);
  });
});

describe('catalogue and profile', () => {
  it('the generated catalogue parses, with paid campaigns budgeted far beyond a run', () => {
    const c = parseCatalogue(benchCatalogueYaml({ ...DEFAULT_BENCH_CATALOGUE, nowMs: NOW }));
    expect(c.creatives.size).toBeGreaterThanOrEqual(400);
    for (const camp of c.campaigns.values()) {
      expect(camp.flightStartMs).toBeLessThan(NOW);
      expect(camp.flightEndMs).toBeGreaterThan(NOW + 86_400_000);
      if (camp.tier === 'house') continue;
      // A run serves well under 10^6 impressions; each costs cpm / 1000.
      expect(camp.totalBudgetMicros).toBeGreaterThan((1e6 * camp.cpmMicros) / 1000);
      expect(camp.dailyBudgetMicros).toBe(0);
      expect(camp.pacing).toBe('asap');
    }
  });

  it('summariseProfile attributes self time by sample deltas, per function and area', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const s = summariseProfile({
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('encode', 'file:///x/node_modules/protobufjs/src/writer.js') },
        { id: 3, callFrame: frame('negotiate', 'file:///x/services/broker/negotiation.ts') },
        { id: 4, callFrame: frame('(idle)', '') },
      ],
      samples: [2, 3, 3, 4, 2],
      timeDeltas: [0, 1000, 3000, 2000, 4000],
      startTime: 0,
      endTime: 10_000,
    });
    // Sample i lasts until sample i+1: encode 1 ms, negotiate 3 + 2 ms, idle 4 ms.
    expect(s.functions[0]).toMatchObject({ ms: 5 });
    expect(s.functions[0]!.name).toContain('negotiate');
    expect(s.areas.find((a) => a.name === 'protobufjs')?.ms).toBe(1);
    expect(s.areas.find((a) => a.name === 'services/broker')?.ms).toBe(5);
    expect(s.busyShare).toBeCloseTo(0.6);
    expect(s.areas.find((a) => a.name === 'services/broker')?.share).toBeCloseTo(5 / 6);
    expect(s.functions.some((f) => f.name === '(idle)')).toBe(false);
  });

  it('summariseProfile keeps only the samples inside the window', () => {
    const frame = (functionName: string) => ({
      functionName,
      url: 'file:///x/services/broker/a.ts',
      lineNumber: 0,
    });
    const s = summariseProfile(
      {
        nodes: [
          { id: 1, callFrame: frame('startup') },
          { id: 2, callFrame: frame('decide') },
        ],
        samples: [1, 1, 2, 2, 2],
        timeDeltas: [0, 1000, 1000, 1000, 1000],
        startTime: 0,
        endTime: 5000,
      },
      10,
      { fromMs: 2, toMs: 10 },
    );
    expect(s.functions.map((f) => f.name.split(' ')[0])).toEqual(['decide']);
    expect(s.totalMs).toBe(2);
  });
});
