/**
 * A tiny OTLP/HTTP JSON receiver for tests: collects the spans services
 * export to `<endpoint>/v1/traces` (@opentelemetry/exporter-trace-otlp-http
 * posts JSON, optionally gzip-compressed) and flattens them with their
 * resource's service.name.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { freePort } from './ports';

/** OTLP span kinds (the wire numbering, not the JS API's). */
export const OTLP_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

export type AttrValue = string | number | boolean | AttrValue[] | null;

export interface CollectedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  serviceName: string;
  /** Every attribute of the exporting process's resource. */
  resource: Record<string, AttrValue>;
  attributes: Record<string, AttrValue>;
  startNs: bigint;
  endNs: bigint;
  statusCode: number;
}

export interface OtlpReceiver {
  /** The value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  spans(): CollectedSpan[];
  /** Polls until `done(spans)` holds; returns the spans, or throws after timeoutMs. */
  waitFor(done: (spans: CollectedSpan[]) => boolean, timeoutMs?: number): Promise<CollectedSpan[]>;
  /** Requests that were not valid OTLP JSON (should stay empty). */
  rejected(): string[];
  clear(): void;
  stop(): Promise<void>;
}

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: OtlpKeyValue[];
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  status?: { code?: number };
}
interface OtlpRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

export function attrValue(v: OtlpAnyValue | undefined): AttrValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(attrValue);
  return null;
}

function attrs(kvs: OtlpKeyValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of kvs ?? []) out[kv.key] = attrValue(kv.value);
  return out;
}

/** Flattens one OTLP JSON export request. */
export function flattenOtlp(body: OtlpRequest): CollectedSpan[] {
  const out: CollectedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    const serviceName = String(resource['service.name'] ?? '');
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind ?? 0,
          serviceName,
          resource,
          attributes: attrs(s.attributes),
          startNs: BigInt(s.startTimeUnixNano ?? 0),
          endNs: BigInt(s.endTimeUnixNano ?? 0),
          statusCode: s.status?.code ?? 0,
        });
      }
    }
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  let spans: CollectedSpan[] = [];
  const rejected: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = await readBody(req);
        if (!String(req.headers['content-type'] ?? '').includes('json')) {
          throw new Error(`content-type ${req.headers['content-type']} (expected JSON)`);
        }
        spans.push(...flattenOtlp(JSON.parse(body.toString('utf8')) as OtlpRequest));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (err) {
        rejected.push((err as Error).message);
        res.writeHead(400).end();
      }
    })();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => [...spans],
    async waitFor(done, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (done(spans)) return [...spans];
        if (Date.now() > until) {
          throw new Error(
            `OTLP receiver: condition not met within ${timeoutMs} ms (${spans.length} spans collected)`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    rejected: () => [...rejected],
    clear() {
      spans = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
