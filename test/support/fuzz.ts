/**
 * Generated bad input for the fuzz tests (test/integration/*-fuzz.test.ts):
 * fast-check arbitraries for the values that break services (huge, empty,
 * control characters, non-finite numbers, unknown enum numbers), a raw
 * gRPC caller that sends bytes as they are, the check that a status is one
 * a caller can act on, and the count of inputs tried, printed for the CI
 * log (RELIABILITY.md records the totals).
 */
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll } from 'vitest';

/** Strings a validator must survive: random, empty, blank, huge, NUL, lone surrogates, paths, markup. */
export const text = fc.oneof(
  fc.string(),
  fc.constantFrom('', ' ', 'x'.repeat(5000), '\u0000', '\ud800', 'a b', '../../etc', '<script>', '%ZZ'),
);
/** Numbers a validator must survive: random, non-finite, huge, negative. */
export const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, 1e300),
);
/** An enum as its wire number: known ones, 0 (unspecified) and numbers no enum has. */
export const enumNumber = fc.oneof(fc.integer({ min: -5, max: 200 }), fc.constant(0));

/** Mostly `valid`, sometimes `bad`: one broken field in an otherwise valid message reaches the deep checks. */
export function mostly<T>(valid: T, bad: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constant(valid), weight: 3 }, { arbitrary: bad, weight: 1 });
}

/** Every field of `valid` kept or, now and then, replaced by its bad arbitrary; sometimes left out. */
export function mutated<T extends Record<string, unknown>>(
  valid: T,
  bad: { [K in keyof T]?: fc.Arbitrary<unknown> },
): fc.Arbitrary<Partial<T>> {
  const fields = Object.fromEntries(
    Object.entries(valid).map(([k, v]) => [
      k,
      bad[k] ? mostly(v, bad[k] as fc.Arbitrary<unknown>) : fc.constant(v),
    ]),
  ) as { [K in keyof T]: fc.Arbitrary<T[K]> };
  return fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<Partial<T>>;
}

/**
 * Encodes a generated message with a method's codec. A value protobuf
 * cannot hold (a NaN or an infinity in an integer field) becomes 0, as a
 * client's would; non-finite doubles stay as they are where the encoder
 * takes them.
 */
export function encode(serialize: (value: never) => Buffer, message: object): Buffer {
  try {
    return serialize(message as never);
  } catch {
    const json = JSON.parse(
      JSON.stringify(message, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? 0 : v)),
    );
    return serialize(json as never);
  }
}

const bytes = (b: Buffer) => b;

/** One unary call with `body` sent as it is; resolves with the error, or null and the reply's bytes. */
export function callBytes(
  client: grpc.Client,
  path: string,
  body: Buffer,
  opts: { metadata?: grpc.Metadata; deadlineMs?: number } = {},
): Promise<{ err: grpc.ServiceError | null; reply: Buffer | null }> {
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      path,
      bytes,
      bytes,
      body,
      opts.metadata ?? new grpc.Metadata(),
      { deadline: Date.now() + (opts.deadlineMs ?? 5000) },
      (err, reply) => resolve({ err: err ?? null, reply: reply ?? null }),
    ),
  );
}

/** A client stream of `frames` sent as they are, then ended; resolves with the status and the reply. */
export function streamBytes(
  client: grpc.Client,
  path: string,
  frames: Buffer[],
  opts: { metadata?: grpc.Metadata; deadlineMs?: number } = {},
): Promise<{ err: grpc.ServiceError | null; reply: Buffer | null }> {
  return new Promise((resolve) => {
    const call = client.makeClientStreamRequest(
      path,
      bytes,
      bytes,
      opts.metadata ?? new grpc.Metadata(),
      { deadline: Date.now() + (opts.deadlineMs ?? 5000) },
      (err, reply) => resolve({ err: err ?? null, reply: reply ?? null }),
    );
    call.on('error', () => undefined);
    for (const f of frames) call.write(f);
    call.end();
  });
}

/** `field.sub[3].name: problem`: an INVALID_ARGUMENT that names the field (or `request` for the message). */
export const NAMES_A_FIELD = /^[a-z_][a-z0-9_]*(\[\d+\])?(\.[a-z_][a-z0-9_]*(\[\d+\])?)*: \S/;

/** A status a caller can act on: the code is allowed and its message matches (a pattern, or exactly a string). */
export type Allowed = Partial<Record<grpc.status, RegExp | string>>;

/** What every parley server may answer to bad input, whatever the RPC. */
export const BAD_INPUT: Allowed = {
  [grpc.status.INVALID_ARGUMENT]: NAMES_A_FIELD,
  [grpc.status.RESOURCE_EXHAUSTED]: /larger than max/,
};

/** Null when `err` (null = OK) is a status a caller can act on; else what is wrong with it, for the assertion. */
export function unacceptable(err: { code: number; details: string } | null, allowed: Allowed): string | null {
  if (!err) return null;
  const rule = allowed[err.code as grpc.status];
  if (typeof rule === 'string' ? err.details === rule : rule?.test(err.details)) return null;
  return `${grpc.status[err.code]} ${JSON.stringify(err.details.slice(0, 300))}`;
}

/**
 * Counts inputs by kind and prints the totals when the file is done, e.g.
 * `fuzz admin-grpc: 1400 inputs (random bytes 300, CreateOverride 300, …)`.
 */
export function useTried(service: string): Record<string, number> & { add(kind: string): void } {
  const counts: Record<string, number> = {};
  const tried = Object.defineProperty(counts, 'add', {
    enumerable: false,
    value: (kind: string) => {
      counts[kind] = (counts[kind] ?? 0) + 1;
    },
  }) as Record<string, number> & { add(kind: string): void };
  afterAll(() => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const kinds = Object.entries(counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    console.log(`fuzz ${service}: ${total} inputs (${kinds})`);
  });
  return tried;
}

/** How many runs a fuzz property gets: `n` on embedded state, a quarter as many against Redis. */
export function runsFor(kind: 'embedded' | 'redis'): (n: number) => number {
  return (n) => (kind === 'redis' ? Math.ceil(n / 4) : n);
}
