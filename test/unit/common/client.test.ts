/**
 * The unary client helper (services/common/grpc/client.ts) without sockets:
 * a traced call's client span carries the rpc.* attributes, server.address
 * and server.port of the target and the call's gRPC status code (4 for a
 * deadline exceeded); an untraced one (background polling) makes no span.
 */
import * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { callUnary, type UnaryMethod } from '../../../services/common/grpc/client';
import { ATTR } from '../../../services/common/semconv';
import { spans, useMemorySpans } from '../../support/spans';

useMemorySpans();

/** A method that answers with `code` (0: a reply) and remembers the metadata it was sent. */
function method(code: grpc.status): { fn: UnaryMethod<object, object>; sent: grpc.Metadata[] } {
  const sent: grpc.Metadata[] = [];
  const fn: UnaryMethod<object, object> = (_req, md, _opts, cb) => {
    sent.push(md);
    setImmediate(() =>
      code === grpc.status.OK
        ? cb(null, { ok: true })
        : cb({ code, details: 'no', message: 'no', metadata: new grpc.Metadata(), name: 'Error' }),
    );
    return {} as grpc.ClientUnaryCall;
  };
  return { fn, sent };
}

describe('callUnary', () => {
  it('a traced call: a client span with rpc.*, the target and status 0, and its context sent along', async () => {
    const m = method(grpc.status.OK);
    await callUnary('parley.v1.Test/Get', m.fn, {}, 1000, { address: 'objective:50054' });
    const [span, ...more] = spans.get();
    expect(more).toEqual([]);
    expect(span?.name).toBe('parley.v1.Test/Get');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.attributes).toEqual({
      [ATTR.rpcSystem]: 'grpc',
      [ATTR.rpcService]: 'parley.v1.Test',
      [ATTR.rpcMethod]: 'Get',
      [ATTR.serverAddress]: 'objective',
      [ATTR.serverPort]: 50054,
      [ATTR.rpcStatusCode]: grpc.status.OK,
    });
    expect(m.sent[0]?.get('traceparent')[0]).toContain(span?.spanContext().spanId);
  });

  it('a failed call: its status code (4 for a deadline) and an error status', async () => {
    await expect(
      callUnary('parley.v1.Test/Get', method(grpc.status.DEADLINE_EXCEEDED).fn, {}, 1000),
    ).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    const [span] = spans.get();
    expect(span?.attributes[ATTR.rpcStatusCode]).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('an untraced call (background polling) makes no span', async () => {
    await callUnary('parley.v1.Test/Poll', method(grpc.status.OK).fn, {}, 1000, { traced: false });
    expect(spans.get()).toEqual([]);
  });
});
