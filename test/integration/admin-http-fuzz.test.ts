/**
 * Bad input against the admin HTTP API and dashboard, generated (fast-check,
 * fixed seeds): random methods, paths (known ones, random segments, bad
 * percent-encoding, huge), query strings, headers (no token, a viewer's, an
 * editor's, made-up ones; random content types) and bodies (random bytes,
 * random JSON, overrides with random fields, too large), and raw request
 * lines written to the socket. Every request gets an answer below 500 (a
 * 4xx says what is wrong in its JSON body), the service keeps serving, and
 * a refused request changes nothing: overrides, audit and decision log are
 * as they were. Runs with embedded state, then (a quarter as many inputs) with
 * Redis state.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignInGuard } from '../../services/admin/auth';
import { MAX_BODY_BYTES } from '../../services/admin/http';
import type { RunningAdmin } from '../../services/admin/server';
import { createLogger } from '../../services/common/log';
import { seedAdmin, startTestAdmin } from '../support/admin';
import { number, runsFor, text, useTried } from '../support/fuzz';
import { useTestRedis } from '../support/redis';

const EDITOR = 'editor-token-0123456789';
const VIEWER = 'viewer-token-0123456789';
const log = createLogger('admin', 'error', {}, () => undefined);
let admin: RunningAdmin;

const redis = useTestRedis();

/** What a refused request must leave alone. */
async function state() {
  const s = admin.service;
  return JSON.stringify({
    overrides: await s.listOverrides(true),
    audit: await s.audit(1000),
    decisions: (await s.listDecisions(500)).map((d) => d.request_id),
  });
}

interface Answer {
  status: number;
  body: string;
  type: string;
}

/** One request as generated: any method, target, headers and body bytes (node:http sends them as they are). */
function send(
  method: string,
  target: string,
  headers: Record<string, string>,
  body: Buffer | null,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: admin.httpPort, method, path: target, headers, timeout: 5000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            type: String(res.headers['content-type'] ?? ''),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${target.slice(0, 100)} in 5 s`)));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

/** Null when the answer is one a caller can act on; else what is wrong with it. */
function unacceptable(a: Answer, method = 'GET'): string | null {
  if (a.status >= 500 || a.status < 200) return `${a.status} ${a.body.slice(0, 300)}`;
  if (a.status < 400 || method === 'HEAD') return null;
  if (!a.type.startsWith('application/json')) return `${a.status} without a JSON body`;
  const body = JSON.parse(a.body) as { error?: unknown; field?: unknown };
  if (typeof body.error !== 'string' || !body.error) return `${a.status} without an error message`;
  if (
    body.field !== undefined &&
    !(typeof body.field === 'string' && body.error.startsWith(`${body.field}: `))
  )
    return `${a.status} names field ${String(body.field)} but says ${body.error}`;
  return null;
}

/** The body of a chunked HTTP/1.1 answer. */
function dechunk(raw: string): string {
  let out = '';
  let rest = raw;
  for (;;) {
    const m = /^([0-9a-f]+)\r\n/i.exec(rest);
    const size = m ? Number.parseInt(m[1]!, 16) : 0;
    if (!m || size === 0) return out;
    out += rest.slice(m[0].length, m[0].length + size);
    rest = rest.slice(m[0].length + size + 2);
  }
}

const METHODS = ['GET', 'GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND'];
const PATHS = [
  '/',
  '/index.html',
  '/app.js',
  '/style.css',
  '/api/session',
  '/api/overrides',
  '/api/overrides/',
  '/api/audit',
  '/api/decisions',
  '/api/decisions/req-1',
  '/api/status',
  '/api/',
  '/api',
  '/api/overrides/adv-1/x',
];
const segment = fc.oneof(
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.constantFrom('%', '%ZZ', '%E0%A4%A', '%FF', '%00', '..', '.', '', 'x'.repeat(5000), '%2F', 'ov-1'),
);
const path = fc.oneof(
  fc.constantFrom(...PATHS),
  fc.tuple(fc.constantFrom(...PATHS), segment).map(([p, s]) => `${p.replace(/\/$/, '')}/${s}`),
  fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join('/')}`),
);
const query = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.constantFrom('limit', 'expired', 'x', 'limit'),
        fc.oneof(
          number.map(String),
          fc.constantFrom('', '1', '0', '-1', '1.5', 'NaN', 'Infinity', '1e309', '%ZZ', 'x'.repeat(3000)),
        ),
      ),
      { maxLength: 4 },
    )
    .map((kv) => `?${kv.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`),
  fc.constantFrom('?', '?&&', '?limit', '?limit=%ZZ', '?=1'),
);
const authorization = fc.constantFrom(
  null,
  `Bearer ${EDITOR}`,
  `Bearer ${EDITOR}`,
  `bearer ${VIEWER}`,
  'Bearer made-up-token-0123456789',
  'Bearer',
  'Basic dXNlcjpwYXNz',
  `Bearer ${EDITOR} extra`,
  `Bearer ${'x'.repeat(4000)}`,
);
const contentType = fc.constantFrom(
  null,
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  ';;;',
);
const VALID_OVERRIDE = { kind: 'block', targetType: 'advertiser', targetId: 'ledgerly', reason: 'fuzz' };
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      kind: fc.oneof(text, fc.constantFrom('block', 'pause', 'pin', 'boost', 'brand_safety', 'separation')),
      targetType: fc.oneof(
        text,
        fc.constantFrom('campaign', 'creative', 'category', 'advertiser'),
        fc.jsonValue(),
      ),
      targetId: fc.oneof(text, fc.constantFrom('adv-1', 'ledgerly', 'kaffa-morning'), fc.jsonValue()),
      scenarios: fc.oneof(fc.array(fc.oneof(text, fc.constantFrom('workout'))), fc.jsonValue()),
      boost: fc.oneof(number, fc.jsonValue()),
      categories: fc.oneof(fc.array(text), fc.jsonValue()),
      unlessExplicit: fc.jsonValue(),
      reason: fc.oneof(text, fc.constant('fuzz'), fc.jsonValue()),
      expiresAtMs: fc.oneof(
        number,
        fc.constantFrom(1, Date.now() - 1000, Date.now() + 60_000),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.constant(VALID_OVERRIDE),
);
const body = fc.oneof(
  fc.constant(null),
  json.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.constantFrom(
    Buffer.from(''),
    Buffer.from('   '),
    Buffer.from('{"reason":'),
    Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
    Buffer.alloc(MAX_BODY_BYTES + 1, 0x20),
  ),
);

describe.each(['embedded', 'redis'] as const)(
  'bad input, generated, against the admin HTTP API (%s state)',
  (kind) => {
    const tried = useTried(`admin-http (${kind} state)`);
    const runs = runsFor(kind);

    beforeAll(async () => {
      // Sign-in failures are part of the input: never shut the test's address out.
      const guard = new SignInGuard({ failures: Number.POSITIVE_INFINITY, windowMs: 60_000 });
      const env: Record<string, string> =
        kind === 'redis' ? { REDIS_URL: redis.url, PARLEY_REDIS_PREFIX: 'admin-http-fuzz:' } : {};
      admin = await startTestAdmin(log, `eve:editor:${EDITOR},ana:viewer:${VIEWER}`, guard, env);
      await seedAdmin(admin);
    });

    afterAll(async () => {
      await admin?.close();
    });

    it('random methods, paths, query strings, headers and bodies', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...METHODS),
          path,
          query,
          authorization,
          contentType,
          body,
          async (method, p, q, auth, type, b) => {
            tried.add('requests');
            const headers: Record<string, string> = {};
            if (auth !== null) headers.authorization = auth;
            if (type !== null) headers['content-type'] = type;
            if (b !== null) headers['content-length'] = String(b.length);
            const before = await state();
            const answer = await send(method, `${p}${q}`, headers, b);
            expect(unacceptable(answer, method), `${method} ${p.slice(0, 200)}${q.slice(0, 100)}`).toBeNull();
            if (answer.status >= 400)
              expect(await state(), `${method} ${p}: refused, yet state changed`).toBe(before);
          },
        ),
        { numRuns: runs(600), seed: 20261221 },
      );
    });

    it('raw request lines and headers written to the socket', async () => {
      const line = fc.oneof(
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        fc
          .tuple(
            fc.constantFrom('GET', 'POST', 'DELETE', 'G\u0000T', ''),
            fc.oneof(
              fc.constantFrom(
                '//[',
                'http://[',
                '*',
                '//',
                '///x',
                'http://x/api/session',
                '/api/session#x',
                '\\\\',
              ),
              fc.string({ maxLength: 30 }).map((s) => `/${s.replace(/[\s]/g, '')}`),
            ),
            fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/9.9', ''),
            fc.constantFrom(
              '',
              `Authorization: Bearer ${EDITOR}\r\n`,
              'Content-Length: -1\r\n',
              'Content-Length: 5\r\nContent-Length: 6\r\n',
              'Transfer-Encoding: chunked\r\n',
              'Host: \r\n',
              'Host: a\r\nHost: b\r\n',
            ),
          )
          // With a Host header unless the headers bring their own (or are none at all: no Host).
          .map(([m, t, v, h]) =>
            Buffer.from(
              `${m} ${t} ${v}\r\n${h.startsWith('Host') || h === '' ? '' : 'Host: x\r\n'}${h}Connection: close\r\n\r\n`,
              'latin1',
            ),
          ),
      );
      await fc.assert(
        fc.asyncProperty(line, async (bytes) => {
          tried.add('raw requests');
          const before = await state();
          const reply = await new Promise<string>((resolve, reject) => {
            const socket = connect(admin.httpPort, '127.0.0.1');
            const chunks: Buffer[] = [];
            socket.setTimeout(2000, () => socket.end());
            socket.on('data', (c: Buffer) => chunks.push(c));
            socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
            socket.on('error', reject);
            socket.end(bytes);
          });
          // An answer a caller can act on (below 500, a JSON error when refused), or the connection closed without one.
          const head = /^HTTP\/1\.[01] (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(reply);
          if (head) {
            const type = /^content-type: (.*)$/im.exec(head[2] ?? '')?.[1] ?? '';
            const chunked = /^transfer-encoding: chunked/im.test(head[2] ?? '');
            const answer = {
              status: Number(head[1]),
              type,
              body: chunked ? dechunk(head[3] ?? '') : (head[3] ?? ''),
            };
            expect(unacceptable(answer), reply.slice(0, 300)).toBeNull();
          } else expect(reply.slice(0, 300), 'bytes came back that are not an HTTP answer').toBe('');
          expect(await state()).toBe(before);
        }),
        { numRuns: runs(200), seed: 20261222 },
      );
    });

    it('after all of it the API still serves', async () => {
      const a = await send('GET', '/api/decisions/req-2', { authorization: `Bearer ${EDITOR}` }, null);
      expect(a.status).toBe(200);
    });
  },
);
