/**
 * A token bucket per caller: each key may make `burst` calls at once and
 * `perSecond` calls a second on average. Plain code with an injected clock;
 * the gRPC edge (grpc/access.ts) keys it by caller identity and answers
 * RESOURCE_EXHAUSTED with the wait it returns.
 */

export interface RateLimit {
  /** Calls per second each caller may make on average. */
  perSecond: number;
  /** Calls a caller may make at once after being idle. */
  burst: number;
}

export type Take = { ok: true } | { ok: false; retryAfterMs: number };

/** Buckets kept before full (idle) ones are dropped. */
const PRUNE_AT = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one call from `key`'s bucket, or says how long until one is there. */
  take(key: string): Take {
    const now = this.now();
    const { perSecond, burst } = this.limit;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= PRUNE_AT) this.prune(now);
      b = { tokens: burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(((1 - b.tokens) / perSecond) * 1000)) };
  }

  /** Drops buckets that have refilled: their callers start full again anyway. */
  private prune(now: number): void {
    const { perSecond, burst } = this.limit;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * perSecond >= burst) this.buckets.delete(key);
    }
  }
}

/** PARLEY_RATE_LIMIT: `off`, `N` (N calls/s, burst 2N) or `N:B` (burst B). */
export function parseRateLimit(raw: string, name = 'PARLEY_RATE_LIMIT'): RateLimit | null {
  const s = raw.trim();
  if (s === 'off') return null;
  const m = /^(\d+(?:\.\d+)?)(?::(\d+))?$/.exec(s);
  const perSecond = Number(m?.[1]);
  const burst = m?.[2] === undefined ? Math.max(1, Math.ceil(2 * perSecond)) : Number(m[2]);
  if (!m || !(perSecond > 0) || !(burst >= 1)) {
    throw new Error(`${name}: expected off, N (calls/s per caller) or N:BURST, got "${raw}"`);
  }
  return { perSecond, burst };
}
