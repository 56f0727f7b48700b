/**
 * Field validators for transport adapters. Each returns the clean value or
 * throws INVALID_ARGUMENT naming the field. Wire enums arrive as strings
 * (proto-loader enums: String); an unknown enum number arrives as a number.
 */
import { invalidArgument } from '../errors';

const ID_PATTERN = /^[A-Za-z0-9._:\-/@]+$/;

export function requireMessage<T>(value: T | null | undefined, field: string): T {
  if (value === null || value === undefined) throw invalidArgument(field, 'required');
  return value;
}

/** An identifier: 1..max printable characters without spaces. */
export function requireId(value: string, field: string, max = 128): string {
  if (!value) throw invalidArgument(field, 'required');
  if (value.length > max) throw invalidArgument(field, `at most ${max} characters`);
  if (!ID_PATTERN.test(value))
    throw invalidArgument(field, 'only letters, digits and . _ : - / @ are allowed');
  return value;
}

export function optionalId(value: string, field: string, max = 128): string {
  return value ? requireId(value, field, max) : '';
}

/** Free text such as a genre: optional, bounded, no control characters. */
export function text(value: string, field: string, max = 64): string {
  if (value.length > max) throw invalidArgument(field, `at most ${max} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalidArgument(field, 'control characters are not allowed');
  return value.trim().toLowerCase();
}

export function intInRange(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(field, `must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function numberInRange(value: number, field: string, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw invalidArgument(field, `must be a number in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/**
 * Maps a wire enum value to a domain value. `table` maps every known wire
 * name (including *_UNSPECIFIED when it is acceptable) to a domain value.
 */
export function enumValue<T>(value: string | number, field: string, table: Record<string, T>): T {
  if (typeof value === 'string' && Object.hasOwn(table, value)) return table[value] as T;
  const known = Object.keys(table).join(', ');
  throw invalidArgument(
    field,
    `unknown or unspecified value ${JSON.stringify(value)} (expected one of ${known})`,
  );
}

export function idList(values: string[], field: string, maxItems = 100): string[] {
  if (values.length > maxItems) throw invalidArgument(field, `at most ${maxItems} items`);
  return values.map((v, i) => requireId(v, `${field}[${i}]`));
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 timestamp with its offset, keeping the local hour. */
export function localTime(
  value: string,
  field: string,
): { epochMs: number; offsetMinutes: number; hour: number; dayOfWeek: number } {
  const m = RFC3339.exec(value);
  const epochMs = m ? Date.parse(value) : Number.NaN;
  if (!m || !Number.isFinite(epochMs)) {
    throw invalidArgument(field, 'must be an RFC 3339 time with offset, e.g. 2026-11-27T08:15:00+01:00');
  }
  const hour = Number(m[4]);
  if (hour > 23 || Number(m[5]) > 59 || Number(m[6]) > 60)
    throw invalidArgument(field, 'time of day out of range');
  const sign = m[8] === 'Z' ? 0 : m[8]!.startsWith('-') ? -1 : 1;
  const offsetMinutes = sign * (Number(m[9] ?? 0) * 60 + Number(m[10] ?? 0));
  const dayOfWeek = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDay();
  return { epochMs, offsetMinutes, hour, dayOfWeek };
}
