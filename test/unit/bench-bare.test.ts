/**
 * The benchmark's bare mesh must do exactly the exchanges it claims (one
 * assess; per round one propose + one critique; one commit), or the
 * baseline would flatter itself. Also: the helpers the benchmark's numbers
 * depend on (rounds spreading, percentiles, the generated catalogue, the
 * profile summary).
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BareAgent, type ExchangeCounts, startBareAgent } from '../../bench/bare/agents';
import { roundsForDecision, startBareBroker } from '../../bench/bare/broker';
import { benchCatalogueYaml, DEFAULT_BENCH_CATALOGUE } from '../../bench/catalogue';
import { type ClosedResult, type OpenResult, runOpen } from '../../bench/load';
import {
  equalLoadRate,
  type MeshResult,
  parseArgs,
  queued,
  type RunResult,
  report,
  summarise,
} from '../../bench/mesh';
import { summariseProfile } from '../../bench/profile';
import { median, medianByKey, percentile, perDecision, total as sum } from '../../bench/stats';
import { createWorkload } from '../../bench/workload';
import type { DecideResponse__Output } from '../../proto/gen/parley/v1/DecideResponse';
import { parseCatalogue } from '../../services/common/catalogue/load';
import { DEFAULT_REGISTRY } from '../../services/common/config';
import { CALL_KINDS } from '../../services/common/grpc/agent-stream';
import { v1 } from '../../services/common/grpc/proto';
import type { RunningService } from '../../services/common/grpc/server';
import { createLogger } from '../../services/common/log';
import { loadRegistry } from '../../services/common/registry';

const log = createLogger('bench-bare-test', 'error');
/** The default registry's agents. */
const REGISTRY = loadRegistry(DEFAULT_REGISTRY, {}, '127.0.0.1');
const NOW = Date.UTC(2026, 10, 27, 12);

describe('bare mesh', () => {
  let agents: BareAgent[] = [];
  const brokers: RunningService[] = [];
  const clients: grpc.Client[] = [];

  beforeAll(async () => {
    agents = await Promise.all(
      REGISTRY.map((a) =>
        startBareAgent(a.name, { host: '127.0.0.1', port: 0, roles: a.roles, shortlist: 8, log }),
      ),
    );
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const b of brokers) await b.close();
    for (const a of agents) await a.close();
  });

  async function brokerWith(rounds: number) {
    const broker = await startBareBroker({
      host: '127.0.0.1',
      port: 0,
      agents: REGISTRY.map((a, i) => ({ ...a, address: agents[i]!.address })),
      rounds,
      shortlist: 8,
      log,
    });
    brokers.push(broker);
    const client = new v1.AdDecision(broker.address, grpc.credentials.createInsecure());
    clients.push(client);
    const workload = createWorkload({
      seed: 3,
      tag: `t${rounds}`,
      sessions: 10,
      deadlineMs: 500,
      nowMs: NOW,
    });
    let n = 0;
    return () =>
      new Promise<DecideResponse__Output>((resolve, reject) =>
        client.Decide(workload.request(n++), { deadline: Date.now() + 5000 }, (err, res) =>
          err || !res ? reject(err) : resolve(res),
        ),
      );
  }

  const none = (): ExchangeCounts => Object.fromEntries(CALL_KINDS.map((k) => [k, 0])) as ExchangeCounts;

  function total(): ExchangeCounts {
    const sum = none();
    for (const a of agents) for (const k of CALL_KINDS) sum[k] += a.counts()[k];
    return sum;
  }

  function delta(before: ExchangeCounts, after: ExchangeCounts): ExchangeCounts {
    const out = none();
    for (const k of CALL_KINDS) out[k] = after[k] - before[k];
    return out;
  }

  it('one Decide does 1 assess, rounds × (propose + critique) and 1 commit, each at its own agent', async () => {
    const decide = await brokerWith(2);
    const before = agents.map((a) => a.counts());
    const res = await decide();
    const after = agents.map((a) => a.counts());
    // Each agent of the registry, by its roles.
    REGISTRY.forEach((a, i) => {
      const has = (r: (typeof a.roles)[number]) => (a.roles.includes(r) ? 1 : 0);
      expect(delta(before[i]!, after[i]!), a.name).toEqual({
        ...none(),
        assess: has('context'),
        propose: 2 * has('proposer'),
        critique: 2 * has('critic'),
        commit: has('committer'),
      });
    });
    expect(res.why?.rounds).toBe(2);
    expect(res.ads).toHaveLength(1);
    expect(res.no_ad).toBe(false);
  });

  it('a fractional mean of rounds is matched exactly over several decisions', async () => {
    const decide = await brokerWith(1.5);
    const before = total();
    const rounds: number[] = [];
    for (let i = 0; i < 4; i++) rounds.push((await decide()).why?.rounds ?? 0);
    expect(rounds.reduce((a, b) => a + b, 0)).toBe(6);
    const critics = REGISTRY.filter((a) => a.roles.includes('critic')).length;
    expect(delta(before, total())).toEqual({
      ...none(),
      assess: 4,
      propose: 6,
      critique: 6 * critics,
      commit: 4,
    });
  });

  it('refuses fewer than one round', async () => {
    await expect(brokerWith(0.5)).rejects.toThrow(/rounds/);
  });

  it('an open loop given pids reads their CPU over the measured window; an unreadable pid is left out', async () => {
    await brokerWith(1);
    const res = await runOpen({
      mode: 'open',
      target: brokers.at(-1)!.address,
      channels: 1,
      seed: 5,
      tag: 'cpu',
      sessions: 10,
      deadlineMs: 500,
      rate: 100,
      seconds: 0.3,
      warmupSeconds: 0,
      maxInFlight: 50,
      // pid_max is at most 2^22: that pid cannot exist.
      cpuPids: { self: process.pid, gone: 2 ** 22 + 1 },
    });
    expect(res.ok).toBe(30);
    expect(res.errors + res.dropped).toBe(0);
    expect(Object.keys(res.cpuMs)).toEqual(['self']);
    // This process ran the broker and agents for 30 decisions: it used some CPU, and no more than wall time.
    expect(res.cpuMs.self).toBeGreaterThanOrEqual(0);
    expect(res.cpuMs.self).toBeLessThanOrEqual(res.seconds * 1000 * 4 + 20);
  });
});

describe('roundsForDecision', () => {
  it('spreads a mean over decisions: each floor or ceil, the running sum on target', () => {
    for (const mean of [1, 1.25, 1.5, 2.7, 3]) {
      let sum = 0;
      for (let n = 0; n < 40; n++) {
        const r = roundsForDecision(n, mean);
        expect(r === Math.floor(mean) || r === Math.ceil(mean)).toBe(true);
        sum += r;
        expect(Math.abs(sum - (n + 1) * mean)).toBeLessThan(1);
      }
    }
  });
});

describe('bench helpers', () => {
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

  it('the equal-load rate is half the lower saturation rate, at least 20/s', () => {
    expect(equalLoadRate(300, 900, 0.5)).toBe(150);
    expect(equalLoadRate(900, 300, 0.5)).toBe(150);
    expect(equalLoadRate(300, 900, 0.25)).toBe(75);
    expect(equalLoadRate(30, 900, 0.5)).toBe(20);
    expect(parseArgs([]).equalShare).toBe(0.5);
    expect(parseArgs(['--equal-share', '0.3']).equalShare).toBe(0.3);
    expect(() => parseArgs(['--equal-share', '2'])).toThrow(/equal-share/);
  });

  it('summarise and report compare CPU per decision and p99 at equal load, per run and as medians', () => {
    const closed = (rate: number): ClosedResult => ({
      mode: 'closed',
      levels: [
        { concurrency: 8, seconds: 1, rate, p50Ms: 5, p99Ms: 9, ok: rate, noAd: 0, degraded: 0, errors: 0 },
      ],
      saturation: { rate, concurrency: 8 },
      meanRounds: 1,
      requests: rate,
      firstError: '',
    });
    const open = (rate: number, p99Ms: number): OpenResult => ({
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
      noAd: 0,
      degraded: 0,
      errors: 0,
      dropped: 0,
      requests: rate,
      cpuMs: {},
      firstError: '',
    });
    const mesh = (sat: number, eqRate: number, eqP99: number, cpu: Record<string, number>): MeshResult => ({
      closed: closed(sat),
      open: open(sat / 2, eqP99 * 2),
      equal: { open: open(eqRate, eqP99), cpuMsPerDecision: cpu },
      rssKb: {},
      cpuMsPerRequest: { broker: 1 },
    });
    const run = (n: number, realCpu: Record<string, number>, bareCpu: Record<string, number>): RunResult => ({
      run: n,
      real: mesh(100, 50, 30, realCpu),
      bare: mesh(400, 50, 10 * n, bareCpu),
      rounds: 1,
      openRate: 200,
      equalRate: 50,
      loadBefore: 0,
    });
    const runs = [
      run(1, { broker: 4, context: 2, 'redis-server': 2 }, { broker: 2, context: 1 }), // total 8 vs 3
      run(2, { broker: 6, context: 2, 'redis-server': 2 }, { broker: 2, context: 3 }), // total 10 vs 5
      run(3, { broker: 5, context: 4, 'redis-server': 3 }, { broker: 3, context: 1 }), // total 12 vs 4
    ];
    const s = summarise(runs)!;
    expect(s.equalRate).toBe(50);
    expect(s.realEqCpuMs).toBe(10);
    expect(s.bareEqCpuMs).toBe(4);
    // The median of the runs' ratios (3/8, 5/10, 4/12), not the ratio of the medians.
    expect(s.eqCpuRatio).toBeCloseTo(3 / 8);
    expect(s.realEqCpuByProcess).toEqual({ broker: 5, context: 2, 'redis-server': 2 });
    expect(s.bareEqCpuByProcess).toEqual({ broker: 2, context: 1 });
    expect(s.realEqP99).toBe(30);
    expect(s.bareEqP99).toBe(20);
    expect(s.eqP99Ratio).toBeCloseTo(1.5);
    // The half-bare-saturation phase is reported as before.
    expect(s.realP99).toBe(60);

    // Queued: p50 above twice the lowest closed level's p50 (5 ms) + 10 ms, or any failure.
    const level = runs[0]!.real!.closed.levels[0];
    expect(queued({ ...open(50, 40), p50Ms: 20 }, level)).toBe(false);
    expect(queued({ ...open(50, 40), p50Ms: 21 }, level)).toBe(true);
    expect(queued({ ...open(50, 40), p50Ms: 1, errors: 1 }, level)).toBe(true);
    expect(queued({ ...open(50, 40), p50Ms: 1, dropped: 1 }, level)).toBe(true);

    const md = report(parseArgs(['--runs', '3']), 'npm run bench', runs, '', '## Analysis\n\nkept');
    expect(md).toContain(
      '| CPU per decision at equal load, 50/s, all processes (ms) | 10.00 | 4.00 | 0.38 |',
    );
    expect(md).toContain('| p99 at equal load, 50/s (ms) | 30.0 | 20.0 | 1.50 |');
    expect(md).toContain('| 2 | 50 | 15.0 / 30.0 | 10.0 / 20.0 | 1.50 | 10.00 | 5.00 | 0.50 | 0 | 0 |');
    expect(md).toContain('| median | real | 5.00 | 2.00 | – | – | – | 2.00 | 10.00 |');
    expect(md).toContain('| median | bare/real | 0.40 | 0.50 | – | – | – | – | 0.38 |');
    expect(md.trimEnd().endsWith('## Analysis\n\nkept')).toBe(true);
  });

  it('the generated catalogue parses, with paid campaigns budgeted far beyond a run', () => {
    const c = parseCatalogue(benchCatalogueYaml({ ...DEFAULT_BENCH_CATALOGUE, nowMs: NOW }));
    expect(c.creatives.size).toBeGreaterThanOrEqual(400);
    expect([...c.advertisers.values()].filter((a) => a.brandSafety).length).toBeGreaterThanOrEqual(12);
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

  it('the workload gives unique request ids and spreads sessions', () => {
    const w = createWorkload({ seed: 1, tag: 'x', sessions: 1000, deadlineMs: 100, nowMs: NOW });
    const reqs = Array.from({ length: 200 }, (_, i) => w.request(i));
    expect(new Set(reqs.map((r) => r.request_id)).size).toBe(200);
    expect(new Set(reqs.map((r) => r.signals?.session_id)).size).toBeGreaterThan(150);
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
