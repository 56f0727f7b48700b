/**
 * The broker↔agent transport (services/common/grpc/agent-stream.ts) over a
 * real Agent.Negotiate stream on loopback: replies matched to calls, calls of
 * one turn coalesced into one message, per-call errors, timeouts, a broken
 * stream, and trace context that crosses only for a sampled decision.
 */
import * as grpc from '@grpc/grpc-js';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentCalls__Output } from '../../../proto/gen/parley/v1/AgentCalls';
import type { AgentReplies } from '../../../proto/gen/parley/v1/AgentReplies';
import { AgentLink, serveAgent } from '../../../services/common/grpc/agent-stream';
import { MAX_BATCH_WEIGHT } from '../../../services/common/grpc/coalescer';
import { RpcError } from '../../../services/common/grpc/errors';
import { v1 } from '../../../services/common/grpc/proto';
import { type StartedServer, startServer } from '../../../services/common/grpc/server';
import { createLogger } from '../../../services/common/log';
import { AGENT_NEGOTIATE, ATTR } from '../../../services/common/semconv';
import { tracer } from '../../../services/common/telemetry';
import { traceparentOf } from '../../../services/common/tracing';
import { spans, useMemorySpans } from '../../support/spans';

const log = createLogger('test', 'error');
useMemorySpans();

const signals = (sessionId: string) => ({ signals: { session_id: sessionId } });

/** An agent whose assess behaviour is chosen by the session id: `slow:<ms>`, `fail:…`, else at once. */
async function serve(port = 0): Promise<StartedServer> {
  return startServer({
    host: '127.0.0.1',
    port,
    serviceNames: ['parley.v1.Agent'],
    services: [
      [
        v1.Agent.service,
        {
          Negotiate: serveAgent(
            {
              assess(req) {
                const id = req.signals?.session_id ?? '';
                const [kind, arg] = id.split(':');
                const reply = { model_version: id };
                if (kind === 'slow') return new Promise((r) => setTimeout(() => r(reply), Number(arg)));
                if (kind === 'fail') throw new RpcError(grpc.status.FAILED_PRECONDITION, 'no such session');
                return reply;
              },
            },
            log,
          ),
        },
      ],
    ],
    log,
  });
}

describe('the agent stream', () => {
  let server: StartedServer;
  let link: AgentLink;

  beforeAll(async () => {
    server = await serve();
    link = new AgentLink('context', server.address);
  });
  afterAll(async () => {
    link.close();
    await server.shutdown(100);
  });

  const ask = (sessionId: string, timeoutMs = 10_000, traceparent = '') =>
    link.call('assess', signals(sessionId), timeoutMs, traceparent);

  it('matches every reply to its call, also when replies come back out of order', async () => {
    const ids = Array.from({ length: 200 }, (_, i) =>
      i % 3 === 0 ? `slow:${20 - (i % 20)}:${i}` : `fast:${i}`,
    );
    const replies = await Promise.all(ids.map((id) => ask(id)));
    expect(replies.map((r) => r.model_version)).toEqual(ids);
  });

  it('turns a per-call error into an RpcError with its status, and the stream stays up', async () => {
    await expect(ask('fail:x')).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
    expect((await ask('ok:after-failure')).model_version).toBe('ok:after-failure');
  });

  it('answers a kind of call the agent does not serve with UNIMPLEMENTED', async () => {
    await expect(link.call('propose', { request_id: 'r' }, 2000)).rejects.toMatchObject({
      code: grpc.status.UNIMPLEMENTED,
    });
  });

  it('rejects with DEADLINE_EXCEEDED when the agent is slower than the timeout, and drops the late reply', async () => {
    await expect(ask('slow:300', 30)).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    await new Promise((r) => setTimeout(r, 320));
    expect((await ask('ok:after-timeout')).model_version).toBe('ok:after-timeout');
  });

  it('makes no span for an unsampled call, and a child of the caller for a sampled one', async () => {
    spans.reset();
    await ask('ok:untraced');
    await new Promise((r) => setTimeout(r, 20));
    expect(spans.get().filter((s) => s.name === AGENT_NEGOTIATE)).toEqual([]);

    const parent = tracer().startSpan('caller', {}, ROOT_CONTEXT);
    await ask('ok:traced', 2000, traceparentOf(parent));
    parent.end();
    await new Promise((r) => setTimeout(r, 20));
    const served = spans.get().find((s) => s.name === AGENT_NEGOTIATE);
    expect(served?.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(served?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(trace.getActiveSpan()).toBeUndefined();
    // Named and labelled as the method the call travels on, with its kind and the address dialled.
    expect(served?.kind).toBe(SpanKind.SERVER);
    expect(served?.attributes).toEqual({
      [ATTR.rpcSystem]: 'grpc',
      [ATTR.rpcService]: 'parley.v1.Agent',
      [ATTR.rpcMethod]: 'Negotiate',
      [ATTR.agentCall]: 'assess',
      [ATTR.serverAddress]: '127.0.0.1',
      [ATTR.serverPort]: server.port,
      [ATTR.rpcStatusCode]: grpc.status.OK,
    });
  });

  it("a sampled call's server span carries the status the call ended with", async () => {
    spans.reset();
    const parent = tracer().startSpan('caller', {}, ROOT_CONTEXT);
    await expect(ask('fail:traced', 2000, traceparentOf(parent))).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
    });
    parent.end();
    await new Promise((r) => setTimeout(r, 20));
    const failed = spans.get().find((s) => s.name === AGENT_NEGOTIATE);
    expect(failed?.attributes[ATTR.rpcStatusCode]).toBe(grpc.status.FAILED_PRECONDITION);
    expect(failed?.status.code).toBe(2); // ERROR
  });

  it('names and labels client spans as the server does, with the agent and the address dialled', () => {
    expect(link.spanAttributes.propose).toEqual({
      [ATTR.rpcSystem]: 'grpc',
      [ATTR.rpcService]: 'parley.v1.Agent',
      [ATTR.rpcMethod]: 'Negotiate',
      [ATTR.agentCall]: 'propose',
      [ATTR.agent]: 'context',
      [ATTR.serverAddress]: '127.0.0.1',
      [ATTR.serverPort]: server.port,
    });
    // Built once: the same object for every call.
    expect(link.spanAttributes.propose).toBe(link.spanAttributes.propose);
  });

  it('fails pending calls with UNAVAILABLE when the agent goes away, and recovers when it is back', async () => {
    const port = server.port;
    const pending = ask('slow:2000', 5000);
    await new Promise((r) => setTimeout(r, 50));
    server.server.forceShutdown();
    await expect(pending).rejects.toBeInstanceOf(RpcError);
    await expect(pending).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    // While it is down, calls fail fast instead of hanging.
    const started = Date.now();
    await expect(ask('ok:down', 2000)).rejects.toBeInstanceOf(RpcError);
    expect(Date.now() - started).toBeLessThan(1500);
    server = await serve(port);
    let reply: { model_version: string } | null = null;
    for (let i = 0; i < 50 && !reply; i++) {
      reply = await ask('ok:back', 500).catch(() => null);
      if (!reply) await new Promise((r) => setTimeout(r, 100));
    }
    expect(reply?.model_version).toBe('ok:back');
  });
});

describe('coalescing', () => {
  /** A raw Agent server that records how many calls each message it receives carries. */
  let server: StartedServer;
  const sizes: number[] = [];

  beforeAll(async () => {
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      serviceNames: ['parley.v1.Agent'],
      services: [
        [
          v1.Agent.service,
          {
            Negotiate: (stream: grpc.ServerDuplexStream<AgentCalls__Output, AgentReplies>) => {
              stream.on('data', (msg: AgentCalls__Output) => {
                sizes.push(msg.calls.length);
                stream.write({
                  replies: msg.calls.map((c) => ({ call_id: c.call_id, snapshot: { model_version: 'x' } })),
                });
              });
              stream.on('end', () => stream.end());
            },
          },
        ],
      ],
      log,
    });
  });
  afterAll(() => server.shutdown(100));

  it('sends the calls made in one turn of the event loop together, in messages of at most MAX_BATCH_WEIGHT calls', async () => {
    const link = new AgentLink('context', server.address);
    try {
      await link.call('assess', signals('warm-up'), 2000);
      sizes.length = 0;
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i) => link.call('assess', signals(`s${i}`), 2000)),
      );
      expect(replies).toHaveLength(50);
      expect(sizes).toEqual([MAX_BATCH_WEIGHT, 50 - MAX_BATCH_WEIGHT]);
      // Calls made in different turns leave in different messages.
      sizes.length = 0;
      await link.call('assess', signals('a'), 2000);
      await link.call('assess', signals('b'), 2000);
      expect(sizes).toEqual([1, 1]);
    } finally {
      link.close();
    }
  });
});
