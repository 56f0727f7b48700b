import { describe, expect, it } from 'vitest';
import { SlotForecaster, wape } from '../../../learning/forecast';
import { FLAT_PROFILE } from '../../../services/objective/pacing';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const start = Date.UTC(2026, 10, 27);

describe('SlotForecaster', () => {
  it('learns each context’s hourly pattern and follows a shift with exponential smoothing', () => {
    const f = new SlotForecaster(0.5);
    // Day 1: workout slots at 06 UTC only (10), focus at 14 UTC (4).
    f.observe({ atMs: start + 6 * HOUR, scenario: 'workout', country: 'SE', count: 10 });
    f.observe({ atMs: start + 14 * HOUR + 5, scenario: 'focus', country: 'SE', count: 4 });
    f.endDay();
    expect(f.forecast(['workout'])[6]).toBe(10);
    expect(f.forecast(['focus'])[14]).toBe(4);
    expect(f.forecast()[6]! + f.forecast()[14]!).toBe(14);
    // Day 2: workout moves to 07 UTC; the estimate moves halfway.
    f.observe({ atMs: start + DAY + 7 * HOUR, scenario: 'workout', country: 'SE', count: 10 });
    f.endDay();
    expect(f.forecast(['workout'])[6]).toBe(5);
    expect(f.forecast(['workout'])[7]).toBe(5);
    expect(f.forecast(['focus'])[14]).toBe(2);
    expect(f.forecast([], ['DE']).every((v) => v === 0)).toBe(true);
  });

  it('gives a campaign the profile of its audience, flat when nothing is known', () => {
    const f = new SlotForecaster();
    const untargeted = { targeting: { scenarios: [], countries: [] } } as never;
    expect(f.profileFor(untargeted)).toBe(FLAT_PROFILE);
    f.observe({ atMs: start + 20 * HOUR, scenario: 'party', country: 'GB', count: 100 });
    f.endDay();
    const p = f.profileFor({ targeting: { scenarios: ['party'], countries: ['GB'] } } as never);
    expect(p).toHaveLength(24);
    expect(p[20]).toBeGreaterThan(50 * p[3]!);
    expect(Math.min(...p)).toBeGreaterThan(0); // every hour stays buyable
  });

  it('round-trips as a versioned artifact and rejects bad files', () => {
    const f = new SlotForecaster(0.3);
    f.observe({ atMs: start + 9 * HOUR, scenario: 'commute', country: 'DE', count: 7 });
    f.endDay();
    const back = SlotForecaster.parse(JSON.stringify(f.toJSON('forecast-1')));
    expect(back.version).toBe('forecast-1');
    expect(back.alpha).toBe(0.3);
    expect(Array.from(back.forecast(['commute'], ['DE']))).toEqual(
      Array.from(f.forecast(['commute'], ['DE'])),
    );
    const doc = f.toJSON('x');
    expect(() => SlotForecaster.parse(JSON.stringify({ ...doc, hourly: { 'commute|DE': [1, 2] } }))).toThrow(
      /commute\|DE/,
    );
    expect(() => SlotForecaster.parse(JSON.stringify({ ...doc, alpha: 2 }))).toThrow(/alpha/);
  });

  it('wape is 0 for a perfect forecast and counts absolute misses over the volume', () => {
    expect(wape([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(wape([2, 2, 2], [1, 2, 3])).toBeCloseTo(2 / 6, 12);
  });
});
