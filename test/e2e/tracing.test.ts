/**
 * W3C trace context end to end: an ad server's traceparent reaches the
 * broker, every hop to the agents (over the multiplexed streams) stays in the
 * same trace, and each process exports its spans over OTLP/HTTP under its
 * own service.name and service.instance.id. Every client and server span
 * follows the OpenTelemetry RPC conventions (rpc.*, server.address/port, the
 * gRPC status code, `package.Service/Method` names). Sampling: the mesh here samples
 * no new trace (OTEL_TRACES_SAMPLER_ARG=0 on the default parent-based ratio
 * sampler), so what is exported is exactly what a sampled caller asked for;
 * an unsampled decision still answers with its trace id.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdDecisionClient, connect, decide, reportOutcome } from '../../bin/client';
import { AGENTS, spawnService, stopProcess } from '../../bin/spawn';
import { CALL_KINDS } from '../../services/common/grpc/agent-stream';
import { AGENT_NEGOTIATE, ATTR, hostPort, SPAN } from '../../services/common/semconv';
import type { TestMesh } from '../support/mesh';
import { type CollectedSpan, OTLP_KIND, type OtlpReceiver, startOtlpReceiver } from '../support/otlp';
import { startE2eMesh, validDecide, validOutcome } from './fixtures';

// Fixed ids, as an ad server's tracer would send them.
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const OUTCOME_TRACE_ID = '5c0a3e4f1b2d4c6e8f9a0b1c2d3e4f50';
const OUTCOME_PARENT_ID = '1a2b3c4d5e6f7081';

function traceparent(traceId: string, spanId: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('traceparent', `00-${traceId}-${spanId}-01`);
  return md;
}

/** True when `ancestorId` is on the parent chain of `span`. */
function descendsFrom(span: CollectedSpan, ancestorId: string, byId: Map<string, CollectedSpan>): boolean {
  let cur: CollectedSpan | undefined = span;
  for (let hops = 0; cur && hops < 50; hops++) {
    if (cur.parentSpanId === ancestorId) return true;
    cur = byId.get(cur.parentSpanId);
  }
  return false;
}

describe('tracing across the mesh (OTLP/HTTP export)', () => {
  let otlp: OtlpReceiver;
  let mesh: TestMesh;
  let client: AdDecisionClient;

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    mesh = await startE2eMesh(undefined, {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_TRACES_SAMPLER_ARG: '0',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=e2e',
    });
    client = connect(mesh.broker);
    await decide(client, validDecide(), { timeoutMs: 5000 }); // warm-up, its own trace
  });

  afterAll(async () => {
    client?.close();
    await mesh?.stop();
    await otlp?.stop();
  });

  it('one trace from the ad server through the broker to every agent, with a span per round', async () => {
    const req = validDecide({ deadline_ms: 2000 }); // generous: this test is about traces, not time
    const res = await decide(client, req, {
      metadata: traceparent(TRACE_ID, PARENT_SPAN_ID),
      timeoutMs: 2000,
    });
    expect(res.ads.length, mesh.logs()).toBeGreaterThan(0);
    expect(res.why?.trace_id).toBe(TRACE_ID);
    const rounds = res.why?.rounds ?? 0;
    expect(rounds).toBeGreaterThanOrEqual(1);

    const inTrace = (spans: CollectedSpan[]) => spans.filter((s) => s.traceId === TRACE_ID);
    const serverOf = (spans: CollectedSpan[], service: string) =>
      spans.filter((s) => s.serviceName === service && s.kind === OTLP_KIND.server);
    const spans = inTrace(
      await otlp.waitFor((all) => {
        const t = inTrace(all);
        return (
          t.some((s) => s.name === SPAN.decide) &&
          AGENTS.every((a) => serverOf(t, `parley-${a}`).length > 0) &&
          t.filter((s) => s.name === SPAN.round).length >= rounds
        );
      }),
    );
    const byId = new Map(spans.map((s) => [s.spanId, s]));

    // Every span of this request is in the one trace.
    for (const s of otlp.spans()) {
      if (s.attributes[ATTR.requestId] === req.request_id) expect(s.traceId).toBe(TRACE_ID);
    }

    // The broker's Decide server span is a child of the ad server's span.
    const decideSpans = spans.filter((s) => s.name === SPAN.decide);
    expect(decideSpans).toHaveLength(1);
    const root = decideSpans[0]!;
    expect(root).toMatchObject({
      serviceName: 'parley-broker',
      kind: OTLP_KIND.server,
      parentSpanId: PARENT_SPAN_ID,
    });
    expect(root.attributes[ATTR.requestId]).toBe(req.request_id);
    expect(root.attributes[ATTR.chosenCreative]).toEqual(res.ads.map((a) => a.creative_id));
    expect(root.attributes[ATTR.utility]).toBeCloseTo(res.why?.utility ?? Number.NaN, 6);
    expect(root.attributes[ATTR.rounds]).toBe(rounds);
    expect(root.attributes[ATTR.noAd]).toBe(false);
    const versions = Object.entries(root.attributes).filter(([k]) => k.startsWith(ATTR.modelVersion));
    expect(Object.fromEntries(versions)).toEqual(
      Object.fromEntries(
        Object.entries(res.why?.agents ?? {}).map(([name, a]) => [
          `${ATTR.modelVersion}.${name}`,
          a.model_version,
        ]),
      ),
    );
    expect(versions.map(([k]) => k).sort()).toEqual(AGENTS.map((a) => `${ATTR.modelVersion}.${a}`).sort());
    for (const [, v] of versions) expect(v).not.toBe('');

    // Each agent's server spans (its own service.name) are children of the broker's client spans.
    for (const agent of AGENTS) {
      const served = serverOf(spans, `parley-${agent}`);
      expect(served.length, `${agent} server spans`).toBeGreaterThan(0);
      for (const s of served) {
        const parent = byId.get(s.parentSpanId);
        expect(parent, `parent of ${agent} span ${s.name}`).toMatchObject({
          serviceName: 'parley-broker',
          kind: OTLP_KIND.client,
        });
        expect(descendsFrom(s, root.spanId, byId)).toBe(true);
      }
    }
    // The objective agent both evaluated and committed (the sponsorship is paid).
    expect(serverOf(spans, 'parley-objective').length).toBeGreaterThanOrEqual(2);

    // Every client and server span follows the OpenTelemetry RPC conventions.
    const rpcSpans = spans.filter((s) => s.kind === OTLP_KIND.client || s.kind === OTLP_KIND.server);
    expect(rpcSpans.length).toBeGreaterThan(2 * AGENTS.length);
    for (const s of rpcSpans) {
      const a = s.attributes;
      const what = `${s.serviceName} ${s.name} (${s.kind})`;
      expect(a[ATTR.rpcSystem], what).toBe('grpc');
      expect(s.name, what).toBe(`${a[ATTR.rpcService]}/${a[ATTR.rpcMethod]}`);
      expect(a[ATTR.rpcStatusCode], what).toBe(0); // a healthy decision: every call OK
      expect(a[ATTR.serverAddress], what).toBe('127.0.0.1');
      expect(a[ATTR.serverPort], what).toBeGreaterThan(0);
      if (a[ATTR.rpcService] === 'parley.v1.Agent') {
        // Calls on the one Agent.Negotiate stream: the method it is, the kind of call beside it.
        expect(s.name, what).toBe(AGENT_NEGOTIATE);
        expect(CALL_KINDS, what).toContain(a[ATTR.agentCall]);
      }
    }
    expect(root.attributes[ATTR.serverPort]).toBe(hostPort(mesh.broker).port);
    // Each hop's two ends agree: the server span of an agent call is named and labelled as its client span.
    for (const s of rpcSpans.filter(
      (x) => x.kind === OTLP_KIND.server && x.serviceName !== 'parley-broker',
    )) {
      const client = byId.get(s.parentSpanId)!;
      expect(client.name).toBe(s.name);
      expect(client.attributes[ATTR.agentCall]).toBe(s.attributes[ATTR.agentCall]);
      expect(client.attributes[ATTR.serverPort]).toBe(s.attributes[ATTR.serverPort]);
      expect(`parley-${client.attributes[ATTR.agent]}`).toBe(s.serviceName);
    }

    // A span per negotiation round, numbered, with candidate counts.
    const roundSpans = spans.filter((s) => s.name === SPAN.round && s.serviceName === 'parley-broker');
    expect(roundSpans.map((s) => s.attributes[ATTR.round]).sort()).toEqual(
      Array.from({ length: rounds }, (_, i) => i + 1),
    );
    for (const s of roundSpans) {
      expect(descendsFrom(s, root.spanId, byId)).toBe(true);
      expect(s.attributes[ATTR.candidatesProposed]).toBeGreaterThan(0);
      expect(typeof s.attributes[ATTR.candidatesEligible]).toBe('number');
    }
    expect(otlp.rejected()).toEqual([]);
  });

  it('each process exports under its own service.name and service.instance.id, with the SDK and env attributes', async () => {
    const spans = await otlp.waitFor((all) =>
      ['broker', ...AGENTS].every((n) => all.some((s) => s.serviceName === `parley-${n}`)),
    );
    const instances = new Map<string, Set<string>>();
    for (const s of spans) {
      expect(s.resource['telemetry.sdk.language'], s.serviceName).toBe('nodejs');
      expect(s.resource['deployment.environment.name'], s.serviceName).toBe('e2e');
      const ids = instances.get(s.serviceName) ?? new Set<string>();
      ids.add(String(s.resource['service.instance.id']));
      instances.set(s.serviceName, ids);
    }
    // One instance id per process, none shared.
    const all = [...instances.values()].flatMap((ids) => [...ids]);
    for (const [name, ids] of instances) expect(ids.size, name).toBe(1);
    expect(new Set(all).size).toBe(all.length);
    for (const id of all) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an unsampled decision exports nothing, yet answers with its trace id', async () => {
    const UNSAMPLED_TRACE_ID = '6e0c63257de34c926f9efcd03f1c5a26';
    const fresh = await decide(client, validDecide({ deadline_ms: 2000 }), { timeoutMs: 5000 });
    const kept = await decide(client, validDecide({ deadline_ms: 2000 }), {
      metadata: (() => {
        const md = new grpc.Metadata();
        md.set('traceparent', `00-${UNSAMPLED_TRACE_ID}-${PARENT_SPAN_ID}-00`);
        return md;
      })(),
      timeoutMs: 5000,
    });
    const freshId = fresh.why?.trace_id ?? '';
    expect(freshId, mesh.logs()).toMatch(/^[0-9a-f]{32}$/);
    expect(freshId).not.toMatch(/^0+$/);
    expect(kept.why?.trace_id).toBe(UNSAMPLED_TRACE_ID);
    // A sampled decision after them: once its spans are in, theirs would have been too.
    const SAMPLED = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    await decide(client, validDecide({ deadline_ms: 2000 }), {
      metadata: traceparent(SAMPLED, PARENT_SPAN_ID),
      timeoutMs: 5000,
    });
    const spans = await otlp.waitFor((all) =>
      ['broker', ...AGENTS].every((n) =>
        all.some((s) => s.traceId === SAMPLED && s.serviceName === `parley-${n}`),
      ),
    );
    expect(spans.filter((s) => s.traceId === freshId || s.traceId === UNSAMPLED_TRACE_ID)).toEqual([]);
  });

  it('a bad sampler setting stops a service at start with an error naming the variable', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, PARLEY_HOST: '127.0.0.1' };
    const failed = await spawnService('context', {
      env: { ...env, PARLEY_CONTEXT_PORT: '0', OTEL_TRACES_SAMPLER: 'sometimes' },
    }).then(
      async (started) => {
        await stopProcess(started, 'SIGKILL', 1000);
        return new Error('it started');
      },
      (err: Error) => err,
    );
    expect(failed.message).toMatch(/exited \(code 1\)/);
    expect(failed.message).toMatch(
      /parley serve context: bad configuration: OTEL_TRACES_SAMPLER: expected always_on\|.*got "sometimes"/,
    );
  });

  it('an outcome report is traced to the objective agent that records it', async () => {
    const res = await decide(client, validDecide({ deadline_ms: 2000 }), { timeoutMs: 5000 });
    const ad = res.ads[0]!;
    const ack = await reportOutcome(
      client,
      validOutcome({
        reservation_id: ad.reservation_id,
        creative_id: ad.creative_id,
        event: 'OUTCOME_EVENT_IMPRESSION',
      }),
      { metadata: traceparent(OUTCOME_TRACE_ID, OUTCOME_PARENT_ID) },
    );
    expect(ack.accepted).toBe(true);
    const spans = (
      await otlp.waitFor((all) => {
        const t = all.filter((s) => s.traceId === OUTCOME_TRACE_ID);
        return (
          t.some((s) => s.name === SPAN.reportOutcome) &&
          t.some((s) => s.serviceName === 'parley-objective' && s.kind === OTLP_KIND.server)
        );
      })
    ).filter((s) => s.traceId === OUTCOME_TRACE_ID);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const root = spans.find((s) => s.name === SPAN.reportOutcome);
    expect(root).toMatchObject({ serviceName: 'parley-broker', parentSpanId: OUTCOME_PARENT_ID });
    const recorded = spans.find((s) => s.serviceName === 'parley-objective' && s.kind === OTLP_KIND.server)!;
    expect(byId.get(recorded.parentSpanId)).toMatchObject({
      serviceName: 'parley-broker',
      kind: OTLP_KIND.client,
    });
    expect(descendsFrom(recorded, root!.spanId, byId)).toBe(true);
  });
});
