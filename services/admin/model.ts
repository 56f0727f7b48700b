/**
 * Overrides as the admin service takes them: the one validator both the
 * gRPC API and the HTTP API use (errors name the field in the caller's own
 * spelling), a line for a person, and the wire converters. The domain types
 * themselves live in services/common/domain/overrides.ts (brokers apply
 * them too).
 */

import { z } from 'zod';
import type { AuditEntry as WireAuditEntry } from '../../proto/gen/parley/v1/AuditEntry';
import type { Override__Output, Override as WireOverride } from '../../proto/gen/parley/v1/Override';
import type { Catalogue } from '../common/catalogue/types';
import {
  type AuditEntry,
  OVERRIDE_KINDS,
  type Override,
  type OverrideInput,
  type OverrideKind,
  TARGET_TYPES,
  type TargetType,
} from '../common/domain/overrides';
import { SCENARIOS } from '../common/domain/types';
import { invalidArgument } from '../common/errors';
import { parseFields } from '../common/schema';

export const MAX_BOOST = 10;
export const MAX_REASON_CHARS = 500;
export const MAX_CATEGORIES = 20;
/** Expiry at most this far ahead. */
export const MAX_EXPIRY_MS = 10 * 365 * 86_400_000;

const ID = /^[A-Za-z0-9._:\-/@]{1,128}$/;
const SCENARIO_NAMES = SCENARIOS.filter((s) => s !== 'unknown');

/** Maps a domain field name (camelCase) to the caller's spelling of it. */
export type FieldName = (field: string) => string;
export const camelField: FieldName = (f) => f;
export const wireField =
  (prefix: string): FieldName =>
  (f) =>
    `${prefix}${f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;

const idSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, 'required')
  .regex(ID, 'only letters, digits and . _ : - / @ (at most 128)');

/**
 * The fields of a submitted override, each on its own; absent ones get
 * their defaults. What depends on the kind is checked after (validateOverrideInput).
 */
export const overrideBodySchema = z.object(
  {
    kind: z.enum(OVERRIDE_KINDS, { error: `must be one of ${OVERRIDE_KINDS.join(', ')}` }),
    targetType: z
      .enum(['', ...TARGET_TYPES], { error: `must be one of ${TARGET_TYPES.join(', ')}` })
      .default(''),
    targetId: z.string({ error: 'must be a string' }).trim().default(''),
    scenarios: z
      .array(z.enum(SCENARIO_NAMES, { error: `must be one of ${SCENARIO_NAMES.join(', ')}` }), {
        error: 'must be a list',
      })
      .default([]),
    boost: z.number({ error: 'must be a number' }).default(0),
    categories: z
      .array(
        z.preprocess((c) => (typeof c === 'string' ? c.trim().toLowerCase() : ''), idSchema),
        { error: 'must be a list' },
      )
      .default([]),
    unlessExplicit: z.boolean({ error: 'must be true or false' }).default(false),
    reason: z
      .string({ error: 'must be a string' })
      .trim()
      .min(1, 'required: say why')
      .max(MAX_REASON_CHARS, `at most ${MAX_REASON_CHARS} characters`)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
      .refine((r) => !/[\u0000-\u001f\u007f]/.test(r), 'control characters are not allowed')
      .prefault(''),
    expiresAtMs: z
      .number({ error: 'must be unix epoch milliseconds (0 = never)' })
      .refine((n) => Number.isSafeInteger(n) && n >= 0, 'must be unix epoch milliseconds (0 = never)')
      .default(0),
  },
  { error: 'must be an object' },
);

/** The body of a removal: why (required). */
export const removalBodySchema = z.object(
  {
    reason: z
      .string({ error: 'must be a string' })
      .trim()
      .min(1, 'required: say why')
      .max(MAX_REASON_CHARS, `at most ${MAX_REASON_CHARS} characters`)
      .prefault(''),
  },
  { error: 'must be an object' },
);

/**
 * Validates a submitted override (a parsed JSON object or a converted wire
 * message). Throws INVALID_ARGUMENT naming the first bad field.
 */
export function validateOverrideInput(
  raw: unknown,
  nowMs: number,
  name: FieldName = camelField,
): OverrideInput {
  const body = parseFields(overrideBodySchema, raw, name, 'override');
  const bad = (field: string, problem: string) => invalidArgument(name(field), problem);
  const { kind, scenarios, boost, categories, unlessExplicit, reason, expiresAtMs } = body;

  let targetType = body.targetType;
  if (targetType === '') {
    if (kind === 'pause' || kind === 'pin' || kind === 'boost') targetType = 'campaign';
    if (kind === 'brand_safety') targetType = 'category';
  }
  const allowed: Record<OverrideKind, readonly TargetType[]> = {
    block: ['creative', 'advertiser', 'category'],
    pause: ['campaign'],
    pin: ['campaign'],
    boost: ['campaign'],
    brand_safety: ['category'],
    separation: [''],
  };
  if (!allowed[kind].includes(targetType)) {
    const expected = allowed[kind].filter(Boolean);
    throw bad(
      'targetType',
      expected.length
        ? `a ${kind} override targets ${expected.join(' | ')}`
        : `a ${kind} override has no target`,
    );
  }
  let targetId = body.targetId;
  if (kind === 'separation') {
    if (targetId) throw bad('targetId', 'a separation override has no target (use categories)');
  } else {
    targetId = parseFields(idSchema, targetId, () => name('targetId'));
    if (targetType === 'category') targetId = targetId.toLowerCase();
  }

  if (kind === 'pause' && scenarios.length > 0)
    throw bad('scenarios', 'a pause (kill switch) applies everywhere');
  if (!Number.isFinite(boost)) throw bad('boost', 'must be a number');
  if (kind === 'boost' && !(boost > 0 && boost <= MAX_BOOST))
    throw bad('boost', `must be in (0, ${MAX_BOOST}]`);
  if (kind !== 'boost' && boost !== 0) throw bad('boost', 'only a boost override has one');

  if (kind === 'separation') {
    if (categories.length < 1) throw bad('categories', 'name at least one category');
    if (categories.length > MAX_CATEGORIES) throw bad('categories', `at most ${MAX_CATEGORIES}`);
  } else if (categories.length > 0) throw bad('categories', 'only a separation override has them');
  if (unlessExplicit && kind !== 'brand_safety') throw bad('unlessExplicit', 'only for brand_safety');

  if (expiresAtMs !== 0 && expiresAtMs <= nowMs) throw bad('expiresAtMs', 'lies in the past');
  if (expiresAtMs > nowMs + MAX_EXPIRY_MS) throw bad('expiresAtMs', 'at most ten years ahead');

  return {
    kind,
    targetType,
    targetId,
    scenarios: [...new Set(scenarios)],
    boost,
    categories: [...new Set(categories)],
    unlessExplicit,
    reason,
    expiresAtMs,
  };
}

/** What an override may target: the ids and categories of the catalogue in force. */
export interface KnownTargets {
  campaign: ReadonlySet<string>;
  creative: ReadonlySet<string>;
  advertiser: ReadonlySet<string>;
  /** Advertisers' categories and separation categories, lower-case. */
  category: ReadonlySet<string>;
}

export function knownTargets(c: Catalogue): KnownTargets {
  const category = new Set<string>();
  for (const a of c.advertisers.values()) {
    category.add(a.category);
    for (const s of a.separationCategories) category.add(s);
  }
  return {
    campaign: new Set(c.campaigns.keys()),
    creative: new Set(c.creatives.keys()),
    advertiser: new Set(c.advertisers.keys()),
    category,
  };
}

/**
 * Refuses an override whose target (or separation category) the catalogue
 * does not know: a kill switch for a misspelt campaign would do nothing.
 */
export function checkTargetsKnown(
  input: OverrideInput,
  known: KnownTargets,
  name: FieldName = camelField,
): void {
  if (input.kind === 'separation') {
    input.categories.forEach((c, i) => {
      if (!known.category.has(c))
        throw invalidArgument(name(`categories[${i}]`), `no category "${c}" in the catalogue`);
    });
    return;
  }
  const type = input.targetType as Exclude<TargetType, ''>;
  if (!known[type].has(input.targetId))
    throw invalidArgument(name('targetId'), `no ${type} "${input.targetId}" in the catalogue`);
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/**
 * An active override that does the same as `input` (same kind, target,
 * scenarios, categories and explicit-content flag; a boost's size aside):
 * creating it again would only add noise to the audit log.
 */
export function duplicateOf(input: OverrideInput, active: readonly Override[]): Override | undefined {
  return active.find(
    (o) =>
      o.kind === input.kind &&
      o.targetType === input.targetType &&
      o.targetId === input.targetId &&
      o.unlessExplicit === input.unlessExplicit &&
      sameSet(o.scenarios, input.scenarios) &&
      sameSet(o.categories, input.categories),
  );
}

/** One line for a person, e.g. "block advertiser adv-beer in workout, commute". */
export function describeOverride(
  o: Pick<
    Override,
    'kind' | 'targetType' | 'targetId' | 'scenarios' | 'boost' | 'categories' | 'unlessExplicit'
  >,
): string {
  const where = o.scenarios.length ? ` in ${o.scenarios.join(', ')}` : '';
  switch (o.kind) {
    case 'block':
      return `block ${o.targetType} ${o.targetId}${where}`;
    case 'pause':
      return `pause campaign ${o.targetId} (kill switch)`;
    case 'pin':
      return `pin campaign ${o.targetId}${where}`;
    case 'boost':
      return `boost campaign ${o.targetId} by +${o.boost}${where}`;
    case 'brand_safety': {
      const when = [
        o.unlessExplicit ? 'when the content is not explicit' : '',
        o.scenarios.length ? `in ${o.scenarios.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join(' or ');
      return `no ${o.targetId} ads ${when || 'anywhere'}`;
    }
    case 'separation':
      return `at most one ad of ${o.categories.join(', ')} per pod${where}`;
  }
}

// ---------------------------------------------------------------------------
// wire

export function overrideToWire(o: Override): WireOverride {
  return {
    id: o.id,
    kind: o.kind,
    target_type: o.targetType,
    target_id: o.targetId,
    scenarios: o.scenarios,
    boost: o.boost,
    categories: o.categories,
    unless_explicit: o.unlessExplicit,
    author: o.author,
    reason: o.reason,
    created_at_ms: o.createdAtMs,
    expires_at_ms: o.expiresAtMs,
  };
}

/** The submitted fields of a wire override, for validateOverrideInput. */
export function overrideInputFromWire(w: Override__Output | null): Record<string, unknown> | null {
  if (!w) return null;
  return {
    kind: w.kind,
    targetType: w.target_type,
    targetId: w.target_id,
    scenarios: w.scenarios,
    boost: w.boost,
    categories: w.categories,
    unlessExplicit: w.unless_explicit,
    reason: w.reason,
    expiresAtMs: w.expires_at_ms,
  };
}

export function auditToWire(e: AuditEntry): WireAuditEntry {
  return {
    seq: e.seq,
    at_ms: e.atMs,
    actor: e.actor,
    action: e.action,
    override_id: e.overrideId,
    reason: e.reason,
    override: overrideToWire(e.override),
  };
}
