/**
 * The objective agent over real gRPC: started in-process on port 0 (embedded
 * state, then Redis state against a real redis-server), called as the broker
 * calls it on the Agent.Negotiate stream (roles critic and committer:
 * critique, commit, outcomes) and with a raw grpc-js client on the
 * ObjectiveAgent service (the outcome log for learners). Bad input gets
 * INVALID_ARGUMENT naming the field and changes no state.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candidate } from '../../proto/gen/parley/v1/Candidate';
import type { CommitRequest } from '../../proto/gen/parley/v1/CommitRequest';
import type { CritiqueRequest } from '../../proto/gen/parley/v1/CritiqueRequest';
import type { OutcomeRecord } from '../../proto/gen/parley/v1/OutcomeRecord';
import type { RecordAck__Output } from '../../proto/gen/parley/v1/RecordAck';
import { loadConfig } from '../../services/common/config';
import { loggedAtMs } from '../../services/common/domain/outcomes';
import { AgentLink, type CallKind, type CallRequest } from '../../services/common/grpc/agent-stream';
import { messageOf, statusOf } from '../../services/common/grpc/errors';
import { v1 } from '../../services/common/grpc/proto';
import type { RunningService } from '../../services/common/grpc/server';
import { createLogger } from '../../services/common/log';
import { AGENT_NEGOTIATE, ATTR } from '../../services/common/semconv';
import { tracer } from '../../services/common/telemetry';
import { traceparentOf } from '../../services/common/tracing';
import { RemoteOutcomeFeed } from '../../services/inventory/outcome-feed';
import { startObjectiveAgent } from '../../services/objective/server';
import { wireCandidate as candidate } from '../support/objective';
import { redisBackends, useTestRedis, useTestRedisCluster } from '../support/redis';
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
/** Redis state on one redis-server, and on a Redis Cluster (REDIS_URL=redis+cluster://…). */
const backends = redisBackends(redis, useTestRedisCluster());
const states = [['embedded'], ...backends.map(([name]) => [name])];
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

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

const SIGNALS = {
  session_id: 'sess-1',
  device: 'DEVICE_MOBILE' as const,
  local_time: '2026-06-10T07:00:00+02:00',
  country: 'SE',
};

function critique(candidates: Candidate[], over: Partial<CritiqueRequest> = {}): CritiqueRequest {
  return { request_id: 'req-1', round: 1, signals: SIGNALS, context: CONTEXT, candidates, ...over };
}

function commit(
  reservations: Array<{ creative_id?: string; campaign_id?: string; amount_micros?: number }>,
): CommitRequest {
  return { request_id: 'req-1', session_id: 'sess-1', reservations };
}

describe.each(states)('objective agent over gRPC (%s state)', (kind) => {
  let service: RunningService;
  let client: InstanceType<typeof v1.ObjectiveAgent>;
  let link: AgentLink;
  /** One call on the Agent.Negotiate stream, as the broker makes it. */
  const send = <K extends CallKind>(kind: K, body: CallRequest[K], traceparent = '') =>
    link.call(kind, body, 5000, traceparent);
  /** The error a call is answered with. */
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return { code: statusOf(err), message: messageOf(err).replace(/^objective: /, '') };
    }
    throw new Error('expected the call to fail');
  };

  beforeAll(async () => {
    const env: Record<string, string> = {
      PARLEY_OBJECTIVE_PORT: '0',
      PARLEY_CATALOGUE: cataloguePath,
      PARLEY_LOG_LEVEL: 'error',
    };
    const backend = backends.find(([name]) => name === kind)?.[1];
    if (backend) {
      await backend.flush();
      env.REDIS_URL = backend.url;
      env.PARLEY_REDIS_PREFIX = 'grpctest:';
    }
    service = await startObjectiveAgent({ config: loadConfig(env), log });
    client = new v1.ObjectiveAgent(service.address, grpc.credentials.createInsecure());
    link = new AgentLink('objective', service.address);
  });
  afterAll(async () => {
    link?.close();
    client?.close();
    await service?.close();
  });

  const recordOutcome = async (
    req: OutcomeRecord,
  ): Promise<{ ack?: RecordAck__Output; err?: { code: number; message: string } }> => {
    try {
      return { ack: (await send('outcomes', { records: [req] })).acks[0] };
    } catch (err) {
      return { err: { code: statusOf(err), message: messageOf(err).replace(/^objective: /, '') } };
    }
  };

  it('binds a real port on the configured host', () => {
    expect(service.port).toBeGreaterThan(0);
    expect(service.address).toBe(`127.0.0.1:${service.port}`);
  });

  it('critiques, commits and settles on the impression, once', async () => {
    const counter = await send(
      'critique',
      critique([candidate('happy'), candidate('paused'), candidate('house')]),
    );
    expect(counter?.model_version).toBe('pacing-rules-v1');
    expect(counter?.verdicts.map((v) => [v.creative_id, v.eligible, v.reason, v.goal])).toEqual([
      ['happy-cr', true, 'REASON_UNSPECIFIED', 'awareness'],
      ['paused-cr', false, 'REASON_CAMPAIGN_PAUSED', 'engagement'],
      ['house-cr', true, 'REASON_UNSPECIFIED', 'awareness'],
    ]);
    // p_complete 0.6 for an awareness goal, × 1.5: nothing spent yet, far behind its even-pacing curve.
    expect(counter?.verdicts[0]?.pacing_multiplier).toBe(1.5);
    expect(counter?.verdicts[0]?.value).toBeCloseTo(0.9, 6);

    const reply = await send(
      'commit',
      commit([
        { creative_id: 'happy-cr', campaign_id: 'happy', amount_micros: 20_000 },
        { creative_id: 'house-cr', campaign_id: 'house', amount_micros: 0 },
      ]),
    );
    const [paid, house] = reply.results;
    expect(paid).toMatchObject({ creative_id: 'happy-cr', reserved: true });
    expect(house).toMatchObject({ creative_id: 'house-cr', reserved: true });
    expect(paid?.reservation_id).not.toBe(house?.reservation_id);

    const after = await send('critique', critique([candidate('happy')]));
    expect(after.verdicts[0]).toMatchObject({ eligible: false, reason: 'REASON_BUDGET_EXHAUSTED' });

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
      late: false,
      refusal: 'CHARGE_REFUSAL_UNSPECIFIED',
      settled_micros: 20_000,
    });
    expect((await recordOutcome(impression)).ack).toEqual({
      accepted: false,
      duplicate: true,
      late: false,
      refusal: 'CHARGE_REFUSAL_UNSPECIFIED',
      settled_micros: 0,
    });
    // Another impression of the settled reservation: nothing charged, and the ack says so.
    expect((await recordOutcome({ ...impression, idempotency_key: 'imp-happy-2' })).ack).toMatchObject({
      settled_micros: 0,
      refusal: 'CHARGE_REFUSAL_UNKNOWN_RESERVATION',
    });
  });

  it('names its spans per kind (for a sampled decision) and records candidate and reservation counts', async () => {
    const parent = tracer().startSpan('decision');
    const traceparent = traceparentOf(parent);
    await send('critique', critique([candidate('guarded'), candidate('paused')]), traceparent);
    await send(
      'commit',
      commit([{ creative_id: 'paused-cr', campaign_id: 'paused', amount_micros: 20_000 }]),
      traceparent,
    );
    parent.end();
    const find = async (call: string) => {
      for (let i = 0; i < 50; i++) {
        const span = spans
          .get()
          .find((s) => s.name === AGENT_NEGOTIATE && s.attributes[ATTR.agentCall] === call);
        if (span) return span;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no span of a ${call} call`);
    };
    expect((await find('critique')).attributes).toMatchObject({
      [ATTR.candidatesEligible]: 1,
      [ATTR.candidatesRemoved]: 1,
      [ATTR.requestId]: 'req-1',
    });
    expect((await find('commit')).attributes).toMatchObject({
      [ATTR.reservations]: 0,
      [ATTR.rejectedCommits]: 1,
    });
  });

  const badCalls: Array<[string, () => Promise<unknown>, string]> = [
    [
      'a missing amount',
      () => send('commit', commit([{ creative_id: 'guarded-cr', campaign_id: 'guarded' }])),
      'commit.reservations[0].amount_micros',
    ],
    [
      'a negative amount after a good one',
      () =>
        send(
          'commit',
          commit([
            { creative_id: 'guarded-cr', campaign_id: 'guarded', amount_micros: 20_000 },
            { creative_id: 'guarded-cr', campaign_id: 'guarded', amount_micros: -5 },
          ]),
        ),
      'commit.reservations[1].amount_micros',
    ],
    [
      'a huge amount',
      () =>
        send('commit', commit([{ creative_id: 'guarded-cr', campaign_id: 'guarded', amount_micros: 1e15 }])),
      'commit.reservations[0].amount_micros',
    ],
    [
      'a missing campaign id',
      () => send('commit', commit([{ creative_id: 'guarded-cr', amount_micros: 20_000 }])),
      'commit.reservations[0].campaign_id',
    ],
    ['no reservations', () => send('commit', commit([])), 'commit.reservations'],
    [
      'an unknown enum value',
      () =>
        send(
          'critique',
          critique([candidate('guarded')], { context: { ...CONTEXT, scenario: 99 as never } }),
        ),
      'critique.context.scenario',
    ],
    [
      'a NaN prediction',
      () =>
        send(
          'critique',
          critique([
            candidate('guarded'),
            candidate('guarded'),
            { ...candidate('guarded'), p_skip: Number.NaN },
          ]),
        ),
      'critique.candidates[2].p_skip',
    ],
    [
      'a probability above 1',
      () => send('critique', critique([{ ...candidate('guarded'), p_engage: 1.5 }])),
      'critique.candidates[0].p_engage',
    ],
    [
      'a missing session id',
      () => send('critique', critique([candidate('guarded')], { signals: { ...SIGNALS, session_id: '' } })),
      'critique.signals.session_id',
    ],
    ['no kind of call', () => link.call('critique', null as never, 5000), 'kind'],
  ];

  it.each(badCalls)('rejects %s with INVALID_ARGUMENT naming the field', async (_what, call, field) => {
    const err = await failure(call());
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.message.startsWith(`${field}:`), err.message).toBe(true);
  });

  it('rejects bad outcome records naming the field, without using up the idempotency key', async () => {
    const good: OutcomeRecord = {
      idempotency_key: 'out-1',
      creative_id: 'guarded-cr',
      session_id: 'sess-1',
      event: 'complete',
    };
    const cases: Array<[OutcomeRecord, string]> = [
      [{ ...good, event: 'explode' }, 'outcomes.records[0].event: unknown'],
      [{ ...good, event: '' }, 'outcomes.records[0].event: unknown'],
      [{ ...good, idempotency_key: '' }, 'outcomes.records[0].idempotency_key: required'],
      [{ ...good, creative_id: 'has space' }, 'outcomes.records[0].creative_id:'],
      [{ ...good, occurred_at_ms: -1 }, 'outcomes.records[0].occurred_at_ms:'],
    ];
    for (const [req, message] of cases) {
      const { err } = await recordOutcome(req);
      expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err?.message.startsWith(message), err?.message).toBe(true);
    }
    expect((await recordOutcome(good)).ack).toMatchObject({ accepted: true, duplicate: false });
  });

  it('changed no state on any bad input: the guarded budget is still whole', async () => {
    const reply = await send(
      'commit',
      commit([{ creative_id: 'guarded-cr', campaign_id: 'guarded', amount_micros: 20_000 }]),
    );
    expect(reply.results[0]).toMatchObject({ reserved: true });
    const again = await send(
      'commit',
      commit([{ creative_id: 'guarded-cr', campaign_id: 'guarded', amount_micros: 1 }]),
    );
    expect(again.results[0]).toMatchObject({ reserved: false, reason: 'REASON_BUDGET_EXHAUSTED' });
  });

  it('releases what a request holds at once: the budget is free again, a second release changes nothing', async () => {
    // The guarded budget (20,000) is held by the commit above, under request req-1.
    const refused = await send('commit', {
      ...commit([{ creative_id: 'guarded-cr', campaign_id: 'guarded', amount_micros: 20_000 }]),
      request_id: 'req-2',
    });
    expect(refused.results[0]).toMatchObject({ reserved: false, reason: 'REASON_BUDGET_EXHAUSTED' });
    expect((await send('release', { request_id: 'req-1' })).released).toBeGreaterThanOrEqual(1);
    expect((await send('release', { request_id: 'req-1' })).released).toBe(0);
    const after = await send('commit', {
      ...commit([{ creative_id: 'guarded-cr', campaign_id: 'guarded', amount_micros: 20_000 }]),
      request_id: 'req-3',
    });
    expect(after.results[0]).toMatchObject({ reserved: true });
  });

  it('serves its outcome log to learners through consumer groups (ReadOutcomes / AckOutcomes)', async () => {
    const feed = new RemoteOutcomeFeed(service.address);
    try {
      const id = kind!.replace(' ', '-'); // ids allow no spaces
      const group = `learners-${id}`;
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
        idempotency_key: `feed-${id}`,
        request_id: 'req-9',
        creative_id: 'guarded-cr',
        session_id: 'sess-9',
        event: 'skip',
        skip_offset_ms: 1200,
      };
      expect((await recordOutcome(fresh)).ack).toMatchObject({ accepted: true });
      const next = await feed.readGroup(group, 'c1', 1000);
      expect(next.map((e) => [e.idempotencyKey, e.event, e.skipOffsetMs])).toEqual([
        [`feed-${id}`, 'skip', 1200],
      ]);
      expect(
        await feed.ack(
          group,
          [...first, ...next].map((e) => e.id),
        ),
      ).toBe(first.length + 1);
      expect(await feed.ack(group, [next[0]!.id])).toBe(0);
      // Another group reads the same log independently.
      expect((await feed.readGroup(`other-${id}`, 'c1', 1000)).length).toBe(first.length + 1);
      // A learner that starts now skips what came before; leaving removes its group.
      expect(await feed.readGroup(`fresh-${id}`, 'c1', 1000, 'newest')).toEqual([]);
      expect(await feed.leaveGroup(`fresh-${id}`)).toBe(true);
      expect(await feed.leaveGroup(`fresh-${id}`)).toBe(false);
    } finally {
      feed.close();
    }
  });

  it('background polling (the outcome log, campaign status) makes no spans, even with every trace sampled', async () => {
    // This process samples every trace (useMemorySpans): a polled method that made spans would show here.
    const feed = new RemoteOutcomeFeed(service.address);
    const since = Date.now();
    try {
      spans.reset();
      const group = `polled-${kind!.replace(' ', '-')}`; // ids allow no spaces
      const entries = await feed.readGroup(group, 'c1', 1000);
      await feed.ack(
        group,
        entries.map((e) => e.id),
      );
      await feed.leaveGroup(group);
      const status = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.CampaignStatus({}, { deadline: Date.now() + 5000 }, (err: grpc.ServiceError | null) =>
          resolve(err),
        ),
      );
      expect(status).toBeNull();
      await new Promise((r) => setTimeout(r, 20));
      expect(spans.get().map((s) => s.name)).toEqual([]);
      // Entry ids carry the time they were logged, which the learner's lag gauge reads.
      expect(entries.length).toBeGreaterThan(0);
      for (const e of entries) {
        expect(loggedAtMs(e.id), e.id).toBeGreaterThan(since - 60_000);
        expect(loggedAtMs(e.id), e.id).toBeLessThanOrEqual(Date.now());
      }
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
