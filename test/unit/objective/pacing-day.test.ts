/**
 * A simulated UTC day driven through the real ObjectiveAgent with the
 * embedded ledger: far more requests than the budget can buy, an hourly
 * traffic shape, varying prices, and some ads that never play (their
 * reservations expire and are swept). Even pacing must track the ideal curve;
 * ASAP must spend as fast as it can and stop exactly at the cap.
 */
import { describe, expect, it } from 'vitest';
import { staticCatalogue } from '../../../services/common/catalogue/load';
import type { Campaign } from '../../../services/common/catalogue/types';
import { type Rng, seededRng } from '../../../services/common/rng';
import { ObjectiveAgent } from '../../../services/objective/agent';
import { EmbeddedLedger } from '../../../services/objective/ledger';
import { EmbeddedOutcomeLog } from '../../../services/objective/outcome-log';
import { idealFraction, type TrafficProfile } from '../../../services/objective/pacing';
import { campaign, candidate, catalogueOf, DAY, DAY0, evaluateInput, HOUR } from './fixtures';

/** Listening traffic per UTC hour: quiet nights, a morning commute and an evening peak. */
const TRAFFIC: TrafficProfile = [
  0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.8, 1.3, 1.5, 1.2, 1.0, 1.0, 1.1, 1.0, 1.0, 1.1, 1.3, 1.5, 1.6, 1.5, 1.3,
  1.0, 0.7, 0.5,
];

/** Request times over the day, following `shape`, sorted. */
function requestTimes(rng: Rng, total: number, shape: TrafficProfile): number[] {
  const sum = shape.reduce((a, b) => a + b, 0);
  const times: number[] = [];
  shape.forEach((w, h) => {
    const n = Math.round((total * w) / sum);
    for (let i = 0; i < n; i++) times.push(DAY0 + h * HOUR + Math.floor(rng.next() * HOUR));
  });
  return times.sort((a, b) => a - b);
}

interface DayResult {
  /** Today's spent + reserved at the end of each hour 1..24 (index 0 = end of hour 1). */
  hourly: number[];
  bought: number;
  firstRefusals: string[];
}

async function simulateDay(opts: {
  campaign: Campaign;
  seed: number;
  requests: number;
  traffic: TrafficProfile;
  pacingProfile?: TrafficProfile;
  price: (rng: Rng) => number;
  playRate: number;
}): Promise<DayResult & { ledger: EmbeddedLedger }> {
  const rng = seededRng(opts.seed);
  let now = DAY0;
  const ledger = new EmbeddedLedger({ reservationTtlMs: 120_000 });
  const agent = new ObjectiveAgent({
    catalogue: staticCatalogue(catalogueOf([opts.campaign])),
    ledger,
    outcomes: new EmbeddedOutcomeLog(ledger, { idempotencyTtlMs: DAY, maxLen: 1000 }),
    clock: () => now,
    trafficProfile: opts.pacingProfile ? () => opts.pacingProfile! : undefined,
  });
  const id = opts.campaign.id;
  const hourly: number[] = [];
  const spendAt = async (t: number) => {
    const s = await ledger.spend(id, t);
    return s.todaySpentMicros + s.todayReservedMicros;
  };
  let bought = 0;
  const firstRefusals: string[] = [];
  let n = 0;
  for (const t of requestTimes(rng, opts.requests, opts.traffic)) {
    while (DAY0 + (hourly.length + 1) * HOUR <= t) {
      now = DAY0 + (hourly.length + 1) * HOUR - 1;
      await agent.sweep();
      hourly.push(await spendAt(now));
    }
    now = t;
    if (++n % 20 === 0) await agent.sweep();
    const price = opts.price(rng);
    const [value] = (await agent.evaluate(evaluateInput([candidate(id, { priceMicros: price })], `s-${n}`)))
      .values;
    if (!value?.eligible) {
      if (value?.reason && firstRefusals.length < 3) firstRefusals.push(value.reason);
      continue;
    }
    const [result] = await agent.commit({
      requestId: `r-${n}`,
      sessionId: `s-${n}`,
      reservations: [{ creativeId: `${id}-cr`, campaignId: id, amountMicros: price }],
    });
    if (!result?.reserved) continue;
    bought++;
    if (rng.next() < opts.playRate) {
      await agent.recordOutcome({
        idempotencyKey: `imp-${n}`,
        requestId: `r-${n}`,
        reservationId: result.reservationId,
        creativeId: `${id}-cr`,
        sessionId: `s-${n}`,
        event: 'impression',
        skipOffsetMs: 0,
        occurredAtMs: now,
      });
    }
  }
  while (hourly.length < 24) {
    now = DAY0 + (hourly.length + 1) * HOUR - 1;
    await agent.sweep();
    hourly.push(await spendAt(now));
  }
  return { hourly, bought, firstRefusals, ledger };
}

const DAILY = 50_000_000;

function expectOnCurve(hourly: number[], profile: TrafficProfile | undefined) {
  const deviations = hourly.map((spend, i) => {
    const ideal =
      DAILY * idealFraction(DAY0 + (i + 1) * HOUR, DAY0, DAY0 + DAY, profile ?? Array(24).fill(1));
    return { hour: i + 1, spend, ideal, deviation: (spend - ideal) / ideal };
  });
  // Every hour after the first: within ±10% of the ideal cumulative curve.
  for (const d of deviations.slice(1))
    expect(Math.abs(d.deviation), JSON.stringify(d)).toBeLessThanOrEqual(0.1);
  const end = hourly[23]!;
  expect(end).toBeLessThanOrEqual(DAILY);
  expect(end).toBeGreaterThanOrEqual(0.9 * DAILY);
}

describe('even pacing over a simulated day', () => {
  const even = campaign({ id: 'even', pacing: 'even', dailyBudgetMicros: DAILY });
  const variedPrice = (rng: Rng) => 10_000 + Math.floor(rng.next() * 20_000);

  it('follows a traffic-shaped curve when given the traffic forecast', async () => {
    const day = await simulateDay({
      campaign: even,
      seed: 7,
      requests: 16_000,
      traffic: TRAFFIC,
      pacingProfile: TRAFFIC,
      price: variedPrice,
      playRate: 0.95,
    });
    expectOnCurve(day.hourly, TRAFFIC);
    // Demand exceeded the budget many times over, and pacing (not the cap) did the holding.
    expect(day.firstRefusals[0]).toBe('REASON_PACING_THROTTLED');
  });

  it('follows the flat default curve when traffic is flat enough to buy every hour', async () => {
    const flat = Array(24).fill(1);
    const day = await simulateDay({
      campaign: even,
      seed: 11,
      requests: 12_000,
      traffic: flat,
      price: variedPrice,
      playRate: 0.9,
    });
    expectOnCurve(day.hourly, undefined);
  });
});

describe('asap pacing', () => {
  it('buys every request until the daily cap, stops exactly at it, and refuses as budget exhausted', async () => {
    const asap = campaign({ id: 'asap', pacing: 'asap', dailyBudgetMicros: 10_000_000 });
    const day = await simulateDay({
      campaign: asap,
      seed: 3,
      requests: 16_000,
      traffic: TRAFFIC,
      price: () => 20_000,
      playRate: 1,
    });
    expect(day.bought).toBe(500);
    expect(day.hourly[23]).toBe(10_000_000);
    // No throttling before the cap: the first refusals are all budget refusals.
    expect(day.firstRefusals).toEqual(Array(3).fill('REASON_BUDGET_EXHAUSTED'));
    // The first 500 requests of the day bought it all: gone before the night is over.
    expect(day.hourly[2]).toBeLessThan(10_000_000);
    expect(day.hourly[3]).toBe(10_000_000);
    const s = await day.ledger.spend('asap', DAY0 + 12 * HOUR);
    expect(s).toMatchObject({ todaySpentMicros: 10_000_000, todayReservedMicros: 0 });
  });
});
