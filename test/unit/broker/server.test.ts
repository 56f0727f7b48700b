import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { DecideResponse } from '../../../proto/gen/parley/v1/DecideResponse';
import type { DecisionRecord } from '../../../proto/gen/parley/v1/DecisionRecord';
import { Admission, LAG_SAMPLES } from '../../../services/broker/admission';
import { type AnswerStore, EmbeddedAnswerStore } from '../../../services/broker/answers';
import type { DecisionRecorder } from '../../../services/broker/decision-log';
import { brokerHandlers, DECIDE_ERRORS } from '../../../services/broker/server';
import { loadConfig } from '../../../services/common/config';
import { RpcError, statusOf } from '../../../services/common/grpc/errors';
import type { CallContext } from '../../../services/common/grpc/server';
import { createLogger } from '../../../services/common/log';
import { metricsText, parsePrometheus, sumOf } from '../../../services/common/metrics';
import { ATTR } from '../../../services/common/semconv';
import { withSpan } from '../../../services/common/telemetry';
import { spans, useMemorySpans } from '../../support/spans';
import { cand, fakes, hang, proposal, wireDecide, wireOutcome, withinDeadline } from './fakes';

useMemorySpans();

const config = { ...loadConfig({}), minDeadlineMs: 5, defaultDeadlineMs: 100 };
const log = createLogger('test', 'error');

function setup(
  answers?: AnswerStore<DecideResponse>,
  windowMs = 60_000,
  more: Pick<Parameters<typeof brokerHandlers>[0], 'staticRanking' | 'admission'> = {},
) {
  const f = fakes();
  const recorded: string[] = [];
  const rehearsed: string[] = [];
  const recorder = {
    record: (build: () => DecisionRecord) => recorded.push(build().request_id ?? ''),
    rehearse: (build: () => DecisionRecord) => rehearsed.push(build().request_id ?? ''),
  };
  const handlers = brokerHandlers({
    agents: f.deps.agents,
    outcomes: f.outcomes,
    fallbacks: f.deps.fallbacks,
    config: { ...config, decideIdempotencyMs: windowMs },
    log,
    recorder: recorder as unknown as DecisionRecorder,
    answers,
    ...more,
  });
  return { f, handlers, recorded, rehearsed };
}

/** Runs a handler inside a span, as the unary adapter does. */
function call<T>(fn: (ctx: CallContext) => Promise<T>, deadline = Number.POSITIVE_INFINITY): Promise<T> {
  return withSpan('server', {}, (span) => fn({ deadline, span, metadata: new grpc.Metadata() }));
}

async function errorOf(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    return { code: statusOf(err), message: (err as Error).message };
  }
  throw new Error('expected an error');
}

/** An embedded answer store whose claims land only when `land()` is called. */
function gatedClaims() {
  const inner = new EmbeddedAnswerStore<DecideResponse>();
  let land = () => {};
  const gate = new Promise<void>((r) => {
    land = r;
  });
  const slow: AnswerStore<DecideResponse> = {
    claim: async (id, ms) => {
      await gate;
      return inner.claim(id, ms);
    },
    answer: (id, a, ms) => inner.answer(id, a, ms),
    drop: (id) => inner.drop(id),
    close: () => inner.close(),
  };
  return { inner, slow, land };
}

describe('Decide handler', () => {
  it('decides and annotates the server span', async () => {
    const { f, handlers } = setup();
    f.behave.propose = async () => proposal([cand('a')]);
    const one = {
      slot_id: 'slot-1',
      position: 'POSITION_MID_ROLL' as const,
      max_ads: 1,
      max_total_duration_ms: 30_000,
    };
    const res = await call((ctx) => handlers.decide(wireDecide({ deadline_ms: 2000, slot: one }), ctx));
    expect(res.no_ad).toBe(false);
    expect(res.ads?.map((a) => a.creative_id)).toEqual(['a']);
    expect(res.ads?.[0]?.reservation_id).toBe('res-a');
    const server = spans.get().find((s) => s.name === 'server')!;
    expect(server.attributes).toMatchObject({
      [ATTR.requestId]: 'req-1',
      [ATTR.chosenCreative]: ['a'],
      [ATTR.noAd]: false,
      [ATTR.degraded]: [],
      [ATTR.rounds]: 1,
      [`${ATTR.modelVersion}.inventory`]: 'inv-v1',
    });
    expect(res.why?.trace_id).toBe(server.spanContext().traceId);
  });

  it('a dry run negotiates and explains, but reserves nothing and is not logged (its record is only rehearsed)', async () => {
    const { f, handlers, recorded, rehearsed } = setup();
    f.behave.propose = async () => proposal([cand('a'), cand('b')]);
    const preview = await call((ctx) =>
      handlers.decide(wireDecide({ request_id: 'preview', deadline_ms: 2000, dry_run: true }), ctx),
    );
    expect(preview.ads?.map((a) => a.creative_id).sort()).toEqual(['a', 'b']);
    expect(preview.ads?.every((a) => a.reservation_id === '')).toBe(true);
    expect(preview.why?.summary).toMatch(/^dry run, nothing reserved: 2 ads/);
    expect(f.calls.commit).toHaveLength(0);
    expect(spans.get().find((s) => s.name === 'server')?.attributes[ATTR.dryRun]).toBe(true);
    // The same request for real commits and is logged.
    const real = await call((ctx) =>
      handlers.decide(wireDecide({ request_id: 'real', deadline_ms: 2000 }), ctx),
    );
    expect(real.ads?.every((a) => a.reservation_id !== '')).toBe(true);
    expect(f.calls.commit).toHaveLength(1);
    expect(recorded).toEqual(['real']);
    expect(rehearsed).toEqual(['preview']);
  });

  it('refuses bad input with INVALID_ARGUMENT naming the field, touching no agent', async () => {
    const { f, handlers } = setup();
    const err = await errorOf(call((ctx) => handlers.decide(wireDecide({ request_id: '' }), ctx)));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.message).toMatch(/^request_id:/);
    expect(f.calls.assess + f.calls.propose.length).toBe(0);
  });

  it('refuses with DEADLINE_EXCEEDED when less than minDeadlineMs is left, touching no agent', async () => {
    const { f, handlers } = setup();
    const err = await errorOf(call((ctx) => handlers.decide(wireDecide(), ctx), Date.now() + 2));
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    const err2 = await errorOf(call((ctx) => handlers.decide(wireDecide({ deadline_ms: 3 }), ctx)));
    expect(err2.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(f.calls.assess + f.calls.propose.length + f.calls.commit.length).toBe(0);
  });

  it('honours the sooner gRPC deadline over deadline_ms', async () => {
    const { f, handlers } = setup();
    f.behave.assess = () => new Promise(() => undefined);
    f.behave.propose = async () => proposal([cand('a')]);
    const grpcDeadline = Date.now() + 100;
    const res = await withinDeadline(100, () =>
      call((ctx) => handlers.decide(wireDecide({ deadline_ms: 5000 }), ctx), grpcDeadline),
    );
    expect(res.degraded).toContain('context');
  });
});

describe('Decide under load (shedding)', () => {
  const house = cand('promo', { tier: 'house', priceMicros: 0, campaignId: 'camp-house' });

  const shedding = (admission: Admission) =>
    setup(undefined, config.decideIdempotencyMs, { staticRanking: () => [house], admission });

  const shedCount = async (reason: string) =>
    sumOf(parsePrometheus(await metricsText()), 'parley_shed_decisions_total', { parley_reason: reason });
  const degradedShed = async () =>
    sumOf(parsePrometheus(await metricsText()), 'parley_degraded_decisions_total', { parley_part: 'shed' });

  it('over the in-flight limit, answers at once with a house ad, asks no agent, reserves nothing, says shed', async () => {
    const admission = new Admission({ maxInFlight: 1, maxLagMs: 0, minBudgetMs: 0 });
    const { f, handlers, recorded } = shedding(admission);
    f.behave.propose = hang;
    const shedBefore = await shedCount('in_flight');
    const partBefore = await degradedShed();
    // The first decision negotiates (its proposer hangs until the deadline).
    const first = call((ctx) => handlers.decide(wireDecide({ request_id: 'first', deadline_ms: 300 }), ctx));
    await new Promise((r) => setImmediate(r));
    expect(admission.decisionsInFlight).toBe(1);
    const shed = await call((ctx) =>
      handlers.decide(wireDecide({ request_id: 'shed', deadline_ms: 300 }), ctx),
    );
    expect(shed.degraded).toEqual(['shed']);
    expect(shed.ads?.map((a) => [a.creative_id, a.reservation_id, a.price_micros])).toEqual([
      ['promo', '', 0],
    ]);
    expect(shed.why?.agents?.shed?.fallback).toBe('house ads');
    expect(shed.why?.summary).toMatch(/degraded: shed$/);
    // The house ad's listener value counts under the proposer's term, as in any fallback to house ads.
    const proposerTerm = f.deps.agents.proposers[0]!.spec.term;
    expect(Object.keys(shed.why?.terms ?? {}).sort()).toEqual([proposerTerm, 'platform'].sort());
    // Only the first decision reached an agent; nothing was committed.
    expect(f.calls.propose.map((p) => p.requestId)).toEqual(['first']);
    expect(f.calls.assess).toBe(1);
    expect(f.calls.commit).toHaveLength(0);
    expect(await shedCount('in_flight')).toBe(shedBefore + 1);
    expect(await degradedShed()).toBe(partBefore + 1);
    await first;
    // Done: the next decision negotiates again.
    expect(admission.decisionsInFlight).toBe(0);
    f.behave.propose = async () => proposal([cand('a')]);
    const after = await call((ctx) =>
      handlers.decide(wireDecide({ request_id: 'after', deadline_ms: 2000 }), ctx),
    );
    expect(after.degraded).toEqual([]);
    expect(after.ads?.map((a) => a.creative_id)).toEqual(['a']);
    // Shed answers are in the decision log like any other.
    expect(recorded).toEqual(['shed', 'first', 'after']);
  });

  it('sheds while the event loop lags, and honours the request exclusions in its house ads', async () => {
    const admission = new Admission({ maxInFlight: 0, maxLagMs: 50, minBudgetMs: 0 });
    const { f, handlers } = shedding(admission);
    for (let i = 0; i < LAG_SAMPLES; i++) admission.observeLag(120);
    const shed = await call((ctx) => handlers.decide(wireDecide({ deadline_ms: 2000 }), ctx));
    expect(shed.degraded).toEqual(['shed']);
    expect(shed.ads?.map((a) => a.creative_id)).toEqual(['promo']);
    const excluded = await call((ctx) =>
      handlers.decide(
        wireDecide({ request_id: 'req-2', deadline_ms: 2000, excluded_advertisers: [house.advertiserId] }),
        ctx,
      ),
    );
    expect(excluded.degraded).toEqual(['shed']);
    expect(excluded.no_ad).toBe(true);
    expect(f.calls.assess + f.calls.propose.length + f.calls.commit.length).toBe(0);
    expect(admission.decisionsInFlight).toBe(0);
  });

  it("an admitted decision takes the event loop's lag off its deadline", async () => {
    const admission = new Admission({ maxInFlight: 0, maxLagMs: 0, minBudgetMs: 0 });
    const { f, handlers } = shedding(admission);
    const budgets = new Map<string, number>();
    const inventory = f.deps.agents.proposers[0]!;
    f.deps.agents.proposers[0] = {
      spec: inventory.spec,
      propose: (input, ms) => {
        if (input.round === 1) budgets.set(input.requestId, ms);
        return inventory.propose(input, ms, null);
      },
    };
    f.behave.propose = async () => proposal([cand('a')]);
    await call((ctx) => handlers.decide(wireDecide({ request_id: 'calm', deadline_ms: 300 }), ctx));
    for (let i = 0; i < LAG_SAMPLES; i++) admission.observeLag(150);
    await call((ctx) => handlers.decide(wireDecide({ request_id: 'lagging', deadline_ms: 300 }), ctx));
    // The proposer's share of the usable time: of about 290 ms, then of at most 150 ms.
    const share = inventory.spec.share;
    expect(budgets.get('calm')).toBeGreaterThan(share * 150);
    expect(budgets.get('lagging')).toBeLessThanOrEqual(share * 150);
  });

  it('a failed decision (too little time left) leaves nothing in flight', async () => {
    const admission = new Admission({ maxInFlight: 1, maxLagMs: 0, minBudgetMs: 0 });
    const { handlers } = shedding(admission);
    await errorOf(call((ctx) => handlers.decide(wireDecide({ deadline_ms: 3 }), ctx)));
    expect(admission.decisionsInFlight).toBe(0);
  });
});

describe('Decide is idempotent per request_id', () => {
  const pod = {
    slot_id: 'slot-1',
    position: 'POSITION_MID_ROLL' as const,
    max_ads: 2,
    max_total_duration_ms: 60_000,
  };

  it('a retry gets the first answer: nothing new reserved, negotiated or logged', async () => {
    const { f, handlers, recorded } = setup(new EmbeddedAnswerStore());
    f.behave.propose = async () => proposal([cand('a'), cand('b')]);
    const decide = (id: string) =>
      call((ctx) => handlers.decide(wireDecide({ request_id: id, deadline_ms: 2000, slot: pod }), ctx));
    const first = await decide('retried');
    const again = await decide('retried');
    expect(again).toEqual(first);
    expect(first.ads?.every((a) => a.reservation_id !== '')).toBe(true);
    expect(f.calls.commit).toHaveLength(1);
    expect(f.calls.propose).toHaveLength(1);
    expect(recorded).toEqual(['retried']);
    expect(spans.get().filter((s) => s.attributes[ATTR.replayed] === true)).toHaveLength(1);
    // Another request id decides.
    await decide('another');
    expect(f.calls.commit).toHaveLength(2);
  });

  it('the claim runs beside the negotiation: only the commit waits for it', async () => {
    const { slow, land: claimed } = gatedClaims();
    const { f, handlers } = setup(slow);
    f.behave.propose = async () => proposal([cand('a')]);
    const res = call((ctx) =>
      handlers.decide(wireDecide({ request_id: 'slow-store', deadline_ms: 2000 }), ctx),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(f.calls.assess).toBe(1); // negotiating already
    expect(f.calls.commit).toHaveLength(0); // but not committing before the claim is known
    claimed();
    expect((await res).ads?.map((a) => a.creative_id)).toEqual(['a']);
    expect(f.calls.commit).toHaveLength(1);
  });

  it('a store that does not answer (Redis down) holds no answer: the call decides without its claim', async () => {
    const silent: AnswerStore<DecideResponse> = {
      claim: () => new Promise(() => undefined), // a Redis client queueing commands until Redis is back
      answer: () => new Promise(() => undefined),
      drop: async () => undefined,
      close: async () => undefined,
    };
    const { f, handlers } = setup(silent);
    f.behave.propose = async () => proposal([cand('a')]);
    const res = await call(
      (ctx) => handlers.decide(wireDecide({ request_id: 'store-down', deadline_ms: 200 }), ctx),
      Date.now() + 400,
    );
    expect(res.ads?.map((a) => a.creative_id)).toEqual(['a']);
    expect(f.calls.commit).toHaveLength(1);
  });

  it('a decision that fails before a slow claim is known fails cleanly (no unhandled rejection)', async () => {
    const inner = new EmbeddedAnswerStore<DecideResponse>();
    const slow: AnswerStore<DecideResponse> = {
      claim: async (id, ms) => {
        await new Promise((r) => setTimeout(r, 30));
        return inner.claim(id, ms);
      },
      answer: (id, a, ms) => inner.answer(id, a, ms),
      drop: (id) => inner.drop(id),
      close: () => inner.close(),
    };
    const { handlers } = setup(slow);
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const err = await errorOf(
        call((ctx) => handlers.decide(wireDecide({ request_id: 'doomed', deadline_ms: 1 }), ctx)),
      );
      expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a claim that lands after its decision failed is dropped after it landed, so a retry is not held "in progress"', async () => {
    // The claim lands later than the call's share of its time: it decides without the claim.
    const { inner, slow, land } = gatedClaims();
    const { handlers } = setup(slow);
    const err = await errorOf(
      call((ctx) => handlers.decide(wireDecide({ request_id: 'late-claim', deadline_ms: 1 }), ctx)),
    );
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    land();
    await new Promise((r) => setTimeout(r, 10));
    expect(await inner.claim('late-claim', 60_000)).toEqual({ kind: 'mine' });
  });

  it('a Decide with too little time left is refused without claiming its request id', async () => {
    const inner = new EmbeddedAnswerStore<DecideResponse>();
    const claimed: string[] = [];
    const store: AnswerStore<DecideResponse> = {
      claim: (id, ms) => {
        claimed.push(id);
        return inner.claim(id, ms);
      },
      answer: (id, a, ms) => inner.answer(id, a, ms),
      drop: (id) => inner.drop(id),
      close: () => inner.close(),
    };
    const { handlers } = setup(store);
    const err = await errorOf(
      call((ctx) => handlers.decide(wireDecide({ request_id: 'too-short', deadline_ms: 1 }), ctx)),
    );
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(claimed).toEqual([]); // with Redis, a claim and its drop would pass through the shared state
  });

  it('a retry while the first call is still deciding waits for its answer', async () => {
    const { f, handlers } = setup(new EmbeddedAnswerStore());
    let release = () => {};
    const slow = new Promise<void>((r) => {
      release = r;
    });
    f.behave.propose = async () => {
      await slow;
      return proposal([cand('a')]);
    };
    const decide = () =>
      call((ctx) =>
        handlers.decide(wireDecide({ request_id: 'concurrent', deadline_ms: 2000, slot: pod }), ctx),
      );
    const first = decide();
    const second = decide();
    await new Promise((r) => setTimeout(r, 20));
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(b).toEqual(a);
    expect(f.calls.commit).toHaveLength(1);
  });

  it('a retry that cannot get the answer by its own deadline is ABORTED, and reserves nothing', async () => {
    const { f, handlers } = setup(new EmbeddedAnswerStore());
    f.behave.propose = () => new Promise(() => undefined); // the first call never gets a proposal
    void call((ctx) => handlers.decide(wireDecide({ request_id: 'stuck', deadline_ms: 5000 }), ctx));
    await new Promise((r) => setTimeout(r, 5));
    const err = await errorOf(
      call(
        (ctx) => handlers.decide(wireDecide({ request_id: 'stuck', deadline_ms: 50 }), ctx),
        Date.now() + 50,
      ),
    );
    expect(err).toEqual({ code: grpc.status.ABORTED, message: DECIDE_ERRORS.inProgress });
    expect(f.calls.commit).toHaveLength(0);
  });

  it('a failed decision is forgotten: its retry decides afresh', async () => {
    const { f, handlers } = setup(new EmbeddedAnswerStore());
    f.behave.propose = async () => proposal([cand('a')]);
    const bad = await errorOf(
      call(
        (ctx) => handlers.decide(wireDecide({ request_id: 'flaky', deadline_ms: 2000 }), ctx),
        Date.now() + 2,
      ),
    );
    expect(bad.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    const ok = await call((ctx) =>
      handlers.decide(wireDecide({ request_id: 'flaky', deadline_ms: 2000 }), ctx),
    );
    expect(ok.ads?.map((a) => a.creative_id)).toEqual(['a']);
  });

  it('dry runs, a window of 0 and an unreachable store all decide every call', async () => {
    const broken: AnswerStore<DecideResponse> = {
      claim: async () => {
        throw new Error('store down');
      },
      answer: async () => undefined,
      drop: async () => undefined,
      close: async () => undefined,
    };
    for (const [store, windowMs, dryRun] of [
      [new EmbeddedAnswerStore<DecideResponse>(), 60_000, true],
      [new EmbeddedAnswerStore<DecideResponse>(), 0, false],
      [broken, 60_000, false],
    ] as const) {
      const { f, handlers } = setup(store, windowMs);
      f.behave.propose = async () => proposal([cand('a')]);
      for (let i = 0; i < 2; i++)
        await call((ctx) =>
          handlers.decide(wireDecide({ request_id: 'same', deadline_ms: 2000, dry_run: dryRun }), ctx),
        );
      expect(f.calls.assess).toBe(2); // two decisions, one context assessment each
    }
  });
});

describe('ReportOutcome handler', () => {
  it('forwards to the objective agent, then tells the context agent', async () => {
    const { f, handlers } = setup();
    const ack = await call((ctx) => handlers.reportOutcome(wireOutcome(), ctx));
    expect(ack).toEqual({
      accepted: true,
      duplicate: false,
      settlement: 'SETTLEMENT_SETTLED',
      charged_micros: 20,
      refusal: 'CHARGE_REFUSAL_UNSPECIFIED',
    });
    expect(f.calls.record).toHaveLength(1);
    expect(f.calls.record[0]).toMatchObject({
      idempotencyKey: 'idem-1',
      event: 'impression',
      reservationId: 'res-1',
    });
    await new Promise((r) => setImmediate(r));
    expect(f.calls.observe).toEqual([f.calls.record[0]]);
  });

  it('tells the ad server an impression that came after its reservation expired was charged late', async () => {
    const { f, handlers } = setup();
    f.behave.record = async () => ({
      accepted: true,
      duplicate: false,
      settledMicros: 30_000,
      late: true,
      refusal: null,
    });
    const ack = await call((ctx) => handlers.reportOutcome(wireOutcome(), ctx));
    expect(ack).toEqual({
      accepted: true,
      duplicate: false,
      settlement: 'SETTLEMENT_CHARGED_LATE',
      charged_micros: 30_000,
      refusal: 'CHARGE_REFUSAL_UNSPECIFIED',
    });
  });

  it.each([
    ['unknown', 'CHARGE_REFUSAL_UNKNOWN_RESERVATION'],
    ['released', 'CHARGE_REFUSAL_RELEASED'],
    ['lifetime_budget', 'CHARGE_REFUSAL_LIFETIME_BUDGET'],
    ['daily_budget', 'CHARGE_REFUSAL_DAILY_BUDGET'],
  ] as const)('tells the ad server an impression was not charged, and why (%s)', async (refusal, wire) => {
    const { f, handlers } = setup();
    f.behave.record = async () => ({
      accepted: true,
      duplicate: false,
      settledMicros: 0,
      late: false,
      refusal,
    });
    const ack = await call((ctx) => handlers.reportOutcome(wireOutcome(), ctx));
    expect(ack).toEqual({
      accepted: true,
      duplicate: false,
      settlement: 'SETTLEMENT_NOT_CHARGED',
      charged_micros: 0,
      refusal: wire,
    });
  });

  it('passes the duplicate flag back and does not observe a replay twice', async () => {
    const { f, handlers } = setup();
    f.behave.record = async () => ({
      accepted: true,
      duplicate: true,
      settledMicros: 0,
      late: false,
      refusal: null,
    });
    const ack = await call((ctx) =>
      handlers.reportOutcome(wireOutcome({ event: 'OUTCOME_EVENT_COMPLETE' }), ctx),
    );
    expect(ack).toEqual({
      accepted: true,
      duplicate: true,
      settlement: 'SETTLEMENT_DUPLICATE',
      charged_micros: 0,
      refusal: 'CHARGE_REFUSAL_UNSPECIFIED',
    });
    await new Promise((r) => setImmediate(r));
    expect(f.calls.observe).toEqual([]);
  });

  it('answers even when the best-effort observe fails', async () => {
    const { f, handlers } = setup();
    f.outcomes.observe = async () => {
      throw new Error('context down');
    };
    const ack = await call((ctx) =>
      handlers.reportOutcome(wireOutcome({ event: 'OUTCOME_EVENT_SKIP', skip_offset_ms: 3000 }), ctx),
    );
    expect(ack.accepted).toBe(true);
    expect(f.calls.record[0]).toMatchObject({ event: 'skip', skipOffsetMs: 3000 });
  });

  it("surfaces the objective agent's failure so the ad server can retry", async () => {
    const { f, handlers } = setup();
    f.behave.record = async () => {
      throw new RpcError(grpc.status.UNAVAILABLE, 'objective down');
    };
    const err = await errorOf(call((ctx) => handlers.reportOutcome(wireOutcome(), ctx)));
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(f.calls.observe).toEqual([]);
  });

  it('refuses bad input naming the field, recording nothing', async () => {
    const { f, handlers } = setup();
    const err = await errorOf(
      call((ctx) =>
        handlers.reportOutcome(wireOutcome({ event: 'OUTCOME_EVENT_CLICK', skip_offset_ms: 5 }), ctx),
      ),
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.message).toMatch(/^skip_offset_ms:/);
    expect(f.calls.record).toEqual([]);
  });
});

describe('ReportOutcomes handler', () => {
  const report = (key: string, over = {}) => wireOutcome({ idempotency_key: key, ...over });

  it('records a batch in order, one ack each, and tells the context agent about the new ones only', async () => {
    const { f, handlers } = setup();
    f.behave.record = async (e) => ({
      accepted: true,
      duplicate: e.idempotencyKey === 'k2',
      settledMicros: 0,
      late: false,
      refusal: null,
    });
    const res = await call((ctx) =>
      handlers.reportOutcomes(
        { reports: [report('k1'), report('k2', { event: 'OUTCOME_EVENT_COMPLETE' }), report('k3')] },
        ctx,
      ),
    );
    const ack = (duplicate: boolean) => ({
      accepted: true,
      duplicate,
      settlement: duplicate ? 'SETTLEMENT_DUPLICATE' : 'SETTLEMENT_NONE',
      charged_micros: 0,
      refusal: 'CHARGE_REFUSAL_UNSPECIFIED',
    });
    expect(res.acks).toEqual([ack(false), ack(true), ack(false)]);
    expect(f.calls.record.map((e) => e.idempotencyKey)).toEqual(['k1', 'k2', 'k3']);
    await new Promise((r) => setImmediate(r));
    expect(f.calls.observe.map((e) => e.idempotencyKey)).toEqual(['k1', 'k3']);
  });

  it('refuses the whole batch when one report is bad, naming it, and records nothing', async () => {
    const { f, handlers } = setup();
    const err = await errorOf(
      call((ctx) =>
        handlers.reportOutcomes(
          { reports: [report('k1'), report('k2', { event: 'OUTCOME_EVENT_UNSPECIFIED' })] },
          ctx,
        ),
      ),
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.message).toMatch(/^reports\[1\]\.event:/);
    expect(f.calls.record).toEqual([]);
  });

  it('refuses an empty batch and one over the limit', async () => {
    const { handlers } = setup();
    const empty = await errorOf(call((ctx) => handlers.reportOutcomes({ reports: [] }, ctx)));
    expect(empty.message).toMatch(/^reports: at least one/);
    const many = Array.from({ length: 501 }, (_, i) => report(`k${i}`));
    const over = await errorOf(call((ctx) => handlers.reportOutcomes({ reports: many }, ctx)));
    expect(over.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(over.message).toMatch(/^reports: at most 500/);
  });
});
