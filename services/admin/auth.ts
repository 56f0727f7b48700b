/**
 * Sign-in tokens for the admin service: each token belongs to a named person
 * with a role. A viewer reads everything; only an editor changes overrides
 * (the server enforces it: HTTP 403, gRPC PERMISSION_DENIED).
 *
 * PARLEY_ADMIN_TOKENS = "name:role:token,…". When it is empty the service
 * makes one random editor and one random viewer token at start (printed for
 * the person who started it): nothing that works in one deployment is ever
 * written in the source.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type Role = 'viewer' | 'editor';
export interface Principal {
  name: string;
  role: Role;
}
export interface TokenGrant extends Principal {
  token: string;
}

export const MIN_TOKEN_CHARS = 16;
const NAME = /^[A-Za-z0-9._@-]{1,64}$/;

/** Parses PARLEY_ADMIN_TOKENS; throws naming the variable and the bad entry. */
export function parseTokens(spec: string): TokenGrant[] {
  const grants: TokenGrant[] = [];
  const entries = spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  entries.forEach((entry, i) => {
    const [name = '', role = '', ...rest] = entry.split(':');
    const token = rest.join(':');
    const where = `PARLEY_ADMIN_TOKENS entry ${i + 1}`;
    if (!NAME.test(name)) throw new Error(`${where}: expected name:role:token with a plain name`);
    if (role !== 'viewer' && role !== 'editor') throw new Error(`${where}: role must be viewer or editor`);
    if (token.length < MIN_TOKEN_CHARS)
      throw new Error(`${where}: token must have at least ${MIN_TOKEN_CHARS} characters`);
    if (grants.some((g) => g.token === token)) throw new Error(`${where}: the same token is given twice`);
    grants.push({ name, role, token });
  });
  return grants;
}

export function randomToken(): string {
  return randomBytes(18).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export class TokenTable {
  private readonly grants: Array<{ digest: Buffer; principal: Principal }>;

  constructor(
    grants: TokenGrant[],
    /** True when the tokens were made at start (dev mode). */
    readonly generated: boolean,
  ) {
    this.grants = grants.map((g) => ({ digest: digest(g.token), principal: { name: g.name, role: g.role } }));
  }

  /** The configured tokens, or a fresh random editor and viewer when none are. */
  static fromSpec(
    spec: string,
    make: () => string = randomToken,
  ): { table: TokenTable; grants: TokenGrant[] } {
    const configured = parseTokens(spec);
    if (configured.length > 0) return { table: new TokenTable(configured, false), grants: configured };
    const grants: TokenGrant[] = [
      { name: 'dev-editor', role: 'editor', token: make() },
      { name: 'dev-viewer', role: 'viewer', token: make() },
    ];
    return { table: new TokenTable(grants, true), grants };
  }

  /** Who holds this token, or null (compared in constant time). */
  lookup(token: string): Principal | null {
    if (!token) return null;
    const d = digest(token);
    let found: Principal | null = null;
    for (const g of this.grants) if (timingSafeEqual(g.digest, d)) found = g.principal;
    return found;
  }

  /** The token from an `Authorization: Bearer <token>` value. */
  static bearer(header: string | undefined): string {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    return m ? m[1]! : '';
  }
}

/** Failed sign-ins one source may make in a window before it is shut out for the rest of it. */
export const SIGN_IN_LIMIT = { failures: 10, windowMs: 60_000 } as const;

/**
 * Limits guessing tokens: a source (a client address) with `failures`
 * failed sign-ins within `windowMs` is refused, whatever token it sends,
 * until its window ends (so it cannot tell a right guess from a wrong one
 * meanwhile). Plain and deterministic given the clock; bounded memory (a
 * source's entry goes once its window is over).
 */
export class SignInGuard {
  private readonly sources = new Map<string, { since: number; failures: number }>();
  private swept = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limit: { failures: number; windowMs: number } = SIGN_IN_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `source` may try again; 0 when it may now. */
  retryAfterMs(source: string): number {
    const s = this.current(source);
    return s && s.failures >= this.limit.failures ? s.since + this.limit.windowMs - this.now() : 0;
  }

  /** Counts a failed sign-in; returns the source's failures in its window. */
  failed(source: string): number {
    const s = this.current(source) ?? { since: this.now(), failures: 0 };
    s.failures++;
    this.sources.set(source, s);
    return s.failures;
  }

  private current(source: string): { since: number; failures: number } | null {
    const now = this.now();
    const over = (v: { since: number }) => now - v.since >= this.limit.windowMs;
    if (now - this.swept >= this.limit.windowMs) {
      for (const [k, v] of this.sources) if (over(v)) this.sources.delete(k);
      this.swept = now;
    }
    const s = this.sources.get(source);
    if (!s || !over(s)) return s ?? null;
    this.sources.delete(source);
    return null;
  }
}

/** Why a sign-in was refused; `retryAfterMs` > 0 when the source is shut out for now. */
export class SignInRefused extends Error {
  constructor(
    readonly why: 'no token' | 'unknown token' | 'too many failed sign-ins',
    readonly retryAfterMs = 0,
  ) {
    super(
      why === 'too many failed sign-ins'
        ? `sign in: too many failed sign-ins; try again in ${Math.ceil(retryAfterMs / 1000)} s`
        : why === 'no token'
          ? 'sign in: a token is required (Authorization: Bearer <token>)'
          : 'sign in: unknown token',
    );
  }
}

/**
 * Signing in, the same over HTTP and gRPC: a shut-out source is refused
 * before its token is even looked at; every failure counts against its
 * source and is logged (the source and the count, never the token).
 */
export class SignIns {
  constructor(
    private readonly tokens: TokenTable,
    private readonly log: { warn(msg: string, fields?: Record<string, unknown>): void },
    private readonly guard: SignInGuard = new SignInGuard(),
  ) {}

  /** Who holds `token`, signing in from `source`; throws SignInRefused. */
  check(source: string, token: string): Principal {
    const waitMs = this.guard.retryAfterMs(source);
    if (waitMs > 0) throw new SignInRefused('too many failed sign-ins', waitMs);
    const who = token ? this.tokens.lookup(token) : null;
    if (who) return who;
    const why = token ? 'unknown token' : 'no token';
    this.log.warn('failed sign-in', { source, failures: this.guard.failed(source), reason: why });
    throw new SignInRefused(why);
  }
}
