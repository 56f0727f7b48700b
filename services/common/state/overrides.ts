/**
 * The OverrideStore port: the overrides and their append-only audit log, with
 * a change feed. Two adapters: this embedded one (one admin process, the
 * default) and Redis (overrides-redis.ts: replicas share it, changes reach every
 * subscriber by pub/sub). Both keep every version strictly increasing: each
 * change bumps it by one and its audit entry's seq is the new version.
 *
 * The embedded store may keep a journal: its audit log, one JSON entry per
 * line, appended (synchronously) before a change takes effect and replayed
 * when a store opens it again. An admin service that dies and is started
 * again then keeps its overrides; without one, brokers would take its empty
 * set and lift every block as it came back.
 */
import { appendFileSync, existsSync, readFileSync, truncateSync } from 'node:fs';
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

  /** `journal`: a file to keep the audit log in and to start from (created on the first change). */
  constructor(private readonly journal?: string) {
    if (journal && existsSync(journal)) for (const e of readJournal(journal)) this.apply(e);
  }

  async snapshot(): Promise<OverrideSnapshot> {
    return { overrides: [...this.overrides.values()], version: this.version };
  }

  async create(o: Override, atMs: number): Promise<AuditEntry> {
    if (this.overrides.has(o.id)) throw new Error(`override ${o.id} exists`);
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
    const entry = { seq: this.version + 1, ...e };
    // Written before it takes effect: a change the journal does not hold never happened.
    if (this.journal) appendFileSync(this.journal, `${JSON.stringify(entry)}\n`);
    this.apply(entry);
    for (const l of this.listeners) l();
    return entry;
  }

  /** One audit entry's effect (a change, or a journal's line replayed). */
  private apply(e: AuditEntry): void {
    if (e.action === 'create') this.overrides.set(e.overrideId, e.override);
    else this.overrides.delete(e.overrideId);
    this.log.push(e);
    this.version = e.seq;
  }
}

/**
 * A journal's entries, in order. A last line without its newline (the process
 * died while writing it) is cut off the file: that change never took effect.
 * Anything else that is not the next entry is an error naming the file and
 * line.
 */
export function readJournal(file: string): AuditEntry[] {
  const text = readFileSync(file, 'utf8');
  const whole = text.slice(0, text.lastIndexOf('\n') + 1);
  if (whole.length < text.length) truncateSync(file, Buffer.byteLength(whole));
  const entries: AuditEntry[] = [];
  whole.split('\n').forEach((line, i) => {
    if (line === '') return;
    const expected = entries.length + 1;
    let e: AuditEntry | null = null;
    try {
      e = JSON.parse(line) as AuditEntry;
    } catch {}
    if (
      !e ||
      e.seq !== expected ||
      (e.action !== 'create' && e.action !== 'delete') ||
      typeof e.overrideId !== 'string' ||
      e.override?.id !== e.overrideId
    )
      throw new Error(`${file}:${i + 1}: not the override journal's entry ${expected}`);
    entries.push(e);
  });
  return entries;
}
