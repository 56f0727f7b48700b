/**
 * The important cases of `npm run chaos`, small: a fault-injecting proxy
 * between the broker and an agent makes the broker stand in for the agent
 * (answers degraded for it, none failed) and use it again once the link
 * heals; killing or freezing Redis under load fails no call, and once it is
 * back every impression reported is charged exactly once.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readLedger } from '../../bench/chaos';
import { connect, decide } from '../../bin/client';
import { addrEnv, portEnv } from '../../bin/spawn';
import { type FaultProxy, type Faults, startFaultProxy } from '../support/fault-proxy';
import type { TestMesh } from '../support/mesh';
import { freePort } from '../support/ports';
import { startRedis, type TestRedis } from '../support/redis';
import { lightLoad, startE2eMesh, validDecide } from './fixtures';

const AGENT = 'brand-safety';
let mesh: TestMesh | undefined;
let proxy: FaultProxy | undefined;
let redis: TestRedis | undefined;

afterEach(async () => {
  await mesh?.stop();
  await proxy?.close();
  await redis?.stop();
  mesh = proxy = redis = undefined;
});
afterAll(async () => {
  await mesh?.stop();
});

describe('a faulty link between the broker and an agent', () => {
  const faults: Array<[string, Partial<Faults>, boolean]> = [
    ['every chunk held longer than its share of the deadline', { delayMs: 300 }, false],
    ['nothing passes (stall)', { stall: true }, false],
    ['connections reset, new ones refused', { refuse: true }, true],
  ];

  it('makes the broker stand in for the agent, no call failing, and use it again once the link heals', async () => {
    const agentPort = await freePort();
    proxy = await startFaultProxy(`127.0.0.1:${agentPort}`);
    mesh = await startE2eMesh(undefined, {
      [portEnv(AGENT)]: String(agentPort),
      [addrEnv(AGENT)]: proxy.address,
    });
    const client = connect(mesh.broker);
    try {
      for (const [what, fault, reset] of faults) {
        proxy.set(fault);
        if (reset) proxy.reset();
        for (let i = 0; i < 5; i++) {
          // Its share of a 400 ms decision is 100 ms: the link makes it late, the broker goes on without it.
          const res = await decide(client, validDecide({ deadline_ms: 400 }), { timeoutMs: 5000 });
          expect(res.degraded, what).toContain(AGENT);
          expect(res.why?.agents[AGENT]?.degraded, what).toBe(true);
        }
        proxy.clear();
        // Its verdicts come back once the link heals (bounded: the test's timeout).
        for (;;) {
          const res = await decide(client, validDecide({ deadline_ms: 400 }), { timeoutMs: 5000 });
          if (!res.degraded.includes(AGENT)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      client.close();
    }
  }, 120_000);
});

describe('Redis failing under load', () => {
  const cases: Array<[string, (r: TestRedis) => Promise<void>, (r: TestRedis) => Promise<void>]> = [
    ['killed, then started again', (r) => r.kill(), (r) => r.restart()],
    ['frozen (answering nothing), then thawed', async (r) => r.freeze(), async (r) => r.thaw()],
  ];
  for (const [what, fail, heal] of cases) {
    it(`${what}: no call fails, and every impression reported is charged exactly once`, async () => {
      redis = await startRedis({ durable: true });
      mesh = await startE2eMesh(redis.url);
      const objective = mesh.addresses.objective!;
      const before = await readLedger(objective);
      // deadline_ms 1000: a call fails at the client after 5000 ms (lightLoad).
      const load = lightLoad(mesh.broker, 'redis-fault', 6);
      await new Promise((r) => setTimeout(r, 1500));
      await fail(redis);
      await new Promise((r) => setTimeout(r, 2500));
      await heal(redis);
      const res = await load;
      const after = await readLedger(objective);
      expect(res.errors, res.firstError).toBe(0);
      expect(res.degraded).toBeGreaterThan(0); // Redis was out: the agents using it stood in
      const oc = res.outcomes!;
      expect(oc.impressions).toBeGreaterThan(0);
      expect(oc.unacked).toBe(0);
      expect(oc.notCharged).toBe(0);
      expect(after.spentMicros - before.spentMicros).toBe(oc.impressionMicros);
      expect(after.overBudget).toEqual([]);
    }, 120_000);
  }
});
