/**
 * Metrics of a real mesh in one process (the four services over loopback
 * gRPC, embedded state, the sample catalogue) scraped over HTTP: counters
 * move by exactly the decisions and outcomes sent, latencies land in
 * millisecond buckets on both sides of every hop, campaign spend and pacing
 * show up as gauges, and no label carries a request or session id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdDecisionClient,
  connect,
  type DecideResponse__Output,
  decide,
  reportOutcome,
} from '../../bin/client';
import { TrafficModel } from '../../bin/traffic';
import { loadConfig } from '../../services/common/config';
import { createLogger } from '../../services/common/log';
import {
  type MetricsEndpoint,
  parsePrometheus,
  type Sample,
  serveMetrics,
  sumOf,
} from '../../services/common/metrics';
import { type LocalMesh, startLocalMesh } from '../support/local-mesh';

const log = createLogger('metrics-it', 'error');
const DECISIONS = 30;

let mesh: LocalMesh;
let endpoint: MetricsEndpoint;
let client: AdDecisionClient;

async function scrape(): Promise<Sample[]> {
  const res = await fetch(endpoint.url);
  expect(res.status).toBe(200);
  return parsePrometheus(await res.text());
}

beforeAll(async () => {
  mesh = await startLocalMesh(log);
  endpoint = await serveMetrics({ host: '127.0.0.1', port: 0 });
  client = connect(mesh.broker.address);
  // Warm up until a decision runs with every agent (streams open on first use).
  const warm = new TrafficModel(1, 'warm', 1000);
  for (let healthy = 0, i = 0; healthy < 3; i++) {
    if (i > 200) throw new Error('the mesh stays degraded');
    const res = await decide(client, warm.next().request, { timeoutMs: 5000 });
    healthy = res.degraded.length === 0 ? healthy + 1 : 0;
  }
}, 30_000);

afterAll(async () => {
  client?.close();
  await endpoint?.close();
  await mesh?.close();
});

describe('metrics of a live mesh', () => {
  const model = new TrafficModel(20261127, 'metrics-it', 1000);
  const sent: Array<{ requestId: string; sessionId: string; res: DecideResponse__Output }> = [];
  let before: Sample[] = [];
  let after: Sample[] = [];
  const delta = (name: string, match: Record<string, string> = {}) =>
    sumOf(after, name, match) - sumOf(before, name, match);

  beforeAll(async () => {
    before = await scrape();
    for (let i = 0; i < DECISIONS; i++) {
      const { request, session } = model.next();
      const res = await decide(client, request, { timeoutMs: 5000 });
      sent.push({ requestId: request.request_id ?? '', sessionId: session.id, res });
    }
    after = await scrape();
  }, 30_000);

  it('counts each decision exactly once, split by result and degradation', () => {
    expect(delta('parley_decisions_total')).toBe(DECISIONS);
    const noAd = sent.filter((s) => s.res.ads.length === 0).length;
    expect(delta('parley_decisions_total', { parley_decision_result: 'no_ad' })).toBe(noAd);
    expect(delta('parley_decisions_total', { parley_decision_result: 'ad' })).toBe(DECISIONS - noAd);
    expect(delta('parley_no_ad_decisions_total')).toBe(noAd);
    for (const s of sent.filter((x) => x.res.ads.length === 0)) {
      expect(
        after.some(
          (x) =>
            x.name === 'parley_no_ad_decisions_total' && x.labels.parley_reason === s.res.no_ad_reasons[0],
        ),
      ).toBe(true);
    }
    const degraded = sent.filter((s) => s.res.degraded.length > 0).length;
    expect(delta('parley_decisions_total', { parley_decision_degraded: 'true' })).toBe(degraded);
    for (const part of ['context', 'inventory', 'objective']) {
      expect(delta('parley_degraded_decisions_total', { parley_part: part })).toBe(
        sent.filter((s) => (s.res.degraded as string[]).includes(part)).length,
      );
    }
  });

  it('decision latency is a histogram in seconds with every decision inside the bucket range', () => {
    expect(delta('parley_decision_duration_seconds_count')).toBe(DECISIONS);
    // Each decision answered within its 1000 ms deadline: all are in the le=1 (second) bucket.
    expect(delta('parley_decision_duration_seconds_bucket', { le: '1' })).toBe(DECISIONS);
    const meanS = delta('parley_decision_duration_seconds_sum') / DECISIONS;
    expect(meanS).toBeGreaterThan(0.00005); // seconds: more than 50 µs …
    expect(meanS).toBeLessThan(1); // … and less than the deadline (milliseconds would be hundreds)
    // The server side of Decide saw the same calls, all OK.
    expect(
      delta('rpc_server_duration_seconds_count', {
        rpc_service: 'parley.v1.AdDecision',
        rpc_method: 'Decide',
        rpc_grpc_status_code: '0',
      }),
    ).toBe(DECISIONS);
  });

  it("per-agent latency: the broker's client side of each hop, matched by each agent's server side", () => {
    // Per agent, by its registry name (every agent of this in-process mesh).
    let okTotal = 0;
    for (const agent of loadConfig({}).agents.map((x) => x.name)) {
      const client = delta('rpc_client_duration_seconds_count', {
        rpc_service: 'parley.v1.Agent',
        parley_agent: agent,
      });
      const clientOk = delta('rpc_client_duration_seconds_count', {
        rpc_service: 'parley.v1.Agent',
        parley_agent: agent,
        rpc_grpc_status_code: '0',
      });
      // At least one call per decision to every agent (the objective: critique and commit).
      expect(client, agent).toBeGreaterThanOrEqual(DECISIONS);
      expect(clientOk, agent).toBeGreaterThan(0);
      okTotal += clientOk;
    }
    // Every reply the broker received was one an agent answered (their server sides share this process).
    expect(
      delta('rpc_server_duration_seconds_count', { rpc_service: 'parley.v1.Agent' }),
    ).toBeGreaterThanOrEqual(okTotal);
  });

  it('outcomes count once per idempotency key; spend and pacing show per campaign', async () => {
    const withAd = sent.filter((s) => s.res.ads.some((a) => a.reservation_id !== ''));
    expect(withAd.length, 'the sample catalogue fills most slots').toBeGreaterThan(0);
    const o0 = await scrape();
    const campaigns = new Set<string>();
    let impressions = 0;
    let skips = 0;
    for (const s of withAd) {
      for (const ad of s.res.ads) {
        const base = {
          request_id: s.requestId,
          reservation_id: ad.reservation_id,
          creative_id: ad.creative_id,
          session_id: s.sessionId,
        };
        const imp = {
          ...base,
          idempotency_key: `${s.requestId}:${ad.pod_position}:imp`,
          event: 'OUTCOME_EVENT_IMPRESSION' as const,
        };
        expect((await reportOutcome(client, imp)).accepted).toBe(true);
        // A replay is acknowledged but must not count twice.
        expect((await reportOutcome(client, imp)).duplicate).toBe(true);
        impressions++;
        if (ad.price_micros > 0) campaigns.add(ad.campaign_id); // house ads spend nothing
        if (impressions % 2 === 0) {
          await reportOutcome(client, {
            ...base,
            idempotency_key: `${s.requestId}:${ad.pod_position}:skip`,
            event: 'OUTCOME_EVENT_SKIP',
            skip_offset_ms: 2000,
          });
          skips++;
        }
      }
    }
    const o1 = await scrape();
    const d = (m: Record<string, string>) =>
      sumOf(o1, 'parley_outcomes_total', m) - sumOf(o0, 'parley_outcomes_total', m);
    expect(d({ parley_outcome_event: 'impression' })).toBe(impressions);
    expect(d({ parley_outcome_event: 'skip' })).toBe(skips);
    expect(campaigns.size).toBeGreaterThan(0);
    for (const id of campaigns) {
      // Settled spend of every campaign that served is above zero, and it paces (or not) visibly.
      expect(
        sumOf(o1, 'parley_campaign_spent_micros', {
          parley_campaign_id: id,
          parley_budget_period: 'lifetime',
        }),
        id,
      ).toBeGreaterThan(0);
      expect(d({ parley_campaign_id: id })).toBeGreaterThan(0);
    }
    // Even-paced campaigns of the sample catalogue report spend against an ideal curve.
    const ideal = o1.filter((x) => x.name === 'parley_campaign_ideal_spend_micros');
    expect(ideal.length).toBeGreaterThan(5);
    for (const x of ideal) {
      const c = { parley_campaign_id: x.labels.parley_campaign_id! };
      expect(sumOf(o1, 'parley_campaign_paced_budget_micros', c)).toBeGreaterThanOrEqual(x.value);
      expect(sumOf(o1, 'parley_campaign_pacing_multiplier', c)).toBeGreaterThan(0);
    }
  });

  it('no label value is a request or session id', async () => {
    const s = await scrape();
    const ids = new Set(sent.flatMap((x) => [x.requestId, x.sessionId]));
    for (const x of s)
      for (const v of Object.values(x.labels)) expect(ids.has(v), `${x.name} ${v}`).toBe(false);
    // Series per metric stay small: bounded by methods, status codes, reasons and campaigns.
    const perMetric = new Map<string, number>();
    for (const x of s) perMetric.set(x.name, (perMetric.get(x.name) ?? 0) + 1);
    for (const [name, n] of perMetric) expect(n, name).toBeLessThan(600);
  });
});
