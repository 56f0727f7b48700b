/**
 * The objective agent over real gRPC: started in-process on port 0 (embedded
 * state, then Redis state against a real redis-server), called with a raw
 * grpc-js client over the multiplexed Negotiate stream and RecordOutcome.
 * Bad input gets INVALID_ARGUMENT naming the field and changes no state.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candidate } from '../../proto/gen/parley/v1/Candidate';
import type { ObjectiveCall } from '../../proto/gen/parley/v1/ObjectiveCall';
import type { ObjectiveReply__Output } from '../../proto/gen/parley/v1/ObjectiveReply';
import type { OutcomeRecord } from '../../proto/gen/parley/v1/OutcomeRecord';
import type { RecordAck__Output } from '../../proto/gen/parley/v1/RecordAck';
import { loadConfig } from '../../services/common/config';
import { v1 } from '../../services/common/grpc/proto';
import type { RunningService } from '../../services/common/grpc/server';
import { createLogger } from '../../services/common/log';
import { ATTR, SPAN } from '../../services/common/semconv';
import { RemoteOutcomeFeed } from '../../services/inventory/outcome-feed';
import { startObjectiveAgent } from '../../services/objective/server';
import { useTestRedis } from '../support/redis';
import { spans, useMemorySpans } from '../support/spans';

const FLIGHT = 'flight: { start: "2020-01-01T00:00:00Z", end: "2100-01-01T00:00:00Z" }';
const CATALOGUE = `
advertisers:
  - { id: adv-1, category: retail }
campaigns:
  - { id: happy, advertiser: adv-1, goal: awareness, cpm_micros: 20000000, budget: { total_micros: 20000 }, ${FLIGHT} }
  - { id: guarded, advertiser: adv-1, goal: conversion, cpm_micros: 20000000, budget: { total_micros: 20000 }, ${FLIGHT} }
  - { id: paused, advertiser: adv-1, goal: engagement, status: paused, cpm_micros: 20000000, budget: { total_micros: 1000000 }, ${FLIGHT} }
  - { id: house, advertiser: adv-1, goal: awareness, tier: house, ${FLIGHT} }
creatives:
  - { id: happy-cr, campaign: happy, duration_ms: 15000 }
  - { id: guarded-cr, campaign: guarded, duration_ms: 15000 }
  - { id: paused-cr, campaign: paused, duration_ms: 15000 }
  - { id: house-cr, campaign: house, duration_ms: 15000 }
`;

const log = createLogger('test', 'error');
useMemorySpans();
const dir = mkdtempSync(join(tmpdir(), 'parley-objective-'));
const cataloguePath = join(dir, 'catalogue.yaml');
writeFileSync(cataloguePath, CATALOGUE);

const redis = useTestRedis();
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function candidate(campaignId: string): Candidate {
  return {
    creative_id: `${campaignId}-cr`,
    campaign_id: campaignId,
    advertiser_id: 'adv-1',
    category: 'retail',
    duration_ms: 15_000,
    price_micros: 20_000,
    tier: campaignId === 'house' ? 'house' : 'standard',
    p_skip: 0.3,
    p_complete: 0.6,
    p_engage: 0.05,
    policy_score: 0.4,
    separation_categories: [],
  };
}

const CONTEXT = {
  scenario: 'SCENARIO_COMMUTE' as const,
  focus_level: 0.4,
  receptiveness: 0.6,
  skip_risk: 0.3,
  features: [0.1, 0.2],
  model_version: 'ctx-1',
  session_ads_heard: 0,
  is_default: false,
};

function evaluate(
  candidates: Candidate[],
  over: Record<string, unknown> = {},
): Omit<ObjectiveCall, 'envelope'> {
  return {
    evaluate: { request_id: 'req-1', round: 0, session_id: 'sess-1', context: CONTEXT, candidates, ...over },
  };
}

function commit(reservations: Array<{ creative_id?: string; campaign_id?: string; amount_micros?: number }>) {
  return { commit: { request_id: 'req-1', session_id: 'sess-1', reservations } };
}

/** A raw Negotiate stream: replies matched to calls by envelope call id. */
function openNegotiate(client: InstanceType<typeof v1.ObjectiveAgent>) {
  const stream = client.Negotiate();
  const waiting = new Map<string, (r: ObjectiveReply__Output) => void>();
  stream.on('data', (r: ObjectiveReply__Output) => {
    const id = r.envelope?.call_id ?? '';
    waiting.get(id)?.(r);
    waiting.delete(id);
  });
  stream.on('error', () => undefined);
  let n = 0;
  return {
    send(body: Omit<ObjectiveCall, 'envelope'>, callId = `call-${++n}`): Promise<ObjectiveReply__Output> {
      return new Promise((resolve) => {
        waiting.set(callId, resolve);
        stream.write({ ...body, envelope: { call_id: callId, timeout_ms: 5000 } });
      });
    },
    close: () => stream.end(),
  };
}

describe.each([['embedded'], ['redis']])('objective agent over gRPC (%s state)', (kind) => {
  let service: RunningService;
  let client: InstanceType<typeof v1.ObjectiveAgent>;
  let negotiate: ReturnType<typeof openNegotiate>;

  beforeAll(async () => {
    const env: Record<string, string> = {
      PARLEY_OBJECTIVE_PORT: '0',
      PARLEY_CATALOGUE: cataloguePath,
      PARLEY_LOG_LEVEL: 'error',
    };
    if (kind === 'redis') {
      await redis.flush();
      env.REDIS_URL = redis.url;
      env.PARLEY_REDIS_PREFIX = 'grpctest:';
    }
    service = await startObjectiveAgent({ config: loadConfig(env), log });
    client = new v1.ObjectiveAgent(service.address, grpc.credentials.createInsecure());
    negotiate = openNegotiate(client);
  });
  afterAll(async () => {
    negotiate?.close();
    client?.close();
    await service?.close();
  });

  const recordOutcome = (req: OutcomeRecord) =>
    new Promise<{ ack?: RecordAck__Output; err?: grpc.ServiceError }>((resolve) =>
      client.RecordOutcome(req, { deadline: Date.now() + 5000 }, (err, ack) =>
        resolve(err ? { err } : { ack: ack ?? undefined }),
      ),
    );

  it('binds a real port on the configured host', () => {
    expect(service.port).toBeGreaterThan(0);
    expect(service.address).toBe(`127.0.0.1:${service.port}`);
  });

  it('evaluates, commits and settles on the impression, once', async () => {
    const counter = (
      await negotiate.send(evaluate([candidate('happy'), candidate('paused'), candidate('house')]))
    ).counter;
    expect(counter?.model_version).toBe('pacing-rules-v1');
    expect(counter?.values.map((v) => [v.creative_id, v.eligible, v.reason, v.goal])).toEqual([
      ['happy-cr', true, 'REASON_UNSPECIFIED', 'awareness'],
      ['paused-cr', false, 'REASON_CAMPAIGN_PAUSED', 'engagement'],
      ['house-cr', true, 'REASON_UNSPECIFIED', 'awareness'],
    ]);
    // p_complete 0.6 for an awareness goal, × 1.5: nothing spent yet, far behind its even-pacing curve.
    expect(counter?.values[0]?.pacing_multiplier).toBe(1.5);
    expect(counter?.values[0]?.advertiser_value).toBeCloseTo(0.9, 6);

    const reply = await negotiate.send(
      commit([
        { creative_id: 'happy-cr', campaign_id: 'happy', amount_micros: 20_000 },
        { creative_id: 'house-cr', campaign_id: 'house', amount_micros: 0 },
      ]),
    );
    const [paid, house] = reply.commit?.results ?? [];
    expect(paid).toMatchObject({ creative_id: 'happy-cr', reserved: true });
    expect(house).toMatchObject({ creative_id: 'house-cr', reserved: true });
    expect(paid?.reservation_id).not.toBe(house?.reservation_id);

    const after = (await negotiate.send(evaluate([candidate('happy')]))).counter;
    expect(after?.values[0]).toMatchObject({ eligible: false, reason: 'REASON_BUDGET_EXHAUSTED' });

    const impression: OutcomeRecord = {
      idempotency_key: 'imp-happy-1',
      request_id: 'req-1',
      reservation_id: paid?.reservation_id,
      creative_id: 'happy-cr',
      session_id: 'sess-1',
      event: 'impression',
      occurred_at_ms: Date.now(),
    };
    expect((await recordOutcome(impression)).ack).toEqual({
      accepted: true,
      duplicate: false,
      settled_micros: 20_000,
    });
    expect((await recordOutcome(impression)).ack).toEqual({
      accepted: false,
      duplicate: true,
      settled_micros: 0,
    });
    expect((await recordOutcome({ ...impression, idempotency_key: 'imp-happy-2' })).ack?.settled_micros).toBe(
      0,
    );
  });

  it('names its spans per kind and records candidate and reservation counts', async () => {
    await negotiate.send(evaluate([candidate('guarded'), candidate('paused')]));
    await negotiate.send(
      commit([{ creative_id: 'paused-cr', campaign_id: 'paused', amount_micros: 20_000 }]),
    );
    const find = async (name: string) => {
      for (let i = 0; i < 50; i++) {
        const span = spans.get().find((s) => s.name === name);
        if (span) return span;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no span ${name}`);
    };
    expect((await find(SPAN.evaluate)).attributes).toMatchObject({
      [ATTR.candidatesEligible]: 1,
      [ATTR.candidatesRemoved]: 1,
      [ATTR.requestId]: 'req-1',
    });
    expect((await find(SPAN.commit)).attributes).toMatchObject({
      [ATTR.reservations]: 0,
      [ATTR.rejectedCommits]: 1,
    });
  });

  const badCalls: Array<[string, Omit<ObjectiveCall, 'envelope'>, string]> = [
    [
      'a missing amount',
      commit([{ creative_id: 'guarded-cr', campaign_id: 'guarded' }]),
      'commit.reservations[0].amount_micros',
    ],
    [
      'a negative amount after a good one',
      commit([
        { creative_id: 'guarded-cr', campaign_id: 'guarded', amount_micros: 20_000 },
        { creative_id: 'guarded-cr', campaign_id: 'guarded', amount_micros: -5 },
      ]),
      'commit.reservations[1].amount_micros',
    ],
    [
      'a huge amount',
      commit([{ creative_id: 'guarded-cr', campaign_id: 'guarded', amount_micros: 1e15 }]),
      'commit.reservations[0].amount_micros',
    ],
    [
      'a missing campaign id',
      commit([{ creative_id: 'guarded-cr', amount_micros: 20_000 }]),
      'commit.reservations[0].campaign_id',
    ],
    ['no reservations', commit([]), 'commit.reservations'],
    [
      'an unknown enum value',
      evaluate([candidate('guarded')], { context: { ...CONTEXT, scenario: 99 } }),
      'evaluate.context.scenario',
    ],
    [
      'a NaN prediction',
      evaluate([candidate('guarded'), candidate('guarded'), { ...candidate('guarded'), p_skip: Number.NaN }]),
      'evaluate.candidates[2].p_skip',
    ],
    [
      'a probability above 1',
      evaluate([{ ...candidate('guarded'), p_engage: 1.5 }]),
      'evaluate.candidates[0].p_engage',
    ],
    ['a missing session id', evaluate([candidate('guarded')], { session_id: '' }), 'evaluate.session_id'],
    ['neither evaluate nor commit', {}, 'kind'],
  ];

  it.each(badCalls)('rejects %s with INVALID_ARGUMENT naming the field', async (_what, body, field) => {
    const reply = await negotiate.send(body);
    expect(reply.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(reply.error?.message.startsWith(`${field}:`), reply.error?.message).toBe(true);
    expect(reply.counter ?? reply.commit ?? null).toBeNull();
  });

  it('rejects a message without an envelope call id, and the stream stays up', async () => {
    const reply = await negotiate.send(evaluate([candidate('guarded')]), '');
    expect(reply.error).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      message: expect.stringContaining('envelope.call_id'),
    });
    expect((await negotiate.send(evaluate([candidate('guarded')]))).counter?.values[0]?.eligible).toBe(true);
  });

  it('rejects bad outcome records naming the field, without using up the idempotency key', async () => {
    const good: OutcomeRecord = {
      idempotency_key: 'out-1',
      creative_id: 'guarded-cr',
      session_id: 'sess-1',
      event: 'complete',
    };
    const cases: Array<[OutcomeRecord, string]> = [
      [{ ...good, event: 'explode' }, 'event: unknown'],
      [{ ...good, event: '' }, 'event: unknown'],
      [{ ...good, idempotency_key: '' }, 'idempotency_key: required'],
      [{ ...good, creative_id: 'has space' }, 'creative_id:'],
      [{ ...good, occurred_at_ms: -1 }, 'occurred_at_ms:'],
    ];
    for (const [req, message] of cases) {
      const { err } = await recordOutcome(req);
      expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err?.details.startsWith(message), err?.details).toBe(true);
    }
    expect((await recordOutcome(good)).ack).toMatchObject({ accepted: true, duplicate: false });
  });

  it('changed no state on any bad input: the guarded budget is still whole', async () => {
    const reply = await negotiate.send(
      commit([{ creative_id: 'guarded-cr', campaign_id: 'guarded', amount_micros: 20_000 }]),
    );
    expect(reply.commit?.results[0]).toMatchObject({ reserved: true });
    const again = await negotiate.send(
      commit([{ creative_id: 'guarded-cr', campaign_id: 'guarded', amount_micros: 1 }]),
    );
    expect(again.commit?.results[0]).toMatchObject({ reserved: false, reason: 'REASON_BUDGET_EXHAUSTED' });
  });

  it('serves its outcome log to learners through consumer groups (ReadOutcomes / AckOutcomes)', async () => {
    const feed = new RemoteOutcomeFeed(service.address);
    try {
      const group = `learners-${kind}`;
      // A new group starts from the oldest retained entry: everything recorded above.
      const first = await feed.readGroup(group, 'c1', 1000);
      expect(first.length).toBeGreaterThan(0);
      expect(first.find((e) => e.idempotencyKey === 'imp-happy-1')).toMatchObject({
        requestId: 'req-1',
        creativeId: 'happy-cr',
        campaignId: 'happy',
        event: 'impression',
      });
      expect(await feed.readGroup(group, 'c1', 1000)).toEqual([]);
      const fresh: OutcomeRecord = {
        idempotency_key: `feed-${kind}`,
        request_id: 'req-9',
        creative_id: 'guarded-cr',
        session_id: 'sess-9',
        event: 'skip',
        skip_offset_ms: 1200,
      };
      expect((await recordOutcome(fresh)).ack).toMatchObject({ accepted: true });
      const next = await feed.readGroup(group, 'c1', 1000);
      expect(next.map((e) => [e.idempotencyKey, e.event, e.skipOffsetMs])).toEqual([
        [`feed-${kind}`, 'skip', 1200],
      ]);
      expect(
        await feed.ack(
          group,
          [...first, ...next].map((e) => e.id),
        ),
      ).toBe(first.length + 1);
      expect(await feed.ack(group, [next[0]!.id])).toBe(0);
      // Another group reads the same log independently.
      expect((await feed.readGroup(`other-${kind}`, 'c1', 1000)).length).toBe(first.length + 1);
      // A learner that starts now skips what came before; leaving removes its group.
      expect(await feed.readGroup(`fresh-${kind}`, 'c1', 1000, 'newest')).toEqual([]);
      expect(await feed.leaveGroup(`fresh-${kind}`)).toBe(true);
      expect(await feed.leaveGroup(`fresh-${kind}`)).toBe(false);
    } finally {
      feed.close();
    }
  });

  it('rejects bad ReadOutcomes / AckOutcomes / LeaveOutcomes naming the field', async () => {
    type Method = 'ReadOutcomes' | 'AckOutcomes' | 'LeaveOutcomes';
    const call = <Req, Res>(method: Method, req: Req) =>
      new Promise<grpc.ServiceError | null>((resolve) =>
        (
          client[method] as unknown as (
            r: Req,
            o: grpc.CallOptions,
            cb: (e: grpc.ServiceError | null, r?: Res) => void,
          ) => void
        ).call(client, req, { deadline: Date.now() + 5000 }, (err) => resolve(err)),
      );
    const cases: Array<[Method, object, string]> = [
      ['ReadOutcomes', { group: 'g', consumer: 'c', max_entries: 0 }, 'max_entries:'],
      ['ReadOutcomes', { group: 'g', consumer: 'c', max_entries: 5000 }, 'max_entries:'],
      ['ReadOutcomes', { group: '', consumer: 'c', max_entries: 10 }, 'group: required'],
      ['ReadOutcomes', { group: 'g', consumer: 'has space', max_entries: 10 }, 'consumer:'],
      ['AckOutcomes', { group: 'g', ids: ['1-1', ''] }, 'ids[1]:'],
      ['AckOutcomes', { group: 'g', ids: ['1-1', 'abc'] }, 'ids[1]: must be a log entry id'],
      ['AckOutcomes', { group: 'g', ids: Array.from({ length: 1001 }, (_, i) => `1-${i}`) }, 'ids:'],
      ['LeaveOutcomes', { group: '' }, 'group: required'],
    ];
    for (const [method, req, message] of cases) {
      const err = await call(method, req);
      expect(err?.code, `${method} ${JSON.stringify(req).slice(0, 80)}`).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err?.details.startsWith(message), err?.details).toBe(true);
    }
  });
});
