/**
 * The benchmark's bare mesh must do exactly the exchanges it claims (one
 * assess; per round one propose + one critique; one commit), or the
 * baseline would flatter itself. (The rest of the harness:
 * bench-harness.test.ts.)
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BareAgent, type ExchangeCounts, startBareAgent } from '../../bench/bare/agents';
import { roundsForDecision, startBareBroker } from '../../bench/bare/broker';
import { runOpen } from '../../bench/load';
import { createWorkload } from '../../bench/workload';
import type { DecideResponse__Output } from '../../proto/gen/parley/v1/DecideResponse';
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
