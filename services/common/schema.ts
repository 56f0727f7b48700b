/**
 * Input checked against a zod schema, with the first problem reported the
 * way every parley refusal is: INVALID_ARGUMENT (HTTP 400) naming the field
 * in the caller's spelling, e.g. "scenarios[0]: must be one of workout, …"
 * or, for a gRPC caller, "override.target_id: required".
 */
import { z } from 'zod';
import { invalidArgument } from './errors';

/** A zod issue's path as a field name: ['scenarios', 0] → 'scenarios[0]'. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}

/**
 * `raw` as the schema's output; otherwise throws invalidArgument naming the
 * first bad field through `name` (the whole value, with no field to name, is
 * `root`).
 */
export function parseFields<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  name: (field: string) => string = (f) => f,
  root = 'body',
): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw invalidArgument(name(issue.path.length ? fieldPath(issue.path) : root), issue.message);
}

// ---------------------------------------------------------------------------
// Documents people write by hand (the catalogue, simulator scenarios, the
// agent registry): a missing value (absent or null) takes the default when
// there is one and is an error otherwise; the messages are the ones their
// hand-written readers gave ("must be a number in [0, 1]", "unknown key
// (expected one of …)"), and doc-fields.ts's lineOf finds a path's line.

/** null in a hand-written document means "not given". */
const given = <S extends z.ZodType>(s: S) => z.preprocess((v) => (v === null ? undefined : v), s);

export const doc = {
  /** A number in [min, max] (or its default when missing). */
  num(min: number, max: number, def?: number) {
    const m = `must be a number in [${min}, ${max}]`;
    const s = z.number({ error: m }).min(min, m).max(max, m);
    return given(def === undefined ? s : s.default(def));
  },
  /** A whole number in [min, max] (or its default when missing). */
  int(min: number, max: number, def?: number) {
    const range = `must be a number in [${min}, ${max}]`;
    const s = z
      .number({ error: range })
      .min(min, range)
      .max(max, range)
      .int(`must be an integer in [${min}, ${max}]`);
    return given(def === undefined ? s : s.default(def));
  },
  /** A mapping whose fields all have defaults (or are optional): missing or null = every default. */
  section<T extends z.ZodRawShape>(shape: T, strict = true) {
    return z.preprocess((v) => v ?? {}, strict ? doc.strict(shape) : doc.mapping(shape));
  },
  /** A non-empty string (or its default when missing). */
  str(def?: string) {
    const m = 'must be a non-empty string';
    const s = z.string({ error: m }).min(1, m);
    return given(def === undefined ? s : s.default(def));
  },
  /** A string, absent allowed (its default computed by the caller). */
  optStr() {
    const m = 'must be a non-empty string';
    return given(z.string({ error: m }).min(1, m).optional());
  },
  oneOf<T extends string>(values: readonly T[], def?: T) {
    const s = z.enum(values as [T, ...T[]], { error: `must be one of ${values.join(', ')}` });
    return given(def === undefined ? s : s.default(def as never));
  },
  bool(def: boolean) {
    return given(z.boolean({ error: 'must be true or false' }).default(def));
  },
  /** A list (missing = empty). */
  list<S extends z.ZodType>(item: S) {
    return given(z.array(item, { error: 'must be a list' }).default([]));
  },
  /** An ISO 8601 date or time (YAML may hand over a Date), as epoch ms. */
  time() {
    const m = 'must be an ISO 8601 date or time';
    return z.preprocess(
      (v) => (v instanceof Date ? v.toISOString() : v),
      z
        .string({ error: m })
        .refine((t) => Number.isFinite(Date.parse(t)), m)
        .transform((t) => Date.parse(t)),
    );
  },
  /** A mapping with these keys (others are ignored); required unless `optional`. */
  mapping<T extends z.ZodRawShape>(shape: T) {
    return z.object(shape, { error: 'must be a mapping' });
  },
  /** A mapping whose keys must all be these: a misspelt key is an error, not silently ignored. */
  strict<T extends z.ZodRawShape>(shape: T) {
    const keys = Object.keys(shape).join(', ');
    return z.strictObject(shape, {
      error: (iss) =>
        iss.code === 'unrecognized_keys' ? `unknown key (expected one of ${keys})` : 'must be a mapping',
    });
  },
  /** A mapping of any keys (only `allowed` ones, when given) to values of one schema. */
  keyed<V extends z.ZodType>(allowed: readonly string[] | null, value: V) {
    return z.record(z.string(), value, { error: 'must be a mapping' }).superRefine((o, ctx) => {
      const unknown = allowed ? Object.keys(o).find((k) => !allowed.includes(k)) : undefined;
      if (unknown !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [unknown],
          message: `unknown key (expected one of ${allowed!.join(', ')})`,
        });
    });
  },
  /** A mapping that may be missing (= empty). */
  optional<S extends z.ZodType>(s: S) {
    return given(s.optional());
  },
};

/**
 * A hand-written document as the schema's output, or the first problem as
 * an error made by `error` from a message and the path it names ("campaigns[2].budget.total_micros"),
 * e.g. the document's own error class. A misspelt key names itself.
 */
export function parseDoc<S extends z.ZodType>(
  schema: S,
  value: unknown,
  error: (message: string, path: string) => Error,
  root = 'the document',
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? [issue.keys[0]!] : [];
  const path = fieldPath([...issue.path, ...keys]) || root;
  // A record's bad key: the key schema's own message.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  throw error(`${path}: ${message}`, path);
}

// ---------------------------------------------------------------------------
// Model files (models/<kind>/*.json, learning/artifacts.ts)

/** The fields every model file starts with: its format, a version and, when given, exactly these features. */
export function modelHeader(format: string, features?: readonly string[]) {
  const version = 'must be a string of 1..64 characters';
  const featureList = `must be exactly [${(features ?? []).join(', ')}]`;
  return {
    format: z.literal(format, { error: `must be "${format}"` }),
    version: z.string({ error: version }).min(1, version).max(64, version),
    ...(features
      ? {
          features: z
            .array(z.unknown(), { error: featureList })
            .refine((f) => f.length === features.length && f.every((x, i) => x === features[i]), featureList),
        }
      : {}),
  };
}

/** Finite numbers (exactly `length` of them when given). */
export function finiteNumbers(length?: number) {
  return z.array(z.number(), { error: 'must be an array of finite numbers' }).superRefine((v, ctx) => {
    if (length !== undefined && v.length !== length)
      ctx.addIssue({ code: 'custom', message: `expected ${length} numbers, got ${v.length}` });
  });
}

/** A model file's JSON checked by `schema` (a z.object of modelHeader and its own fields); an Error names the first bad field. */
export function parseModelJson<S extends z.ZodType>(json: string, schema: S): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`not valid JSON: ${(err as Error).message}`);
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new Error(`${issue.path.length ? fieldPath(issue.path) : 'the file'}: ${issue.message}`);
}

/** A model file's top level: a JSON object with these fields. */
export const modelFile = <T extends z.ZodRawShape>(shape: T) =>
  z.object(shape, { error: 'must be a JSON object' });
