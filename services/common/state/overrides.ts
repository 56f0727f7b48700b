/**
 * The OverrideStore port: the overrides and their append-only audit log, with
 * a change feed. Two adapters: this embedded one (one admin process, the
 * default) and Redis (overrides-redis.ts: replicas share it, changes reach every
 * subscriber by pub/sub). Both keep every version strictly increasing: each
 * change bumps it by one and its audit entry's seq is the new version.
 */
import type { AuditEntry, Override } from '../domain/overrides';

export interface OverrideSnapshot {
  overrides: Override[];
  version: number;
}

export interface OverrideStore {
  /** Every stored override (expired ones too: the reader filters by time). */
  snapshot(): Promise<OverrideSnapshot>;
  /** Stores a new override and appends its audit entry, atomically. */
  create(o: Override, atMs: number): Promise<AuditEntry>;
  /** Removes one; null when there is no such override (nothing is logged then). */
  remove(id: string, actor: string, reason: string, atMs: number): Promise<AuditEntry | null>;
  /** The newest `limit` audit entries, newest first. */
  audit(limit: number): Promise<AuditEntry[]>;
  /** Calls `onChange` after every change, from any replica. Returns an unsubscribe. */
  subscribe(onChange: () => void): () => void;
  close(): Promise<void>;
}

export class EmbeddedOverrideStore implements OverrideStore {
  private readonly overrides = new Map<string, Override>();
  private readonly log: AuditEntry[] = [];
  private version = 0;
  private readonly listeners = new Set<() => void>();

  async snapshot(): Promise<OverrideSnapshot> {
    return { overrides: [...this.overrides.values()], version: this.version };
  }

  async create(o: Override, atMs: number): Promise<AuditEntry> {
    if (this.overrides.has(o.id)) throw new Error(`override ${o.id} exists`);
    this.overrides.set(o.id, o);
    return this.append({
      atMs,
      actor: o.author,
      action: 'create',
      overrideId: o.id,
      reason: o.reason,
      override: o,
    });
  }

  async remove(id: string, actor: string, reason: string, atMs: number): Promise<AuditEntry | null> {
    const o = this.overrides.get(id);
    if (!o) return null;
    this.overrides.delete(id);
    return this.append({ atMs, actor, action: 'delete', overrideId: id, reason, override: o });
  }

  async audit(limit: number): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    return this.log.slice(-limit).reverse();
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private append(e: Omit<AuditEntry, 'seq'>): AuditEntry {
    this.version++;
    const entry = { seq: this.version, ...e };
    this.log.push(entry);
    for (const l of this.listeners) l();
    return entry;
  }
}
