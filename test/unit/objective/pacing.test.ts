import { describe, expect, it } from 'vitest';
import {
  checkProfile,
  FLAT_PROFILE,
  idealFraction,
  type PacingInput,
  pace,
  profileMass,
} from '../../../services/objective/pacing';
import { DAY, DAY0, HOUR } from './fixtures';

const NOON_ONLY = Array.from({ length: 24 }, (_, h) => (h === 12 ? 1 : 0));

function input(over: Partial<PacingInput>): PacingInput {
  return {
    mode: 'even',
    nowMs: DAY0 + 12 * HOUR,
    totalBudgetMicros: 1_000_000_000,
    dailyBudgetMicros: 24_000_000,
    flightStartMs: DAY0 - 10 * DAY,
    flightEndMs: DAY0 + 10 * DAY,
    lifetimeSpendMicros: 0,
    todaySpendMicros: 0,
    ...over,
  };
}

describe('ideal spend curve', () => {
  it('is linear over the day with the flat profile', () => {
    expect(idealFraction(DAY0 + 6 * HOUR, DAY0, DAY0 + DAY, FLAT_PROFILE)).toBeCloseTo(0.25, 12);
    expect(idealFraction(DAY0 + 18 * HOUR, DAY0, DAY0 + DAY, FLAT_PROFILE)).toBeCloseTo(0.75, 12);
    expect(idealFraction(DAY0 - 1, DAY0, DAY0 + DAY, FLAT_PROFILE)).toBe(0);
    expect(idealFraction(DAY0 + DAY + 1, DAY0, DAY0 + DAY, FLAT_PROFILE)).toBe(1);
  });

  it('follows the traffic profile: all spend where the traffic is', () => {
    expect(idealFraction(DAY0 + 11 * HOUR, DAY0, DAY0 + DAY, NOON_ONLY)).toBe(0);
    expect(idealFraction(DAY0 + 12.5 * HOUR, DAY0, DAY0 + DAY, NOON_ONLY)).toBeCloseTo(0.5, 12);
    expect(idealFraction(DAY0 + 13 * HOUR, DAY0, DAY0 + DAY, NOON_ONLY)).toBeCloseTo(1, 12);
  });

  it('measures profile mass across several days', () => {
    expect(profileMass(DAY0, DAY0 + 3 * DAY, FLAT_PROFILE)).toBeCloseTo(72, 9);
    expect(profileMass(DAY0 + 13 * HOUR, DAY0 + DAY + 12.5 * HOUR, NOON_ONLY)).toBeCloseTo(0.5, 9);
  });

  it('rejects a profile that is not 24 finite non-negative weights with some traffic', () => {
    expect(() => checkProfile([1, 2])).toThrow(/24/);
    expect(() => checkProfile(Array(24).fill(0))).toThrow(/positive/);
    expect(() => checkProfile([...Array(23).fill(1), -1])).toThrow(/>= 0/);
    expect(checkProfile(FLAT_PROFILE)).toBe(FLAT_PROFILE);
  });
});

describe('pace', () => {
  it('on the curve: multiplier 1, not throttled', () => {
    const d = pace(input({ todaySpendMicros: 12_000_000 }));
    expect(d.idealMicros).toBeCloseTo(12_000_000, 3);
    expect(d.multiplier).toBeCloseTo(1, 9);
    expect(d.throttle).toBe(false);
  });

  it('behind the curve: multiplier above 1 (bounded), buys', () => {
    const d = pace(input({ todaySpendMicros: 6_000_000 }));
    expect(d.multiplier).toBeGreaterThan(1.5 - 1e-9);
    expect(d.multiplier).toBeLessThanOrEqual(1.5);
    expect(d.throttle).toBe(false);
    const slightly = pace(input({ todaySpendMicros: 11_000_000 }));
    expect(slightly.multiplier).toBeGreaterThan(1);
    expect(slightly.multiplier).toBeLessThan(1.5);
  });

  it('ahead of the curve: multiplier below 1, holds', () => {
    const d = pace(input({ todaySpendMicros: 13_000_000 }));
    expect(d.multiplier).toBeLessThan(1);
    expect(d.multiplier).toBeGreaterThanOrEqual(0.5);
    expect(d.throttle).toBe(true);
  });

  it('lets the first impression of the day through', () => {
    expect(pace(input({ nowMs: DAY0, todaySpendMicros: 0 })).throttle).toBe(false);
    expect(pace(input({ nowMs: DAY0 + 1, todaySpendMicros: 20_000 })).throttle).toBe(true);
  });

  it('paces a lifetime-only budget over the flight', () => {
    const d = pace(
      input({
        dailyBudgetMicros: 0,
        totalBudgetMicros: 10_000_000,
        flightStartMs: DAY0,
        flightEndMs: DAY0 + 10 * DAY,
        nowMs: DAY0 + 5 * DAY,
        lifetimeSpendMicros: 6_000_000,
      }),
    );
    expect(d.budgetMicros).toBe(10_000_000);
    expect(d.idealMicros).toBeCloseTo(5_000_000, 3);
    expect(d.throttle).toBe(true);
  });

  it('compresses the daily curve into the part of the day inside the flight', () => {
    const d = pace(input({ flightStartMs: DAY0 + 12 * HOUR, nowMs: DAY0 + 18 * HOUR }));
    expect(d.idealMicros).toBeCloseTo(12_000_000, 3);
  });

  it('uses the traffic profile it is given', () => {
    const d = pace(input({ nowMs: DAY0 + 11 * HOUR, todaySpendMicros: 1, profile: NOON_ONLY }));
    expect(d.idealMicros).toBe(0);
    expect(d.throttle).toBe(true);
  });

  it('asap and unlimited budgets are not paced', () => {
    expect(pace(input({ mode: 'asap', todaySpendMicros: 23_000_000 }))).toMatchObject({
      multiplier: 1,
      throttle: false,
    });
    expect(pace(input({ totalBudgetMicros: 0, dailyBudgetMicros: 0 }))).toMatchObject({
      multiplier: 1,
      throttle: false,
    });
  });
});
