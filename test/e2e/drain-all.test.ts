/**
 * SIGTERM drains every kind of service under load (issue 11): each agent of
 * the registry and the admin service, told to stop while decisions flow,
 * finishes what it was doing (no call cut after the grace period), exits 0,
 * and no decision fails at the client; the federated aggregator exits 0
 * too. (test/e2e/drain.test.ts: the broker answers the decision in flight.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENTS, parleyArgv, spawnReady } from '../../bin/spawn';
import type { TestMesh } from '../support/mesh';
import { freePort } from '../support/ports';
import { lightLoad, startE2eMesh } from './fixtures';

let mesh: TestMesh;

beforeAll(async () => {
  mesh = await startE2eMesh(undefined, {}, { admin: true });
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
});

describe('SIGTERM under load', () => {
  for (const name of [...AGENTS, 'admin']) {
    it(`${name} finishes its calls, exits 0, and no decision fails`, async () => {
      const load = lightLoad(mesh.broker, `drain-${name}`, 3);
      await new Promise((r) => setTimeout(r, 1000));
      const exit = await mesh.kill(name, 'SIGTERM');
      const logs = mesh.logs(name);
      await mesh.restart(name);
      const res = await load;
      expect(exit, logs).toEqual({ code: 0, signal: null });
      expect(logs).not.toMatch(/calls still running after the grace period were cut/);
      expect(res.errors, res.firstError).toBe(0);
      expect(res.outcomes?.unacked).toBe(0);
    }, 60_000);
  }

  it('the federated aggregator exits 0', async () => {
    const agg = await spawnReady('federated', parleyArgv(['federated', '--port', String(await freePort())]), {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PARLEY_HOST: '127.0.0.1',
        PARLEY_METRICS_PORT: 'off',
      },
    });
    agg.child.kill('SIGTERM');
    expect(await agg.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
