/**
 * One contract for both OverrideStore adapters (embedded and Redis, on one
 * redis-server and on a Redis Cluster): the
 * overrides, their append-only audit log, the version counter and the change
 * feed brokers reload on. `handles()` gives two handles on one state: for
 * Redis two stores on two connections (two admin replicas, or an admin and a
 * broker); the embedded store is one process, so both handles are the same
 * store. `reopen()` is the state as a process started later sees it: Redis,
 * or the embedded store's journal (an admin service that died and came back);
 * an embedded store without a journal keeps nothing.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminService } from '../../services/admin/service';
import { storeOverrideSource } from '../../services/broker/overrides';
import type { Override } from '../../services/common/domain/overrides';
import { createLogger } from '../../services/common/log';
import { EmbeddedDecisionLog } from '../../services/common/state/decisions';
import {
  EmbeddedOverrideStore,
  type OverrideStore,
  readJournal,
} from '../../services/common/state/overrides';
import { RedisOverrideStore, VERSION_POLL_MS } from '../../services/common/state/overrides-redis';
import { type RedisBackend, redisBackends, useTestRedis, useTestRedisCluster } from '../support/redis';

const redis = useTestRedis();
const backends = redisBackends(redis, useTestRedisCluster());

const PREFIX = 'parley-ct:';
const T0 = 1_800_000_000_000;
const log = createLogger('test', 'error');

/** Every store a test opened, closed after it. */
let opened: OverrideStore[] = [];
function track<S extends OverrideStore>(s: S): S {
  opened.push(s);
  return s;
}

const journals = mkdtempSync(join(tmpdir(), 'parley-override-journal-'));
afterAll(() => rmSync(journals, { recursive: true, force: true }));
let journal = '';

interface Adapter {
  /** Two handles on the same state. */
  handles(prefix?: string): [OverrideStore, OverrideStore];
  /** A new store on the state the handles keep, as a process started later opens it (none: not kept). */
  reopen?(): OverrideStore;
  /** The Redis it keeps the state in (none: embedded). */
  backend?: RedisBackend;
}
const adapters: Array<[string, Adapter]> = [
  [
    'embedded',
    {
      handles() {
        const s = track(new EmbeddedOverrideStore());
        return [s, s];
      },
    },
  ],
  [
    'embedded with a journal',
    {
      handles() {
        const s = track(new EmbeddedOverrideStore(journal));
        return [s, s];
      },
      reopen: () => track(new EmbeddedOverrideStore(journal)),
    },
  ],
  ...backends.map(([name, backend]): [string, Adapter] => [
    name,
    {
      backend,
      handles(prefix = PREFIX) {
        return [
          track(new RedisOverrideStore(backend.client(), prefix)),
          track(new RedisOverrideStore(backend.client(), prefix)),
        ];
      },
      reopen: () => track(new RedisOverrideStore(backend.client(), PREFIX)),
    },
  ]),
];

function ov(id: string, over: Partial<Override> = {}): Override {
  return {
    id,
    kind: 'block',
    targetType: 'advertiser',
    targetId: `adv-${id}`,
    scenarios: ['workout', 'commute'],
    boost: 0,
    categories: [],
    unlessExplicit: false,
    author: 'ana',
    reason: `reason for ${id}: "quoted", 50% off %1 %%, ünïcode, a \\ backslash, "override":null`,
    createdAtMs: T0,
    expiresAtMs: 0,
    ...over,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the time it took for `cond` to hold; rejects after `ms`. */
async function within(ms: number, cond: () => boolean | Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await sleep(5);
  }
  return Date.now() - start;
}

describe.each(adapters)('OverrideStore contract: %s', (name, adapter) => {
  const { backend } = adapter;
  beforeEach(async (ctx) => {
    await backend?.flush();
    opened = [];
    journal = join(journals, `${ctx.task.id}.jsonl`);
  });
  afterEach(async () => {
    for (const s of opened) await s.close();
  });

  it('starts empty at version 0', async () => {
    const [store] = adapter.handles();
    expect(await store.snapshot()).toEqual({ overrides: [], version: 0 });
    expect(await store.audit(10)).toEqual([]);
  });

  it.skipIf(!adapter.reopen)(
    'a store opened again later keeps the overrides, version and audit log',
    async () => {
      const [store] = adapter.handles();
      await store.create(ov('ov-a'), T0);
      await store.create(ov('ov-b'), T0 + 1);
      await store.remove('ov-a', 'cy', 'done', T0 + 2);
      const before = { snapshot: await store.snapshot(), audit: await store.audit(10) };
      const again = adapter.reopen!();
      expect(await again.snapshot()).toEqual(before.snapshot);
      expect(await again.audit(10)).toEqual(before.audit);
      // And it goes on from there: the next change is version 4.
      expect((await again.create(ov('ov-c'), T0 + 3)).seq).toBe(4);
    },
  );

  it('creates, lists and deletes overrides; every change bumps the version by one', async () => {
    const [store] = adapter.handles();
    const a = ov('ov-a');
    const b = ov('ov-b', {
      kind: 'separation',
      targetType: '',
      targetId: '',
      scenarios: [],
      categories: ['alcohol', 'gambling'],
      author: 'bo',
    });
    const c = ov('ov-c', { kind: 'boost', targetType: 'campaign', targetId: 'camp-1', boost: 2.5 });
    await store.create(a, T0);
    await store.create(b, T0 + 1);
    await store.create(c, T0 + 2);
    let snap = await store.snapshot();
    expect(snap.version).toBe(3);
    expect(snap.overrides.sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([a, b, c]);

    const removed = await store.remove('ov-b', 'cy', 'campaign over', T0 + 3);
    expect(removed?.override).toEqual(b);
    snap = await store.snapshot();
    expect(snap.version).toBe(4);
    expect(snap.overrides.map((o) => o.id).sort()).toEqual(['ov-a', 'ov-c']);
  });

  it('removing an unknown override returns null and logs nothing', async () => {
    const [store] = adapter.handles();
    await store.create(ov('ov-a'), T0);
    expect(await store.remove('ov-nope', 'cy', 'tidy up', T0 + 1)).toBeNull();
    await store.remove('ov-a', 'cy', 'done', T0 + 2);
    expect(await store.remove('ov-a', 'cy', 'again', T0 + 3)).toBeNull();
    expect((await store.snapshot()).version).toBe(2);
    expect((await store.audit(10)).map((e) => e.action)).toEqual(['delete', 'create']);
  });

  it('audits every change, newest first, with actor, reason, time and the override', async () => {
    const [store] = adapter.handles();
    const a = ov('ov-a', { author: 'ana', reason: 'brand asked' });
    const b = ov('ov-b', { author: 'bo', reason: 'legal' });
    const ea = await store.create(a, T0 + 10);
    const eb = await store.create(b, T0 + 20);
    const ed = await store.remove(
      'ov-a',
      'cy',
      'brand changed its mind: 100% sure, %1, "override":null',
      T0 + 30,
    );

    expect(ea).toEqual({
      seq: 1,
      atMs: T0 + 10,
      actor: 'ana',
      action: 'create',
      overrideId: 'ov-a',
      reason: 'brand asked',
      override: a,
    });
    expect(eb).toMatchObject({ seq: 2, atMs: T0 + 20, actor: 'bo', action: 'create', reason: 'legal' });
    expect(ed).toEqual({
      seq: 3,
      atMs: T0 + 30,
      actor: 'cy',
      action: 'delete',
      overrideId: 'ov-a',
      reason: 'brand changed its mind: 100% sure, %1, "override":null',
      override: a,
    });
    expect(await store.audit(10)).toEqual([ed, eb, ea]);
    expect(await store.audit(2)).toEqual([ed, eb]);
    expect(await store.audit(0)).toEqual([]);
    // The version is the seq of the newest entry.
    expect((await store.snapshot()).version).toBe(3);
  });

  it('the audit log is append-only: later changes never alter earlier entries', async () => {
    const [store] = adapter.handles();
    for (let i = 0; i < 5; i++) await store.create(ov(`ov-${i}`), T0 + i);
    const before = await store.audit(100);
    for (let i = 0; i < 5; i++) await store.remove(`ov-${i}`, 'cy', `undo ${i}`, T0 + 10 + i);
    await store.create(ov('ov-0', { reason: 'again' }), T0 + 20); // an id can come back
    const after = await store.audit(100);
    expect(after).toHaveLength(11);
    expect(after.slice(-5)).toEqual(before);
    const seqs = after.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => y - x));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(after.map((e) => e.atMs)).toEqual([...after.map((e) => e.atMs)].sort((x, y) => y - x));
  });

  it('rejects a second override with an id in use, changing nothing', async () => {
    const [store] = adapter.handles();
    const a = ov('ov-a');
    await store.create(a, T0);
    await expect(store.create(ov('ov-a', { author: 'mallory', reason: 'other' }), T0 + 1)).rejects.toThrow(
      /exists/,
    );
    expect(await store.snapshot()).toEqual({ overrides: [a], version: 1 });
    expect(await store.audit(10)).toHaveLength(1);
  });

  it('gives every override the service makes a distinct id', async () => {
    const [store] = adapter.handles();
    const service = new AdminService({ store, decisions: new EmbeddedDecisionLog(10), clock: () => T0 });
    const editor = { name: 'ana', role: 'editor' as const };
    const made = [];
    for (let i = 0; i < 40; i++) {
      made.push(
        await service.createOverride(editor, { kind: 'pause', targetId: `camp-${i}`, reason: 'test' }),
      );
    }
    const ids = (await store.snapshot()).overrides.map((o) => o.id);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    expect(new Set(made.map((o) => o.id))).toEqual(new Set(ids));
  });

  it('an expired override stays stored but is no longer active', async () => {
    const [store] = adapter.handles();
    let now = T0;
    const service = new AdminService({ store, decisions: new EmbeddedDecisionLog(10), clock: () => now });
    const editor = { name: 'ana', role: 'editor' as const };
    const short = await service.createOverride(editor, {
      kind: 'block',
      targetType: 'creative',
      targetId: 'cr-1',
      reason: 'one hour',
      expiresAtMs: T0 + 3_600_000,
    });
    const forever = await service.createOverride(editor, {
      kind: 'pause',
      targetId: 'camp-1',
      reason: 'kill',
    });
    const ids = async (includeExpired = false) =>
      (await service.listOverrides(includeExpired)).overrides.map((o) => o.id).sort();

    expect(await ids()).toEqual([short.id, forever.id].sort());
    now = T0 + 3_600_000 - 1;
    expect(await ids()).toEqual([short.id, forever.id].sort());
    now = T0 + 3_600_000;
    expect(await ids()).toEqual([forever.id]);
    expect(await ids(true)).toEqual([short.id, forever.id].sort());
    // Still stored, with the expiry the broker checks at every decision.
    const stored = (await store.snapshot()).overrides.find((o) => o.id === short.id);
    expect(stored?.expiresAtMs).toBe(T0 + 3_600_000);
  });

  it('concurrent creates from two handles all land, each audited exactly once', async () => {
    const [one, two] = adapter.handles();
    const n = 25;
    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < n; i++) {
      writes.push(one.create(ov(`one-${i}`, { author: 'ana' }), T0 + i));
      writes.push(two.create(ov(`two-${i}`, { author: 'bo' }), T0 + i));
    }
    await Promise.all(writes);
    for (const s of [one, two]) {
      const snap = await s.snapshot();
      expect(snap.version).toBe(2 * n);
      expect(snap.overrides).toHaveLength(2 * n);
    }
    const audit = await one.audit(1000);
    expect(audit).toHaveLength(2 * n);
    expect(audit.map((e) => e.seq)).toEqual(Array.from({ length: 2 * n }, (_, i) => 2 * n - i));
    const audited = audit.map((e) => e.overrideId).sort();
    expect(new Set(audited).size).toBe(2 * n);
    expect(audit.filter((e) => e.actor === 'bo' && e.overrideId.startsWith('two-'))).toHaveLength(n);
  });

  it('tells a subscriber about every change, from any handle, within milliseconds', async () => {
    const [admin, broker] = adapter.handles();
    let calls = 0;
    const unsubscribe = broker.subscribe(() => {
      calls++;
    });
    await sleep(100); // let a feed connect and settle
    calls = 0;

    // Pushed (pub/sub), not found by the once-a-second version poll.
    await admin.create(ov('ov-a'), T0);
    await within(300, () => calls >= 1);
    const afterCreate = calls;
    await admin.remove('ov-a', 'cy', 'done', T0 + 1);
    await within(300, () => calls > afterCreate);

    unsubscribe();
    const afterUnsubscribe = calls;
    await admin.create(ov('ov-b'), T0 + 2);
    await sleep(backend ? 1200 : 20); // past one version poll as well
    expect(calls).toBe(afterUnsubscribe);
  });

  it("a broker's override source sees a change made right after it started within a second", async () => {
    const [admin, broker] = adapter.handles();
    const source = storeOverrideSource(broker, log);
    try {
      await admin.create(ov('ov-a'), T0);
      await within(1000, () => source.current().overrides.some((o) => o.id === 'ov-a'));
      expect(source.current().version).toBe(1);
      await admin.remove('ov-a', 'cy', 'done', T0 + 1);
      await within(1000, () => source.current().size === 0);
      expect(source.current().version).toBe(2);
    } finally {
      source.close();
    }
  });

  it.runIf(backend)('a change whose message was missed is found by the version poll', async () => {
    const [, broker] = adapter.handles();
    let calls = 0;
    broker.subscribe(() => {
      calls++;
    });
    await sleep(100);
    calls = 0;
    // As if the change was published while the subscriber connection was down.
    await backend!.client().incr(`${PREFIX}{admin}:version`);
    await within(VERSION_POLL_MS + 300, () => calls === 1);
  });

  it.runIf(backend)(
    'keeps its keys and channel under the configured prefix, in one slot ({admin})',
    async () => {
      const [mine] = adapter.handles(PREFIX);
      const [other] = adapter.handles('parley-other:');
      mine.subscribe(() => undefined);
      await mine.create(ov('ov-a'), T0);
      await mine.create(ov('ov-b'), T0);
      await mine.remove('ov-b', 'cy', 'done', T0);
      expect(await backend!.keys('*')).toEqual([
        `${PREFIX}{admin}:audit`,
        `${PREFIX}{admin}:overrides`,
        `${PREFIX}{admin}:version`,
      ]);
      // A cluster lists a subscription on the one node its connection chose only.
      if (name === 'redis') {
        await within(1000, async () => (await redis.client().pubsub('CHANNELS', '*')).length > 0);
        const channels = (await redis.client().pubsub('CHANNELS', '*')) as string[];
        expect(channels).toEqual([`${PREFIX}{admin}:changed`]);
      }
      // Another prefix is another world.
      expect(await other.snapshot()).toEqual({ overrides: [], version: 0 });
      expect(await other.audit(10)).toEqual([]);
    },
  );
});

describe('the embedded override journal', () => {
  const file = () => join(journals, `journal-${Math.random().toString(36).slice(2)}.jsonl`);

  it('a change cut short by a crash (no newline) never happened, and the file is repaired', async () => {
    const f = file();
    const store = new EmbeddedOverrideStore(f);
    await store.create(ov('ov-a'), T0);
    const whole = readFileSync(f, 'utf8');
    appendFileSync(f, '{"seq":2,"atMs":1,"actor":"ana","action":"cre');
    const again = new EmbeddedOverrideStore(f);
    expect((await again.snapshot()).version).toBe(1);
    expect(readFileSync(f, 'utf8')).toBe(whole);
    await again.create(ov('ov-b'), T0 + 1);
    expect(readJournal(f).map((e) => e.overrideId)).toEqual(['ov-a', 'ov-b']);
  });

  it('a journal that is not one names the file and the line', async () => {
    const f = file();
    const store = new EmbeddedOverrideStore(f);
    await store.create(ov('ov-a'), T0);
    await store.create(ov('ov-b'), T0 + 1);
    const [first, second] = readFileSync(f, 'utf8').split('\n');
    writeFileSync(f, `${second}\n${first}\n`);
    expect(() => new EmbeddedOverrideStore(f)).toThrow(`${f}:1: not the override journal's entry 1`);
    writeFileSync(f, `${first}\nnot json\n`);
    expect(() => new EmbeddedOverrideStore(f)).toThrow(`${f}:2: not the override journal's entry 2`);
  });
});
