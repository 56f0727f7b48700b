/**
 * Overrides as every service sees them: the hard constraints people put on
 * the agents' decisions and the audit entries of their changes. The admin
 * service validates and stores them (services/admin/model.ts,
 * services/common/state/overrides*.ts); brokers apply them
 * (services/broker/overrides.ts).
 */
import type { Override__Output } from '../../../proto/gen/parley/v1/Override';
import { SCENARIOS, type Scenario } from './types';

export const OVERRIDE_KINDS = ['block', 'pause', 'pin', 'boost', 'brand_safety', 'separation'] as const;
export type OverrideKind = (typeof OVERRIDE_KINDS)[number];
export const TARGET_TYPES = ['creative', 'advertiser', 'category', 'campaign'] as const;
export type TargetType = (typeof TARGET_TYPES)[number] | '';

export interface Override {
  id: string;
  kind: OverrideKind;
  targetType: TargetType;
  targetId: string;
  /** Scenarios it applies in; empty = everywhere. */
  scenarios: Scenario[];
  /** boost: added to the joint utility. */
  boost: number;
  /** separation: at most one ad of these categories per pod. */
  categories: string[];
  /** brand_safety: also blocks whenever the content is not explicit. */
  unlessExplicit: boolean;
  author: string;
  reason: string;
  createdAtMs: number;
  /** 0 = never. */
  expiresAtMs: number;
}

/** What a person submits: the service sets id, author and creation time. */
export type OverrideInput = Omit<Override, 'id' | 'author' | 'createdAtMs'>;

export type AuditAction = 'create' | 'delete';

export interface AuditEntry {
  seq: number;
  atMs: number;
  actor: string;
  action: AuditAction;
  overrideId: string;
  reason: string;
  override: Override;
}

export function isActive(o: Pick<Override, 'expiresAtMs'>, nowMs: number): boolean {
  return o.expiresAtMs === 0 || nowMs < o.expiresAtMs;
}

/**
 * A full override received from the admin service (a broker's watch). The
 * admin validated it on the way in; this only rebuilds the domain value and
 * drops what this broker cannot understand (an unknown kind from a newer admin).
 */
export function overrideFromWire(w: Override__Output): Override | null {
  if (!(OVERRIDE_KINDS as readonly string[]).includes(w.kind)) return null;
  return {
    id: w.id,
    kind: w.kind as OverrideKind,
    targetType: w.target_type as TargetType,
    targetId: w.target_id,
    scenarios: w.scenarios.filter((s): s is Scenario => (SCENARIOS as readonly string[]).includes(s)),
    boost: w.boost,
    categories: w.categories,
    unlessExplicit: w.unless_explicit,
    author: w.author,
    reason: w.reason,
    createdAtMs: w.created_at_ms,
    expiresAtMs: w.expires_at_ms,
  };
}
