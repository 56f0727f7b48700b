/**
 * Redis adapter of the OverrideStore port. Keys (all under the prefix; one
 * hash tag, so on a Redis Cluster they are one slot, as the change scripts
 * and the snapshot's MULTI need):
 *
 *   {admin}:overrides   HASH  override id → override JSON
 *   {admin}:audit       STREAM (never trimmed: the audit log is append-only), field e = entry JSON
 *   {admin}:version     STRING the change counter; an entry's seq is the version it made
 *   {admin}:changed     pub/sub channel: the new version after every change (a cluster
 *                       passes it to every node)
 *
 * Each change is one Lua script (store + version + audit + publish), so two
 * admin replicas can never interleave half a change. Subscribers hear a
 * change by pub/sub within milliseconds; a version poll every second covers
 * a pub/sub connection that was down when the message went out.
 */
import type { AuditEntry, Override } from '../domain/overrides';
import type { OverrideSnapshot, OverrideStore } from './overrides';
import type { Redis } from './redis';

// KEYS: overrides, version, audit, channel; ARGV: id, override json, entry json (seq filled in here)
const CREATE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return redis.error_reply('override exists') end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local v = redis.call('INCR', KEYS[2])
local entry = string.gsub(ARGV[3], '"seq":0', '"seq":' .. v, 1)
redis.call('XADD', KEYS[3], '*', 'e', entry)
redis.call('PUBLISH', KEYS[4], v)
return entry
`;

// KEYS: overrides, version, audit, channel; ARGV: id, entry json without the override (…"override":null…)
const REMOVE = `
local o = redis.call('HGET', KEYS[1], ARGV[1])
if not o then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
local v = redis.call('INCR', KEYS[2])
local entry = string.gsub(ARGV[2], '"seq":0', '"seq":' .. v, 1)
entry = string.gsub(entry, '"override":null', function() return '"override":' .. o end, 1)
redis.call('XADD', KEYS[3], '*', 'e', entry)
redis.call('PUBLISH', KEYS[4], v)
return entry
`;

export const VERSION_POLL_MS = 1000;

export class RedisOverrideStore implements OverrideStore {
  private readonly keys: { overrides: string; version: string; audit: string; channel: string };
  private readonly listeners = new Set<() => void>();
  private subscriber: Redis | null = null;
  private poller: NodeJS.Timeout | null = null;
  private lastVersion = -1;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = {
      overrides: `${prefix}{admin}:overrides`,
      version: `${prefix}{admin}:version`,
      audit: `${prefix}{admin}:audit`,
      channel: `${prefix}{admin}:changed`,
    };
  }

  async snapshot(): Promise<OverrideSnapshot> {
    const res = await this.redis.multi().hvals(this.keys.overrides).get(this.keys.version).exec();
    if (!res) throw new Error('override snapshot: transaction aborted');
    const [[e1, values], [e2, version]] = res as [[Error | null, string[]], [Error | null, string | null]];
    if (e1 || e2) throw e1 ?? e2;
    return {
      overrides: values.map((v) => JSON.parse(v) as Override),
      version: Number(version ?? 0),
    };
  }

  async create(o: Override, atMs: number): Promise<AuditEntry> {
    const entry: AuditEntry = {
      seq: 0,
      atMs,
      actor: o.author,
      action: 'create',
      overrideId: o.id,
      reason: o.reason,
      override: o,
    };
    const out = (await this.redis.eval(
      CREATE,
      4,
      this.keys.overrides,
      this.keys.version,
      this.keys.audit,
      this.keys.channel,
      o.id,
      JSON.stringify(o),
      JSON.stringify(entry),
    )) as string;
    return JSON.parse(out) as AuditEntry;
  }

  async remove(id: string, actor: string, reason: string, atMs: number): Promise<AuditEntry | null> {
    // seq and override first: the script fills them in at their first occurrence.
    const entry = { seq: 0, override: null, atMs, actor, action: 'delete', overrideId: id, reason };
    const out = (await this.redis.eval(
      REMOVE,
      4,
      this.keys.overrides,
      this.keys.version,
      this.keys.audit,
      this.keys.channel,
      id,
      JSON.stringify(entry),
    )) as string | null;
    return out ? (JSON.parse(out) as AuditEntry) : null;
  }

  async audit(limit: number): Promise<AuditEntry[]> {
    // XREVRANGE … COUNT 0 answers null, not an empty list.
    if (limit <= 0) return [];
    const rows = await this.redis.xrevrange(this.keys.audit, '+', '-', 'COUNT', limit);
    return rows.map(([, fields]) => JSON.parse(fields[1] ?? '{}') as AuditEntry);
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    if (!this.subscriber) this.startFeed();
    return () => this.listeners.delete(onChange);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    const sub = this.subscriber;
    this.subscriber = null;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }

  private notify(version: number): void {
    if (version === this.lastVersion) return;
    this.lastVersion = version;
    for (const l of this.listeners) l();
  }

  private startFeed(): void {
    const sub = this.redis.duplicate();
    sub.on('error', () => undefined); // reconnects on its own; the poll covers the gap
    this.subscriber = sub;
    void sub.subscribe(this.keys.channel).catch(() => undefined);
    sub.on('message', (_channel: string, message: string) => this.notify(Number(message)));
    const poll = () => {
      this.redis
        .get(this.keys.version)
        .then((v) => this.notify(Number(v ?? 0)))
        .catch(() => undefined);
    };
    poll();
    this.poller = setInterval(poll, VERSION_POLL_MS);
    this.poller.unref();
  }
}
