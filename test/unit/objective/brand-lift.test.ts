/**
 * Brand lift in the objective agent: a campaign's hold-out vetoes its ads
 * for the listeners of its control group (REASON_BRAND_LIFT_HOLDOUT), and
 * reported survey waves value awareness campaigns by their measured lift
 * (the LiftValuer multiplier on the advertiser value, shown in the verdict),
 * once per (campaign, wave), the same on every replica sharing the store.
 */
import { describe, expect, it, vi } from 'vitest';
import { staticCatalogue } from '../../../services/common/catalogue/load';
import type { Catalogue } from '../../../services/common/catalogue/types';
import { holdoutDraw } from '../../../services/common/domain/brand-lift';
import { DomainError } from '../../../services/common/errors';
import { ObjectiveAgent } from '../../../services/objective/agent';
import {
  type BrandLiftStore,
  EmbeddedBrandLiftStore,
  type LiftWave,
  liftModelOf,
} from '../../../services/objective/brand-lift';
import { EmbeddedLedger } from '../../../services/objective/ledger';
import { EmbeddedOutcomeLog, ZERO_COUNTERS } from '../../../services/objective/outcome-log';
import { advertiserValue, MAX_ADVERTISER_VALUE } from '../../../services/objective/valuation';
import { campaign, candidate, catalogueOf, DAY, DAY0, evaluateInput, HOUR } from './fixtures';

const NOW = DAY0 + 12 * HOUR;

const CATALOGUE: Catalogue = catalogueOf([
  campaign({ id: 'aware-hi', goal: 'awareness' }),
  campaign({ id: 'aware-lo', goal: 'awareness' }),
  campaign({ id: 'convert', goal: 'conversion' }),
  campaign({ id: 'plain', goal: 'awareness' }),
  campaign({ id: 'study', goal: 'awareness', brandLift: { holdoutShare: 0.5 } }),
]);

function agentOn(store: BrandLiftStore | null = new EmbeddedBrandLiftStore()) {
  const ledger = new EmbeddedLedger({ reservationTtlMs: 60_000 });
  return new ObjectiveAgent({
    catalogue: staticCatalogue(CATALOGUE),
    ledger,
    outcomes: new EmbeddedOutcomeLog(ledger, { idempotencyTtlMs: DAY, maxLen: 100 }),
    clock: () => NOW,
    brandLift: store,
  });
}

/** A wave of 2,000 respondents per group; reach half the impressions. */
function wave(
  campaignId: string,
  waveId: string,
  exposedRate: number,
  over: Partial<LiftWave> = {},
): LiftWave {
  return {
    campaignId,
    waveId,
    exposedN: 2000,
    exposedRate,
    controlN: 2000,
    controlRate: 0.2,
    impressions: 10_000,
    reach: 5000,
    fieldedAtMs: NOW - DAY,
    publishedAtMs: NOW - 12 * HOUR,
    ...over,
  };
}

/** Three campaigns measured (the valuer's minimum): a strong and a weak awareness campaign, and a conversion one. */
const WAVES = [wave('aware-hi', 'w1', 0.4), wave('aware-lo', 'w1', 0.25), wave('convert', 'w1', 0.3)];

const verdictOf = async (agent: ObjectiveAgent, campaignId: string) =>
  (await agent.evaluate(evaluateInput([candidate(campaignId, { pComplete: 0.6, pEngage: 0.2 })]))).values[0]!;

/** Listener ids in and out of the 'study' campaign's control group (share 0.5). */
const listeners = Array.from({ length: 200 }, (_, i) => `lst-${i}`);
const heldOut = listeners.filter((l) => holdoutDraw(l, 'study') < 0.5);
const exposed = listeners.filter((l) => holdoutDraw(l, 'study') >= 0.5);

describe('advertiser value with brand lift', () => {
  const base = {
    goal: 'awareness' as const,
    pComplete: 0.6,
    pEngage: 0.1,
    counters: ZERO_COUNTERS,
    kpi: { completionRate: 0.7, clickRate: 0.01 },
    pacingMultiplier: 1,
  };

  it('scales the value by the lift multiplier; absent is 1', () => {
    expect(advertiserValue(base)).toBeCloseTo(0.6, 12);
    expect(advertiserValue({ ...base, liftMultiplier: 1 })).toBeCloseTo(0.6, 12);
    expect(advertiserValue({ ...base, liftMultiplier: 1.25 })).toBeCloseTo(0.75, 12);
    expect(advertiserValue({ ...base, liftMultiplier: 0.8 })).toBeCloseTo(0.48, 12);
  });

  it('still caps the value', () => {
    expect(advertiserValue({ ...base, pComplete: 1, pacingMultiplier: 1.9, liftMultiplier: 1.5 })).toBe(
      MAX_ADVERTISER_VALUE,
    );
  });
});

describe('brand-lift hold-out in the objective agent', () => {
  it('vetoes a held-out listener with REASON_BRAND_LIFT_HOLDOUT, and only them', async () => {
    expect(heldOut.length).toBeGreaterThan(50);
    expect(exposed.length).toBeGreaterThan(50);
    const agent = agentOn();
    const verdict = async (listenerId: string, campaignId = 'study', sessionId = 'session-1') =>
      (
        await agent.evaluate({
          ...evaluateInput([candidate(campaignId)], sessionId),
          listenerId,
        })
      ).values[0]!;
    for (const l of heldOut.slice(0, 20)) {
      const v = await verdict(l);
      expect(v).toMatchObject({ eligible: false, reason: 'REASON_BRAND_LIFT_HOLDOUT', advertiserValue: 0 });
      expect(v.detail).toContain('study');
      expect(v.detail).toContain('50% held out');
      // The same listener in another session: still held out.
      expect((await verdict(l, 'study', 'session-2')).eligible).toBe(false);
      // A campaign without a study never holds anyone out.
      expect((await verdict(l, 'plain')).eligible).toBe(true);
    }
    for (const l of exposed.slice(0, 20)) expect((await verdict(l)).eligible).toBe(true);
  });

  it('keys on the session when the ad server sends no listener id', async () => {
    const agent = agentOn();
    const bySession = async (sessionId: string) =>
      (await agent.evaluate(evaluateInput([candidate('study')], sessionId))).values[0]!;
    expect(await bySession(heldOut[0]!)).toMatchObject({ reason: 'REASON_BRAND_LIFT_HOLDOUT' });
    expect((await bySession(exposed[0]!)).eligible).toBe(true);
  });
});

describe('brand-lift survey waves in the objective agent', () => {
  it('values awareness campaigns by measured lift: the strong one up, the weak one down, other goals unchanged', async () => {
    const agent = agentOn();
    const before = await Promise.all(
      ['aware-hi', 'aware-lo', 'convert', 'plain'].map((c) => verdictOf(agent, c)),
    );
    expect(before.every((v) => v.liftMultiplier === undefined && v.detail === '')).toBe(true);

    const report = await agent.reportBrandLift(WAVES);
    expect(report.statuses).toEqual(['recorded', 'recorded', 'recorded']);
    expect(report.campaigns.map((c) => [c.campaignId, c.goal, c.waves])).toEqual([
      ['aware-hi', 'awareness', 1],
      ['aware-lo', 'awareness', 1],
      ['convert', 'conversion', 1],
    ]);
    const [hi, lo, convert, plain] = await Promise.all(
      ['aware-hi', 'aware-lo', 'convert', 'plain'].map((c) => verdictOf(agent, c)),
    );
    expect(hi!.liftMultiplier).toBeGreaterThan(1);
    expect(lo!.liftMultiplier).toBeLessThan(1);
    expect(hi!.advertiserValue).toBeCloseTo(before[0]!.advertiserValue * hi!.liftMultiplier!, 12);
    expect(lo!.advertiserValue).toBeCloseTo(before[1]!.advertiserValue * lo!.liftMultiplier!, 12);
    expect(hi!.advertiserValue).toBeGreaterThan(before[0]!.advertiserValue);
    expect(lo!.advertiserValue).toBeLessThan(before[1]!.advertiserValue);
    // The verdict says why, where the other valuation factors are.
    expect(hi!.detail).toMatch(
      /^brand lift ×1\.\d{3} \(1 survey wave, -?\d+\.\d\d extra recalls per 1000 impressions\)$/,
    );
    // A conversion campaign and an unmeasured one are valued as before.
    expect(convert).toEqual(before[2]);
    expect(plain).toEqual(before[3]);
    expect(report.campaigns.find((c) => c.campaignId === 'aware-hi')?.multiplier).toBe(hi!.liftMultiplier);
    expect(report.campaigns.find((c) => c.campaignId === 'convert')?.multiplier).toBe(1);
  });

  it('moves no value until three campaigns are measured', async () => {
    const agent = agentOn();
    const before = await verdictOf(agent, 'aware-hi');
    await agent.reportBrandLift(WAVES.slice(0, 2));
    const after = await verdictOf(agent, 'aware-hi');
    expect(after.advertiserValue).toBe(before.advertiserValue);
    expect(after.liftMultiplier).toBe(1);
  });

  it('counts a wave once: a resent report is a duplicate, a corrected wave replaces the old one', async () => {
    const store = new EmbeddedBrandLiftStore();
    const agent = agentOn(store);
    await agent.reportBrandLift(WAVES);
    const once = await verdictOf(agent, 'aware-hi');
    const again = await agent.reportBrandLift(WAVES);
    expect(again.statuses).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(await store.version()).toBe(1);
    expect(await verdictOf(agent, 'aware-hi')).toEqual(once);
    // Another wave adds; a correction of w1 replaces it and is not added to it.
    const more = await agent.reportBrandLift([wave('aware-hi', 'w2', 0.4), wave('aware-hi', 'w1', 0.22)]);
    expect(more.statuses).toEqual(['recorded', 'replaced']);
    expect(more.campaigns.find((c) => c.campaignId === 'aware-hi')?.waves).toBe(2);
    const fresh = agentOn(new EmbeddedBrandLiftStore());
    await fresh.reportBrandLift([
      ...WAVES.slice(1),
      wave('aware-hi', 'w1', 0.22),
      wave('aware-hi', 'w2', 0.4),
    ]);
    expect((await verdictOf(agent, 'aware-hi')).advertiserValue).toBe(
      (await verdictOf(fresh, 'aware-hi')).advertiserValue,
    );
  });

  it('refuses a whole report naming the field: an unknown campaign, a wave twice with other figures', async () => {
    const store = new EmbeddedBrandLiftStore();
    const agent = agentOn(store);
    const refusal = async (waves: LiftWave[]) => {
      try {
        await agent.reportBrandLift(waves);
      } catch (err) {
        expect(err).toBeInstanceOf(DomainError);
        expect((err as DomainError).kind).toBe('invalid_argument');
        return (err as Error).message;
      }
      throw new Error('expected a refusal');
    };
    expect(await refusal([WAVES[0]!, wave('ghost', 'w1', 0.3)])).toBe(
      'results[1].campaign_id: unknown campaign "ghost"',
    );
    expect(await refusal([...WAVES, wave('aware-hi', 'w1', 0.35)])).toBe(
      'results[3].wave_id: wave "w1" of campaign aware-hi is also results[0], with other figures',
    );
    expect(await store.snapshot()).toEqual({ version: 0, waves: [] });
    // The same wave twice with the same figures is fine: the second is a duplicate.
    expect((await agent.reportBrandLift([WAVES[0]!, WAVES[0]!])).statuses).toEqual(['recorded', 'duplicate']);
  });

  it('replicas sharing a store agree once they refresh', async () => {
    const store = new EmbeddedBrandLiftStore();
    const a = agentOn(store);
    const b = agentOn(store);
    await a.reportBrandLift(WAVES);
    expect((await verdictOf(b, 'aware-hi')).liftMultiplier).toBeUndefined();
    await b.refreshBrandLift();
    expect(await verdictOf(b, 'aware-hi')).toEqual(await verdictOf(a, 'aware-hi'));
    // A restart (a new agent on the kept store) values the same after its first load.
    const restarted = agentOn(store);
    await restarted.refreshBrandLift();
    expect(await verdictOf(restarted, 'aware-hi')).toEqual(await verdictOf(a, 'aware-hi'));
  });

  it("a replica picks up another replica's report on its refresh timer", async () => {
    vi.useFakeTimers();
    try {
      const store = new EmbeddedBrandLiftStore();
      const a = agentOn(store);
      const b = agentOn(store);
      b.startBrandLiftRefresh(1000);
      await a.reportBrandLift(WAVES);
      expect((await verdictOf(b, 'aware-hi')).liftMultiplier).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1000);
      expect(await verdictOf(b, 'aware-hi')).toEqual(await verdictOf(a, 'aware-hi'));
      b.stopBrandLiftRefresh();
    } finally {
      vi.useRealTimers();
    }
  });

  it('an agent without a store refuses reports and values by the rules alone', async () => {
    const agent = agentOn(null);
    await expect(agent.reportBrandLift(WAVES)).rejects.toMatchObject({ kind: 'unavailable' });
    expect((await verdictOf(agent, 'aware-hi')).liftMultiplier).toBeUndefined();
  });

  it('builds the same multipliers whatever order the waves come in', () => {
    const waves = [...WAVES, wave('aware-hi', 'w2', 0.37), wave('aware-lo', 'w2', 0.21)];
    const a = liftModelOf(waves);
    const b = liftModelOf([...waves].reverse());
    for (const id of ['aware-hi', 'aware-lo', 'convert'])
      expect(a.valuer.multiplier(id, 'awareness')).toBe(b.valuer.multiplier(id, 'awareness'));
  });
});
