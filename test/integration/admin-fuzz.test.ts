/**
 * Bad input against the Admin gRPC service, generated (fast-check, fixed
 * seeds), with no token, a viewer's, an editor's and a made-up one: random
 * bytes to every RPC, overrides with random, huge, empty, non-finite and
 * unknown fields, deletes of unknown and already deleted overrides (a
 * replay), random limits and request ids, decision-record streams of random
 * and truncated bytes. Every input gets a status a caller can act on, and
 * one that is refused changes nothing: the overrides (expired ones too),
 * their version, the audit log and the decision log are as they were. Runs
 * with embedded state, then (a quarter as many inputs) with Redis state.
 */
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignInGuard } from '../../services/admin/auth';
import type { RunningAdmin } from '../../services/admin/server';
import { MAX_DETAILS_CHARS } from '../../services/common/grpc/errors';
import { v1 } from '../../services/common/grpc/proto';
import { createLogger } from '../../services/common/log';
import {
  decodeDecision,
  encodeDecision,
  requestIdOf,
  wholeRecordId,
} from '../../services/common/state/decisions';
import { seedAdmin, startTestAdmin } from '../support/admin';
import { decisionRecord } from '../support/decision-record';
import {
  type Allowed,
  BAD_INPUT,
  callBytes,
  encode,
  mutated,
  number,
  runsFor,
  streamBytes,
  text,
  unacceptable,
  useTried,
} from '../support/fuzz';
import { useTestRedis } from '../support/redis';

const EDITOR = 'editor-token-0123456789';
const VIEWER = 'viewer-token-0123456789';
const log = createLogger('admin', 'error', {}, () => undefined);
let admin: RunningAdmin;
let raw: grpc.Client;

const redis = useTestRedis();

const S = v1.Admin.service;
const UNARY = [
  'ListOverrides',
  'CreateOverride',
  'DeleteOverride',
  'ListAudit',
  'GetDecision',
  'ListDecisions',
] as const;
type Unary = (typeof UNARY)[number];

const ALLOWED: Allowed = {
  ...BAD_INPUT,
  [grpc.status.UNAUTHENTICATED]: /^authorization: a valid editor token is required$/,
  [grpc.status.PERMISSION_DENIED]: /^ana is a viewer: only an editor can change overrides$/,
  [grpc.status.NOT_FOUND]: /^no (override|decision) /,
};

/** What a refused input must leave alone. */
async function state() {
  const s = admin.service;
  return JSON.stringify({
    overrides: await s.listOverrides(true),
    audit: await s.audit(1000),
    decisions: (await s.listDecisions(500)).map((d) => d.request_id),
  });
}

const token = fc.constantFrom<string | null>(
  null,
  EDITOR,
  EDITOR,
  VIEWER,
  'made-up-token-0123456789',
  '',
  'x'.repeat(5000),
);
function metadata(t: string | null, scheme = 'Bearer'): grpc.Metadata {
  const md = new grpc.Metadata();
  if (t !== null) md.set('authorization', `${scheme} ${t}`);
  return md;
}

const VALID_OVERRIDE = {
  kind: 'block',
  target_type: 'advertiser',
  target_id: 'ledgerly',
  scenarios: [] as unknown[],
  boost: 0,
  categories: [] as unknown[],
  unless_explicit: false,
  reason: 'fuzz',
  expires_at_ms: 0,
};
const override = mutated(VALID_OVERRIDE, {
  kind: fc.oneof(text, fc.constantFrom('block', 'pause', 'pin', 'boost', 'brand_safety', 'separation')),
  target_type: fc.oneof(text, fc.constantFrom('campaign', 'creative', 'category', '')),
  target_id: text,
  scenarios: fc.array(fc.oneof(text, fc.constantFrom('workout', 'commute')), { maxLength: 30 }),
  boost: number,
  categories: fc.array(text, { maxLength: 30 }),
  unless_explicit: fc.boolean(),
  reason: text,
  expires_at_ms: fc.oneof(number, fc.constantFrom(1, Date.now() - 1000, Date.now() + 60_000)),
});

describe.each(['embedded', 'redis'] as const)(
  'bad input, generated, against the Admin gRPC service (%s state)',
  (kind) => {
    const tried = useTried(`admin-grpc (${kind} state)`);
    const runs = runsFor(kind);

    beforeAll(async () => {
      // Sign-in failures are part of the input: never shut the test's address out.
      const guard = new SignInGuard({ failures: Number.POSITIVE_INFINITY, windowMs: 60_000 });
      // Every call here is one caller's: the per-caller rate limit (tested in tls.test.ts) is off.
      const env: Record<string, string> = {
        PARLEY_RATE_LIMIT: 'off',
        ...(kind === 'redis' ? { REDIS_URL: redis.url, PARLEY_REDIS_PREFIX: 'admin-fuzz:' } : {}),
      };
      admin = await startTestAdmin(log, `eve:editor:${EDITOR},ana:viewer:${VIEWER}`, guard, env);
      raw = new grpc.Client(admin.address, grpc.credentials.createInsecure());
      // Something to lose: a few overrides and decisions before the fuzzing starts.
      await seedAdmin(admin);
    });

    afterAll(async () => {
      raw?.close();
      await admin?.close();
    });

    /** Sends one input; a refused one must leave the state as it was. */
    const check = async (kind: string, method: Unary, body: Buffer, md: grpc.Metadata) => {
      tried.add(kind);
      const before = await state();
      const { err } = await callBytes(raw, `/parley.v1.Admin/${method}`, body, { metadata: md });
      expect(unacceptable(err, ALLOWED), `${method} ${kind}`).toBeNull();
      if (err) expect(await state(), `${method} ${kind}: refused, yet the state changed`).toBe(before);
      return err;
    };

    it('random bytes to every unary RPC, with and without a token', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...UNARY), fc.uint8Array({ maxLength: 512 }), token, (m, b, t) =>
          check('random bytes', m, Buffer.from(b), metadata(t)).then(() => undefined),
        ),
        { numRuns: runs(300), seed: 20261211 },
      );
    });

    it('CreateOverride with random, huge, empty, non-finite and unknown fields', async () => {
      await fc.assert(
        fc.asyncProperty(override, token, fc.boolean(), async (o, t, wrap) => {
          const body = encode(S.CreateOverride.requestSerialize, wrap ? { override: o } : {});
          await check(
            'CreateOverride',
            'CreateOverride',
            body,
            metadata(t, t === VIEWER ? 'bearer' : 'Bearer'),
          );
        }),
        { numRuns: runs(300), seed: 20261212 },
      );
    });

    it('DeleteOverride of unknown, live and already deleted overrides (replays)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(text, fc.nat()), text, token, async (id, reason, t) => {
          // A number picks one of the overrides ever made (deleted ones too): a delete, or its replay.
          const all = (await admin.service.listOverrides(true)).overrides.map((o) => o.id);
          const audit = (await admin.service.audit(1000)).map((e) => e.overrideId);
          const known = [...all, ...audit];
          const target = typeof id === 'number' ? (known[id % Math.max(1, known.length)] ?? '') : id;
          const body = encode(S.DeleteOverride.requestSerialize, { id: target, reason });
          await check('DeleteOverride', 'DeleteOverride', body, metadata(t));
        }),
        { numRuns: runs(300), seed: 20261213 },
      );
    });

    it('reads with random limits, flags and request ids', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('ListOverrides', 'ListAudit', 'GetDecision', 'ListDecisions'),
          number,
          fc.oneof(text, fc.constantFrom('req-1', 'req-2', 'y'.repeat(100_000))),
          fc.boolean(),
          token,
          async (m, limit, requestId, flag, t) => {
            const message = { limit, request_id: requestId, include_expired: flag };
            await check(`${m} messages`, m, encode(S[m].requestSerialize, message), metadata(t));
          },
        ),
        { numRuns: runs(200), seed: 20261214 },
      );
    });

    it('RecordDecisions streams of random bytes, corrupt, truncated and replayed records store only whole records', async () => {
      const good = encodeDecision(decisionRecord('req-1')).bytes;
      const frame = fc.oneof(
        fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
        fc.nat({ max: good.length - 1 }).map((n) => good.subarray(0, n)),
        // One byte changed: often still framed as a record with request id req-1, but not one.
        fc.tuple(fc.nat({ max: good.length - 1 }), fc.nat({ max: 255 })).map(([at, v]) => {
          const b = Buffer.from(good);
          b[at] = v;
          return b;
        }),
        fc.constant(good),
      );
      /**
       * The record `f` is, if it is a whole one with a request id (what the log may take): the
       * decoder reads it back, and the wire check finds every field on its declared wire type
       * (stricter than protobufjs, which misreads a known field sent on another wire type).
       */
      const whole = (f: Buffer) => {
        try {
          const id = requestIdOf(f);
          wholeRecordId(f);
          const r = decodeDecision(f);
          return id && r.request_id === id ? r : null;
        } catch {
          return null;
        }
      };
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { maxLength: 8 }), async (frames) => {
          tried.add('RecordDecisions streams');
          const before = await admin.service.listDecisions(500);
          const req1 = await admin.service.getDecision('req-1');
          const { err, reply } = await streamBytes(raw, '/parley.v1.Admin/RecordDecisions', frames);
          expect(unacceptable(err, ALLOWED), 'RecordDecisions').toBeNull();
          const records = frames.map(whole).filter((r) => r !== null);
          // The ack says how many came and how many of those were dropped.
          expect(S.RecordDecisions.responseDeserialize(reply as Buffer)).toEqual({
            received: frames.length,
            dropped: frames.length - records.length,
          });
          const after = await admin.service.listDecisions(500);
          expect(after.length - before.length).toBe(Math.min(records.length, 500 - before.length));
          expect(after.slice(0, records.length)).toEqual(records.reverse());
          // req-1 reads as the last whole record sent for it, else as it was: never lost to a broken one.
          const last = records.find((r) => r.request_id === 'req-1');
          expect(await admin.service.getDecision('req-1')).toEqual(last ?? req1);
        }),
        { numRuns: runs(100), seed: 20261215 },
      );
    });

    it('WatchOverrides with random bytes answers the override set or INVALID_ARGUMENT', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 256 }), async (b) => {
          tried.add('WatchOverrides random bytes');
          const outcome = await new Promise<{ code: number; details: string } | null>((resolve) => {
            const call = raw.makeServerStreamRequest(
              '/parley.v1.Admin/WatchOverrides',
              (x: Buffer) => x,
              (x: Buffer) => x,
              Buffer.from(b),
              new grpc.Metadata(),
              { deadline: Date.now() + 5000 },
            );
            call.on('data', () => {
              call.cancel();
              resolve(null);
            });
            call.on('error', (e: grpc.ServiceError) => resolve(e.code === grpc.status.CANCELLED ? null : e));
          });
          expect(unacceptable(outcome, ALLOWED), 'WatchOverrides').toBeNull();
        }),
        { numRuns: runs(100), seed: 20261216 },
      );
    });

    it('regression: a NOT_FOUND for a 100 000-character id arrives, cut, and the connection keeps serving', async () => {
      const huge = 'y'.repeat(100_000);
      const { err } = await callBytes(
        raw,
        '/parley.v1.Admin/GetDecision',
        encode(S.GetDecision.requestSerialize, { request_id: huge }),
        { deadlineMs: 5000 },
      );
      expect(err?.code).toBe(grpc.status.NOT_FOUND);
      expect(err?.details).toMatch(/^no decision y+…$/);
      expect(err?.details.length).toBe(MAX_DETAILS_CHARS);
      const next = await callBytes(raw, '/parley.v1.Admin/ListOverrides', Buffer.alloc(0));
      expect(next.err).toBeNull();
    });

    it('regression: a record framed as req-1 but broken inside is dropped and req-1 still reads', async () => {
      const req1 = await admin.service.getDecision('req-1');
      const good = encodeDecision(decisionRecord('req-1')).bytes;
      const brokenInside = Buffer.concat([good, Buffer.from([0x22, 0x01, 0x0a])]);
      const { err, reply } = await streamBytes(raw, '/parley.v1.Admin/RecordDecisions', [brokenInside]);
      expect(err).toBeNull();
      expect(S.RecordDecisions.responseDeserialize(reply as Buffer)).toEqual({ received: 1, dropped: 1 });
      expect(await admin.service.getDecision('req-1')).toEqual(req1);
    });

    it('after all of it the service still serves', async () => {
      const body = encode(S.GetDecision.requestSerialize, { request_id: 'req-2' });
      const { err, reply } = await callBytes(raw, '/parley.v1.Admin/GetDecision', body);
      expect(err).toBeNull();
      expect(S.GetDecision.responseDeserialize(reply as Buffer)).toMatchObject({ request_id: 'req-2' });
    });
  },
);
