/**
 * The gRPC edge of errors: RpcError carries a status (transport code throws
 * it: a timeout, a broken stream, a malformed reply), and `statusOf` maps
 * any thrown value to a status: an RpcError's own, a domain error's kind
 * (../errors.ts), anything else INTERNAL (and logged), never a crash.
 */
import { status } from '@grpc/grpc-js';
import { DomainError, type ErrorKind, messageOf } from '../errors';

export { invalidArgument, messageOf } from '../errors';

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

const STATUS_OF_KIND: Record<ErrorKind, status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  already_exists: status.ALREADY_EXISTS,
  failed_precondition: status.FAILED_PRECONDITION,
  unavailable: status.UNAVAILABLE,
  deadline_exceeded: status.DEADLINE_EXCEEDED,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
  permission_denied: status.PERMISSION_DENIED,
  unauthenticated: status.UNAUTHENTICATED,
  internal: status.INTERNAL,
};

/**
 * Longest status message a server sends. The message travels in a trailer
 * (HTTP/2 headers): one that echoes a huge field (an id of 100 000
 * characters in "no decision <id>") is more than the peer takes, and then
 * the call hangs until its deadline and takes the connection's other calls
 * with it.
 */
export const MAX_DETAILS_CHARS = 1024;

/** The status message of any thrown value, cut to MAX_DETAILS_CHARS. */
export function detailsOf(err: unknown): string {
  const m = messageOf(err);
  return m.length <= MAX_DETAILS_CHARS ? m : `${m.slice(0, MAX_DETAILS_CHARS - 1)}…`;
}

export function isRpcError(err: unknown): err is RpcError {
  return err instanceof RpcError;
}

/** The status code of any thrown value; plain errors count as INTERNAL. */
export function statusOf(err: unknown): status {
  if (err instanceof RpcError) return err.code;
  if (err instanceof DomainError) return STATUS_OF_KIND[err.kind];
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && code >= 0 && code <= 16 ? code : status.INTERNAL;
}
