/**
 * Bad input against every agent of the registry (services/agents.yaml), in
 * this process on free ports, generated (fast-check, fixed seeds):
 * Agent.Negotiate streams of random bytes frames and of calls with random,
 * huge, empty, non-finite and unknown-enum fields, no kind, unknown kinds,
 * zero or duplicate call ids and zero timeouts; replayed outcomes;
 * ContextAgent.Assess; the ObjectiveAgent service. Every call gets one
 * reply with its id (its answer, or an error a caller can act on: a field
 * named, a kind this agent does not answer, a deadline passed), a stream of
 * bytes that are not AgentCalls ends with INVALID_ARGUMENT naming the
 * message, no agent stops, and a refused call changes nothing: the
 * objective agent's spend and counters, the context agent's session. Runs
 * with embedded state, then (a quarter as many inputs) with Redis state.
 */
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentCall } from '../../proto/gen/parley/v1/AgentCall';
import type { AgentReply__Output } from '../../proto/gen/parley/v1/AgentReply';
import { loadConfig } from '../../services/common/config';
import { REPLY_FIELD } from '../../services/common/grpc/agent-stream';
import { v1 } from '../../services/common/grpc/proto';
import { createLogger } from '../../services/common/log';
import type { ContextAgentService } from '../../services/context/server';
import type { ObjectiveAgentService } from '../../services/objective/server';
import {
  type Allowed,
  BAD_INPUT,
  callBytes,
  encode,
  enumNumber,
  mutated,
  NAMES_A_FIELD,
  number,
  runsFor,
  text,
  unacceptable,
  useTried,
} from '../support/fuzz';
import { startAgents } from '../support/local-mesh';
import { surveyResult } from '../support/objective';
import { useTestRedis } from '../support/redis';

const log = createLogger('agents', 'error', {}, () => undefined);
const AGENTS = loadConfig({}).agents.map((a) => a.name);
let agents: Awaited<ReturnType<typeof startAgents>>;
const clients = new Map<string, grpc.Client>();

const redis = useTestRedis();

const objective = () => agents.agents.get('objective') as ObjectiveAgentService;
const context = () => agents.agents.get('context') as ContextAgentService;

/** What a refused call must leave alone: the objective agent's money and counters, the context agent's session. */
async function state(): Promise<string> {
  const campaigns = (await objective().agent.campaignStatus()).map((s) => ({
    id: s.campaign.id,
    spend: s.spendMicros,
    lifetime: s.lifetimeSpentMicros,
    today: s.todaySpentMicros,
    counters: s.counters,
  }));
  const session = await context().store.get('sess-1', Date.now());
  return JSON.stringify({ campaigns, session: session && { ...session, expiresAtMs: undefined } });
}

// ---------------------------------------------------------------------------
// Agent.Negotiate as bytes

const NEGOTIATE = v1.Agent.service.Negotiate;
const bytes = (b: Buffer) => b;

interface StreamOutcome {
  status: { code: number; details: string };
  replies: AgentReply__Output[];
}

/** Opens a Negotiate stream, writes the frames as they are, ends it; resolves with its status and every reply. */
function negotiate(agent: string, frames: Buffer[]): Promise<StreamOutcome> {
  return new Promise((resolve) => {
    const call = (clients.get(agent) as grpc.Client).makeBidiStreamRequest(
      '/parley.v1.Agent/Negotiate',
      bytes,
      bytes,
      new grpc.Metadata(),
      { deadline: Date.now() + 10_000 },
    );
    const replies: AgentReply__Output[] = [];
    call.on('data', (b: Buffer) => replies.push(...NEGOTIATE.responseDeserialize(b).replies));
    call.on('error', () => undefined);
    call.on('status', (status: grpc.StatusObject) => resolve({ status, replies }));
    for (const f of frames) call.write(f);
    call.end();
  });
}

const varint = (n: number): Buffer => {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
};

/**
 * AgentCalls bytes for these calls; `unknown` appends to a call a field
 * number AgentCall does not have (a kind this version does not know).
 */
function callsFrame(calls: Array<{ call: AgentCall; unknown: number | null }>): Buffer {
  return Buffer.concat(
    calls.map(({ call, unknown }) => {
      const one = encode(NEGOTIATE.requestSerialize, { calls: [call] });
      if (unknown === null) return one;
      // Strip the one call's tag and length, add the unknown field (length-delimited, empty), frame again.
      let start = 1;
      while ((one[start] as number) & 0x80) start++;
      const body = Buffer.concat([one.subarray(start + 1), varint(unknown * 8 + 2), varint(0)]);
      return Buffer.concat([Buffer.from([0x0a]), varint(body.length), body]);
    }),
  );
}

// Valid messages, each field now and then replaced by a bad value.
const SIGNALS = {
  session_id: 'sess-1',
  device: 'DEVICE_MOBILE' as unknown,
  local_time: '2026-06-10T07:00:00+02:00',
  track_genre: 'edm',
  previous_genre: 'edm',
  recent_skips: 0,
  playlist_kind: 'PLAYLIST_KIND_EDITORIAL' as unknown,
  activity_hint: 'SCENARIO_WORKOUT' as unknown,
  explicit_content: false,
  country: 'SE',
};
const signals = mutated(SIGNALS, {
  session_id: text,
  device: enumNumber,
  local_time: fc.oneof(text, fc.constantFrom('2026-06-10T25:00:00+02:00', '2026-06-10T07:00:00')),
  track_genre: text,
  recent_skips: number,
  playlist_kind: enumNumber,
  activity_hint: enumNumber,
  country: text,
});
const SNAPSHOT = {
  scenario: 'SCENARIO_WORKOUT' as unknown,
  focus_level: 0.5,
  receptiveness: 0.5,
  skip_risk: 0.2,
  features: [] as number[],
  model_version: 'ctx-1',
  session_ads_heard: 0,
  is_default: false,
};
const snapshot = mutated(SNAPSHOT, {
  scenario: enumNumber,
  focus_level: number,
  receptiveness: number,
  skip_risk: number,
  features: fc.oneof(fc.array(number, { maxLength: 20 }), fc.constant(new Array(300).fill(0.5))),
  model_version: text,
  session_ads_heard: number,
});
const CANDIDATE = {
  creative_id: 'stride-run-15',
  campaign_id: 'stride-run-club',
  advertiser_id: 'stride',
  category: 'sportswear',
  duration_ms: 15_000,
  price_micros: 20_000,
  tier: 'standard',
  p_skip: 0.3,
  p_complete: 0.6,
  p_engage: 0.1,
  policy_score: 0.5,
  audio_url: '',
  separation_categories: [] as string[],
};
const candidate = mutated(CANDIDATE, {
  creative_id: text,
  campaign_id: text,
  advertiser_id: text,
  category: text,
  duration_ms: number,
  price_micros: number,
  tier: text,
  p_skip: number,
  p_complete: number,
  p_engage: number,
  policy_score: number,
  separation_categories: fc.array(text, { maxLength: 20 }),
});
const SLOT = {
  slot_id: 'slot-1',
  position: 'POSITION_MID_ROLL' as unknown,
  max_ads: 1,
  max_total_duration_ms: 60_000,
};
const slot = mutated(SLOT, {
  slot_id: text,
  position: enumNumber,
  max_ads: number,
  max_total_duration_ms: number,
});
const ids = fc.array(text, { maxLength: 5 });
const requestId = mostlyId('req-fuzz');
function mostlyId(id: string) {
  return fc.oneof({ arbitrary: fc.constant(id), weight: 3 }, { arbitrary: text, weight: 1 });
}

const BODIES = {
  assess: fc.record({ signals: fc.option(signals, { nil: undefined }) }, { requiredKeys: [] }),
  propose: fc.record(
    {
      request_id: requestId,
      round: fc.oneof(fc.constant(1), number),
      slot,
      signals,
      context: snapshot,
      excluded_advertisers: ids,
      excluded_categories: ids,
      shortlist_size: fc.oneof(fc.constant(0), number),
      exclude_creatives: fc.oneof(ids, fc.constant(new Array(1001).fill('cr'))),
    },
    { requiredKeys: [] },
  ),
  critique: fc.record(
    {
      request_id: requestId,
      round: fc.oneof(fc.constant(1), number),
      signals,
      context: snapshot,
      candidates: fc.array(candidate, { maxLength: 4 }),
    },
    { requiredKeys: [] },
  ),
  commit: fc.record(
    {
      request_id: requestId,
      session_id: mostlyId('sess-1'),
      reservations: fc.array(
        mutated(
          { creative_id: 'stride-run-15', campaign_id: 'stride-run-club', amount_micros: 16_000 },
          { creative_id: text, campaign_id: text, amount_micros: number },
        ),
        { maxLength: 8 },
      ),
    },
    { requiredKeys: [] },
  ),
  release: fc.record(
    { request_id: requestId, reservation_ids: fc.array(text, { maxLength: 14 }) },
    { requiredKeys: [] },
  ),
  outcomes: fc.record(
    {
      records: fc.array(
        mutated(
          {
            idempotency_key: 'idem-fuzz',
            request_id: 'req-fuzz',
            reservation_id: '',
            creative_id: 'stride-run-15',
            session_id: 'sess-1',
            event: 'skip',
            skip_offset_ms: 1000,
            occurred_at_ms: Date.now(),
          },
          {
            idempotency_key: text,
            request_id: text,
            reservation_id: text,
            creative_id: text,
            session_id: text,
            event: fc.oneof(text, fc.constantFrom('impression', 'complete', 'click', 'IMPRESSION')),
            skip_offset_ms: number,
            occurred_at_ms: number,
          },
        ),
        { maxLength: 5 },
      ),
    },
    { requiredKeys: [] },
  ),
};
const KINDS = Object.keys(BODIES) as Array<keyof typeof BODIES>;

const agentCall = fc.record({
  kind: fc.oneof(fc.constantFrom(...KINDS), fc.constant(null)),
  body: fc.oneof(...KINDS.map((k) => BODIES[k])),
  call_id: fc.oneof({ arbitrary: fc.constant(-1), weight: 4 }, { arbitrary: fc.nat(), weight: 1 }),
  timeout_ms: fc.oneof(fc.constant(1000), fc.constant(0), fc.constant(1), fc.nat()),
  traceparent: fc.oneof(
    fc.constant(''),
    text,
    fc.constant('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'),
  ),
  unknown: fc.oneof(
    { arbitrary: fc.constant(null), weight: 4 },
    { arbitrary: fc.integer({ min: 16, max: 2000 }), weight: 1 },
  ),
});

/** What an agent may answer a call with, as an error. */
const CALL_ERRORS: Allowed = {
  [grpc.status.INVALID_ARGUMENT]: NAMES_A_FIELD,
  [grpc.status.UNIMPLEMENTED]: /^this agent does not answer [a-z]+ calls$/,
  [grpc.status.DEADLINE_EXCEEDED]: /^commit: deadline passed$/,
};
const callError = (r: AgentReply__Output) => ({ code: r.error?.code ?? 0, details: r.error?.message ?? '' });

describe.each(['embedded', 'redis'] as const)(
  'bad input, generated, against the agents (%s state)',
  (kind) => {
    const tried = useTried(`agents (${kind} state)`);
    // Redis state: the same inputs, a quarter as many (the ledger's and the sessions' Redis adapters).
    const runs = runsFor(kind);

    beforeAll(async () => {
      agents = await startAgents(
        log,
        kind === 'redis' ? { REDIS_URL: redis.url, PARLEY_REDIS_PREFIX: 'agents-fuzz:' } : {},
      );
      for (const [name, svc] of agents.agents)
        clients.set(name, new grpc.Client(svc.address, grpc.credentials.createInsecure()));
    });

    afterAll(async () => {
      for (const c of clients.values()) c.close();
      clients.clear();
      await agents?.close();
    });

    it.each(AGENTS)(
      '%s: Negotiate streams of random bytes frames end with a status naming the message',
      async (agent) => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 3 }),
            async (frames) => {
              tried.add(`${agent} Negotiate random bytes`);
              const before = await state();
              const { status, replies } = await negotiate(
                agent,
                frames.map((f) => Buffer.from(f)),
              );
              const allowed: Allowed = {
                ...BAD_INPUT,
                [grpc.status.INVALID_ARGUMENT]: /^request: not a valid parley\.v1\.AgentCalls message \(/,
              };
              expect(unacceptable(status.code === 0 ? null : status, allowed), `${agent} stream`).toBeNull();
              for (const r of replies)
                if (r.error?.code) expect(unacceptable(callError(r), CALL_ERRORS)).toBeNull();
              if (replies.every((r) => r.error?.code)) expect(await state()).toBe(before);
            },
          ),
          { numRuns: runs(60), seed: 20261231 },
        );
      },
    );

    it.each(AGENTS)(
      '%s: Negotiate calls with random fields, kinds, ids and timeouts each get one reply',
      async (agent) => {
        await fc.assert(
          fc.asyncProperty(fc.array(agentCall, { minLength: 1, maxLength: 4 }), async (generated) => {
            const calls = generated.map((g, i) => {
              tried.add(`${agent} Negotiate calls`);
              const call: AgentCall = {
                call_id: g.call_id === -1 ? i + 1 : g.call_id,
                timeout_ms: g.timeout_ms,
                traceparent: g.traceparent,
              };
              if (g.kind) Object.assign(call, { [g.kind]: g.body });
              return { call, unknown: g.unknown, kind: g.kind };
            });
            const before = await state();
            const { status, replies } = await negotiate(agent, [callsFrame(calls)]);
            expect(unacceptable(status.code === 0 ? null : status, BAD_INPUT), `${agent} stream`).toBeNull();
            // One reply per call, by id (call_id 0 is answered as 0).
            const sent = calls.map((c) => c.call.call_id).sort();
            expect(replies.map((r) => r.call_id).sort(), `${agent} replies`).toEqual(sent);
            for (const r of replies) {
              const c = calls.find((x) => x.call.call_id === r.call_id);
              if (r.error?.code)
                expect(unacceptable(callError(r), CALL_ERRORS), `${agent} ${c?.kind}`).toBeNull();
              else expect(r.kind, `${agent} answered a ${c?.kind} call`).toBe(c?.kind && REPLY_FIELD[c.kind]);
            }
            if (replies.every((r) => r.error?.code))
              expect(await state(), `${agent}: refused, yet state changed`).toBe(before);
          }),
          { numRuns: runs(120), seed: 20261232 },
        );
      },
    );

    it('outcome replays: the second and later copies change nothing and say duplicate', async () => {
      const session = 'sess-replay';
      await fc.assert(
        fc.asyncProperty(
          fc.nat(),
          fc.constantFrom('impression', 'skip', 'complete', 'click'),
          fc.integer({ min: 2, max: 4 }),
          async (n, event, copies) => {
            tried.add('objective outcome replays');
            const commit = await negotiate('objective', [
              callsFrame([
                {
                  call: {
                    call_id: 1,
                    timeout_ms: 1000,
                    commit: {
                      request_id: `req-replay-${n}`,
                      session_id: session,
                      reservations: [
                        {
                          creative_id: 'stride-run-15',
                          campaign_id: 'stride-run-club',
                          amount_micros: 16_000,
                        },
                      ],
                    },
                  },
                  unknown: null,
                },
              ]),
            ]);
            const reservation = commit.replies[0]?.commit?.results[0]?.reservation_id ?? '';
            const record = {
              idempotency_key: `idem-replay-${n}-${event}`,
              request_id: `req-replay-${n}`,
              reservation_id: reservation,
              creative_id: 'stride-run-15',
              session_id: session,
              event,
              skip_offset_ms: 0,
              occurred_at_ms: Date.now(),
            };
            const once = () =>
              negotiate('objective', [
                callsFrame([
                  { call: { call_id: 1, timeout_ms: 1000, outcomes: { records: [record] } }, unknown: null },
                ]),
              ]);
            const first = await once();
            expect(first.replies[0]?.acks?.acks[0]).toMatchObject({ accepted: true });
            const after = await state();
            for (let i = 1; i < copies; i++) {
              const again = await once();
              expect(again.replies[0]?.acks?.acks[0]).toMatchObject({ duplicate: true, settled_micros: 0 });
              expect(await state()).toBe(after);
            }
          },
        ),
        { numRuns: runs(30), seed: 20261233 },
      );
    });

    it('ContextAgent.Assess with random bytes and random signals', async () => {
      const S = v1.ContextAgent.service.Assess;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
            BODIES.assess.map((m) => encode(S.requestSerialize, m)),
          ),
          async (body) => {
            tried.add('ContextAgent.Assess');
            const before = await state();
            const { err } = await callBytes(
              clients.get('context') as grpc.Client,
              '/parley.v1.ContextAgent/Assess',
              body,
            );
            expect(unacceptable(err, BAD_INPUT), 'Assess').toBeNull();
            if (err) expect(await state()).toBe(before);
          },
        ),
        { numRuns: runs(200), seed: 20261234 },
      );
    });

    it('the ObjectiveAgent service with random bytes and random fields', async () => {
      const S = v1.ObjectiveAgent.service;
      const group = fc.oneof(fc.constantFrom('fuzz-group', 'inventory-online'), text);
      const messages = {
        CampaignStatus: fc.constant({}),
        ReadOutcomes: fc.record(
          {
            group,
            consumer: fc.oneof(fc.constant('c1'), text),
            max_entries: fc.oneof(fc.constant(10), number),
            from_newest: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
        AckOutcomes: fc.record(
          {
            group,
            ids: fc.array(fc.oneof(text, fc.constantFrom('1-0', '99999999999999999999-1', '1-')), {
              maxLength: 5,
            }),
          },
          { requiredKeys: [] },
        ),
        LeaveOutcomes: fc.record({ group }, { requiredKeys: [] }),
        // Brand-lift survey results: a valid wave of a sample campaign with now and then a broken field.
        ReportBrandLift: fc.record(
          {
            results: fc.array(
              mutated<Record<string, unknown>>(
                { ...surveyResult({ campaign_id: 'stride-run-club' }) },
                {
                  campaign_id: text,
                  wave_id: text,
                  exposed_respondents: number,
                  exposed_yes_rate: number,
                  control_respondents: number,
                  control_yes_rate: number,
                  impressions: number,
                  reach: number,
                  fielded_at_ms: number,
                  published_at_ms: number,
                },
              ),
              { maxLength: 4 },
            ),
          },
          { requiredKeys: [] },
        ),
      };
      const methods = Object.keys(messages) as Array<keyof typeof messages>;
      const input = fc.constantFrom(...methods).chain((m) =>
        fc.tuple(
          fc.constant(m),
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
            messages[m].map((v) => encode(S[m].requestSerialize, v)),
          ),
        ),
      );
      await fc.assert(
        fc.asyncProperty(input, async ([m, body]) => {
          tried.add(`ObjectiveAgent.${m}`);
          const before = await state();
          const { err } = await callBytes(
            clients.get('objective') as grpc.Client,
            `/parley.v1.ObjectiveAgent/${m}`,
            body,
          );
          expect(unacceptable(err, BAD_INPUT), m).toBeNull();
          if (err) expect(await state()).toBe(before);
        }),
        { numRuns: runs(300), seed: 20261235 },
      );
    });

    it('after all of it every agent still answers', async () => {
      for (const agent of AGENTS) {
        const { status } = await negotiate(agent, [
          callsFrame([{ call: { call_id: 7, timeout_ms: 1000 }, unknown: null }]),
        ]);
        expect(status.code, agent).toBe(grpc.status.OK);
      }
    });
  },
);
