/**
 * The load test's verdict logic (bench/loadtest.ts) over synthetic results:
 * pure functions, no mesh.
 */
import { describe, expect, it } from 'vitest';
import { type Slice, Slices, type StageResult } from '../../bench/load';
import {
  chart,
  type LoadtestResult,
  normalP99,
  parseArgs,
  recoveryTime,
  rssGrowth,
  saturationOf,
  verdicts,
} from '../../bench/loadtest';

function slice(at: number, p99Ms: number, over: Partial<Slice> = {}): Slice {
  return {
    at,
    seconds: 1,
    sent: 100,
    answers: 100,
    degraded: 0,
    shed: 0,
    errors: 0,
    failures: {},
    dropped: 0,
    late: 0,
    p50Ms: p99Ms / 2,
    p99Ms,
    maxMs: p99Ms,
    sendDelayP99Ms: 1,
    ...over,
  };
}

function stage(name: string, at: number, seconds: number, over: Partial<Slice> = {}): StageResult {
  return {
    ...slice(at, 20, { seconds, sent: 100 * seconds, answers: 100 * seconds, ...over }),
    name,
    rate: 100,
  };
}

/** A good run: 10 s steady, 2 s spike, 4 s recovery; flat RSS; budgets kept. */
function result(over: Partial<Omit<LoadtestResult, 'verdicts'>> = {}): Omit<LoadtestResult, 'verdicts'> {
  const perSecond = [
    ...Array.from({ length: 10 }, (_, i) => slice(i, 20)),
    slice(10, 90, { shed: 300 }),
    slice(11, 80, { shed: 200 }),
    ...Array.from({ length: 4 }, (_, i) => slice(12 + i, 20)),
  ];
  return {
    command: 'npm run loadtest',
    date: '2026-12-06T18:00:00.000Z',
    commit: 'abc1234',
    machine: 'test',
    loadBefore: 0.5,
    state: 'embedded',
    api: 'unary',
    deadlineMs: 100,
    saturation: null,
    steadyRate: 100,
    spikeRate: 500,
    stages: [
      stage('steady', 0, 10),
      stage('spike', 10, 2, { shed: 500, degraded: 500 }),
      stage('recovery', 12, 4),
    ],
    perSecond,
    rssKb: {
      broker: Array.from({ length: 11 }, (_, i) => [i, 100_000] as [number, number]),
      'redis-server': Array.from({ length: 11 }, (_, i) => [i, 100_000 + i * 50_000] as [number, number]),
    },
    outcomes: { batches: 10, reports: 1000, failedBatches: 0, firstError: '' },
    campaigns: [
      { campaignId: 'small', budgetMicros: 2_000_000, spendMicros: 1_990_000 },
      { campaignId: 'big', budgetMicros: 1e13, spendMicros: 5_000_000 },
      { campaignId: 'house', budgetMicros: 0, spendMicros: 0 },
    ],
    shedByReason: { in_flight: 500, event_loop_lag: 0, deadline_budget: 0 },
    firstError: '',
    ...over,
  };
}

const byCheck = (r: Omit<LoadtestResult, 'verdicts'>) =>
  Object.fromEntries(verdicts(r).map((v) => [v.check.replace(/ [\d.]+\/s/, ''), v]));

describe('load test verdicts', () => {
  it('a good run passes every check, each with its measured figure', () => {
    const v = verdicts(result());
    expect(v).toHaveLength(8);
    expect(v.every((x) => x.pass)).toBe(true);
    const c = byCheck(result());
    expect(c['no campaign spent above its budget']?.measured).toBe(
      '0 of 2 over; 1 spent 90% or more; the most spent 99.5% of its budget',
    );
    expect(c['spike and recovery: no failed call']?.measured).toBe(
      '0 of 600 failed or dropped; 500 answered shed',
    );
    // redis-server grows (the mesh's state) and is not judged; the broker is flat.
    expect(
      c["RSS stable: under 10.0% growth over the steady phase's second half, every process"]?.measured,
    ).toMatch(/^largest broker 0\.0%/);
    expect(c['latency back to normal within 10 s of the spike']?.measured).toMatch(/^after 0 s/);
  });

  it('fails on a failed or late steady call, naming the figures', () => {
    const r = result({
      stages: [
        stage('steady', 0, 10, { errors: 2, failures: { DEADLINE_EXCEEDED: 2 }, late: 3, maxMs: 140 }),
        ...result().stages.slice(1),
      ],
      firstError: '4 Deadline exceeded',
    });
    const c = byCheck(r);
    expect(c['steady: no failed call']).toMatchObject({
      pass: false,
      measured:
        "2 of 1000 failed or dropped (DEADLINE_EXCEEDED 2; the run's first error: 4 Deadline exceeded)",
    });
    expect(c['steady: every answer within its deadline']).toMatchObject({ pass: false });
    expect(c['steady: every answer within its deadline']?.measured).toMatch(
      /^3 after 100 ms; slowest 140\.0 ms/,
    );
  });

  it('fails on overspend, naming the campaign', () => {
    const r = result({
      campaigns: [{ campaignId: 'small', budgetMicros: 2_000_000, spendMicros: 2_000_001 }],
    });
    expect(byCheck(r)['no campaign spent above its budget']).toMatchObject({
      pass: false,
      measured: '1 of 1 over; 1 spent 90% or more; the most spent 100.0% of its budget (small)',
    });
    // No budgeted campaign read at all is not a pass.
    expect(byCheck(result({ campaigns: [] }))['no campaign spent above its budget']?.pass).toBe(false);
  });

  it('fails on RSS growing 10% or more over the steady phase (samples after it do not count)', () => {
    const grows = Array.from(
      { length: 17 },
      (_, i) => [i, i <= 10 ? 100_000 + i * 4_000 : 500_000] as [number, number],
    );
    const c = byCheck(result({ rssKb: { objective: grows } }));
    const v = c["RSS stable: under 10.0% growth over the steady phase's second half, every process"];
    expect(v?.pass).toBe(false);
    expect(v?.measured).toMatch(/^largest objective 15\.4% \(19\.5 MiB\)$/);
  });

  it('fails on a failed, dropped or late call in the spike or the recovery; shed answers are fine', () => {
    const [steady, spike, recovery] = result().stages;
    const c = byCheck(
      result({ stages: [steady!, spike!, { ...recovery!, dropped: 1, late: 2, maxMs: 180 }] }),
    );
    expect(c['spike and recovery: no failed call']?.pass).toBe(false);
    expect(c['spike and recovery: every answer within its deadline']).toMatchObject({
      pass: false,
      measured: '2 after 100 ms; slowest 180.0 ms; the generator sent 1.0 ms behind schedule (p99)',
    });
  });

  it("names the spike's failures by status, summed over the spike and the recovery, most first", () => {
    const [steady, spike, recovery] = result().stages;
    const c = byCheck(
      result({
        stages: [
          steady!,
          { ...spike!, errors: 7, failures: { DEADLINE_EXCEEDED: 5, INTERNAL: 2 } },
          { ...recovery!, errors: 2, failures: { INTERNAL: 2 } },
        ],
        firstError: '4 Deadline exceeded',
      }),
    );
    expect(c['spike and recovery: no failed call']?.measured).toBe(
      "9 of 600 failed or dropped; 500 answered shed (DEADLINE_EXCEEDED 5; INTERNAL 4; the run's first error: 4 Deadline exceeded)",
    );
  });

  it('fails when latency is not back to normal within 10 s of the spike', () => {
    const slow = result().perSecond.map((s) => (s.at >= 10 ? { ...s, p99Ms: 90 } : s));
    expect(
      byCheck(result({ perSecond: slow }))['latency back to normal within 10 s of the spike'],
    ).toMatchObject({
      pass: false,
      measured: 'never (normal: p99 of a second ≤ 20.0 ms, what 9 in 10 steady seconds stayed under)',
    });
  });
});

describe('the slices of an open loop', () => {
  it('count each failed call under its status, apart from answers and drops', () => {
    const slices = new Slices(100);
    slices.add(0, { ms: 200, kind: 'error', status: 'DEADLINE_EXCEEDED', sendDelayMs: 0 });
    slices.add(0, { ms: 50, kind: 'error', status: 'INTERNAL', sendDelayMs: 0 });
    slices.add(0, { ms: 200, kind: 'error', status: 'DEADLINE_EXCEEDED', sendDelayMs: 0 });
    slices.add(0, { ms: 120, kind: 'shed', sendDelayMs: 0 });
    slices.add(0, null);
    expect(slices.slice(0, 0, 1)).toMatchObject({
      sent: 5,
      errors: 3,
      failures: { DEADLINE_EXCEEDED: 2, INTERNAL: 1 },
      dropped: 1,
      answers: 1,
      shed: 1,
      late: 1,
    });
    // Another slice starts from nothing: no count is shared between slices.
    slices.add(1, { ms: 10, kind: 'ok', sendDelayMs: 0 });
    expect(slices.slice(1, 1, 1).failures).toEqual({});
  });
});

describe('load test figures', () => {
  it('normal latency is the 90th percentile of the steady seconds’ p99s', () => {
    const seconds = Array.from({ length: 10 }, (_, i) => slice(i, 10 + i));
    expect(normalP99([slice(-1, 900), ...seconds, slice(10, 500)], { at: 0, seconds: 10 })).toBe(18);
  });

  it('recovery: the first of two normal seconds in a row after the spike, an error is not normal', () => {
    const s = [slice(10, 90), slice(11, 15), slice(12, 90), slice(13, 15), slice(14, 15), slice(15, 15)];
    expect(recoveryTime(s, 10, 20)).toBe(3);
    const err = s.map((x) => (x.at === 13 ? { ...x, errors: 1 } : x));
    expect(recoveryTime(err, 10, 20)).toBe(4);
    expect(recoveryTime([slice(10, 90)], 10, 20)).toBeNull();
    // The last second alone counts when nothing follows it.
    expect(recoveryTime([slice(10, 90), slice(11, 15)], 10, 20)).toBe(1);
  });

  it("RSS growth is the rise of the second half's peak over the first half's, as a share of the RSS then", () => {
    const samples = Array.from(
      { length: 21 },
      (_, i) => [i, i < 10 ? 9000 : 1000 + 10 * (i - 10)] as [number, number],
    );
    // Only the samples from 10 s to 20 s count: before them, the fill stage.
    const g = rssGrowth({ p: samples }, 10, 20);
    expect(g.p?.growthMiB).toBeCloseTo(50 / 1024);
    expect(g.p?.share).toBeCloseTo(50 / 1080);
  });

  it('the chart has both charts with axes, units and the spike marked', async () => {
    const svg = await chart(result());
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    for (const label of [
      'latency (ms)',
      'answers per second (1/s)',
      'time into the run (s)',
      'spike ×5.0',
      'p99',
      'of them shed',
    ])
      expect(svg).toContain(label);
  });

  it('saturation: the best level that kept p99 within the deadline without failures, else the best', () => {
    const level = (concurrency: number, rate: number, p99Ms: number, errors = 0) => ({
      concurrency,
      seconds: 1,
      rate,
      p50Ms: p99Ms / 2,
      p99Ms,
      ok: rate,
      late: 0,
      noAd: 0,
      degraded: 0,
      errors,
    });
    const levels = [level(1, 100, 20), level(4, 300, 60), level(16, 500, 150), level(32, 450, 90, 3)];
    expect(saturationOf(levels, 100)).toEqual({ rate: 300, concurrency: 4, inTime: true });
    expect(saturationOf([level(16, 500, 150), level(32, 450, 300)], 100)).toEqual({
      rate: 500,
      concurrency: 16,
      inTime: false,
    });
  });

  it('options: defaults, and bad flags named', () => {
    expect(parseArgs([])).toMatchObject({
      fillSeconds: 60,
      rate: null,
      redis: false,
      steadySeconds: 60,
      spikeSeconds: 10,
      spikeFactor: 5,
      share: 0.7,
      api: 'unary',
    });
    expect(parseArgs(['--rate', '120', '--redis'])).toMatchObject({ rate: 120, redis: true });
    expect(parseArgs(['--api', 'stream'])).toMatchObject({ api: 'stream' });
    expect(() => parseArgs(['--api', 'rest'])).toThrow(/--api/);
    expect(() => parseArgs(['--share', '1.5'])).toThrow(/--share/);
    expect(() => parseArgs(['--rate'])).toThrow(/--rate/);
    expect(() => parseArgs(['--frobnicate'])).toThrow(/--frobnicate/);
  });
});
