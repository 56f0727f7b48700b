/**
 * The admin service against malformed input and token guessing, over real
 * sockets (the admin service started in-process on port 0): every malformed
 * HTTP request gets a 4xx naming the problem, never a 500; nothing is stored
 * from a refused request; no page can be framed; a client address that keeps
 * guessing tokens, over HTTP or gRPC, is shut out and the failures are
 * logged; no token ever reaches a log line or a span. Override targets
 * come from the catalogue: an unknown or duplicate one, or a removal
 * without a reason, is 400 naming the field. (Token guessing runs last: it
 * shuts this client's address out.)
 */
import { connect } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdmin } from '../../services/admin/server';
import { v1 } from '../../services/common/grpc/proto';
import { createLogger } from '../../services/common/log';
import { startTestAdmin } from '../support/admin';
import { spans, useMemorySpans } from '../support/spans';

useMemorySpans();

const EDITOR = 'editor-token-0123456789';
const lines: string[] = [];
const log = createLogger('admin', 'warn', {}, (line) => lines.push(line));
let admin: RunningAdmin;

beforeAll(async () => {
  admin = await startTestAdmin(log, `eve:editor:${EDITOR}`);
});

afterAll(async () => {
  await admin?.close();
});

const call = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${admin.url}${path.replace(/^\//, '')}`, {
    ...init,
    headers: { authorization: `Bearer ${init.token ?? EDITOR}`, ...(init.headers as Record<string, string>) },
  });
const json = { 'content-type': 'application/json' };

/** Writes `request` to the HTTP port as it is; resolves with everything that came back. */
function rawHttp(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(admin.httpPort, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    socket.end(request, 'latin1');
  });
}

describe('admin HTTP API: malformed input', () => {
  it.each([
    ['DELETE', '/api/overrides/%E0%A4%A', 'id'],
    ['GET', '/api/decisions/%ZZ', 'request_id'],
    ['GET', '/api/decisions/%FF', 'request_id'],
  ])('%s %s: bad percent-encoding is 400 naming the field', async (method, path, field) => {
    const res = await call(path, { method });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: `${field}: not valid percent-encoding`, field });
  });

  it.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['a number', '42'],
    ['a string', '"x"'],
  ])('a JSON body that is %s is 400, never a 500', async (_what, body) => {
    for (const [method, path] of [
      ['POST', '/api/overrides'],
      ['DELETE', '/api/overrides/ovr-1'],
    ] as const) {
      const res = await call(path, { method, headers: json, body });
      expect({ method, status: res.status }).toEqual({ method, status: 400 });
      expect(await res.json()).toEqual({ error: 'body: must be a JSON object', field: 'body' });
    }
  });

  it('a body that is not UTF-8 is refused, not stored with replacement characters', async () => {
    const body = Buffer.concat([
      Buffer.from('{"kind":"kill_switch","targetId":"cmp-1","reason":"bad '),
      Buffer.from([0xc3, 0x28]), // an invalid UTF-8 sequence
      Buffer.from('"}'),
    ]);
    const res = await call('/api/overrides', { method: 'POST', headers: json, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'body: not valid UTF-8', field: 'body' });
    const list = (await (await call('/api/overrides')).json()) as { overrides: unknown[] };
    expect(list.overrides).toEqual([]);
  });

  it('a body that is not application/json is 415', async () => {
    const res = await call('/api/overrides', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"kind":"kill_switch"}',
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^body: expected content-type application\/json/,
    );
  });

  it.each(['//', '//evil.example/api/session', '*', 'http://x/api/session'])(
    'a request target %s that is not a plain path is 400 naming it, and the service lives on',
    async (target) => {
      const answer = await rawHttp(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('"field":"path"');
      expect((await call('/api/session')).status).toBe(200);
    },
  );

  it('an HTTP/1.1 request without a Host header is 400 naming host', async () => {
    const answer = await rawHttp('GET /api/session HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"field":"host"');
  });

  it("bytes that are not HTTP get a 400 whose JSON names the parser's complaint", async () => {
    const answer = await rawHttp('G\u0000T / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toMatch(/\{"error":"request: not valid HTTP \(HPE_[A-Z_]+\)"\}$/);
  });

  it('no page or API answer can be framed by another origin', async () => {
    for (const path of ['/', '/api/session', '/api/decisions/%ZZ', '/no-such-page']) {
      const res = await call(path);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });
});

describe('admin HTTP API: override targets come from the catalogue', () => {
  const post = (body: Record<string, unknown>) =>
    call('/api/overrides', { method: 'POST', headers: json, body: JSON.stringify(body) });

  it('lists what an override may target', async () => {
    const res = await call('/api/catalogue');
    expect(res.status).toBe(200);
    const c = (await res.json()) as {
      campaigns: Array<{ id: string; name: string }>;
      creatives: Array<{ id: string; campaignId: string }>;
      advertisers: Array<{ id: string }>;
      categories: string[];
    };
    expect(c.campaigns.map((x) => x.id)).toContain('kaffa-morning');
    expect(c.advertisers.map((x) => x.id)).toContain('hopfield');
    expect(c.categories).toContain('alcohol');
    expect(c.creatives.length).toBeGreaterThan(0);
  });

  it.each([
    [
      { kind: 'pause', targetId: 'no-such-campaign' },
      'targetId',
      'no campaign "no-such-campaign" in the catalogue',
    ],
    [
      { kind: 'block', targetType: 'advertiser', targetId: 'kaffa-morning' },
      'targetId',
      'no advertiser "kaffa-morning" in the catalogue',
    ],
    [{ kind: 'brand_safety', targetId: 'tobacco' }, 'targetId', 'no category "tobacco" in the catalogue'],
    [
      { kind: 'separation', categories: ['coffee', 'nope'] },
      'categories[1]',
      'no category "nope" in the catalogue',
    ],
  ])('an unknown target is 400 naming the field, and nothing is stored: %j', async (o, field, problem) => {
    const before = (await (await call('/api/audit')).json()) as { entries: unknown[] };
    const res = await post({ ...o, reason: 'test' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: `${field}: ${problem}`, field });
    const after = (await (await call('/api/audit')).json()) as { entries: unknown[] };
    expect(after.entries).toHaveLength(before.entries.length);
  });

  it('the same override twice is 400 naming the field; another scenario set is not the same', async () => {
    const first = await post({ kind: 'pause', targetId: 'ledgerly-launch', reason: 'complaint' });
    expect(first.status).toBe(201);
    const { id } = (await first.json()) as { id: string };
    const again = await post({ kind: 'pause', targetId: 'ledgerly-launch', reason: 'same again' });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      error: `targetId: override ${id} already does this (pause campaign ledgerly-launch (kill switch)); remove it first`,
      field: 'targetId',
    });
    const block = { kind: 'block', targetType: 'creative', reason: 'test' };
    const creative = ((await (await call('/api/catalogue')).json()) as { creatives: Array<{ id: string }> })
      .creatives[0]!.id;
    expect((await post({ ...block, targetId: creative, scenarios: ['workout'] })).status).toBe(201);
    expect((await post({ ...block, targetId: creative, scenarios: ['commute'] })).status).toBe(201);
    const twice = await post({ ...block, targetId: creative, scenarios: ['workout'] });
    expect(twice.status).toBe(400);
    // Removed, it may be created again.
    const del = await call(`/api/overrides/${id}`, {
      method: 'DELETE',
      headers: json,
      body: JSON.stringify({ reason: 'resolved' }),
    });
    expect(del.status).toBe(200);
    expect((await post({ kind: 'pause', targetId: 'ledgerly-launch', reason: 'back again' })).status).toBe(
      201,
    );
  });

  it.each(['', '   ', undefined])(
    'removal with reason %j is 400 naming reason, and the override stays',
    async (reason) => {
      const made = await post({
        kind: 'pin',
        targetId: 'freshcart-weekly',
        scenarios: ['chores'],
        reason: 'test',
      });
      const { id } = (await made.json()) as { id: string };
      const res = await call(`/api/overrides/${id}`, {
        method: 'DELETE',
        headers: json,
        body: JSON.stringify(reason === undefined ? {} : { reason }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'reason: required: say why', field: 'reason' });
      const list = (await (await call('/api/overrides')).json()) as { overrides: Array<{ id: string }> };
      expect(list.overrides.map((o) => o.id)).toContain(id);
      await call(`/api/overrides/${id}`, { method: 'DELETE', headers: json, body: '{"reason":"cleanup"}' });
    },
  );

  it('serves a favicon and the charting library from node_modules, same origin', async () => {
    for (const [path, type] of [
      ['/favicon.ico', 'image/svg+xml'],
      ['/vendor/uplot.js', 'text/javascript; charset=utf-8'],
      ['/vendor/uplot.css', 'text/css; charset=utf-8'],
    ] as const) {
      const res = await fetch(`${admin.url}${path.slice(1)}`);
      expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({
        path,
        status: 200,
        type,
      });
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
  });
});

describe('admin HTTP API: token guessing', () => {
  it('shuts out an address after 10 failed sign-ins a minute, whatever token it sends, and logs them', async () => {
    lines.length = 0;
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++)
      statuses.push((await call('/api/session', { token: `guess-${i}-0123456789` })).status);
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(5).fill(429)]);
    // Shut out: even the right token gets 429 now (a right guess looks like a wrong one).
    const res = await call('/api/session');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const failures = lines
      .map((l) => JSON.parse(l) as { msg: string; failures?: number })
      .filter((l) => l.msg === 'failed sign-in');
    expect(failures.map((f) => f.failures)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // No token in any log line.
    expect(lines.join('\n')).not.toMatch(/guess-|editor-token/);
  });
});

describe('admin gRPC API: token guessing', () => {
  it('shuts out an address after 10 failed sign-ins a minute; no token reaches a log line or a span', async () => {
    lines.length = 0;
    const client = new v1.Admin(admin.address, grpc.credentials.createInsecure());
    const create = (token: string) =>
      new Promise<grpc.ServiceError | null>((resolve) => {
        const md = new grpc.Metadata();
        md.set('authorization', `Bearer ${token}`);
        client.CreateOverride({ override: { kind: 'pause', target_id: 'x', reason: 'guess' } }, md, (err) =>
          resolve(err),
        );
      });
    const codes: number[] = [];
    for (let i = 0; i < 12; i++)
      codes.push((await create(`grpc-guess-${i}-0123456789`))?.code ?? grpc.status.OK);
    expect(codes).toEqual([
      ...Array(10).fill(grpc.status.UNAUTHENTICATED),
      ...Array(2).fill(grpc.status.RESOURCE_EXHAUSTED),
    ]);
    const locked = await create(EDITOR);
    expect(locked?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(locked?.details).toMatch(/^authorization: sign in: too many failed sign-ins; try again in \d+ s$/);
    client.close();
    const failures = lines
      .map((l) => JSON.parse(l) as { msg: string; source?: string })
      .filter((l) => l.msg === 'failed sign-in');
    expect(failures).toHaveLength(10);
    expect(failures[0]?.source).toBe('127.0.0.1');
    const seen = `${lines.join('\n')}\n${JSON.stringify(spans.get().map((sp) => [sp.name, sp.attributes, sp.events]))}`;
    expect(spans.get().length).toBeGreaterThan(0);
    expect(seen).not.toMatch(/grpc-guess-|editor-token-0123456789/);
  });
});
