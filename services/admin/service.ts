/**
 * The admin service's domain: overrides with their audit log, and the
 * decision log. Both transports (gRPC in server.ts, HTTP in http.ts) call
 * this after authenticating; it validates, stamps author and time, and
 * writes through the ports. Time comes from an injected clock.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { CatalogueSource } from '../common/catalogue/load';
import { type AuditEntry, isActive, type Override } from '../common/domain/overrides';
import { RpcError } from '../common/grpc/errors';
import type { DecisionLog, DecisionRecordData, EncodedDecision } from '../common/state/decisions';
import type { OverrideSnapshot, OverrideStore } from '../common/state/overrides';
import type { Principal } from './auth';
import {
  camelField,
  checkTargetsKnown,
  describeOverride,
  duplicateOf,
  type FieldName,
  type KnownTargets,
  knownTargets,
  MAX_REASON_CHARS,
  validateOverrideInput,
} from './model';

export const MAX_AUDIT_LIMIT = 1000;
export const MAX_DECISIONS_LIMIT = 500;

export interface AdminServiceOptions {
  store: OverrideStore;
  decisions: DecisionLog;
  clock?: () => number;
  newId?: () => string;
  /** The catalogue in force: what overrides may target. Absent = any well-formed id. */
  catalogue?: CatalogueSource;
}

/** The catalogue as the dashboard's target pickers need it. */
export interface CatalogueSummary {
  version: string;
  advertisers: Array<{ id: string; name: string; category: string }>;
  campaigns: Array<{ id: string; name: string; advertiserId: string; tier: string; paused: boolean }>;
  creatives: Array<{ id: string; campaignId: string }>;
  categories: string[];
}

function forbidden(p: Principal): RpcError {
  return new RpcError(
    grpc.status.PERMISSION_DENIED,
    `${p.name} is a ${p.role}: only an editor can change overrides`,
  );
}

export class AdminService {
  readonly store: OverrideStore;
  readonly decisions: DecisionLog;
  private readonly clock: () => number;
  private readonly newId: () => string;
  private readonly catalogue: CatalogueSource | undefined;
  private known: { version: string; targets: KnownTargets } | null = null;

  constructor(opts: AdminServiceOptions) {
    this.store = opts.store;
    this.decisions = opts.decisions;
    this.clock = opts.clock ?? Date.now;
    this.newId = opts.newId ?? (() => `ov-${randomUUID().slice(0, 8)}`);
    this.catalogue = opts.catalogue;
  }

  /** What overrides may target now (recomputed when the catalogue changes); null = no catalogue. */
  private targets(): KnownTargets | null {
    const c = this.catalogue?.current();
    if (!c) return null;
    if (this.known?.version !== c.version) this.known = { version: c.version, targets: knownTargets(c) };
    return this.known.targets;
  }

  /** The catalogue's ids and names, sorted by id; null = no catalogue. */
  catalogueSummary(): CatalogueSummary | null {
    const c = this.catalogue?.current();
    if (!c) return null;
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return {
      version: c.version,
      advertisers: [...c.advertisers.values()]
        .map((a) => ({ id: a.id, name: a.name, category: a.category }))
        .sort(byId),
      campaigns: [...c.campaigns.values()]
        .map((x) => ({
          id: x.id,
          name: x.name,
          advertiserId: x.advertiserId,
          tier: x.tier,
          paused: x.paused,
        }))
        .sort(byId),
      creatives: [...c.creatives.values()].map((x) => ({ id: x.id, campaignId: x.campaignId })).sort(byId),
      categories: [...(this.targets()?.category ?? [])].sort(),
    };
  }

  now(): number {
    return this.clock();
  }

  /**
   * Validates and stores a new override; the audit log gets its entry in the
   * same step. A target the catalogue does not know, or an override that
   * repeats an active one, is refused naming the field.
   */
  async createOverride(who: Principal, raw: unknown, name: FieldName = camelField): Promise<Override> {
    if (who.role !== 'editor') throw forbidden(who);
    const now = this.clock();
    const input = validateOverrideInput(raw, now, name);
    const known = this.targets();
    if (known) checkTargetsKnown(input, known, name);
    const active = (await this.store.snapshot()).overrides.filter((o) => isActive(o, now));
    const same = duplicateOf(input, active);
    if (same) {
      const field = input.kind === 'separation' ? 'categories' : 'targetId';
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `${name(field)}: override ${same.id} already does this (${describeOverride(same)}); remove it first`,
      );
    }
    const o: Override = { id: this.newId(), ...input, author: who.name, createdAtMs: now };
    await this.store.create(o, now);
    return o;
  }

  async deleteOverride(
    who: Principal,
    id: string,
    reason: string,
    name: FieldName = camelField,
  ): Promise<Override> {
    if (who.role !== 'editor') throw forbidden(who);
    if (!id) throw new RpcError(grpc.status.INVALID_ARGUMENT, `${name('id')}: required`);
    const why = reason.trim();
    if (!why) throw new RpcError(grpc.status.INVALID_ARGUMENT, `${name('reason')}: required: say why`);
    if (why.length > MAX_REASON_CHARS)
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `${name('reason')}: at most ${MAX_REASON_CHARS} characters`,
      );
    const entry = await this.store.remove(id, who.name, why, this.clock());
    if (!entry) throw new RpcError(grpc.status.NOT_FOUND, `no override ${id}`);
    return entry.override;
  }

  /** The override set, newest first; expired ones only when asked. */
  async listOverrides(includeExpired = false): Promise<OverrideSnapshot> {
    const snap = await this.store.snapshot();
    const now = this.clock();
    const overrides = snap.overrides
      .filter((o) => includeExpired || isActive(o, now))
      .sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : 1));
    return { overrides, version: snap.version };
  }

  async audit(limit: number): Promise<AuditEntry[]> {
    return this.store.audit(clampLimit(limit, 100, MAX_AUDIT_LIMIT));
  }

  /** Stores brokers' records as they came, encoded; one without a request id is dropped. */
  async recordDecisions(records: EncodedDecision[]): Promise<void> {
    await this.decisions.append(records.filter((r) => r.requestId));
  }

  async getDecision(requestId: string): Promise<DecisionRecordData> {
    if (!requestId) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'request_id: required');
    const r = await this.decisions.get(requestId);
    if (!r) {
      throw new RpcError(
        grpc.status.NOT_FOUND,
        `no decision ${requestId} in the decision log (never made, or older than the last PARLEY_DECISION_LOG_SIZE decisions)`,
      );
    }
    return r;
  }

  async listDecisions(limit: number): Promise<DecisionRecordData[]> {
    return this.decisions.recent(clampLimit(limit, 50, MAX_DECISIONS_LIMIT));
  }
}

export function clampLimit(limit: number, def: number, max: number): number {
  if (!Number.isFinite(limit) || limit <= 0) return def;
  return Math.min(max, Math.floor(limit));
}
