/**
 * Input checked against a zod schema, with the first problem reported the
 * way every parley refusal is: INVALID_ARGUMENT (HTTP 400) naming the field
 * in the caller's spelling, e.g. "scenarios[0]: must be one of workout, …"
 * or, for a gRPC caller, "override.target_id: required".
 */
import type { z } from 'zod';
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
