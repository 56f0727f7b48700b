import { describe, expect, it } from 'vitest';
import { MIN_TOKEN_CHARS, parseTokens, SignInGuard, TokenTable } from '../../../services/admin/auth';
import { peerHost } from '../../../services/admin/server';

const EDITOR_TOKEN = 'editor-token-0123456789';
const VIEWER_TOKEN = 'viewer-token-0123456789';

describe('parseTokens (PARLEY_ADMIN_TOKENS)', () => {
  it('parses viewers and editors, ignoring blanks and spaces around entries', () => {
    expect(parseTokens(` ana:editor:${EDITOR_TOKEN} , ,bo.b@ops:viewer:${VIEWER_TOKEN},`)).toEqual([
      { name: 'ana', role: 'editor', token: EDITOR_TOKEN },
      { name: 'bo.b@ops', role: 'viewer', token: VIEWER_TOKEN },
    ]);
  });

  it('keeps colons inside a token', () => {
    expect(parseTokens('ana:editor:abc:def:ghi:jkl:mnop')).toEqual([
      { name: 'ana', role: 'editor', token: 'abc:def:ghi:jkl:mnop' },
    ]);
  });

  it('an empty or blank spec configures nobody', () => {
    expect(parseTokens('')).toEqual([]);
    expect(parseTokens(' , ')).toEqual([]);
  });

  it.each([
    ['no role or token', 'ana', 1, /role must be viewer or editor/],
    ['a name with spaces', `a na:editor:${EDITOR_TOKEN}`, 1, /expected name:role:token with a plain name/],
    ['an empty name', `:editor:${EDITOR_TOKEN}`, 1, /plain name/],
    ['an unknown role', `ana:admin:${EDITOR_TOKEN}`, 1, /role must be viewer or editor/],
    ['a role in capitals', `ana:Editor:${EDITOR_TOKEN}`, 1, /role must be viewer or editor/],
    ['a short token', 'ana:editor:short', 1, new RegExp(`at least ${MIN_TOKEN_CHARS} characters`)],
    ['no token', 'ana:viewer', 1, /at least/],
    [
      'the same token twice',
      `ana:editor:${EDITOR_TOKEN},bo:viewer:${VIEWER_TOKEN},cy:viewer:${EDITOR_TOKEN}`,
      3,
      /same token is given twice/,
    ],
    ['a bad second entry', `ana:editor:${EDITOR_TOKEN},bo:root:${VIEWER_TOKEN}`, 2, /role/],
  ])('rejects %s, naming the variable and the entry', (_what, spec, entry, problem) => {
    let err: Error | null = null;
    try {
      parseTokens(spec);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(new RegExp(`^PARLEY_ADMIN_TOKENS entry ${entry}: `));
    expect(err?.message).toMatch(problem);
    // Never echo a token into a log line.
    expect(err?.message).not.toContain(EDITOR_TOKEN);
    expect(err?.message).not.toContain(VIEWER_TOKEN);
  });

  it(`accepts a token of exactly ${MIN_TOKEN_CHARS} characters`, () => {
    const token = 'x'.repeat(MIN_TOKEN_CHARS);
    expect(parseTokens(`ana:viewer:${token}`)).toEqual([{ name: 'ana', role: 'viewer', token }]);
    expect(() => parseTokens(`ana:viewer:${token.slice(1)}`)).toThrow(/at least/);
  });
});

describe('TokenTable', () => {
  it('knows who holds each configured token, and nobody else', () => {
    const { table, grants } = TokenTable.fromSpec(`ana:editor:${EDITOR_TOKEN},bo:viewer:${VIEWER_TOKEN}`);
    expect(table.generated).toBe(false);
    expect(grants).toHaveLength(2);
    expect(table.lookup(EDITOR_TOKEN)).toEqual({ name: 'ana', role: 'editor' });
    expect(table.lookup(VIEWER_TOKEN)).toEqual({ name: 'bo', role: 'viewer' });
    expect(table.lookup('')).toBeNull();
    expect(table.lookup(`${EDITOR_TOKEN}x`)).toBeNull();
    expect(table.lookup(EDITOR_TOKEN.slice(0, -1))).toBeNull();
    expect(table.lookup(EDITOR_TOKEN.toUpperCase())).toBeNull();
  });

  it('makes one editor and one viewer token when none are configured', () => {
    let n = 0;
    const { table, grants } = TokenTable.fromSpec('', () => `generated-token-${n++}-abcdefgh`);
    expect(table.generated).toBe(true);
    expect(grants.map((g) => g.role)).toEqual(['editor', 'viewer']);
    expect(grants[0]?.token).not.toBe(grants[1]?.token);
    expect(table.lookup(grants[0]!.token)?.role).toBe('editor');
    expect(table.lookup(grants[1]!.token)?.role).toBe('viewer');
  });

  it('fromSpec fails on a bad spec instead of falling back to generated tokens', () => {
    expect(() => TokenTable.fromSpec('ana:editor:short')).toThrow(/PARLEY_ADMIN_TOKENS entry 1/);
  });

  it('reads the token of an Authorization: Bearer header', () => {
    expect(TokenTable.bearer(`Bearer ${EDITOR_TOKEN}`)).toBe(EDITOR_TOKEN);
    expect(TokenTable.bearer(`bearer   ${EDITOR_TOKEN}  `)).toBe(EDITOR_TOKEN);
    expect(TokenTable.bearer(EDITOR_TOKEN)).toBe('');
    expect(TokenTable.bearer(`Basic ${EDITOR_TOKEN}`)).toBe('');
    expect(TokenTable.bearer(`Bearer a b`)).toBe('');
    expect(TokenTable.bearer('Bearer ')).toBe('');
    expect(TokenTable.bearer(undefined)).toBe('');
  });
});

describe('SignInGuard', () => {
  it('shuts a source out after its failures in a window, until the window ends; others are not affected', () => {
    const clock = { now: 1_000 };
    const guard = new SignInGuard({ failures: 3, windowMs: 60_000 }, () => clock.now);
    expect([guard.failed('a'), guard.failed('a')]).toEqual([1, 2]);
    expect(guard.retryAfterMs('a')).toBe(0);
    clock.now += 10_000;
    expect(guard.failed('a')).toBe(3);
    expect(guard.retryAfterMs('a')).toBe(50_000); // the window started at the first failure
    expect(guard.retryAfterMs('b')).toBe(0);
    clock.now += 50_000;
    expect(guard.retryAfterMs('a')).toBe(0);
    expect(guard.failed('a')).toBe(1); // a fresh window
  });
});

describe('peerHost', () => {
  it("takes the host of grpc-js' peer strings", () => {
    expect(['ipv4:127.0.0.1:5512', 'ipv6:[::1]:5512', '10.0.0.7:443', 'unknown'].map(peerHost)).toEqual([
      '127.0.0.1',
      '::1',
      '10.0.0.7',
      'unknown',
    ]);
  });
});
