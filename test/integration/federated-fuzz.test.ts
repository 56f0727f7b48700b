/**
 * Bad input against the FederatedAggregator, generated (fast-check, fixed
 * seeds), on a plain aggregator and on one that runs secure aggregation:
 * random bytes to every RPC and as upload chunks; joins with random client
 * ids; round status of random rounds; uploads with random headers, offsets,
 * lengths and non-finite values, from selected clients and others, and
 * their replays; key adverts, key shares, masked inputs and unmasking
 * answers with random fields. Every input gets a status a caller can act
 * on (INVALID_ARGUMENT names the field), the aggregator keeps running its
 * round, and a refused input changes nothing in the round's status but its
 * count of rejected uploads. Runs with embedded state, then (a quarter as many
 * inputs) with Redis state.
 */
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FederatedAggregatorService, startFederatedAggregator } from '../../federated/aggregator/server';
import { DEFAULT_PLAN } from '../../federated/client/learner';
import { loadConfig } from '../../services/common/config';
import { v1 } from '../../services/common/grpc/proto';
import { createLogger } from '../../services/common/log';
import {
  type Allowed,
  BAD_INPUT,
  callBytes,
  encode,
  number,
  runsFor,
  streamBytes,
  text,
  unacceptable,
  useTried,
} from '../support/fuzz';
import { useTestRedis } from '../support/redis';

const quiet = createLogger('test', 'error', {}, () => undefined);
const LENGTH = 8;
const SELECTED = Array.from({ length: 40 }, (_, i) => `fuzz-client-${i}`);
const REPLAYERS = Array.from({ length: 30 }, (_, i) => `replay-client-${i}`);
const S = v1.FederatedAggregator.service;

let plain: FederatedAggregatorService;
let secure: FederatedAggregatorService;
const raw = new Map<string, grpc.Client>();

const redis = useTestRedis();

type Which = 'plain' | 'secure';
const svc = (w: Which) => (w === 'plain' ? plain : secure);

/** What a refused input must leave alone: the current round's status, but for its count of rejected uploads. */
async function state(w: Which): Promise<string> {
  const r = await svc(w).coordinator.status(0);
  return JSON.stringify({ ...r, rejected: undefined, secure: svc(w).secure?.progress(r?.id ?? 0) ?? null });
}

const acts = /\S/;
const ALLOWED: Allowed = {
  ...BAD_INPUT,
  [grpc.status.RESOURCE_EXHAUSTED]: /larger than max|exceeds|more than total_values/,
  [grpc.status.NOT_FOUND]: /^round_id: round \d+ not found$/,
  [grpc.status.PERMISSION_DENIED]:
    /^client .* (was not selected|is not in the key roster|shared no keys|sent no masked input)/,
  [grpc.status.FAILED_PRECONDITION]: acts,
  [grpc.status.ALREADY_EXISTS]: /^client .* already /,
  [grpc.status.UNAVAILABLE]: /^the aggregator is not running a round$/,
};

const UNARY = ['JoinRound', 'RoundStatus', 'AdvertiseKeys', 'ShareKeys', 'Unmask'] as const;
const STREAMS = ['UploadUpdate', 'UploadMaskedInput'] as const;
const which = fc.constantFrom<Which>('plain', 'secure');
const randomBytes = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));
const clientId = fc.oneof(
  { arbitrary: fc.constantFrom(...SELECTED), weight: 3 },
  { arbitrary: text, weight: 1 },
);
const roundId = fc.oneof(
  { arbitrary: fc.constant(-1), weight: 4 },
  { arbitrary: fc.oneof(fc.constant(0), number, fc.constantFrom(2 ** 53, 999)), weight: 1 },
);
/** -1 stands for the current round (and model version), read when the input is sent. */
const current = async (w: Which, v: number, field: 'id' | 'modelVersion') => {
  if (v !== -1) return v;
  const r = await svc(w).coordinator.status(0);
  return r ? (field === 'id' ? r.id : r.modelVersion) : 0;
};
const key = fc.oneof(randomBytes(40), fc.constant(Buffer.alloc(32, 7)));

describe.each(['embedded', 'redis'] as const)(
  'bad input, generated, against the federated aggregator (%s state)',
  (kind) => {
    const tried = useTried(`federated (${kind} state)`);
    const runs = runsFor(kind);

    beforeAll(async () => {
      const common = {
        // Every call here is one caller's: the per-caller rate limit (tested in tls.test.ts) is off.
        config: loadConfig({ PARLEY_HOST: '127.0.0.1', PARLEY_RATE_LIMIT: 'off' }),
        log: quiet,
        port: 0,
        publishPath: '',
        initialWeights: new Float32Array(LENGTH),
        strategy: { name: 'fedavg' } as const,
        minClients: 2,
        maxClients: 1000,
        roundDeadlineMs: 600_000,
        maxUpdateNorm: 5,
        plan: DEFAULT_PLAN,
      };
      // Redis state: each aggregator its own prefix.
      const config = (prefix: string) =>
        loadConfig({
          PARLEY_HOST: '127.0.0.1',
          PARLEY_RATE_LIMIT: 'off',
          ...(kind === 'redis'
            ? { REDIS_URL: redis.url, PARLEY_REDIS_PREFIX: `federated-fuzz-${prefix}:` }
            : {}),
        });
      plain = await startFederatedAggregator({ ...common, config: config('plain') });
      secure = await startFederatedAggregator({
        ...common,
        config: config('secure'),
        secureAggregation: { threshold: 501, range: 2, maxClients: 1000, phaseTimeoutMs: 600_000 },
      });
      for (const [name, svc] of [
        ['plain', plain],
        ['secure', secure],
      ] as const) {
        raw.set(name, new grpc.Client(svc.address, grpc.credentials.createInsecure()));
        for (const id of [...SELECTED, ...REPLAYERS])
          expect((await svc.coordinator.join(id)).outcome).toBe('selected');
      }
    });

    afterAll(async () => {
      for (const c of raw.values()) c.close();
      raw.clear();
      await plain?.close();
      await secure?.close();
    });

    const check = async (w: Which, kind: string, send: () => Promise<{ err: grpc.ServiceError | null }>) => {
      tried.add(kind);
      const before = await state(w);
      const { err } = await send();
      expect(unacceptable(err, ALLOWED), `${w} ${kind}`).toBeNull();
      if (err) expect(await state(w), `${w} ${kind}: refused, yet the round changed`).toBe(before);
    };
    const unary = (w: Which, m: string, body: Buffer) => () =>
      callBytes(raw.get(w) as grpc.Client, `/parley.v1.FederatedAggregator/${m}`, body, { deadlineMs: 5000 });
    const stream = (w: Which, m: string, frames: Buffer[]) => () =>
      streamBytes(raw.get(w) as grpc.Client, `/parley.v1.FederatedAggregator/${m}`, frames, {
        deadlineMs: 5000,
      });

    it('random bytes to every RPC, and as upload chunks', async () => {
      await fc.assert(
        fc.asyncProperty(
          which,
          fc.constantFrom(...UNARY, ...STREAMS),
          fc.array(randomBytes(300), { minLength: 1, maxLength: 3 }),
          (w, m, frames) =>
            check(
              w,
              'random bytes',
              (STREAMS as readonly string[]).includes(m) ? stream(w, m, frames) : unary(w, m, frames[0]!),
            ),
        ),
        { numRuns: runs(200), seed: 20261241 },
      );
    });

    it('JoinRound with random client ids and RoundStatus of random rounds', async () => {
      await fc.assert(
        fc.asyncProperty(which, fc.boolean(), text, number, async (w, join, id, round) => {
          if (join)
            await check(
              w,
              'JoinRound messages',
              unary(w, 'JoinRound', encode(S.JoinRound.requestSerialize, { client_id: id })),
            );
          else
            await check(
              w,
              'RoundStatus messages',
              unary(w, 'RoundStatus', encode(S.RoundStatus.requestSerialize, { round_id: round })),
            );
        }),
        { numRuns: runs(200), seed: 20261242 },
      );
    });

    it('uploads with random headers, offsets, lengths and values, and replays', async () => {
      const value = fc.oneof(
        { arbitrary: fc.double({ min: -0.1, max: 0.1, noNaN: true }), weight: 8 },
        {
          arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e30),
          weight: 1,
        },
      );
      const chunk = fc.record({
        round_id: roundId,
        client_id: clientId,
        model_version: fc.oneof({ arbitrary: fc.constant(-1), weight: 4 }, { arbitrary: number, weight: 1 }),
        num_examples: fc.oneof(fc.constant(10), number),
        total_values: fc.oneof(
          { arbitrary: fc.constant(LENGTH), weight: 4 },
          { arbitrary: fc.constantFrom(0, 1, LENGTH + 1, 2 ** 31), weight: 1 },
        ),
        offset: fc.oneof({ arbitrary: fc.constant(-1), weight: 4 }, { arbitrary: fc.nat(20), weight: 1 }),
        values: fc.oneof(
          { arbitrary: fc.array(value, { minLength: LENGTH, maxLength: LENGTH }), weight: 3 },
          { arbitrary: fc.array(value, { maxLength: LENGTH + 2 }), weight: 1 },
        ),
      });
      await fc.assert(
        fc.asyncProperty(
          which.chain((w) =>
            fc.tuple(fc.constant(w), fc.array(chunk, { minLength: 0, maxLength: 3 }), fc.boolean()),
          ),
          async ([w, chunks, masked]) => {
            const method = masked ? 'UploadMaskedInput' : 'UploadUpdate';
            const serialize = masked ? S.UploadMaskedInput.requestSerialize : S.UploadUpdate.requestSerialize;
            let sent = 0;
            const frames: Buffer[] = [];
            for (const c of chunks) {
              const offset = c.offset === -1 ? sent : c.offset;
              sent = offset + c.values.length;
              const header = {
                ...c,
                round_id: await current(w, c.round_id, 'id'),
                model_version: await current(w, c.model_version, 'modelVersion'),
                offset,
              };
              const body = masked
                ? {
                    ...header,
                    values: undefined,
                    masked_values: c.values.map((v) =>
                      Number.isFinite(v) ? Math.abs(Math.round(v * 1e9)) : 0,
                    ),
                  }
                : header;
              frames.push(encode(serialize, body));
            }
            await check(w, `${method} streams`, stream(w, method, frames));
          },
        ),
        { numRuns: runs(200), seed: 20261243 },
      );
    });

    it('a whole upload, then its replays: each copy is refused as a duplicate and changes nothing', async () => {
      let next = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true }), { minLength: LENGTH, maxLength: LENGTH }),
          fc.integer({ min: 1, max: 3 }),
          async (values, copies) => {
            const r = (await plain.coordinator.status(0))!;
            const upload = encode(S.UploadUpdate.requestSerialize, {
              round_id: r.id,
              client_id: REPLAYERS[next++],
              model_version: r.modelVersion,
              num_examples: 10,
              total_values: LENGTH,
              offset: 0,
              values,
            });
            tried.add('UploadUpdate replays');
            expect((await stream('plain', 'UploadUpdate', [upload])()).err).toBeNull();
            for (let i = 0; i < copies; i++)
              await check('plain', 'UploadUpdate replays', stream('plain', 'UploadUpdate', [upload]));
          },
        ),
        { numRuns: runs(REPLAYERS.length), seed: 20261245 },
      );
    });

    it('secure-aggregation calls with random fields', async () => {
      const share = fc.record(
        { from_index: fc.nat(50), to_index: fc.nat(50), encrypted_share: randomBytes(100) },
        { requiredKeys: [] },
      );
      const shamir = fc.record(
        {
          owner_index: fc.nat(50),
          shamir_share: fc.oneof(randomBytes(80), fc.constant(Buffer.alloc(66, 1))),
        },
        { requiredKeys: [] },
      );
      const input = fc.oneof(
        fc.record({
          m: fc.constant('AdvertiseKeys' as const),
          round_id: fc.constant(-1),
          client_id: clientId,
          share_encryption_public_key: key,
          mask_agreement_public_key: key,
        }),
        fc.record({
          m: fc.constant('ShareKeys' as const),
          round_id: fc.constant(-1),
          client_id: clientId,
          shares: fc.array(share, { maxLength: 5 }),
        }),
        fc.record({
          m: fc.constant('Unmask' as const),
          round_id: fc.constant(-1),
          client_id: clientId,
          self_mask_seed_shares: fc.array(shamir, { maxLength: 4 }),
          mask_key_shares: fc.array(shamir, { maxLength: 4 }),
        }),
      );
      await fc.assert(
        fc.asyncProperty(which, input, fc.boolean(), async (w, { m, ...message }, otherRound) => {
          // A 32-byte key from a selected client is a real advert, which waits for the phase to close: keep those out.
          if (m === 'AdvertiseKeys' && SELECTED.includes(message.client_id as string))
            message.client_id = 'not-selected';
          const round = otherRound ? 12345 : await current(w, -1, 'id');
          const body = encode(S[m].requestSerialize as (v: never) => Buffer, { ...message, round_id: round });
          await check(w, `${m} messages`, unary(w, m, body));
        }),
        { numRuns: runs(200), seed: 20261244 },
      );
    });

    it("regression: refused key adverts and key shares do not start the round's secure aggregation", async () => {
      const round = (await secure.coordinator.status(0))!.id;
      const short = encode(S.AdvertiseKeys.requestSerialize, {
        round_id: round,
        client_id: SELECTED[0],
        share_encryption_public_key: Buffer.alloc(31),
        mask_agreement_public_key: Buffer.alloc(32),
      });
      expect((await unary('secure', 'AdvertiseKeys', short)()).err?.details).toBe(
        'share_encryption_public_key: must be a raw 32-byte X25519 key',
      );
      const share = encode(S.ShareKeys.requestSerialize, {
        round_id: round,
        client_id: SELECTED[0],
        shares: [],
      });
      expect((await unary('secure', 'ShareKeys', share)()).err?.code).toBe(grpc.status.PERMISSION_DENIED);
      const { reply } = await unary(
        'secure',
        'RoundStatus',
        encode(S.RoundStatus.requestSerialize, { round_id: 0 }),
      )();
      // Still "no client has advertised keys yet" (federated.proto), as before the refused calls.
      expect(S.RoundStatus.responseDeserialize(reply as Buffer).secure_progress).toBeNull();
    });

    it('after all of it both aggregators still run their round', async () => {
      for (const w of ['plain', 'secure'] as const) {
        const { err } = await unary(
          w,
          'RoundStatus',
          encode(S.RoundStatus.requestSerialize, { round_id: 0 }),
        )();
        expect(err, w).toBeNull();
        expect((await svc(w).coordinator.status(0))?.state, w).toBe('open');
      }
      expect((await plain.coordinator.status(0))?.accepted).toEqual(
        expect.arrayContaining(REPLAYERS.slice(0, runs(REPLAYERS.length))),
      );
    });
  },
);
