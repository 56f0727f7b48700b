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
