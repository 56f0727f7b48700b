/**
 * The broker's client spans of agent calls (services/broker/links.ts) over a
 * real Agent.Negotiate stream on loopback: named and labelled as the method
 * the calls travel on, with the call kind, the agent, server.address/port and
 * the call's gRPC status code, DEADLINE_EXCEEDED (4) for a call that timed
 * out; an unsampled decision makes none.
 */
import * as grpc from '@grpc/grpc-js';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAgents } from '../../../services/broker/links';
import { loadConfig } from '../../../services/common/config';
import { serveAgent } from '../../../services/common/grpc/agent-stream';
import { v1 } from '../../../services/common/grpc/proto';
import { type StartedServer, startServer } from '../../../services/common/grpc/server';
import { createLogger } from '../../../services/common/log';
import { AGENT_NEGOTIATE, ATTR } from '../../../services/common/semconv';
import { tracer } from '../../../services/common/telemetry';
import { snapshotToWire } from '../../../services/common/wire/common';
import { spans, useMemorySpans } from '../../support/spans';
import { SIGNALS, SNAPSHOT } from './fakes';

const log = createLogger('test', 'error');
useMemorySpans();

describe("the broker's agent call spans", () => {
  let server: StartedServer;
  let links: ReturnType<typeof connectAgents>;

  beforeAll(async () => {
    // A context agent that answers at once, or after the session id's milliseconds ("slow:<ms>").
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      serviceNames: ['parley.v1.Agent'],
      services: [
        [
          v1.Agent.service,
          {
            Negotiate: serveAgent(
              {
                assess(req) {
                  const [kind, ms] = (req.signals?.session_id ?? '').split(':');
                  const reply = snapshotToWire(SNAPSHOT);
                  return kind === 'slow' ? new Promise((r) => setTimeout(() => r(reply), Number(ms))) : reply;
                },
              },
              log,
            ),
          },
        ],
      ],
      log,
    });
    const context = loadConfig({}).agents.find((a) => a.roles.includes('context'))!;
    links = connectAgents({
      agents: [{ ...context, address: server.address }],
      compression: 'off',
      agentResolveMs: 0,
    });
  });
  afterAll(async () => {
    links.close();
    await server.shutdown(100);
  });

  const clientSpans = () =>
    spans.get().filter((s) => s.name === AGENT_NEGOTIATE && s.kind === SpanKind.CLIENT);

  it('a sampled call: rpc.* of Agent/Negotiate, the call kind, the agent, the address, status 0', async () => {
    spans.reset();
    const decision = tracer().startSpan('decide', {}, ROOT_CONTEXT);
    await links.agents.context!.assess(SIGNALS, 2000, decision);
    decision.end();
    const [span, ...more] = clientSpans();
    expect(more).toEqual([]);
    expect(span?.parentSpanContext?.spanId).toBe(decision.spanContext().spanId);
    expect(span?.attributes).toEqual({
      [ATTR.rpcSystem]: 'grpc',
      [ATTR.rpcService]: 'parley.v1.Agent',
      [ATTR.rpcMethod]: 'Negotiate',
      [ATTR.agentCall]: 'assess',
      [ATTR.agent]: 'context',
      [ATTR.serverAddress]: '127.0.0.1',
      [ATTR.serverPort]: server.port,
      [ATTR.rpcStatusCode]: grpc.status.OK,
    });
  });

  it('a call that times out ends its span with DEADLINE_EXCEEDED (4) and an error status', async () => {
    spans.reset();
    const decision = tracer().startSpan('decide', {}, ROOT_CONTEXT);
    await expect(
      links.agents.context!.assess({ ...SIGNALS, sessionId: 'slow:300' }, 20, decision),
    ).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    decision.end();
    const [span] = clientSpans();
    expect(span?.attributes[ATTR.rpcStatusCode]).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('an unsampled decision makes no span', async () => {
    spans.reset();
    await links.agents.context!.assess(SIGNALS, 2000, null);
    expect(clientSpans()).toEqual([]);
  });
});
