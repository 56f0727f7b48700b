import { describe, expect, it } from 'vitest';
import {
  checkStep,
  ledgerOf,
  parseArgs,
  recoverySeconds,
  type StepResult,
  table,
} from '../../../bench/chaos';
import type { TimelineBucket } from '../../../bench/load';
import type { CampaignStatusReply__Output } from '../../../proto/gen/parley/v1/CampaignStatusReply';

const bucket = (at: number, answers: number, hurt: number): TimelineBucket => ({
  at,
  answers,
  degraded: hurt,
  late: 0,
  errors: 0,
  degradedBy: hurt ? { inventory: hurt } : {},
});
const byInventory = (b: TimelineBucket) => b.degradedBy.inventory ?? 0;

describe('recovery seconds', () => {
  it('run from the fault being lifted to the end of the last stretch it still hurt', () => {
    const t = [
      bucket(0, 10, 10),
      bucket(250, 10, 10),
      bucket(500, 10, 3),
      bucket(750, 10, 0),
      bucket(1000, 10, 0),
    ];
    expect(recoverySeconds(t, byInventory, 300, 250)).toBeCloseTo(0.45); // 750 - 300
  });

  it('are 0 when nothing was hurt after the fault was lifted', () => {
    const t = [bucket(0, 10, 10), bucket(250, 10, 0), bucket(500, 10, 0)];
    expect(recoverySeconds(t, byInventory, 250, 250)).toBe(0);
  });

  it('are null when the last stretch is still hurt, or no answer came after it', () => {
    expect(recoverySeconds([bucket(0, 10, 0), bucket(250, 10, 4)], byInventory, 100, 250)).toBeNull();
    expect(recoverySeconds([bucket(0, 10, 10)], byInventory, 1000, 250)).toBeNull();
  });
});

function step(extra: Partial<StepResult> = {}): Omit<StepResult, 'failures'> {
  return {
    name: 'SIGKILL inventory',
    kind: 'kill',
    answers: 100,
    degraded: 20,
    late: 0,
    failed: 0,
    recoveryS: 0.5,
    exit: null,
    money: {
      impressions: 10,
      impressionMicros: 1000,
      settled: 10,
      chargedMicros: 1000,
      duplicates: 0,
      notCharged: 0,
      unacked: 0,
      retries: 3,
      ledgerDeltaMicros: 1000,
      overBudget: [],
    },
    p99Ms: 20,
    injectedAt: 0,
    liftedAt: 0,
    timeline: [],
    ...extra,
  };
}

describe('the checks of a step', () => {
  it('pass a step with degraded answers only', () => {
    expect(checkStep(step())).toEqual([]);
  });

  it('fail on a failed call, a late answer, no recovery, a stop that is not exit 0', () => {
    expect(checkStep(step({ failed: 1, late: 2, recoveryS: null, exit: { code: 1, signal: null } }))).toEqual(
      [
        '1 calls failed',
        '2 answers after their deadline',
        'not recovered by the end of the step',
        'exited with code 1 instead of 0',
      ],
    );
  });

  it('do not ask the baseline (no fault) or the broker drain to recover', () => {
    expect(checkStep(step({ kind: 'baseline', recoveryS: null }))).toEqual([]);
    expect(checkStep(step({ kind: 'drain', recoveryS: null, money: null }))).toEqual([]);
  });

  it('fail when the ledger moved by anything but the prices of the impressions reported', () => {
    const money = step().money!;
    const twice = checkStep(step({ money: { ...money, ledgerDeltaMicros: 1100 } }));
    expect(twice).toEqual(['ledger spend grew by 1100 µ, the impressions reported cost 1000 µ']);
    const lost = checkStep(step({ money: { ...money, ledgerDeltaMicros: 900, unacked: 1, notCharged: 1 } }));
    expect(lost).toHaveLength(3);
    expect(checkStep(step({ money: { ...money, overBudget: ['c1'] } }))).toEqual(['over budget: c1']);
  });

  it('show in the table', () => {
    const t = table([
      { ...step(), failures: [] },
      { ...step({ name: 'x', recoveryS: null }), failures: ['no'] },
    ]);
    expect(t.split('\n')[0]).toMatch(/^fault\s+answers\s+degraded\s+late\s+failed\s+recovery s/);
    expect(t).toMatch(/not recovered .* FAILED/);
  });
});

describe('the ledger', () => {
  it('sums spend over campaigns and names those over budget', () => {
    const status = {
      now_ms: 0,
      campaigns: [
        { campaign_id: 'a', lifetime_spent_micros: 500, budget_micros: 1000, spend_micros: 600 },
        { campaign_id: 'b', lifetime_spent_micros: 300, budget_micros: 200, spend_micros: 250 },
        { campaign_id: 'house', lifetime_spent_micros: 0, budget_micros: 0, spend_micros: 0 },
      ],
    } as unknown as CampaignStatusReply__Output;
    expect(ledgerOf(status)).toEqual({ spentMicros: 800, overBudget: ['b'] });
  });
});

describe('options', () => {
  it('take flags and refuse bad ones, naming them', () => {
    expect(parseArgs(['--rate', '100', '--only', 'link,drain', '--proxied', 'context'])).toMatchObject({
      rate: 100,
      only: ['link', 'drain'],
      proxied: 'context',
    });
    expect(() => parseArgs(['--rate', 'x'])).toThrow(/--rate/);
    expect(() => parseArgs(['--only', 'nap'])).toThrow(/--only/);
    expect(() => parseArgs(['--proxied', 'nobody'])).toThrow(/--proxied/);
  });
});
