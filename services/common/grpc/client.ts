/**
 * Unary calls from one parley service to another: a deadline, W3C trace
 * context in the metadata and, unless `traced` is false (background polling
 * such as a learner reading the outcome log), a client span with the rpc.*
 * attributes, server.address/port (`address`, the target dialled) and the
 * call's gRPC status code.
 */
import * as grpc from '@grpc/grpc-js';
import { ATTR, rpcAttributes } from '../semconv';
import { metadataFromContext, SpanKind, withSpan } from '../telemetry';
import { RpcError } from './errors';

export type UnaryMethod<Req, Res> = (
  req: Req,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

/** Calls `method` with a deadline `timeoutMs` from now; a failure is an RpcError with the server's status. */
export function callUnary<Req, Res>(
  spanName: string,
  method: UnaryMethod<Req, Res>,
  req: Req,
  timeoutMs: number,
  { traced = true, address = '' }: { traced?: boolean; address?: string } = {},
): Promise<Res> {
  const call = () =>
    new Promise<Res>((resolve, reject) => {
      const deadline = Date.now() + Math.max(1, Math.floor(timeoutMs));
      method(req, metadataFromContext(new grpc.Metadata()), { deadline }, (err, res) => {
        if (err) reject(new RpcError(err.code ?? grpc.status.UNAVAILABLE, err.details || err.message));
        else if (!res) reject(new RpcError(grpc.status.INTERNAL, `${spanName}: empty reply`));
        else resolve(res);
      });
    });
  if (!traced) return call();
  return withSpan(
    spanName,
    { kind: SpanKind.CLIENT, attributes: rpcAttributes(spanName, address) },
    async (span) => {
      try {
        const res = await call();
        span.setAttribute(ATTR.rpcStatusCode, grpc.status.OK);
        return res;
      } catch (err) {
        span.setAttribute(ATTR.rpcStatusCode, (err as RpcError).code ?? grpc.status.UNKNOWN);
        throw err;
      }
    },
  );
}
