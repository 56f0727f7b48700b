import { describe, expect, it } from 'vitest';
import {
  type LiftReading,
  LiftValuer,
  MAX_LIFT_MULTIPLIER,
  MIN_CAMPAIGNS,
  MIN_LIFT_MULTIPLIER,
} from '../../../learning/brand-lift';

/** A reading whose lift per impression is lift × reach / impressions. */
const reading = (
  campaignId: string,
  lift: number,
  n = 200,
  impressions = 1000,
  reach = 500,
): LiftReading => ({
  campaignId,
  exposedN: n,
  controlN: n,
  exposedRate: 0.2 + lift,
  controlRate: 0.2,
  impressions,
  reach,
});

describe('LiftValuer: brand lift as the objective agent’s delayed reward', () => {
  it('stays neutral until enough campaigns are measured, and for goals other than awareness', () => {
    const v = new LiftValuer();
    for (let i = 0; i < MIN_CAMPAIGNS - 1; i++) v.observe(reading(`c${i}`, 0.05 * (i + 1)));
    expect(v.multiplier('c0', 'awareness')).toBe(1);
    expect(v.multiplier('c1', 'awareness')).toBe(1);
    v.observe(reading('c9', 0.3));
    expect(v.multiplier('c9', 'awareness')).toBeGreaterThan(1);
    expect(v.multiplier('c9', 'conversion')).toBe(1);
    expect(v.multiplier('unmeasured', 'awareness')).toBe(1);
  });

  it('values campaigns by lift per impression: lift × reach spread over the impressions', () => {
    const v = new LiftValuer();
    // Same lift; c-frequent needed four impressions per listener reached, c-lean one.
    v.observe(reading('c-lean', 0.2, 400, 500, 500));
    v.observe(reading('c-mid', 0.2, 400, 1000, 500));
    v.observe(reading('c-frequent', 0.2, 400, 2000, 500));
    expect(v.estimate('c-lean')).toBeCloseTo(0.2, 10);
    expect(v.estimate('c-frequent')).toBeCloseTo(0.05, 10);
    const lean = v.multiplier('c-lean', 'awareness');
    const frequent = v.multiplier('c-frequent', 'awareness');
    expect(lean).toBeGreaterThan(1);
    expect(frequent).toBeLessThan(1);
    for (const m of [lean, frequent]) {
      expect(m).toBeGreaterThanOrEqual(MIN_LIFT_MULTIPLIER);
      expect(m).toBeLessThanOrEqual(MAX_LIFT_MULTIPLIER);
    }
  });

  it('combines a campaign’s waves by precision; small or empty groups are ignored', () => {
    const v = new LiftValuer();
    v.observe(reading('a', 0.1, 400));
    expect(v.estimate('a')).toBeCloseTo(0.05, 10);
    v.observe(reading('a', 0.1, 400));
    expect(v.estimate('a')).toBeCloseTo(0.05, 10);
    // A wave of the same size with a larger lift moves it part of the way.
    v.observe(reading('a', 0.3, 400));
    expect(v.estimate('a')!).toBeGreaterThan(0.05);
    expect(v.estimate('a')!).toBeLessThan(0.15);
    v.observe(reading('b', 0.5, 5));
    v.observe({ ...reading('c', 0.2), exposedRate: Number.NaN });
    expect(v.estimate('b')).toBeUndefined();
    expect(v.estimate('c')).toBeUndefined();
    expect(v.received).toBe(5);
    expect(v.used).toBe(3);
  });

  it('trusts a noisy measurement less: the same lift from fewer respondents moves the value less', () => {
    const v = new LiftValuer();
    v.observe(reading('x1', 0.1, 2000));
    v.observe(reading('x2', 0.12, 2000));
    v.observe(reading('x3', 0.08, 2000));
    v.observe(reading('precise', 0.3, 2000));
    v.observe(reading('noisy', 0.3, 25));
    expect(v.multiplier('precise', 'awareness')).toBeGreaterThan(v.multiplier('noisy', 'awareness'));
  });
});
