/**
 * Errors that carry a gRPC status. Domain and validation code throws these;
 * transport adapters turn them into statuses. Anything else becomes INTERNAL
 * (and is logged), never a crash.
 */
import { status } from '@grpc/grpc-js';

export class RpcError extends Error {
  readonly code: status;

  constructor(code: status, message: string) {
    // An RpcError is an expected outcome (a bad field, a timeout, an agent
    // that is down), not a bug: skip capturing a stack trace, which is costly
    // (source-mapped under tsx, then read by span.recordException) on exactly
    // the degraded paths that run hottest when the mesh is overloaded.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.code = code;
    this.name = 'RpcError';
  }
}

/** A bad field: the message names it, e.g. "slot.max_ads: must be in [1, 6]". */
export function invalidArgument(field: string, problem: string): RpcError {
  return new RpcError(status.INVALID_ARGUMENT, `${field}: ${problem}`);
}

export function isRpcError(err: unknown): err is RpcError {
  return err instanceof RpcError;
}

/** The status code of any thrown value; plain errors count as INTERNAL. */
export function statusOf(err: unknown): status {
  if (err instanceof RpcError) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && code >= 0 && code <= 16 ? code : status.INTERNAL;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return (err as { details?: string }).details || err.message;
  return String(err);
}
