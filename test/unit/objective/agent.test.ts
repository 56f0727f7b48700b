import { beforeEach, describe, expect, it } from 'vitest';
import { staticCatalogue } from '../../../services/common/catalogue/load';
import type { Catalogue } from '../../../services/common/catalogue/types';
import { OBJECTIVE_MODEL_VERSION, ObjectiveAgent } from '../../../services/objective/agent';
import { type BudgetLedger, EmbeddedLedger, type ReserveBatch } from '../../../services/objective/ledger';
import { EmbeddedOutcomeLog } from '../../../services/objective/outcome-log';
import { campaign, candidate, catalogueOf, DAY, DAY0, evaluateInput, HOUR } from './fixtures';

const NOW = DAY0 + 12 * HOUR;
const TTL = 60_000;

const CATALOGUE: Catalogue = catalogueOf([
  campaign({ id: 'aware', goal: 'awareness', totalBudgetMicros: 100_000 }),
  campaign({ id: 'convert', goal: 'conversion', kpi: { completionRate: 0.7, clickRate: 0.05 } }),
  campaign({ id: 'paused', paused: true }),
  campaign({ id: 'future', flightStartMs: NOW + DAY, flightEndMs: NOW + 2 * DAY }),
  campaign({ id: 'capped', frequencyCap: { maxImpressions: 1, windowMs: HOUR } }),
  campaign({ id: 'house', tier: 'house', totalBudgetMicros: 0, cpmMicros: 0 }),
  campaign({ id: 'even', pacing: 'even', dailyBudgetMicros: 2_400_000 }),
]);

function setup(embedded = new EmbeddedLedger({ reservationTtlMs: TTL }), ledger: BudgetLedger = embedded) {
  const clock = { now: NOW };
  const outcomes = new EmbeddedOutcomeLog(embedded, { idempotencyTtlMs: DAY, maxLen: 100 });
  const agent = new ObjectiveAgent({
    catalogue: staticCatalogue(CATALOGUE),
    ledger,
    outcomes,
    clock: () => clock.now,
  });
  return { agent, ledger, outcomes, clock };
}

const reservation = (campaignId: string, amountMicros = 20_000) => ({
  creativeId: `${campaignId}-cr`,
  campaignId,
  amountMicros,
});

describe('ObjectiveAgent.evaluate', () => {
  it('values eligible candidates by goal and gives each ineligible one its reason', async () => {
    const { agent } = setup();
    const counter = await agent.evaluate(
      evaluateInput([
        candidate('aware', { pComplete: 0.8, pEngage: 0.1 }),
        candidate('convert', { pComplete: 0.8, pEngage: 0.1 }),
        candidate('paused'),
        candidate('future'),
        candidate('ghost'),
      ]),
    );
    expect(counter.modelVersion).toBe(OBJECTIVE_MODEL_VERSION);
    const [aware, convert, paused, future, ghost] = counter.values;
    expect(aware).toMatchObject({ creativeId: 'aware-cr', eligible: true, reason: null, goal: 'awareness' });
    expect(aware?.advertiserValue).toBeCloseTo(0.8, 9);
    expect(convert).toMatchObject({ eligible: true, goal: 'conversion' });
    expect(convert?.advertiserValue).toBeCloseTo(0.1, 9);
    expect(paused).toMatchObject({ eligible: false, reason: 'REASON_CAMPAIGN_PAUSED', advertiserValue: 0 });
    expect(future).toMatchObject({ eligible: false, reason: 'REASON_OUTSIDE_FLIGHT' });
    expect(ghost).toMatchObject({ eligible: false, detail: expect.stringContaining('ghost') });
  });

  it('sees budget and frequency state from the ledger', async () => {
    const { agent } = setup();
    await agent.commit({ requestId: 'r1', sessionId: 's1', reservations: [reservation('aware', 90_000)] });
    await agent.commit({ requestId: 'r2', sessionId: 's1', reservations: [reservation('capped')] });
    const counter = await agent.evaluate(
      evaluateInput([candidate('aware', { priceMicros: 20_000 }), candidate('capped')], 's1'),
    );
    expect(counter.values.map((v) => v.reason)).toEqual(['REASON_BUDGET_EXHAUSTED', 'REASON_FREQUENCY_CAP']);
    const other = await agent.evaluate(
      evaluateInput([candidate('aware', { priceMicros: 10_000 }), candidate('capped')], 's2'),
    );
    expect(other.values.every((v) => v.eligible)).toBe(true);
  });

  it('throttles an even campaign ahead of its curve and favours it when behind', async () => {
    const { agent, clock } = setup();
    clock.now = DAY0 + 6 * HOUR; // ideal: 600_000 of 2_400_000
    const behind = (await agent.evaluate(evaluateInput([candidate('even')]))).values[0]!;
    expect(behind.eligible).toBe(true);
    expect(behind.pacingMultiplier).toBeGreaterThan(1);
    await agent.commit({ requestId: 'r', sessionId: 's', reservations: [reservation('even', 700_000)] });
    const ahead = (await agent.evaluate(evaluateInput([candidate('even')]))).values[0]!;
    expect(ahead).toMatchObject({ eligible: false, reason: 'REASON_PACING_THROTTLED' });
    expect(ahead.pacingMultiplier).toBeLessThan(1);
  });

  it('values a campaign behind its KPI target above one ahead of it', async () => {
    const { agent } = setup();
    const before = (await agent.evaluate(evaluateInput([candidate('convert', { pEngage: 0.2 })]))).values[0]!;
    for (let i = 0; i < 50; i++) {
      await agent.recordOutcome({
        idempotencyKey: `imp-${i}`,
        requestId: 'r',
        reservationId: '',
        creativeId: 'convert-cr',
        sessionId: 's',
        event: 'impression',
        skipOffsetMs: 0,
        occurredAtMs: 0,
      });
    }
    const after = (await agent.evaluate(evaluateInput([candidate('convert', { pEngage: 0.2 })]))).values[0]!;
    expect(after.advertiserValue).toBeGreaterThan(before.advertiserValue * 1.2);
  });
});

describe('ObjectiveAgent.commit', () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    s = setup();
  });

  it('reserves each ad on its own: one refusal leaves the others reserved, ids are unique', async () => {
    const results = await s.agent.commit({
      requestId: 'r1',
      sessionId: 's1',
      reservations: [
        reservation('convert'),
        reservation('aware', 200_000),
        reservation('convert'),
        reservation('house'),
      ],
    });
    expect(results.map((r) => [r.creativeId, r.reserved, r.reason])).toEqual([
      ['convert-cr', true, null],
      ['aware-cr', false, 'REASON_BUDGET_EXHAUSTED'],
      ['convert-cr', true, null],
      ['house-cr', true, null],
    ]);
    const ids = results.filter((r) => r.reserved).map((r) => r.reservationId);
    expect(new Set(ids).size).toBe(3);
    expect(results[1]?.reservationId).toBe('');
    expect(await s.ledger.spend('convert', NOW)).toMatchObject({ lifetimeReservedMicros: 40_000 });
    expect(await s.ledger.spend('aware', NOW)).toMatchObject({ lifetimeReservedMicros: 0 });
  });

  it('charges house campaigns nothing', async () => {
    const [r] = await s.agent.commit({
      requestId: 'r',
      sessionId: 's',
      reservations: [reservation('house', 50_000)],
    });
    expect(r?.reserved).toBe(true);
    expect(await s.ledger.spend('house', NOW)).toMatchObject({ lifetimeReservedMicros: 0 });
  });

  it('rejects unknown, paused, out-of-flight and mismatched reservations with their reasons', async () => {
    const results = await s.agent.commit({
      requestId: 'r',
      sessionId: 's',
      reservations: [
        reservation('ghost'),
        reservation('paused'),
        reservation('future'),
        { creativeId: 'aware-cr', campaignId: 'convert', amountMicros: 1 },
      ],
    });
    expect(results.map((r) => r.reason)).toEqual([
      'REASON_COMMIT_REJECTED',
      'REASON_CAMPAIGN_PAUSED',
      'REASON_OUTSIDE_FLIGHT',
      'REASON_COMMIT_REJECTED',
    ]);
    expect(results.every((r) => !r.reserved)).toBe(true);
  });

  it('enforces the frequency cap per session', async () => {
    const first = await s.agent.commit({
      requestId: 'a',
      sessionId: 's1',
      reservations: [reservation('capped')],
    });
    const second = await s.agent.commit({
      requestId: 'b',
      sessionId: 's1',
      reservations: [reservation('capped')],
    });
    expect(first[0]?.reserved).toBe(true);
    expect(second[0]).toMatchObject({ reserved: false, reason: 'REASON_FREQUENCY_CAP' });
  });

  it('turns a ledger failure into UNAVAILABLE and releases what the same commit did reserve', async () => {
    const inner = new EmbeddedLedger({ reservationTtlMs: TTL });
    // Reserves what it can, then fails (as a script whose reply was lost would).
    const failing: BudgetLedger = {
      reserve: (input) => inner.reserve(input),
      reserveMany: async (batch: ReserveBatch) => {
        await inner.reserveMany({
          ...batch,
          reservations: batch.reservations.filter((r) => r.campaignId !== 'aware'),
        });
        throw new Error('connection lost');
      },
      settle: (id, now) => inner.settle(id, now),
      release: (id, now) => inner.release(id, now),
      releaseRequest: (req, ids) => inner.releaseRequest(req, ids),
      releaseExpired: (now) => inner.releaseExpired(now),
      spend: (id, now) => inner.spend(id, now),
      sessionImpressions: (c, sid, w, now) => inner.sessionImpressions(c, sid, w, now),
      close: () => inner.close(),
    };
    const { agent } = setup(inner, failing);
    await expect(
      agent.commit({
        requestId: 'r',
        sessionId: 's',
        reservations: [reservation('convert'), reservation('aware')],
      }),
    ).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining('connection lost'),
    });
    expect(await inner.spend('convert', NOW)).toMatchObject({ lifetimeReservedMicros: 0 });
  });

  it('a reservation the ledger made on an earlier attempt of the same call is reserved, not refused as a duplicate', async () => {
    const inner = new EmbeddedLedger({ reservationTtlMs: TTL });
    // A Redis client that lost a script's reply sends the same script again once it has
    // reconnected (ioredis' autoResendUnfulfilledCommands): the batch runs twice, and the
    // caller gets the second answer.
    const resent: BudgetLedger = {
      reserve: (input) => inner.reserve(input),
      reserveMany: async (batch: ReserveBatch) => {
        await inner.reserveMany(batch);
        return inner.reserveMany(batch);
      },
      settle: (id, now) => inner.settle(id, now),
      release: (id, now) => inner.release(id, now),
      releaseRequest: (req, ids, now) => inner.releaseRequest(req, ids, now),
      releaseExpired: (now) => inner.releaseExpired(now),
      spend: (id, now) => inner.spend(id, now),
      sessionImpressions: (c, sid, w, now) => inner.sessionImpressions(c, sid, w, now),
      close: () => inner.close(),
    };
    const { agent } = setup(inner, resent);
    const results = await agent.commit({
      requestId: 'r',
      sessionId: 's',
      reservations: [reservation('convert'), reservation('aware', 200_000)],
    });
    expect(results.map((r) => [r.reserved, r.reason])).toEqual([
      [true, null],
      [false, 'REASON_BUDGET_EXHAUSTED'],
    ]);
    // Its money is held once, for an ad the broker will serve and an impression will settle.
    expect(await inner.spend('convert', NOW)).toMatchObject({ lifetimeReservedMicros: 20_000 });
    expect(await inner.settle(results[0]!.reservationId, NOW)).toEqual({
      micros: 20_000,
      late: false,
      refusal: null,
    });
  });
});

describe('ObjectiveAgent.release', () => {
  it("gives back a request's open reservations at once, once, never after settlement", async () => {
    const s = setup();
    const [a, b, c] = await s.agent.commit({
      requestId: 'r1',
      sessionId: 's1',
      reservations: [
        reservation('convert', 10_000),
        reservation('aware', 20_000),
        reservation('capped', 30_000),
      ],
    });
    const [other] = await s.agent.commit({
      requestId: 'r2',
      sessionId: 's2',
      reservations: [reservation('convert', 40_000)],
    });
    await s.agent.recordOutcome({
      idempotencyKey: 'imp-a',
      requestId: 'r1',
      reservationId: a!.reservationId,
      creativeId: 'convert-cr',
      sessionId: 's1',
      event: 'impression',
      skipOffsetMs: 0,
      occurredAtMs: NOW,
    });
    // Named: only the request's own open ones.
    expect(await s.agent.release('r1', [a!.reservationId, b!.reservationId, other!.reservationId])).toBe(1);
    // None named: the rest of the request.
    expect(await s.agent.release('r1')).toBe(1);
    expect(await s.agent.release('r1')).toBe(0);
    expect(await s.ledger.spend('convert', NOW)).toMatchObject({
      lifetimeSpentMicros: 10_000,
      lifetimeReservedMicros: 40_000,
    });
    expect(await s.ledger.spend('aware', NOW)).toMatchObject({ lifetimeReservedMicros: 0 });
    expect(await s.ledger.spend('capped', NOW)).toMatchObject({ lifetimeReservedMicros: 0 });
    // The capped campaign's frequency slot is free again.
    const again = await s.agent.commit({
      requestId: 'r3',
      sessionId: 's1',
      reservations: [reservation('capped')],
    });
    expect(again[0]?.reserved).toBe(true);
    expect(c?.reserved).toBe(true);
  });
});

describe('ObjectiveAgent: commits the broker gave up on hold no money', () => {
  it('a commit that finishes at or after its deadline releases what it reserved and fails DEADLINE_EXCEEDED', async () => {
    const s = setup();
    await expect(
      s.agent.commit(
        { requestId: 'late', sessionId: 's1', reservations: [reservation('aware'), reservation('capped')] },
        () => true, // once the reservations are made, the broker has stopped waiting
      ),
    ).rejects.toMatchObject({ kind: 'deadline_exceeded' });
    expect(await s.ledger.spend('aware', NOW)).toMatchObject({ lifetimeReservedMicros: 0 });
    expect(await s.ledger.spend('capped', NOW)).toMatchObject({ lifetimeReservedMicros: 0 });
    expect(await s.ledger.sessionImpressions('capped', 's1', HOUR, NOW)).toBe(0);
    // In time, the same commit reserves.
    const ok = await s.agent.commit(
      { requestId: 'on-time', sessionId: 's1', reservations: [reservation('aware')] },
      () => false,
    );
    expect(ok[0]?.reserved).toBe(true);
  });

  it('a commit that arrives after its request was released as a whole reserves nothing', async () => {
    const s = setup();
    // The broker timed out, sent the release, and the release overtook the commit.
    expect(await s.agent.release('overtaken')).toBe(0);
    const results = await s.agent.commit({
      requestId: 'overtaken',
      sessionId: 's1',
      reservations: [reservation('aware'), reservation('convert')],
    });
    expect(results.map((r) => [r.reserved, r.reason])).toEqual([
      [false, 'REASON_COMMIT_REJECTED'],
      [false, 'REASON_COMMIT_REJECTED'],
    ]);
    expect(await s.ledger.spend('aware', NOW)).toMatchObject({ lifetimeReservedMicros: 0 });
  });
});

describe('ObjectiveAgent.recordOutcomes', () => {
  it('records a batch as recordOutcome each would, a repeated key once', async () => {
    const s = setup();
    const [r] = await s.agent.commit({
      requestId: 'r',
      sessionId: 's',
      reservations: [reservation('convert', 30_000)],
    });
    const event = (key: string, kind: 'impression' | 'complete' | 'click', creativeId = 'convert-cr') => ({
      idempotencyKey: key,
      requestId: 'r',
      reservationId: r!.reservationId,
      creativeId,
      sessionId: 's',
      event: kind,
      skipOffsetMs: 0,
      occurredAtMs: 0,
    });
    const results = await s.agent.recordOutcomes([
      event('imp', 'impression'),
      event('imp', 'impression'),
      event('done', 'complete'),
      event('ghost', 'click', 'unknown-cr'),
    ]);
    expect(results).toEqual([
      { accepted: true, duplicate: false, settledMicros: 30_000, late: false, refusal: null },
      { accepted: false, duplicate: true, settledMicros: 0, late: false, refusal: null },
      { accepted: true, duplicate: false, settledMicros: 0, late: false, refusal: null },
      { accepted: true, duplicate: false, settledMicros: 0, late: false, refusal: null },
    ]);
    expect(await s.agent.recordOutcomes([])).toEqual([]);
    expect(await s.outcomes.counters('convert')).toMatchObject({ impressions: 1, completes: 1, clicks: 0 });
    const logged = await s.outcomes.readGroup('g', 'w', 10);
    // Stamped with the agent's clock when the event carries no time; unknown creatives logged without a campaign.
    expect(logged.map((e) => [e.idempotencyKey, e.campaignId, e.occurredAtMs])).toEqual([
      ['imp', 'convert', NOW],
      ['done', 'convert', NOW],
      ['ghost', '', NOW],
    ]);
  });

  it('turns an outcome log failure into UNAVAILABLE', async () => {
    const s = setup();
    s.outcomes.recordMany = () => Promise.reject(new Error('connection lost'));
    await expect(
      s.agent.recordOutcomes([
        {
          idempotencyKey: 'k',
          requestId: 'r',
          reservationId: '',
          creativeId: 'convert-cr',
          sessionId: 's',
          event: 'click',
          skipOffsetMs: 0,
          occurredAtMs: 0,
        },
      ]),
    ).rejects.toMatchObject({ kind: 'unavailable' });
  });
});

describe('ObjectiveAgent.recordOutcome and the sweeper', () => {
  it('settles on impression once; a replay is a duplicate with no effect', async () => {
    const s = setup();
    const [r] = await s.agent.commit({
      requestId: 'r',
      sessionId: 's',
      reservations: [reservation('convert', 30_000)],
    });
    const event = {
      idempotencyKey: 'k-1',
      requestId: 'r',
      reservationId: r!.reservationId,
      creativeId: 'convert-cr',
      sessionId: 's',
      event: 'impression' as const,
      skipOffsetMs: 0,
      occurredAtMs: NOW,
    };
    expect(await s.agent.recordOutcome(event)).toEqual({
      accepted: true,
      duplicate: false,
      settledMicros: 30_000,
      late: false,
      refusal: null,
    });
    expect(await s.agent.recordOutcome(event)).toEqual({
      accepted: false,
      duplicate: true,
      settledMicros: 0,
      late: false,
      refusal: null,
    });
    expect(await s.ledger.spend('convert', NOW)).toMatchObject({
      lifetimeSpentMicros: 30_000,
      lifetimeReservedMicros: 0,
    });
    expect(await s.agent.recordOutcome({ ...event, idempotencyKey: 'k-2', event: 'click' })).toMatchObject({
      accepted: true,
      settledMicros: 0,
    });
    expect(await s.outcomes.counters('convert')).toMatchObject({ impressions: 1, clicks: 1 });
    const logged = await s.outcomes.readGroup('g', 'w', 10);
    expect(logged.map((e) => [e.event, e.campaignId])).toEqual([
      ['impression', 'convert'],
      ['click', 'convert'],
    ]);
  });

  it('releases reservations that were never settled once their TTL passes', async () => {
    const s = setup();
    const [held] = await s.agent.commit({
      requestId: 'r',
      sessionId: 's',
      reservations: [reservation('aware', 100_000)],
    });
    expect((await s.agent.evaluate(evaluateInput([candidate('aware')]))).values[0]?.eligible).toBe(false);
    s.clock.now = NOW + TTL - 1;
    expect(await s.agent.sweep()).toBe(0);
    s.clock.now = NOW + TTL;
    s.agent.startSweeper(5);
    for (let i = 0; i < 100 && (await s.ledger.spend('aware', NOW)).lifetimeReservedMicros > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    s.agent.stopSweeper();
    expect(await s.ledger.spend('aware', NOW)).toMatchObject({ lifetimeReservedMicros: 0 });
    expect((await s.agent.evaluate(evaluateInput([candidate('aware')]))).values[0]?.eligible).toBe(true);
    // Its impression, late: the budget still has room for it, so it is charged, and the acknowledgement says so.
    const late = await s.agent.recordOutcome(impressionOf('late-imp', 'aware', held!.reservationId));
    expect(late).toEqual({
      accepted: true,
      duplicate: false,
      settledMicros: 100_000,
      late: true,
      refusal: null,
    });
    expect(await s.agent.recordOutcome(impressionOf('late-imp', 'aware', held!.reservationId))).toMatchObject(
      {
        duplicate: true,
        settledMicros: 0,
      },
    );
    expect(await s.ledger.spend('aware', NOW)).toMatchObject({ lifetimeSpentMicros: 100_000 });
  });

  it('refuses a late impression the budget no longer has room for, and one of a request the broker released', async () => {
    const s = setup();
    const commit = (requestId: string) =>
      s.agent.commit({ requestId, sessionId: 's', reservations: [reservation('aware', 100_000)] });
    const [expired] = await commit('r1');
    s.clock.now = NOW + TTL;
    expect(await s.agent.sweep()).toBe(1);
    const [again] = await commit('r2'); // the whole budget, free again
    expect(again?.reserved).toBe(true);
    expect(await s.agent.recordOutcome(impressionOf('imp-1', 'aware', expired!.reservationId))).toEqual({
      accepted: true,
      duplicate: false,
      settledMicros: 0,
      late: false,
      refusal: 'lifetime_budget',
    });
    // The broker gave r2 up: its ad was never served, so its impression is refused.
    expect(await s.agent.release('r2')).toBe(1);
    expect(await s.agent.recordOutcome(impressionOf('imp-2', 'aware', again!.reservationId))).toMatchObject({
      settledMicros: 0,
      refusal: 'released',
    });
    expect(await s.ledger.spend('aware', NOW + TTL)).toMatchObject({
      lifetimeSpentMicros: 0,
      lifetimeReservedMicros: 0,
    });
  });
});

/** An impression of a campaign's creative (`<campaign>-cr`) for a reservation. */
function impressionOf(idempotencyKey: string, campaignId: string, reservationId: string) {
  return {
    idempotencyKey,
    requestId: 'r',
    reservationId,
    creativeId: `${campaignId}-cr`,
    sessionId: 's',
    event: 'impression' as const,
    skipOffsetMs: 0,
    occurredAtMs: NOW + TTL,
  };
}

describe('ObjectiveAgent advisory reads', () => {
  /** Two replicas sharing one ledger, counting spend reads (one per campaign read). */
  function replicas() {
    const embedded = new EmbeddedLedger({ reservationTtlMs: TTL });
    let reads = 0;
    const ledger: BudgetLedger = Object.assign(Object.create(embedded) as BudgetLedger, {
      spend: (id: string, now: number) => {
        reads++;
        return embedded.spend(id, now);
      },
      spendMany: (ids: readonly string[], now: number) => {
        reads += ids.length;
        return embedded.spendMany(ids, now);
      },
    });
    const clock = { now: NOW };
    const outcomes = new EmbeddedOutcomeLog(embedded, { idempotencyTtlMs: DAY, maxLen: 100 });
    const make = () =>
      new ObjectiveAgent({
        catalogue: staticCatalogue(CATALOGUE),
        ledger,
        outcomes,
        clock: () => clock.now,
        advisoryReadTtlMs: 100,
      });
    return { a: make(), b: make(), clock, reads: () => reads };
  }

  it('shares one spend read among evaluations within the TTL and reads again after it', async () => {
    const { a, clock, reads } = replicas();
    await Promise.all(Array.from({ length: 20 }, () => a.evaluate(evaluateInput([candidate('aware')]))));
    expect(reads()).toBe(1);
    clock.now += 100;
    await a.evaluate(evaluateInput([candidate('aware')]));
    expect(reads()).toBe(2);
  });

  it('counts its own reservations into the books it holds instead of reading them again', async () => {
    const { a, reads } = replicas();
    const evaluate = async () =>
      (await a.evaluate(evaluateInput([candidate('aware', { priceMicros: 20_000 })]))).values[0];
    const commit = async (i: number) =>
      (await a.commit({ requestId: `r${i}`, sessionId: `s${i}`, reservations: [reservation('aware')] }))[0];
    expect(await evaluate()).toMatchObject({ eligible: true });
    for (let i = 0; i < 4; i++) expect(await commit(i)).toMatchObject({ reserved: true });
    expect(await evaluate()).toMatchObject({ eligible: true }); // 80 000 of 100 000
    expect(await commit(4)).toMatchObject({ reserved: true });
    expect(await evaluate()).toMatchObject({ eligible: false, reason: 'REASON_BUDGET_EXHAUSTED' });
    expect(reads()).toBe(1);
    // A refusal means the books were behind: they are read again.
    expect(await commit(5)).toMatchObject({ reserved: false });
    await evaluate();
    expect(reads()).toBe(2);
  });

  it("sees its own commits at once, and another replica's stale read never overspends", async () => {
    const { a, b } = replicas();
    // 'aware' has a 100 000 budget: five 20 000 reservations fit.
    await b.evaluate(evaluateInput([candidate('aware')])); // b caches "nothing spent"
    for (let i = 0; i < 5; i++) {
      const [r] = await a.commit({
        requestId: `r${i}`,
        sessionId: `s${i}`,
        reservations: [reservation('aware')],
      });
      expect(r?.reserved).toBe(true);
    }
    const fresh = await a.evaluate(evaluateInput([candidate('aware')]));
    expect(fresh.values[0]).toMatchObject({ eligible: false, reason: 'REASON_BUDGET_EXHAUSTED' });
    const stale = await b.evaluate(evaluateInput([candidate('aware')]));
    expect(stale.values[0]?.eligible).toBe(true); // optimistic within the TTL…
    const [late] = await b.commit({ requestId: 'r5', sessionId: 's5', reservations: [reservation('aware')] });
    expect(late).toMatchObject({ reserved: false, reason: 'REASON_BUDGET_EXHAUSTED' }); // …but commit enforces
  });
});
