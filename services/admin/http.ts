/**
 * The dashboard's HTTP side: the page and its assets (from web/, no external
 * CDN) and a small JSON API. Every /api call needs `Authorization: Bearer
 * <token>`; changes need an editor (a viewer gets 403). Bad input gets 400
 * with the field named: {"error": "targetId: required", "field": "targetId"}.
 *
 *   GET    /api/session                 who am I {name, role}
 *   GET    /api/overrides[?expired=1]    {version, overrides: [...]}
 *   POST   /api/overrides               create (editor) → 201 override
 *   DELETE /api/overrides/<id>          {reason} (editor) → 200 override
 *   GET    /api/audit[?limit=N]         {entries: [...]} newest first
 *   GET    /api/decisions[?limit=N]     {decisions: [...]} newest first, each with its explanation
 *   GET    /api/decisions/<request-id>  {record, explanation, text}
 *   GET    /api/status                  pacing charts, trends, agent health and latency, the currency
 *   GET    /api/catalogue               {advertisers, campaigns, creatives, categories}: what overrides may target
 *
 * The charting library (uPlot) is served from node_modules under /vendor/.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { isActive, type Override } from '../common/domain/overrides';
import { messageOf, statusOf } from '../common/grpc/errors';
import type { Logger } from '../common/log';
import { projectPath } from '../common/paths';
import { parseFields } from '../common/schema';
import type { DecisionRecordData } from '../common/state/decisions';
import { type Principal, type SignInGuard, SignInRefused, SignIns, TokenTable } from './auth';
import { explain, explainText } from './explain';
import { describeOverride, removalBodySchema } from './model';
import type { AdminService } from './service';
import { decisionLatency, type StatusHistory } from './status';

export const WEB_DIR = `${projectPath('web')}/`;
export const MAX_BODY_BYTES = 64 * 1024;

/** The charting library's files, where Node resolves the `uplot` package (node_modules, in the image too). */
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js')) + '/';

/** Files relative to the web directory, or absolute (the vendored library). */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/charts.js': { file: 'charts.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
  '/favicon.ico': { file: 'favicon.svg', type: 'image/svg+xml' },
  '/vendor/uplot.js': { file: `${UPLOT_DIR}uPlot.iife.min.js`, type: 'text/javascript; charset=utf-8' },
  '/vendor/uplot.css': { file: `${UPLOT_DIR}uPlot.min.css`, type: 'text/css; charset=utf-8' },
};

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A path segment, percent-decoded; bad percent-encoding is the caller's error (400), not ours. */
function pathParam(raw: string, field: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `${field}: not valid percent-encoding`, field);
  }
}

/**
 * The request's URL. A target that is not a plain path ('*', '//host/…',
 * 'http://host/…', one the URL parser refuses) is the caller's error (400),
 * never an exception thrown out of the request handler (which would end
 * the process).
 */
function requestUrl(target: string): URL {
  if (!target.startsWith('/') || target.startsWith('//'))
    throw new HttpError(400, 'path: must be a path starting with a single /', 'path');
  try {
    return new URL(target, 'http://admin.local');
  } catch {
    throw new HttpError(400, 'path: not a valid URL path', 'path');
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** gRPC status of a domain error → HTTP status. */
function httpStatusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  switch (statusOf(err)) {
    case grpc.status.INVALID_ARGUMENT:
      return 400;
    case grpc.status.PERMISSION_DENIED:
      return 403;
    case grpc.status.UNAUTHENTICATED:
      return 401;
    case grpc.status.NOT_FOUND:
      return 404;
    case grpc.status.UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    ...SECURITY_HEADERS,
    ...headers,
  });
  res.end(json);
}

/** The request's JSON object body ({} when empty). */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body: at most ${MAX_BODY_BYTES} bytes`, 'body');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(415, `body: expected content-type application/json, got ${type || 'none'}`, 'body');
  let text: string;
  try {
    text = UTF8.decode(Buffer.concat(chunks, size));
  } catch {
    throw new HttpError(400, 'body: not valid UTF-8', 'body');
  }
  if (!text.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body: not valid JSON', 'body');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'body: must be a JSON object', 'body');
  return body as Record<string, unknown>;
}

export function overrideView(o: Override, nowMs: number) {
  return { ...o, active: isActive(o, nowMs), description: describeOverride(o) };
}

export interface HttpApiOptions {
  service: AdminService;
  tokens: TokenTable;
  history: StatusHistory;
  log: Logger;
  /** ISO 4217 code the dashboard shows money in (default EUR). */
  currency?: string;
  webDir?: string;
  /** Limits failed sign-ins per client address (default: SIGN_IN_LIMIT, the wall clock). */
  signIns?: SignInGuard;
}

export function httpHandler(opts: HttpApiOptions) {
  const { service, tokens, history, log } = opts;
  const webDir = opts.webDir ?? WEB_DIR;
  const assetCache = new Map<string, Buffer>();
  const asset = (file: string): Buffer => {
    let b = assetCache.get(file);
    if (!b) {
      b = readFileSync(file.startsWith('/') ? file : `${webDir}${file}`);
      assetCache.set(file, b);
    }
    return b;
  };

  const signIns = new SignIns(tokens, log, opts.signIns);
  const authenticate = (req: IncomingMessage): Principal => {
    try {
      return signIns.check(
        req.socket.remoteAddress ?? 'unknown',
        TokenTable.bearer(req.headers.authorization),
      );
    } catch (err) {
      if (!(err instanceof SignInRefused)) throw err;
      if (err.retryAfterMs === 0) throw new HttpError(401, err.message);
      throw new HttpError(429, err.message, undefined, {
        'retry-after': String(Math.ceil(err.retryAfterMs / 1000)),
      });
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const a = ASSETS[path];
    if (a) {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} not allowed here`);
      res.writeHead(200, { 'content-type': a.type, ...SECURITY_HEADERS });
      res.end(method === 'HEAD' ? undefined : asset(a.file));
      return;
    }
    if (!path.startsWith('/api/')) throw new HttpError(404, `no page ${path}`);
    const who = authenticate(req);
    const limit = Number(url.searchParams.get('limit') ?? 0);
    if (url.searchParams.has('limit') && !(Number.isInteger(limit) && limit > 0))
      throw new HttpError(400, 'limit: must be a positive integer', 'limit');

    if (path === '/api/session' && method === 'GET') return send(res, 200, who);

    if (path === '/api/overrides') {
      if (method === 'GET') {
        const snap = await service.listOverrides(url.searchParams.get('expired') === '1');
        const now = service.now();
        return send(res, 200, {
          version: snap.version,
          overrides: snap.overrides.map((o) => overrideView(o, now)),
        });
      }
      if (method === 'POST') {
        const body = await readJson(req);
        const o = await service.createOverride(who, body);
        log.info('override created', { id: o.id, by: who.name, what: describeOverride(o) });
        return send(res, 201, overrideView(o, service.now()));
      }
      throw new HttpError(405, `${method} not allowed on /api/overrides`);
    }

    const del = /^\/api\/overrides\/([^/]+)$/.exec(path);
    if (del) {
      if (method !== 'DELETE') throw new HttpError(405, `${method} not allowed here`);
      const id = pathParam(del[1]!, 'id');
      const { reason } = parseFields(removalBodySchema, await readJson(req));
      const o = await service.deleteOverride(who, id, reason);
      log.info('override deleted', { id: o.id, by: who.name });
      return send(res, 200, overrideView(o, service.now()));
    }

    if (method !== 'GET') throw new HttpError(405, `${method} not allowed on ${path}`);

    if (path === '/api/audit') return send(res, 200, { entries: await service.audit(limit) });

    if (path === '/api/decisions') {
      const records = await service.listDecisions(limit);
      return send(res, 200, {
        decisions: records.map((r) => ({ record: summaryOf(r), explanation: explain(r) })),
      });
    }

    const one = /^\/api\/decisions\/([^/]+)$/.exec(path);
    if (one) {
      const r = await service.getDecision(pathParam(one[1]!, 'request_id'));
      return send(res, 200, { record: r, explanation: explain(r), text: explainText(r) });
    }

    if (path === '/api/catalogue') {
      const summary = service.catalogueSummary();
      if (!summary) throw new HttpError(404, 'no catalogue: this admin service checks no override targets');
      return send(res, 200, summary);
    }

    if (path === '/api/status') {
      const recent = await service.listDecisions(200);
      const latest = history.latest();
      return send(res, 200, {
        atMs: service.now(),
        currency: opts.currency ?? 'EUR',
        pacing: history.pacing(),
        trends: history.trends(),
        agents: latest?.health ?? [],
        objectiveAnswered: latest ? latest.campaigns !== null : false,
        decisionLatency: decisionLatency(recent),
        lastDecisionMs: recent[0]?.at_ms ?? null,
      });
    }
    throw new HttpError(404, `no API ${path}`);
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    let path = '';
    new Promise<URL>((resolve) => resolve(requestUrl(req.url ?? '/')))
      .then((url) => {
        path = url.pathname;
        // HTTP/1.1 requires a Host header (RFC 9112 §3.2).
        if (!req.headers.host && req.httpVersion === '1.1')
          throw new HttpError(400, 'host: required (an HTTP/1.1 request names its Host)', 'host');
        return route(req, res, url);
      })
      .catch((err: unknown) => {
        const status = httpStatusOf(err);
        if (status >= 500) log.error('http handler failed', { path, error: messageOf(err) });
        const message = messageOf(err);
        const field = err instanceof HttpError ? err.field : /^([A-Za-z0-9_.[\]]+): /.exec(message)?.[1];
        const headers = err instanceof HttpError ? err.headers : {};
        if (!res.headersSent)
          send(
            res,
            status,
            field && status === 400 ? { error: message, field } : { error: message },
            headers,
          );
        else res.end();
      });
  };
}

/** The small part of a record the live list needs. */
function summaryOf(r: DecisionRecordData) {
  return {
    request_id: r.request_id,
    at_ms: r.at_ms,
    slot_id: r.request?.slot?.slot_id ?? '',
    ads: (r.response?.ads ?? []).map((a) => ({
      creative_id: a.creative_id,
      campaign_id: a.campaign_id,
      tier: a.tier,
    })),
    no_ad: r.response?.no_ad ?? true,
    degraded: r.response?.degraded ?? [],
    total_ms: r.total_ms,
  };
}

/**
 * Bytes Node's HTTP parser refuses (a bad request line or header, a body
 * that is not framed): 400 (431 for headers too large, 408 for a request
 * that did not arrive in time, as Node answers them) with a JSON error
 * naming the parser's complaint, like every other refusal, instead of
 * Node's bare 400.
 */
function refuseMalformed(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, reason] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : [400, 'Bad Request'];
  const body = JSON.stringify({ error: `request: not valid HTTP (${err.code ?? messageOf(err)})` });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export function startHttp(
  host: string,
  port: number,
  handler: ReturnType<typeof httpHandler>,
): Promise<Server> {
  // A missing Host is refused by httpHandler, with a JSON error like every other refusal.
  const server = createServer({ requireHostHeader: false }, handler);
  server.on('clientError', refuseMalformed);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
