/**
 * Scale-out, as separate processes on loopback: two brokers, two replicas of
 * every agent, the admin service and Redis. Each broker lists both replicas
 * of an agent (PARLEY_<NAME>_ADDR=a,b) and balances calls over them
 * (services/common/grpc/agent-pool.ts). One replica of every kind is killed
 * (SIGKILL) under load on both brokers: no decision fails, every outcome
 * report is acknowledged, every impression is charged exactly once and no
 * campaign is over budget.
 */
import { afterAll, expect, it } from 'vitest';
import { readLedger } from '../../bench/chaos';
import { AGENTS, addrEnv, portEnv, type ServiceProcess, stopProcess } from '../../bin/spawn';
import { spawnTogether } from '../support/mesh';
import { freePort } from '../support/ports';
import { startRedis, type TestRedis } from '../support/redis';
import { E2E_CATALOGUE, E2E_PREFIX, lightLoad, uniqueId } from './fixtures';

const procs: ServiceProcess[] = [];
let redis: TestRedis | undefined;

afterAll(async () => {
  await Promise.all(procs.map((p) => stopProcess(p, 'SIGTERM', 3000)));
  await redis?.stop();
});

it('two brokers over two replicas of every agent: one replica of each killed under load fails no decision and loses no money', async () => {
  redis = await startRedis();
  const base: Record<string, string> = {
    PARLEY_HOST: '127.0.0.1',
    PARLEY_LOG_LEVEL: 'warn',
    REDIS_URL: redis.url,
    PARLEY_CATALOGUE: E2E_CATALOGUE,
    PARLEY_REDIS_PREFIX: E2E_PREFIX,
  };
  const replicas: Record<string, [number, number]> = {};
  for (const a of AGENTS) replicas[a] = [await freePort(), await freePort()];
  const adminPort = await freePort();
  const everyReplica = Object.fromEntries(
    AGENTS.map((a) => [addrEnv(a), replicas[a]!.map((p) => `127.0.0.1:${p}`).join(',')]),
  );
  const agentEnv = (a: string, i: 0 | 1) => ({
    ...base,
    ...everyReplica, // the inventory agent reads the outcome log from an objective replica
    [portEnv(a)]: String(replicas[a]![i]),
    // Each inventory replica learns from every outcome: a consumer group of its own.
    PARLEY_ONLINE_GROUP: `inventory-${i}-${uniqueId('g')}`,
  });
  const agentProcs = await spawnTogether([
    ...AGENTS.map((a) => [a, agentEnv(a, 0)] as const),
    ...AGENTS.map((a) => [a, agentEnv(a, 1)] as const),
    ['admin', { ...base, [portEnv('admin')]: String(adminPort) }] as const,
  ]);
  procs.push(...agentProcs);
  const brokerEnv = async () => ({ ...base, ...everyReplica, [portEnv('broker')]: String(await freePort()) });
  const brokers = await spawnTogether([
    ['broker', await brokerEnv()],
    ['broker', await brokerEnv()],
  ]);
  procs.push(...brokers);

  const objectives = replicas.objective!.map((p) => `127.0.0.1:${p}`);
  const before = await readLedger(objectives[1]!);
  const loads = brokers.map((b, i) => lightLoad(b.address, `replicas-${i}`, 8));
  await new Promise((r) => setTimeout(r, 3000));
  // The first replica of every agent crashes.
  const killed = agentProcs.slice(0, AGENTS.length);
  await Promise.all(killed.map((p) => stopProcess(p, 'SIGKILL', 3000)));
  const results = await Promise.all(loads);
  const after = await readLedger(objectives[1]!);

  const logs = () => procs.map((p) => `${p.name}: ${p.stderrTail()}`).join('\n');
  for (const res of results) {
    expect(res.requests, logs()).toBeGreaterThan(200);
    expect(res.errors, res.firstError).toBe(0);
    // The agents answered (a broker that reached none would answer house ads, degraded, all along;
    // on a loaded machine some answers are degraded by time alone).
    expect(res.degraded, logs()).toBeLessThan(res.requests);
    const oc = res.outcomes!;
    expect(oc.unacked).toBe(0);
    expect(oc.notCharged).toBe(0);
  }
  const impressionMicros = results.reduce((s, r) => s + r.outcomes!.impressionMicros, 0);
  expect(impressionMicros).toBeGreaterThan(0);
  expect(after.spentMicros - before.spentMicros).toBe(impressionMicros);
  expect(after.overBudget).toEqual([]);
}, 120_000);
