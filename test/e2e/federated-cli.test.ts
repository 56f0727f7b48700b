/**
 * A federated round across processes, as federated/README.md's recipe runs
 * it: `parley federated` with secure aggregation and DP, and four
 * `parley federated-client` processes, one of which drops out after sharing
 * its keys. The round aggregates from the three survivors over real gRPC, the
 * new policy version is published, and every client says what happened and
 * what ε it spent.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports';
import { type Run, runParley } from '../support/run';

const runs: Run[] = [];
const dir = mkdtempSync(join(tmpdir(), 'parley-fed-cli-'));

function parley(args: string[], env: NodeJS.ProcessEnv): Run {
  const run = runParley(args, env);
  runs.push(run);
  return run;
}

afterAll(async () => {
  for (const r of runs) r.child.kill('SIGTERM');
  await Promise.all(runs.map((r) => r.exited));
  rmSync(dir, { recursive: true, force: true });
});

describe('parley federated + parley federated-client', () => {
  it('runs a securely aggregated DP round with N client processes and a dropout', async () => {
    const policy = join(dir, 'policy.json');
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PARLEY_HOST: '127.0.0.1',
      PARLEY_LOG_LEVEL: 'warn',
      PARLEY_METRICS_PORT: 'off',
      PARLEY_POLICY_PATH: policy,
      PARLEY_PLAINTEXT: '1', // mTLS is test/integration/tls.test.ts's subject
    };
    const port = await freePort();
    const aggregator = parley(
      [
        'federated',
        ...['--port', String(port), '--secure-clients', '4', '--min-clients', '3'],
        ...['--deadline-ms', '60000', '--secure-phase-ms', '3000'],
        ...['--dp-noise', '0.5', '--dp-expected', '4', '--seed', '1'],
      ],
      env,
    );
    for (let i = 0; i < 300 && !aggregator.stdout().includes(`:${port}`); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(aggregator.stdout(), aggregator.stderr()).toContain(`:${port}`);

    // Four listeners of the simulated world (seed 1, default scenario); the last drops out.
    const ids = ['l189', 'l148', 'l1449', 'l321'];
    const clients = ids.map((id, i) =>
      parley(
        [
          'federated-client',
          ...['--id', id, '--aggregator', `127.0.0.1:${port}`, '--rounds', '1', '--wait-ms', '500'],
          ...(i === 3 ? ['--drop-after', 'share'] : []),
        ],
        env,
      ),
    );
    const codes = await Promise.all(clients.map((c) => c.exited));
    const logs = clients.map((c) => c.stderr()).join('\n---\n');
    expect(codes, logs).toEqual([0, 0, 0, 0]);
    for (const c of clients.slice(0, 3)) {
      expect(c.stderr()).toMatch(/round 1: securely-uploaded \(secure aggregation\)/);
      // The round's ε and the client's own (finite: its upload carried its share of the noise).
      expect(c.stderr()).toMatch(
        /round 1: aggregated, \d+ accepted, round ε \d+\.\d+; this client's ε \d+\.\d+ at δ 0\.00001$/m,
      );
    }
    expect(clients[3]!.stderr()).toMatch(/round 1: dropped/);
    // The new version reached the inventory agents' policy file.
    expect(JSON.parse(readFileSync(policy, 'utf8'))).toMatchObject({ version: 'inventory-fed-2' });
  }, 120_000);
});
