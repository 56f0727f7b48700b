/**
 * The grpc-js side of access control, one server interceptor: it reads the
 * caller's client certificate, asks `authorize` (../access.ts) whether that
 * identity may call the method (UNAUTHENTICATED / PERMISSION_DENIED
 * otherwise) and takes a token from the caller's bucket on rate-limited
 * services (RESOURCE_EXHAUSTED with the wait, in the message and in the
 * `retry-after-ms` trailer). Nothing reaches a handler before both say yes.
 */
import * as grpc from '@grpc/grpc-js';
import { authorize, serviceOf } from '../access';
import type { Logger } from '../log';
import { type RateLimit, RateLimiter } from '../rate-limit';
import { callerOf } from './tls';

export const RETRY_AFTER_MS = 'retry-after-ms';

export interface AccessOptions {
  /** Check client certificates (mTLS); false in plaintext mode, where nobody is identified. */
  authenticate: boolean;
  /** Calls per caller on `limitedServices`; null = no limit. */
  rateLimit: RateLimit | null;
  /** Fully-qualified gRPC services the rate limit applies to. */
  limitedServices: readonly string[];
  log: Logger;
}

/** The interceptor, or null when it has nothing to do (plaintext, no rate limit). */
export function accessInterceptor(opts: AccessOptions): grpc.ServerInterceptor | null {
  if (!opts.authenticate && !opts.rateLimit) return null;
  const limiter = opts.rateLimit ? new RateLimiter(opts.rateLimit) : null;
  const limited = new Set(opts.limitedServices);
  const refuse = (
    call: grpc.ServerInterceptingCallInterface,
    status: { code: grpc.status; details: string; metadata?: grpc.Metadata },
  ) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        next({ onReceiveMetadata: () => call.sendStatus(status) });
      },
    });

  return (method, call) => {
    const caller = opts.authenticate ? callerOf(call) : null;
    if (opts.authenticate) {
      const verdict = authorize(caller, method.path);
      if (!verdict.allowed) {
        opts.log.debug('call refused', { method: method.path, caller: caller?.name, reason: verdict.kind });
        const code =
          verdict.kind === 'unauthenticated' ? grpc.status.UNAUTHENTICATED : grpc.status.PERMISSION_DENIED;
        return refuse(call, { code, details: verdict.message });
      }
    }
    if (limiter && limited.has(serviceOf(method.path))) {
      // Plaintext: nobody is identified, so each connection is its own caller.
      const key = caller?.name ?? call.getPeer();
      const took = limiter.take(key);
      if (!took.ok) {
        const metadata = new grpc.Metadata();
        metadata.set(RETRY_AFTER_MS, String(took.retryAfterMs));
        const { perSecond, burst } = limiter.limit;
        return refuse(call, {
          code: grpc.status.RESOURCE_EXHAUSTED,
          details: `rate limit: caller "${key}" made more than ${perSecond} calls/s (burst ${burst}) to ${serviceOf(method.path)}; retry in ${took.retryAfterMs} ms`,
          metadata,
        });
      }
    }
    return new grpc.ServerInterceptingCall(call);
  };
}
