/**
 * Domain errors: what domain and validation code throws when a request
 * cannot be served. They name a kind, never a transport status; the gRPC
 * edge (grpc/errors.ts `statusOf`) and the HTTP edge map kinds to codes.
 * Anything else thrown is a bug (INTERNAL, logged), never a crash.
 */

export type ErrorKind =
  | 'invalid_argument'
  | 'not_found'
  | 'already_exists'
  | 'failed_precondition'
  | 'unavailable'
  | 'deadline_exceeded'
  | 'resource_exhausted'
  | 'permission_denied'
  | 'unauthenticated'
  | 'internal';

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    // An expected outcome (a bad field, a timeout, a store that is down), not
    // a bug: skip capturing a stack trace, which is costly on exactly the
    // degraded paths that run hottest when the mesh is overloaded.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'DomainError';
  }
}

/** A bad field: the message names it, e.g. "slot.max_ads: must be in [1, 6]". */
export function invalidArgument(field: string, problem: string): DomainError {
  return new DomainError('invalid_argument', `${field}: ${problem}`);
}

/** A state store or a peer this code depends on did not answer. */
export function unavailable(what: string, err: unknown): DomainError {
  return new DomainError('unavailable', `${what} unavailable: ${messageOf(err)}`);
}

/**
 * An Error without a stack trace, for a failure that is expected and comes
 * by the thousand (a shed decision's stand-in proposer): capturing the stack
 * costs more than the rest of the failure.
 */
export function errorWithoutStack(message: string): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new Error(message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return (err as { details?: string }).details || err.message;
  return String(err);
}
