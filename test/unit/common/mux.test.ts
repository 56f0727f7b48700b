import * as grpc from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssessCall, AssessCall__Output } from '../../../proto/gen/parley/v1/AssessCall';
import type { AssessReply__Output } from '../../../proto/gen/parley/v1/AssessReply';
import { RpcError } from '../../../services/common/grpc/errors';
import { MuxClient, muxServer } from '../../../services/common/grpc/mux';
import { v1 } from '../../../services/common/grpc/proto';
import { type StartedServer, startServer } from '../../../services/common/grpc/server';
import { createLogger } from '../../../services/common/log';
import { spans, useMemorySpans } from '../../support/spans';

const log = createLogger('test', 'error');
useMemorySpans();

/** A context-agent stream whose behaviour is chosen by the session id. */
function behaviour(call: AssessCall__Output): Promise<Omit<AssessReply__Output, 'envelope' | 'error'>> {
  const id = call.request?.signals?.session_id ?? '';
  const [kind, arg] = id.split(':');
  const reply = { snapshot: { model_version: id } } as Omit<AssessReply__Output, 'envelope' | 'error'>;
  if (kind === 'slow') return new Promise((r) => setTimeout(() => r(reply), Number(arg)));
  if (kind === 'fail')
    return Promise.reject(new RpcError(grpc.status.FAILED_PRECONDITION, 'no such session'));
  return Promise.resolve(reply);
}

async function serve(port = 0): Promise<StartedServer> {
  const unimplemented = (_: unknown, cb: grpc.sendUnaryData<unknown>) =>
    cb({ code: grpc.status.UNIMPLEMENTED });
  return startServer({
    host: '127.0.0.1',
    port,
    serviceNames: ['parley.v1.ContextAgent'],
    services: [
      [
        v1.ContextAgent.service,
        {
          Assess: unimplemented,
          Observe: unimplemented,
          AssessStream: muxServer<AssessCall__Output, AssessReply__Output>(
            'test/AssessStream',
            behaviour,
            log,
          ),
        },
      ],
    ],
    log,
  });
}

describe('multiplexed persistent streams', () => {
  let server: StartedServer;
  let client: InstanceType<typeof v1.ContextAgent>;
  let mux: MuxClient<AssessCall, AssessReply__Output>;

  beforeAll(async () => {
    server = await serve();
    client = new v1.ContextAgent(server.address, grpc.credentials.createInsecure());
    mux = new MuxClient(() => client.AssessStream() as never, 'test/AssessStream');
  });
  afterAll(async () => {
    mux.close();
    client.close();
    await server.shutdown(100);
  });

  const ask = (sessionId: string, timeoutMs = 10_000) =>
    mux.call({ request: { signals: { session_id: sessionId } } }, timeoutMs);

  it('matches every reply to its call, also when replies come back out of order', async () => {
    const ids = Array.from({ length: 200 }, (_, i) =>
      i % 3 === 0 ? `slow:${20 - (i % 20)}:${i}` : `fast:${i}`,
    );
    const replies = await Promise.all(ids.map((id) => ask(id)));
    expect(replies.map((r) => r.snapshot?.model_version)).toEqual(ids);
  });

  it('turns a per-message error into an RpcError with its status, and the stream stays up', async () => {
    await expect(ask('fail:x')).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
    expect((await ask('ok:after-failure')).snapshot?.model_version).toBe('ok:after-failure');
  });

  it('rejects with DEADLINE_EXCEEDED when the agent is slower than the timeout, and drops the late reply', async () => {
    const started = Date.now();
    await expect(ask('slow:300', 30)).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    expect(Date.now() - started).toBeLessThan(200);
    await new Promise((r) => setTimeout(r, 320));
    expect((await ask('ok:after-timeout')).snapshot?.model_version).toBe('ok:after-timeout');
  });

  it('carries the caller trace context: the agent span is a child of the client span', async () => {
    spans.reset();
    await ask('ok:traced');
    await new Promise((r) => setTimeout(r, 20));
    const finished = spans.get();
    const clientSpan = finished.find((s) => s.name === 'test/AssessStream' && s.kind === 2);
    const serverSpan = finished.find((s) => s.name === 'test/AssessStream' && s.kind === 1);
    expect(clientSpan && serverSpan).toBeTruthy();
    expect(serverSpan?.spanContext().traceId).toBe(clientSpan?.spanContext().traceId);
    expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
    expect(trace.getActiveSpan()).toBeUndefined();
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
    let reply: AssessReply__Output | null = null;
    for (let i = 0; i < 50 && !reply; i++) {
      reply = await ask('ok:back', 500).catch(() => null);
      if (!reply) await new Promise((r) => setTimeout(r, 100));
    }
    expect(reply?.snapshot?.model_version).toBe('ok:back');
  });
});
