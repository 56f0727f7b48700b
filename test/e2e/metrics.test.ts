/**
 * Every service process serves its own Prometheus endpoint: the five
 * `parley serve` processes (Redis state, the sample catalogue) each report a
 * distinct metrics address in their start line, and after a few decisions
 * each endpoint serves the series that service owns, with counts that match
 * what was sent (the admin service: its own gRPC calls, here ListDecisions
 * reading back the decisions the broker recorded). Every name served is one
 * the code registry lists (exportedMetricNames, what the dashboard and alert
 * rules are checked against); each agent reports its model versions, the
 * admin the overrides in force, the inventory agent its outcome-log lag.
 * PARLEY_METRICS_PORT=off turns the endpoint off.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdDecisionClient, connect, decide, reportOutcome } from '../../bin/client';
import {
  ADMIN_ADDR_ENV,
  ADMIN_HTTP_PORT_ENV,
  AGENTS,
  addrEnv,
  portEnv,
  SERVICES,
  type ServiceName,
  type ServiceProcess,
  spawnService,
  stopProcess,
} from '../../bin/spawn';
import { TrafficModel } from '../../bin/traffic';
import type { DecisionList__Output } from '../../proto/gen/parley/v1/DecisionList';
import { loadConfig } from '../../services/common/config';
import { OVERRIDE_KINDS } from '../../services/common/domain/overrides';
import { v1 } from '../../services/common/grpc/proto';
import { exportedMetricNames, parsePrometheus, type Sample, sumOf } from '../../services/common/metrics';
import { spawnTogether } from '../support/mesh';
import { freePort } from '../support/ports';
import { startRedis, type TestRedis } from '../support/redis';

const DECISIONS = 20;

let redis: TestRedis;
const procs = new Map<ServiceName, ServiceProcess>();
let client: AdDecisionClient;
let metricsWhenOff: string | undefined = 'not started';

async function scrape(name: ServiceName): Promise<Sample[]> {
  const res = await fetch(`http://${procs.get(name)!.metrics}/metrics`);
  expect(res.status, name).toBe(200);
  return parsePrometheus(await res.text());
}

const logs = () => [...procs.values()].map((p) => `--- ${p.name} ---\n${p.stderrTail()}`).join('\n');

beforeAll(async () => {
  redis = await startRedis();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PARLEY_HOST: '127.0.0.1',
    PARLEY_LOG_LEVEL: 'warn',
    REDIS_URL: redis.url,
    PARLEY_REDIS_PREFIX: 'e2e-metrics:',
    // No PARLEY_METRICS_PORT: spawnService gives each child a free port.
  };
  for (const name of SERVICES) env[portEnv(name)] = String(await freePort());
  for (const a of AGENTS) env[addrEnv(a)] = `127.0.0.1:${env[portEnv(a)]}`;
  env[ADMIN_ADDR_ENV] = `127.0.0.1:${env[portEnv('admin')]}`;
  env[ADMIN_HTTP_PORT_ENV] = String(await freePort());
  // Alongside, one more context agent with metrics off (it serves nothing; only its start line matters).
  const offEnv = { ...env, PARLEY_CONTEXT_PORT: String(await freePort()), PARLEY_METRICS_PORT: 'off' };
  // The agents and the admin service together (none needs another to start), then the broker.
  const [off, ...started] = await spawnTogether([
    ['context', offEnv],
    ...SERVICES.filter((name) => name !== 'broker').map((name) => [name, env] as const),
  ]);
  metricsWhenOff = off!.metrics;
  await stopProcess(off!, 'SIGTERM', 3000);
  for (const p of started) procs.set(p.name, p);
  procs.set('broker', await spawnService('broker', { env }));
  client = connect(procs.get('broker')!.address);
  const warm = new TrafficModel(3, 'e2e-metrics-warm', 1000);
  for (let healthy = 0, i = 0; healthy < 3; i++) {
    if (i > 200) throw new Error(`the mesh stays degraded\n${logs()}`);
    const res = await decide(client, warm.next().request, { timeoutMs: 5000 });
    healthy = res.degraded.length === 0 ? healthy + 1 : 0;
  }
}, 60_000);

afterAll(async () => {
  client?.close();
  await Promise.all([...procs.values()].map((p) => stopProcess(p, 'SIGTERM', 3000)));
  await redis?.stop();
});

/** The admin service's recent decision records (a gRPC call the admin's endpoint counts). */
function listDecisions(limit: number): Promise<DecisionList__Output> {
  const admin = new v1.Admin(procs.get('admin')!.address, grpc.credentials.createInsecure());
  return new Promise<DecisionList__Output>((resolve, reject) =>
    admin.ListDecisions(
      { limit },
      { deadline: Date.now() + 5000 },
      (err: grpc.ServiceError | null, res?: DecisionList__Output) => {
        admin.close();
        if (err || !res) reject(err);
        else resolve(res);
      },
    ),
  );
}

describe('a Prometheus endpoint on every service', () => {
  it('runs every service of the mesh', () => {
    expect([...procs.keys()].sort()).toEqual([...SERVICES].sort());
    expect(SERVICES).toContain('admin');
  });

  it('each process reports its own metrics address in its start line', () => {
    const addrs = SERVICES.map((n) => procs.get(n)!.metrics);
    for (const [i, a] of addrs.entries()) expect(a, SERVICES[i]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(new Set(addrs).size).toBe(SERVICES.length);
  });

  it('after a few decisions, each endpoint serves the series its service owns', async () => {
    const before = Object.fromEntries(
      await Promise.all(SERVICES.map(async (n) => [n, await scrape(n)] as const)),
    ) as Record<ServiceName, Sample[]>;
    const model = new TrafficModel(11, 'e2e-metrics', 1000);
    const decided: string[] = [];
    const served: Array<{ requestId: string; sessionId: string; creativeId: string; reservationId: string }> =
      [];
    for (let i = 0; i < DECISIONS; i++) {
      const { request, session } = model.next();
      const res = await decide(client, request, { timeoutMs: 5000 });
      decided.push(res.request_id);
      for (const ad of res.ads)
        served.push({
          requestId: res.request_id,
          sessionId: session.id,
          creativeId: ad.creative_id,
          reservationId: ad.reservation_id,
        });
    }
    for (const s of served) {
      const ack = await reportOutcome(client, {
        idempotency_key: `${s.requestId}:${s.creativeId}:complete`,
        request_id: s.requestId,
        reservation_id: s.reservationId,
        creative_id: s.creativeId,
        session_id: s.sessionId,
        event: 'OUTCOME_EVENT_COMPLETE',
      });
      expect(ack.accepted).toBe(true);
    }
    // The broker records every decision (into the shared Redis ring); the admin service reads them back.
    const sent = new Set(decided);
    expect(sent.size, 'distinct request ids').toBe(DECISIONS);
    let listCalls = 0;
    let missing: string[] = [...sent];
    for (const end = Date.now() + 5000; missing.length > 0; ) {
      if (Date.now() > end) throw new Error(`decisions not recorded: ${missing.join(', ')}\n${logs()}`);
      if (listCalls > 0) await new Promise((r) => setTimeout(r, 100));
      const list = await listDecisions(500);
      listCalls++;
      const recorded = new Set(list.decisions.map((d) => d.request_id));
      missing = [...sent].filter((id) => !recorded.has(id));
    }
    const after = Object.fromEntries(
      await Promise.all(SERVICES.map(async (n) => [n, await scrape(n)] as const)),
    ) as Record<ServiceName, Sample[]>;
    const delta = (n: ServiceName, metric: string, match: Record<string, string> = {}) =>
      sumOf(after[n] ?? [], metric, match) - sumOf(before[n] ?? [], metric, match);

    // Broker: exactly the decisions sent, their latency, and its side of every hop.
    expect(delta('broker', 'parley_decisions_total'), logs()).toBe(DECISIONS);
    expect(delta('broker', 'parley_decision_duration_seconds_count')).toBe(DECISIONS);
    expect(delta('broker', 'parley_decision_duration_seconds_bucket', { le: '+Inf' })).toBe(DECISIONS);
    // Per agent, by its registry name: no code here names one.
    for (const agent of AGENTS) {
      expect(
        delta('broker', 'rpc_client_duration_seconds_count', {
          rpc_service: 'parley.v1.Agent',
          parley_agent: agent,
        }),
        agent,
      ).toBeGreaterThanOrEqual(DECISIONS);
    }
    // Each agent: its server side, and none of the broker's series.
    for (const a of AGENTS) {
      expect(
        delta(a, 'rpc_server_duration_seconds_count', { rpc_service: 'parley.v1.Agent' }),
        a,
      ).toBeGreaterThanOrEqual(DECISIONS);
      expect(
        (after[a] ?? []).some((x) => x.name.startsWith('parley_decision')),
        a,
      ).toBe(false);
    }
    // Admin: exactly the ListDecisions calls made, server side; none of the broker's or objective's series.
    expect(
      delta('admin', 'rpc_server_duration_seconds_count', {
        rpc_service: 'parley.v1.Admin',
        rpc_method: 'ListDecisions',
      }),
      logs(),
    ).toBe(listCalls);
    expect(
      (after.admin ?? []).some(
        (x) =>
          x.name.startsWith('parley_decisions') ||
          x.name.startsWith('parley_decision_duration') ||
          x.name.startsWith('parley_campaign'),
      ),
      'admin',
    ).toBe(false);
    // Objective: outcomes, and spend and pacing per campaign from the Redis ledger.
    expect(delta('objective', 'parley_outcomes_total', { parley_outcome_event: 'complete' })).toBe(
      served.length,
    );
    const o = after.objective ?? [];
    expect(o.filter((x) => x.name === 'parley_campaign_ideal_spend_micros').length).toBeGreaterThan(5);
    expect(
      o.some((x) => x.name === 'parley_campaign_spent_micros' && x.labels.parley_budget_period === 'today'),
    ).toBe(true);
  });

  it('each endpoint serves its process runtime: event-loop delay since the previous scrape, GC, heap', async () => {
    for (const n of SERVICES) {
      await scrape(n); // starts a window
      const s = await scrape(n);
      const gauge = (name: string) => s.filter((x) => x.name === name);
      for (const q of ['p50', 'p99', 'max']) {
        const [g, ...more] = gauge(`nodejs_eventloop_delay_${q}_seconds`);
        expect(more, `${n} ${q}`).toEqual([]);
        expect(g?.value, `${n} ${q}`).toBeGreaterThanOrEqual(0);
        // Seconds, not nanoseconds or milliseconds: an idle service is not a second late.
        expect(g?.value, `${n} ${q}`).toBeLessThan(1);
      }
      expect(sumOf(s, 'v8js_memory_heap_used_bytes'), n).toBeGreaterThan(1_000_000);
      expect(
        s.some((x) => x.name === 'v8js_gc_duration_seconds_count'),
        n,
      ).toBe(true);
    }
  });

  it('serves only names the code registry lists (what the dashboard and alerts are checked against)', async () => {
    const exported = new Set(exportedMetricNames());
    for (const n of SERVICES)
      for (const x of await scrape(n)) expect(exported, `${n}: ${x.name}`).toContain(x.name);
  });

  it('each agent says which model versions it uses, admin the overrides in force, inventory its outcome-log lag', async () => {
    for (const a of AGENTS) {
      const info = (await scrape(a)).filter((x) => x.name === 'parley_model_info');
      expect(info.length, a).toBeGreaterThan(0);
      for (const x of info) {
        expect(x.value, a).toBe(1);
        expect(x.labels.parley_model, a).toMatch(new RegExp(`^${a}\\.`));
        expect(x.labels.parley_model_version, a).not.toBe('');
      }
    }
    const admin = await scrape('admin');
    expect(
      admin
        .filter((x) => x.name === 'parley_overrides_active')
        .map((x) => x.labels.parley_override_kind)
        .sort(),
    ).toEqual([...OVERRIDE_KINDS].sort());
    const lag = (await scrape('inventory')).filter(
      (x) => x.name === 'parley_outcome_log_consumer_lag_seconds',
    );
    expect(lag.map((x) => x.labels.parley_consumer_group)).toEqual([loadConfig({}).online.group]);
    expect(lag[0]!.value).toBeGreaterThanOrEqual(0);
  });

  it('PARLEY_METRICS_PORT=off: the service starts without an endpoint', () => {
    expect(metricsWhenOff).toBeUndefined();
  });
});
