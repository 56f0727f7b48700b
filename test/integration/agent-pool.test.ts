/**
 * An agent's replicas behind one AgentPool (services/common/grpc/agent-pool.ts),
 * over real gRPC on loopback: calls are spread over every replica; a replica
 * that goes away with calls in flight costs no call (they are answered by
 * another), except a commit, which is not repeated; a replica a host name
 * starts resolving to gets calls, and one it stops resolving to gets none.
 * Replicas of a resolved name share a port on different loopback addresses
 * (127.0.0.1, 127.0.0.2), as pods behind a headless Service do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../services/common/config';
import { AgentPool } from '../../services/common/grpc/agent-pool';
import { serveAgent } from '../../services/common/grpc/agent-stream';
import type { RpcError } from '../../services/common/grpc/errors';
import { v1 } from '../../services/common/grpc/proto';
import { type StartedServer, startServer } from '../../services/common/grpc/server';
import { serverCredentials, transportFrom } from '../../services/common/grpc/tls';
import { createLogger } from '../../services/common/log';
import { channelTarget } from '../../services/common/registry';
import { freePort } from '../support/ports';
import { credentialsOf, devCerts } from '../support/tls';

const log = createLogger('agent-pool-test', 'error');

interface Replica {
  name: string;
  server: StartedServer;
  /** Calls this replica received, by kind. */
  calls: string[];
  /** Replies are held until this resolves (when set). */
  hold: Promise<void> | null;
}

const running: Replica[] = [];
const pools: AgentPool[] = [];

async function replica(name: string, host: string, port: number): Promise<Replica> {
  const r: Replica = { name, server: undefined as never, calls: [], hold: null };
  const answer = async <T>(kind: string, reply: T): Promise<T> => {
    r.calls.push(kind);
    if (r.hold) await r.hold;
    return reply;
  };
  r.server = await startServer({
    host,
    port,
    serviceNames: ['parley.v1.Agent'],
    services: [
      [
        v1.Agent.service,
        {
          Negotiate: serveAgent(
            {
              release: (req) => answer('release', { released: req.reservation_ids.length }),
              commit: () => answer('commit', { results: [] }),
            },
            log,
          ),
        },
      ],
    ],
    log,
  });
  running.push(r);
  return r;
}

function pool(address: string, opts: ConstructorParameters<typeof AgentPool>[2] = {}): AgentPool {
  const p = new AgentPool('objective', address, opts);
  pools.push(p);
  return p;
}

const release = (p: AgentPool, i: number) =>
  p.call('release', { request_id: `r-${i}`, reservation_ids: ['a', 'b'] }, 2000);

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Calls until `done` holds, and waits for those calls to be answered. */
async function warm(p: AgentPool, done: () => boolean): Promise<void> {
  const calls: Array<Promise<unknown>> = [];
  await until('the replicas answer', () => {
    calls.push(release(p, -1));
    return done();
  });
  await Promise.all(calls);
}

afterEach(async () => {
  for (const p of pools.splice(0)) p.close();
  await Promise.all(running.splice(0).map((r) => r.server.shutdown(0)));
});

describe('AgentPool', () => {
  it('spreads calls over the replicas of a comma-separated address', async () => {
    const a = await replica('a', '127.0.0.1', 0);
    const b = await replica('b', '127.0.0.1', 0);
    const p = pool(`${a.server.address},${b.server.address}`);
    p.connect();
    await until('both replicas are connected', () => p.ready && p.endpoints.length === 2);
    await warm(p, () => a.calls.length > 0 && b.calls.length > 0);
    a.calls.length = 0;
    b.calls.length = 0;
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => release(p, i)));
    expect(replies.every((r) => r.released === 2)).toBe(true);
    expect(a.calls.length + b.calls.length).toBe(40);
    expect(a.calls.length).toBe(20);
    expect(b.calls.length).toBe(20);
  });

  it('answers the calls in flight on a replica that goes away from another one; a commit is not repeated', async () => {
    const a = await replica('a', '127.0.0.1', 0);
    const b = await replica('b', '127.0.0.1', 0);
    const p = pool(`${a.server.address},${b.server.address}`);
    await warm(p, () => a.calls.length > 0 && b.calls.length > 0);
    a.hold = new Promise(() => undefined); // a answers nothing from now on
    a.calls.length = 0;
    const released = Array.from({ length: 10 }, (_, i) => release(p, i));
    const commits = Array.from({ length: 4 }, (_, i) =>
      p.call('commit', { request_id: `c-${i}`, session_id: 's', reservations: [] }, 2000).then(
        () => 'ok',
        (err: RpcError) => err.code,
      ),
    );
    await until(
      'a holds calls of both kinds',
      () => a.calls.includes('release') && a.calls.includes('commit'),
    );
    a.server.server.forceShutdown(); // a crash: its connections close with the calls unanswered

    const replies = await Promise.all(released);
    expect(replies.map((r) => r.released)).toEqual(Array(10).fill(2));
    // The commits a held failed and went nowhere else; b answered its own.
    const commitOutcomes = await Promise.all(commits);
    const onA = a.calls.filter((k) => k === 'commit').length;
    expect(commitOutcomes.filter((o) => o === grpc.status.UNAVAILABLE)).toHaveLength(onA);
    expect(commitOutcomes.filter((o) => o === 'ok')).toHaveLength(4 - onA);
    expect(b.calls.filter((k) => k === 'commit')).toHaveLength(4 - onA);
  });

  it('follows the replicas a host name resolves to', async () => {
    const port = await freePort();
    const a = await replica('a', '127.0.0.1', port);
    const b = await replica('b', '127.0.0.2', port);
    let addresses = ['127.0.0.1'];
    const p = pool(`agents.test:${port}`, { resolveMs: 50, resolve: async () => addresses });
    await warm(p, () => a.calls.length > 0);
    expect(b.calls).toHaveLength(0);

    // A replica added: it gets calls within a few resolutions.
    addresses = ['127.0.0.1', '127.0.0.2'];
    await until('the pool dials both', () => p.endpoints.length === 2);
    await warm(p, () => b.calls.length > 0);

    // A replica removed: no call fails, and it gets none after that.
    addresses = ['127.0.0.2'];
    let failed = 0;
    const during = Array.from({ length: 20 }, (_, i) =>
      new Promise((r) => setTimeout(r, i * 10)).then(() => release(p, i).catch(() => failed++)),
    );
    await until('the pool dials only b', () => p.endpoints.length === 1);
    await Promise.all(during);
    expect(failed).toBe(0);
    a.calls.length = 0;
    await Promise.all(Array.from({ length: 10 }, (_, i) => release(p, i)));
    expect(a.calls).toHaveLength(0);
  });

  it('keeps calling the replicas it knows while the name does not resolve', async () => {
    const a = await replica('a', '127.0.0.1', 0);
    let fail = false;
    const p = pool(`agents.test:${a.server.port}`, {
      resolveMs: 20,
      resolve: async () => {
        if (fail) throw new Error('SERVFAIL');
        return ['127.0.0.1'];
      },
    });
    expect((await release(p, 1)).released).toBe(2);
    fail = true;
    await new Promise((r) => setTimeout(r, 100));
    expect((await release(p, 2)).released).toBe(2);
  });
});

describe('AgentPool under mutual TLS', () => {
  it('checks a replica dialled by its address against the name it was resolved from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-pool-tls-'));
    const server = new grpc.Server();
    try {
      devCerts(dir, ['objective:service', 'broker:service']);
      server.addService(v1.Agent.service, {
        Negotiate: serveAgent({ release: (req) => ({ released: req.reservation_ids.length }) }, log),
      });
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync(
          '127.0.0.1:0',
          serverCredentials(transportFrom({ PARLEY_TLS_DIR: dir }, 'objective')),
          (err, p) => (err ? reject(err) : resolve(p)),
        ),
      );
      const credentials = credentialsOf(dir, 'broker');
      const resolve = async () => ['127.0.0.1'];
      // The certificate names "objective": dialled as 127.0.0.1, it is still accepted for that name…
      expect((await release(pool(`objective:${port}`, { resolve, credentials }), 1)).released).toBe(2);
      // …and refused for another name that happens to resolve to the same address.
      await expect(release(pool(`intruder:${port}`, { resolve, credentials }), 1)).rejects.toMatchObject({
        code: grpc.status.UNAVAILABLE,
      });
    } finally {
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('agent addresses', () => {
  it('give one ordinary channel every replica it can try', () => {
    expect(channelTarget('objective:50054')).toBe('objective:50054');
    expect(channelTarget('10.0.0.1:50054, 10.0.0.2:50054')).toBe('ipv4:10.0.0.1:50054,10.0.0.2:50054');
    expect(channelTarget('objective-0.parley:50054,objective-1.parley:50054')).toBe(
      'objective-0.parley:50054',
    );
  });

  it('take several replicas, and a bad one is refused naming its variable', () => {
    const config = loadConfig({ PARLEY_OBJECTIVE_ADDR: '10.0.0.1:50054, objective-1.parley:50054,[::1]:7' });
    expect(config.addresses.objective).toBe('10.0.0.1:50054, objective-1.parley:50054,[::1]:7');
    expect(() => loadConfig({ PARLEY_OBJECTIVE_ADDR: '10.0.0.1:50054,objective' })).toThrow(
      /PARLEY_OBJECTIVE_ADDR: "objective" is not host:port/,
    );
    expect(() => loadConfig({ PARLEY_OBJECTIVE_ADDR: 'objective:99999' })).toThrow(/PARLEY_OBJECTIVE_ADDR/);
  });
});
