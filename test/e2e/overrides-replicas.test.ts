/**
 * Two broker replicas sharing Redis: an override created in the admin
 * service reaches both within a second (pub/sub on the shared store), every
 * decision after that respects it, and removing it lifts it on both. The
 * decision records (a ring in Redis) say which override applied, and
 * `parley explain` reads them back through the admin service.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdDecisionClient,
  connect,
  type DecideRequest,
  type DecideResponse__Output,
  decide,
} from '../../bin/client';
import {
  ADMIN_ADDR_ENV,
  ADMIN_HTTP_PORT_ENV,
  ADMIN_TOKENS_ENV,
  AGENTS,
  addrEnv,
  PARLEY_BIN,
  portEnv,
  type ServiceProcess,
  spawnService,
  stopProcess,
} from '../../bin/spawn';
import type { Override__Output } from '../../proto/gen/parley/v1/Override';
import { v1 } from '../../services/common/grpc/proto';
import { freePort } from '../support/ports';
import { startRedis, type TestRedis } from '../support/redis';
import { validDecide } from './fixtures';

const EDITOR = 'replicas-editor-token-0123456789';
const run = promisify(execFile);

let redis: TestRedis;
const procs: ServiceProcess[] = [];
let brokers: AdDecisionClient[] = [];
let adminAddress = '';
const logs = () => procs.map((p) => `--- ${p.name} ${p.address} ---\n${p.stderrTail()}`).join('\n');

beforeAll(async () => {
  redis = await startRedis();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PARLEY_HOST: '127.0.0.1',
    PARLEY_LOG_LEVEL: 'warn',
    PARLEY_METRICS_PORT: 'off',
    REDIS_URL: redis.url,
    PARLEY_REDIS_PREFIX: 'e2e-replicas:',
    [ADMIN_TOKENS_ENV]: `ops:editor:${EDITOR}`,
    [ADMIN_HTTP_PORT_ENV]: String(await freePort()),
  };
  for (const name of [...AGENTS, 'admin' as const]) env[portEnv(name)] = String(await freePort());
  for (const a of AGENTS) env[addrEnv(a)] = `127.0.0.1:${env[portEnv(a)]}`;
  adminAddress = `127.0.0.1:${env[portEnv('admin')]}`;
  // Redis mode: the brokers read overrides from Redis, not from the admin service.
  env[ADMIN_ADDR_ENV] = 'off';
  procs.push(
    ...(await Promise.all([...AGENTS, 'admin' as const].map((name) => spawnService(name, { env })))),
  );
  for (let i = 0; i < 2; i++) {
    const port = String(await freePort());
    procs.push(await spawnService('broker', { env: { ...env, [portEnv('broker')]: port } }));
  }
  brokers = procs.filter((p) => p.name === 'broker').map((p) => connect(p.address));
}, 60_000);

afterAll(async () => {
  for (const b of brokers) b.close();
  await Promise.all(procs.map((p) => stopProcess(p, 'SIGTERM', 3000)));
  await redis?.stop();
});

function admin(): InstanceType<typeof v1.Admin> {
  return new v1.Admin(adminAddress, grpc.credentials.createInsecure());
}

type Unary = (
  req: unknown,
  md: grpc.Metadata,
  cb: (err: grpc.ServiceError | null, res?: unknown) => void,
) => unknown;

/** A unary call with the editor's token. */
function call<Res>(fn: unknown, req: unknown): Promise<Res> {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${EDITOR}`);
  return new Promise((resolve, reject) =>
    (fn as Unary)(req, md, (err, res) => (err || !res ? reject(err) : resolve(res as Res))),
  );
}

const again = (t: DecideRequest): DecideRequest => ({
  ...t,
  request_id: `${t.request_id}-${Math.random().toString(36).slice(2, 8)}`,
  deadline_ms: 500,
});
const blockedBy = (d: DecideResponse__Output, id: string) =>
  d.why?.runners_up.some((r) => r.reason === 'REASON_OVERRIDE_BLOCKED' && r.detail.includes(id)) ?? false;

describe('overrides across two broker replicas sharing Redis', () => {
  it('a block reaches both replicas within a second and is lifted on both when removed', async () => {
    const template = validDecide();
    let first = await decide(brokers[0]!, again(template), { timeoutMs: 5000 });
    for (let i = 0; i < 50 && (first.degraded.length > 0 || first.ads.length === 0); i++)
      first = await decide(brokers[0]!, again(template), { timeoutMs: 5000 });
    expect(first.ads.length, logs()).toBeGreaterThan(0);
    const creative = first.ads[0]!.creative_id;

    const client = admin();
    try {
      const created = await call<Override__Output>(client.CreateOverride.bind(client), {
        override: { kind: 'block', target_type: 'creative', target_id: creative, reason: 'replica test' },
      });
      const t0 = Date.now();
      expect(created.author).toBe('ops');

      // Each replica: decisions for the same slot until one shows the block.
      const lag = await Promise.all(
        brokers.map(async (b) => {
          for (;;) {
            const d = await decide(b, again(template), { timeoutMs: 5000 });
            expect(
              d.ads.map((a) => a.creative_id).filter((c) => c === creative && blockedBy(d, created.id)),
            ).toEqual([]);
            if (blockedBy(d, created.id)) return Date.now() - t0;
            if (Date.now() - t0 > 3000) throw new Error(`the block did not reach a broker in 3 s\n${logs()}`);
          }
        }),
      );
      for (const ms of lag) expect(ms).toBeLessThan(1000);
      // From then on, no replica serves it.
      for (let i = 0; i < 10; i++) {
        const d = await decide(brokers[i % 2]!, again(template), { timeoutMs: 5000 });
        expect(d.ads.map((a) => a.creative_id)).not.toContain(creative);
      }

      // The decision log (a ring in Redis) names the override; `parley explain` reads it back.
      const d = await decide(brokers[1]!, again(template), { timeoutMs: 5000 });
      expect(blockedBy(d, created.id)).toBe(true);
      let out = '';
      for (let i = 0; i < 20 && !out; i++) {
        try {
          out = (
            await run(process.execPath, [
              '--import',
              'tsx',
              PARLEY_BIN,
              'explain',
              d.request_id,
              '--admin',
              adminAddress,
              '--json',
            ])
          ).stdout;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const explained = JSON.parse(out) as { explanation: { overrides: Array<{ overrideId: string }> } };
      expect(explained.explanation.overrides.map((o) => o.overrideId)).toContain(created.id);

      // Remove it: both replicas can serve the creative's advertiser's candidate again (no block reason).
      await call(client.DeleteOverride.bind(client), { id: created.id, reason: 'done' });
      const t1 = Date.now();
      await Promise.all(
        brokers.map(async (b) => {
          for (;;) {
            const x = await decide(b, again(template), { timeoutMs: 5000 });
            if (!blockedBy(x, created.id)) return;
            if (Date.now() - t1 > 1000) throw new Error('the removal did not reach a broker within a second');
          }
        }),
      );
      const audit = await call<{ entries: Array<{ action: string; override_id: string; actor: string }> }>(
        client.ListAudit.bind(client),
        { limit: 10 },
      );
      expect(audit.entries.map((e) => [e.action, e.override_id, e.actor])).toEqual([
        ['delete', created.id, 'ops'],
        ['create', created.id, 'ops'],
      ]);
    } finally {
      client.close();
    }
  });

  it('a change without an editor token is refused (UNAUTHENTICATED) and logs nothing', async () => {
    const client = admin();
    try {
      const err = await new Promise<grpc.ServiceError>((resolve) =>
        client.CreateOverride(
          { override: { kind: 'pause', target_id: 'x', reason: 'no token' } },
          (e: grpc.ServiceError | null) => resolve(e!),
        ),
      );
      expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
      const bad = await call(client.CreateOverride.bind(client), {
        override: { kind: 'block', target_type: 'advertiser', reason: 'missing target' },
      }).catch((e: grpc.ServiceError) => e);
      expect((bad as grpc.ServiceError).code).toBe(grpc.status.INVALID_ARGUMENT);
      expect((bad as grpc.ServiceError).details).toMatch(/^override\.target_id: required/);
    } finally {
      client.close();
    }
  });
});
