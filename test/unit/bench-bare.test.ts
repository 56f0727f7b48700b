/**
 * The benchmark's bare mesh must do exactly the exchanges it claims (one
 * assess; per round one propose + one evaluate; one commit), or the
 * baseline would flatter itself. Also: the helpers the benchmark's numbers
 * depend on (rounds spreading, percentiles, the generated catalogue, the
 * profile summary).
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BareAgent, type ExchangeCounts, startBareAgent } from '../../bench/bare/agents';
import { roundsForDecision, startBareBroker } from '../../bench/bare/broker';
import { benchCatalogueYaml, DEFAULT_BENCH_CATALOGUE } from '../../bench/catalogue';
import { summariseProfile } from '../../bench/profile';
import { median, percentile } from '../../bench/stats';
import { createWorkload } from '../../bench/workload';
import type { DecideResponse__Output } from '../../proto/gen/parley/v1/DecideResponse';
import { parseCatalogue } from '../../services/common/catalogue/load';
import { v1 } from '../../services/common/grpc/proto';
import type { RunningService } from '../../services/common/grpc/server';
import { createLogger } from '../../services/common/log';

const log = createLogger('bench-bare-test', 'error');
const NOW = Date.UTC(2026, 10, 27, 12);

describe('bare mesh', () => {
  let agents: BareAgent[] = [];
  const brokers: RunningService[] = [];
  const clients: grpc.Client[] = [];

  beforeAll(async () => {
    agents = await Promise.all(
      (['context', 'inventory', 'objective'] as const).map((n) =>
        startBareAgent(n, { host: '127.0.0.1', port: 0, log }),
      ),
    );
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const b of brokers) await b.close();
    for (const a of agents) await a.close();
  });

  async function brokerWith(rounds: number) {
    const [context, inventory, objective] = agents.map((a) => a.address) as [string, string, string];
    const broker = await startBareBroker({
      host: '127.0.0.1',
      port: 0,
      addresses: { context, inventory, objective },
      rounds,
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

  function total(): ExchangeCounts {
    const sum: ExchangeCounts = { assess: 0, propose: 0, evaluate: 0, commit: 0 };
    for (const a of agents) {
      const c = a.counts();
      sum.assess += c.assess;
      sum.propose += c.propose;
      sum.evaluate += c.evaluate;
      sum.commit += c.commit;
    }
    return sum;
  }

  function delta(before: ExchangeCounts, after: ExchangeCounts): ExchangeCounts {
    return {
      assess: after.assess - before.assess,
      propose: after.propose - before.propose,
      evaluate: after.evaluate - before.evaluate,
      commit: after.commit - before.commit,
    };
  }

  it('one Decide does 1 assess, rounds × (propose + evaluate) and 1 commit, each at its own agent', async () => {
    const decide = await brokerWith(2);
    const before = agents.map((a) => a.counts());
    const res = await decide();
    const after = agents.map((a) => a.counts());
    expect(delta(before[0]!, after[0]!)).toEqual({ assess: 1, propose: 0, evaluate: 0, commit: 0 });
    expect(delta(before[1]!, after[1]!)).toEqual({ assess: 0, propose: 2, evaluate: 0, commit: 0 });
    expect(delta(before[2]!, after[2]!)).toEqual({ assess: 0, propose: 0, evaluate: 2, commit: 1 });
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
    expect(delta(before, total())).toEqual({ assess: 4, propose: 6, evaluate: 6, commit: 4 });
  });

  it('refuses fewer than one round', async () => {
    await expect(brokerWith(0.5)).rejects.toThrow(/rounds/);
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
