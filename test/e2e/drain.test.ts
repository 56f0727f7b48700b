/**
 * SIGTERM drains: a broker process told to stop while a decision is in
 * flight answers it (OK, within its deadline) before it exits, and exits 0.
 * The agents are in this process; the context agent never answers, so the
 * decision takes its context share of the deadline (degraded) and is still
 * in flight when the signal arrives.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, decide } from '../../bin/client';
import { AGENTS, portEnv, type ServiceProcess, spawnService } from '../../bin/spawn';
import { serveAgent } from '../../services/common/grpc/agent-stream';
import { v1 } from '../../services/common/grpc/proto';
import { type StartedServer, startServer } from '../../services/common/grpc/server';
import { createLogger } from '../../services/common/log';
import { agentEnv } from '../../services/common/registry';
import { validDecide } from './fixtures';

const log = createLogger('test', 'error');
const agents: StartedServer[] = [];
let broker: ServiceProcess;

beforeAll(async () => {
  const names = AGENTS;
  for (const name of names) {
    agents.push(
      await startServer({
        host: '127.0.0.1',
        port: 0,
        serviceNames: ['parley.v1.Agent'],
        services: [
          [
            v1.Agent.service,
            {
              Negotiate: serveAgent(
                name === 'context' ? { assess: () => new Promise(() => undefined) } : {},
                log,
              ),
            },
          ],
        ],
        log,
      }),
    );
  }
  broker = await spawnService('broker', {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PARLEY_HOST: '127.0.0.1',
      [portEnv('broker')]: '0',
      PARLEY_ADMIN_ADDR: 'off',
      ...Object.fromEntries(names.map((n, i) => [agentEnv(n, 'ADDR'), agents[i]!.address])),
    },
  });
}, 60_000);

afterAll(async () => {
  if (broker?.child.exitCode === null) broker.child.kill('SIGKILL');
  for (const a of agents) await a.shutdown(50);
});

describe('SIGTERM', () => {
  it('a broker answers the decision in flight, then exits 0', async () => {
    const client = connect(broker.address);
    const started = Date.now();
    const answer = decide(client, validDecide({ request_id: 'in-flight-at-sigterm', deadline_ms: 1500 }), {
      timeoutMs: 5000,
    });
    await new Promise((r) => setTimeout(r, 100));
    broker.child.kill('SIGTERM');
    const res = await answer;
    client.close();
    expect(res.request_id).toBe('in-flight-at-sigterm');
    expect(res.degraded).toContain('context');
    expect(Date.now() - started).toBeGreaterThan(100); // it was in flight when the signal came
    expect(await broker.exited).toEqual({ code: 0, signal: null });
    // Nothing listens any more.
    const after = connect(broker.address);
    await expect(decide(after, { request_id: 'late' }, { timeoutMs: 500 })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
    after.close();
  }, 30_000);
});
