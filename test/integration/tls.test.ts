/**
 * The mesh over mutual TLS (in this process, on free ports): the broker, the
 * agents and a federated aggregator bind with the certificates of
 * scripts/dev-certs.sh, and each caller is known by its client certificate.
 * An ad server's certificate can Decide but not call an agent; no
 * certificate, or one from another CA, is refused at the handshake; a
 * federated client can neither Decide nor act under another client's id,
 * and uploads once per round; a caller over its rate limit gets
 * RESOURCE_EXHAUSTED with a retry hint; brand-lift survey results come from
 * operators and services, not ad servers. No key or certificate body shows up
 * in a log line or a span. (Plaintext mode's warning: last test.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBrandLift } from '../../bin/brand-lift';
import { connect, decide } from '../../bin/client';
import { spawnService, stopProcess } from '../../bin/spawn';
import { type FederatedAggregatorService, startFederatedAggregator } from '../../federated/aggregator/server';
import { DEFAULT_PLAN } from '../../federated/client/learner';
import { baselineVector } from '../../federated/client/model';
import { FederatedClient } from '../../federated/client/transport';
import type { RunningAdmin } from '../../services/admin/server';
import { loadConfig } from '../../services/common/config';
import { RETRY_AFTER_MS } from '../../services/common/grpc/access';
import { v1 } from '../../services/common/grpc/proto';
import { createLogger } from '../../services/common/log';
import { validDecide } from '../e2e/fixtures';
import { startTestAdmin } from '../support/admin';
import { type LocalMesh, startLocalMesh } from '../support/local-mesh';
import { surveyResult } from '../support/objective';
import { freePort } from '../support/ports';
import { spans, useMemorySpans } from '../support/spans';
import { credentialsOf, devCerts, secretLines } from '../support/tls';

useMemorySpans();

/** Every log line of the services in this process, and whatever reaches stderr. */
const lines: string[] = [];
const log = createLogger('tls-test', 'debug', {}, (line) => lines.push(line));

let dir: string;
let rogue: string;
let mesh: LocalMesh;
let aggregator: FederatedAggregatorService;
let limited: FederatedAggregatorService;
let admin: RunningAdmin;
/** The admin service's viewer token: it must not reach a log line or a span either. */
const VIEWER = `viewer-token-${process.pid}-0123456789`;
const closers: Array<{ close(): void }> = [];
let restoreStderr: () => void = () => undefined;

async function failure(
  p: Promise<unknown>,
): Promise<{ code: grpc.status; details: string; metadata?: grpc.Metadata }> {
  try {
    await p;
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, details: e.details, metadata: e.metadata };
  }
  throw new Error('expected the call to fail');
}

function fl(identity: string, address = aggregator.address): FederatedClient {
  const c = new FederatedClient(address, 10_000, credentialsOf(dir, identity));
  closers.push(c);
  return c;
}

function broker(identity: string, creds = credentialsOf(dir, identity)) {
  const c = connect(mesh.broker.address, {}, creds);
  closers.push(c);
  return c;
}

const federatedOptions = {
  log,
  port: 0,
  publishPath: '',
  initialWeights: baselineVector(),
  strategy: { name: 'fedavg' as const },
  minClients: 2,
  maxClients: 3,
  roundDeadlineMs: 60_000,
  maxUpdateNorm: 5,
  plan: DEFAULT_PLAN,
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
  rogue = mkdtempSync(join(tmpdir(), 'parley-tls-rogue-'));
  devCerts(dir, [
    'broker:service',
    'ad-server:ad-server',
    'operator:operator',
    'fl-1:federated-client',
    'fl-2:federated-client',
  ]);
  // Another CA's ad server: same name and role, not signed by the mesh's CA.
  devCerts(rogue, ['ad-server:ad-server']);
  // This file runs mTLS: every server in this process shows broker.crt (a service).
  delete process.env.PARLEY_PLAINTEXT;
  process.env.PARLEY_TLS_DIR = dir;
  process.env.PARLEY_TLS_IDENTITY = 'broker';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    lines.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
  restoreStderr = () => {
    process.stderr.write = write;
  };

  mesh = await startLocalMesh(log);
  const config = loadConfig({ PARLEY_HOST: '127.0.0.1', PARLEY_LOG_LEVEL: 'debug' });
  aggregator = await startFederatedAggregator({ ...federatedOptions, config });
  // Two calls, then one every 100 s: the third is refused whatever the machine's speed.
  limited = await startFederatedAggregator({
    ...federatedOptions,
    config: loadConfig({ PARLEY_HOST: '127.0.0.1', PARLEY_RATE_LIMIT: '0.01:2' }),
  });
  admin = await startTestAdmin(log, `ops:viewer:${VIEWER}`, undefined, { PARLEY_RATE_LIMIT: '0.01:2' });
}, 60_000);

afterAll(async () => {
  restoreStderr();
  for (const c of closers) c.close();
  await mesh?.close();
  await aggregator?.close();
  await limited?.close();
  await admin?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(rogue, { recursive: true, force: true });
});

describe('the mesh over mutual TLS', () => {
  it('an ad server with a valid certificate decides (the broker negotiating with its agents over mTLS)', async () => {
    // A generous deadline: on a busy machine a cold agent may still miss one, so a few tries.
    const client = broker('ad-server');
    let res = await decide(client, validDecide({ deadline_ms: 2000 }), { timeoutMs: 5000 });
    for (let i = 0; i < 10 && res.degraded.length > 0; i++)
      res = await decide(client, validDecide({ deadline_ms: 2000 }), { timeoutMs: 5000 });
    expect(res.degraded, lines.join('\n')).toEqual([]);
    expect(res.ads.length).toBeGreaterThan(0);
  });

  it('refuses at the handshake a client without a certificate or with one from another CA', async () => {
    const ca = readFileSync(join(dir, 'ca.crt'));
    const anonymous = broker('', grpc.credentials.createSsl(ca));
    const stranger = broker(
      '',
      grpc.credentials.createSsl(
        ca,
        readFileSync(join(rogue, 'ad-server.key')),
        readFileSync(join(rogue, 'ad-server.crt')),
      ),
    );
    for (const client of [anonymous, stranger]) {
      const e = await failure(decide(client, validDecide(), { timeoutMs: 3000 }));
      expect(e.code, e.details).toBe(grpc.status.UNAVAILABLE);
    }
    // And a client that trusts only another CA does not accept the mesh's broker.
    const misled = broker('', credentialsOf(rogue, 'ad-server'));
    expect((await failure(decide(misled, validDecide(), { timeoutMs: 3000 }))).code).toBe(
      grpc.status.UNAVAILABLE,
    );
  });

  it("an ad server's certificate cannot call an agent; a federated client's cannot Decide", async () => {
    const context = new v1.ContextAgent(mesh.context.address, credentialsOf(dir, 'ad-server'));
    closers.push(context);
    const denied = await failure(
      new Promise((resolve, reject) =>
        context.Assess({}, { deadline: Date.now() + 3000 }, (err, r) => (err ? reject(err) : resolve(r))),
      ),
    );
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(denied.details).toContain('caller "ad-server" has role ad-server; needs service');

    const notAnAdServer = await failure(decide(broker('fl-1'), validDecide(), { timeoutMs: 3000 }));
    expect(notAnAdServer.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(notAnAdServer.details).toContain(
      '/parley.v1.AdDecision/Decide: caller "fl-1" has role federated-client',
    );
    expect(notAnAdServer.details).toContain('needs ad-server');
  });

  it('a federated client acts only under its own client_id, and uploads once per round', async () => {
    const one = fl('fl-1');
    const asOther = await failure(one.join('fl-2'));
    expect(asOther.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(asOther.details).toBe('client_id: "fl-2" is not the caller; the certificate says "fl-1"');

    const joined = await one.join('fl-1');
    if (!joined.selected) throw new Error(`fl-1 not selected: ${joined.outcome}`);
    const update = {
      roundId: joined.roundId,
      modelVersion: joined.modelVersion,
      numExamples: 10,
      values: new Float32Array(joined.weights.length),
      chunkValues: 64,
    };
    // Another client's upload under fl-2's id: refused before anything counts.
    const forged = await failure(one.upload({ ...update, clientId: 'fl-2' }));
    expect(forged.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(forged.details).toContain('client_id: "fl-2" is not the caller');

    const first = await one.upload({ ...update, clientId: 'fl-1' });
    expect(first).toMatchObject({ accepted: true, updates_in_round: 1 });
    const again = await failure(one.upload({ ...update, clientId: 'fl-1' }));
    expect(again.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(again.details).toContain('already sent its update');
    // fl-2 itself still may; the round counts two updates, not three.
    const two = fl('fl-2');
    const joined2 = await two.join('fl-2');
    if (!joined2.selected) throw new Error(`fl-2 not selected: ${joined2.outcome}`);
    expect((await two.upload({ ...update, clientId: 'fl-2' })).updates_in_round).toBe(2);

    // RoundStatus: any authenticated caller (an operator here).
    const status = await fl('operator').status(joined.roundId);
    expect(status.round_id).toBe(joined.roundId);
  });

  it('a caller over its rate limit gets RESOURCE_EXHAUSTED with a retry hint; other callers do not', async () => {
    const op = fl('operator', limited.address);
    await op.status();
    await op.status();
    const e = await failure(op.status());
    expect(e.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(e.details).toMatch(
      /^rate limit: caller "operator" made more than 0\.01 calls\/s \(burst 2\) to parley\.v1\.FederatedAggregator; retry in \d+ ms$/,
    );
    expect(Number(e.metadata?.get(RETRY_AFTER_MS)[0])).toBeGreaterThan(0);
    // The bucket is the caller's: another identity still gets through.
    await expect(fl('fl-1', limited.address).status()).resolves.toBeDefined();
  });

  it('the admin API takes operators and services, not ad servers, and limits each caller', async () => {
    const list = (identity: string) => {
      const client = new v1.Admin(admin.address, credentialsOf(dir, identity));
      closers.push(client);
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${VIEWER}`);
      return new Promise((resolve, reject) =>
        client.ListOverrides({}, md, { deadline: Date.now() + 3000 }, (err, r) =>
          err ? reject(err) : resolve(r),
        ),
      );
    };
    const denied = await failure(list('ad-server'));
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(denied.details).toContain('caller "ad-server" has role ad-server; needs service or operator');
    await list('operator');
    await list('operator');
    const limitedCall = await failure(list('operator'));
    expect(limitedCall.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(limitedCall.details).toContain('rate limit: caller "operator"');
    expect(limitedCall.details).toContain('to parley.v1.Admin; retry in ');
    await expect(list('broker')).resolves.toBeDefined(); // a service: its own bucket
  });

  it('brand-lift survey results: operators and services may report them, ad servers may not', async () => {
    // A wave of a campaign no catalogue has: past the access check it is the handler's INVALID_ARGUMENT.
    const report = (identity: string) =>
      failure(
        sendBrandLift(mesh.objective.address, [surveyResult({ campaign_id: 'no-such-campaign' })], {
          credentials: credentialsOf(dir, identity),
        }),
      );
    const denied = await report('ad-server');
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(denied.details).toContain('caller "ad-server" has role ad-server; needs service or operator');
    for (const identity of ['operator', 'broker']) {
      const reached = await report(identity);
      expect(reached.code, identity).toBe(grpc.status.INVALID_ARGUMENT);
      expect(reached.details).toContain('results[0].campaign_id: unknown campaign "no-such-campaign"');
    }
  });

  it('no private key, certificate body or token in any log line or span', async () => {
    // A decision (spans on every hop) and a refused call, in this test's spans.
    await decide(broker('ad-server'), validDecide(), { timeoutMs: 5000 });
    await failure(decide(broker('fl-2'), validDecide(), { timeoutMs: 3000 }));
    const recorded = spans.get();
    expect(recorded.length).toBeGreaterThan(0);
    const text = [
      ...lines,
      ...recorded.map((s) =>
        JSON.stringify({ name: s.name, attributes: s.attributes, events: s.events, status: s.status }),
      ),
    ].join('\n');
    expect(lines.some((l) => l.includes('call refused'))).toBe(true); // the refusal was logged, by name only
    expect(text).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    for (const secret of [...secretLines(dir, rogue), VIEWER]) expect(text).not.toContain(secret);
  });
});

describe('plaintext, by explicit configuration only', () => {
  it('a service in plaintext mode logs one clear warning; without certificates or PARLEY_PLAINTEXT it does not start', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, PARLEY_HOST: '127.0.0.1' };
    const plain = await spawnService('context', {
      env: { ...env, PARLEY_CONTEXT_PORT: String(await freePort()), PARLEY_PLAINTEXT: '1' },
    });
    await stopProcess(plain);
    const warnings = plain
      .stderrTail()
      .split('\n')
      .filter((l) => l.includes('PLAINTEXT gRPC'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({
      level: 'warn',
      msg: 'PLAINTEXT gRPC (PARLEY_PLAINTEXT=1): no TLS and no caller authentication; for local development only',
    });

    const empty = mkdtempSync(join(tmpdir(), 'parley-tls-empty-'));
    const refused = await spawnService('context', {
      env: { ...env, PARLEY_CONTEXT_PORT: '0', PARLEY_PLAINTEXT: '0', PARLEY_TLS_DIR: empty },
    }).then(
      async (p) => {
        await stopProcess(p, 'SIGKILL');
        return 'it started';
      },
      (err: Error) => err.message,
    );
    rmSync(empty, { recursive: true, force: true });
    expect(refused).toContain(
      `parley serve context: could not start: PARLEY_TLS_DIR: cannot read ${empty}/ca.crt`,
    );
    expect(refused).toContain('scripts/dev-certs.sh');
  }, 60_000);
});
