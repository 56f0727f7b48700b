/**
 * Brand-lift hold-outs (services/common/domain/brand-lift.ts): a listener is
 * in or out of a campaign's control group by a hash, the same answer every
 * time, about the campaign's share of listeners, independently across
 * campaigns; share 0 holds out no one. The simulator draws with the same hash.
 */
import { describe, expect, it } from 'vitest';
import { holdoutDraw, isHeldOut, unitHash } from '../../../services/common/domain/brand-lift';
import { DEFAULT_LIFT, isHeldOut as simHeldOut } from '../../../sim/lift';

const LISTENERS = Array.from({ length: 20_000 }, (_, i) => `listener-${i}`);
const heldOf = (share: number, campaignId: string) =>
  LISTENERS.filter((l) => isHeldOut(share, l, campaignId));

describe('brand-lift hold-out', () => {
  it('is deterministic: the same listener is always in or always out for a campaign', () => {
    for (const l of LISTENERS.slice(0, 500)) {
      const first = isHeldOut(0.1, l, 'camp-a');
      for (let k = 0; k < 3; k++) expect(isHeldOut(0.1, l, 'camp-a')).toBe(first);
      expect(holdoutDraw(l, 'camp-a')).toBe(holdoutDraw(l, 'camp-a'));
    }
  });

  it('holds out about the share asked for, over many listeners', () => {
    for (const share of [0.05, 0.1, 0.25, 0.5]) {
      const got = heldOf(share, 'camp-a').length / LISTENERS.length;
      // Binomial sd at 20,000 listeners is at most 0.0035: ±0.015 is over 4 sd (and the hash is fixed).
      expect(Math.abs(got - share), `share ${share}`).toBeLessThan(0.015);
    }
  });

  it('holds out no one at share 0', () => {
    expect(heldOf(0, 'camp-a')).toEqual([]);
    expect(heldOf(-1, 'camp-a')).toEqual([]);
  });

  it('draws each campaign independently, and a larger share keeps the smaller share held out', () => {
    const a = new Set(heldOf(0.1, 'camp-a'));
    const b = heldOf(0.1, 'camp-b');
    const both = b.filter((l) => a.has(l)).length / LISTENERS.length;
    expect(Math.abs(both - 0.01)).toBeLessThan(0.004); // 0.1 × 0.1
    // Raising a study's share only adds listeners to its control group.
    const wider = new Set(heldOf(0.2, 'camp-a'));
    expect([...a].filter((l) => !wider.has(l))).toEqual([]);
  });

  it('is the hash the simulator draws its control groups with', () => {
    for (let i = 0; i < 200; i++)
      expect(simHeldOut(DEFAULT_LIFT, 7, i, 'sim-cmp-01')).toBe(unitHash(7, i, 'sim-cmp-01') < 0.1);
  });
});
