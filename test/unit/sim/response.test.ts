import { describe, expect, it } from 'vitest';
import {
  clickProbability,
  DEFAULT_ACTIVITIES,
  DEFAULT_RESPONSE,
  type ExposureContext,
  energyFit,
  recallProxy,
  skipProbability,
} from '../../../sim/index';
import type { CreativeTraits } from '../../../sim/response';
import { annoyanceAdded, hiddenInteractionLogit, skipOffsetMs } from '../../../sim/response';

const p = DEFAULT_RESPONSE;
const energetic: CreativeTraits = {
  energy: 0.9,
  voiceStyle: 'energetic',
  disruptiveness: 0.3,
  durationMs: 30_000,
};
const calm: CreativeTraits = { energy: 0.1, voiceStyle: 'calm', disruptiveness: 0.3, durationMs: 30_000 };

function ctx(
  activity: keyof typeof DEFAULT_ACTIVITIES,
  over: Partial<ExposureContext> = {},
): ExposureContext {
  const a = DEFAULT_ACTIVITIES[activity];
  return {
    idealEnergy: a.idealEnergy,
    focus: a.focus,
    device: 'mobile',
    podIndex: 0,
    earlierSkipInPod: false,
    sameCreativeRecent: 0,
    sameCampaignRecent: 0,
    annoyance: 0,
    adTolerance: 0.5,
    affinity: 0,
    clickPropensity: 1,
    unsafeAdjacency: false,
    ...over,
  };
}

describe('ground-truth response model', () => {
  it('context fit: an energetic ad is skipped less in a workout than in sleep, a calm one the other way round', () => {
    expect(skipProbability(p, energetic, ctx('workout'))).toBeLessThan(
      skipProbability(p, energetic, ctx('sleep')) - 0.3,
    );
    expect(skipProbability(p, calm, ctx('sleep'))).toBeLessThan(skipProbability(p, calm, ctx('workout')));
    // An energetic voice adds 0.1 energy: 0.9 + 0.1 against an ideal of 0.9.
    expect(energyFit(energetic, DEFAULT_ACTIVITIES.workout.idealEnergy)).toBeCloseTo(0.9, 9);
  });

  it('disruptive ads are skipped far more in focus than at a party', () => {
    const jarring = { ...calm, energy: 0.5, disruptiveness: 1 };
    const gentle = { ...jarring, disruptiveness: 0 };
    const focusCost = skipProbability(p, jarring, ctx('focus')) - skipProbability(p, gentle, ctx('focus'));
    const partyCost =
      skipProbability(p, jarring, ctx('party', { idealEnergy: 0.5 })) -
      skipProbability(p, gentle, ctx('party', { idealEnergy: 0.5 }));
    expect(focusCost).toBeGreaterThan(2 * partyCost);
  });

  it('fatigue: each recent exposure of the creative, and less so of its campaign, raises the skip', () => {
    const fresh = skipProbability(p, energetic, ctx('workout'));
    const once = skipProbability(p, energetic, ctx('workout', { sameCreativeRecent: 1 }));
    const thrice = skipProbability(p, energetic, ctx('workout', { sameCreativeRecent: 3 }));
    const sibling = skipProbability(p, energetic, ctx('workout', { sameCampaignRecent: 1 }));
    expect(fresh).toBeLessThan(sibling);
    expect(sibling).toBeLessThan(once);
    expect(once).toBeLessThan(thrice);
  });

  it('later pod positions, long ads, annoyance and low tolerance raise the skip; affinity lowers it', () => {
    const base = skipProbability(p, energetic, ctx('commute'));
    expect(skipProbability(p, energetic, ctx('commute', { podIndex: 2 }))).toBeGreaterThan(base);
    expect(skipProbability(p, { ...energetic, durationMs: 60_000 }, ctx('commute'))).toBeGreaterThan(base);
    expect(skipProbability(p, energetic, ctx('commute', { annoyance: 1 }))).toBeGreaterThan(base);
    expect(skipProbability(p, energetic, ctx('commute', { adTolerance: 0.1 }))).toBeGreaterThan(base);
    expect(skipProbability(p, energetic, ctx('commute', { affinity: 1 }))).toBeLessThan(base);
  });

  it('clicks need a screen and interest', () => {
    const phone = clickProbability(p, energetic, ctx('workout'));
    expect(clickProbability(p, energetic, ctx('workout', { device: 'smart_speaker' }))).toBeLessThan(
      phone / 5,
    );
    expect(clickProbability(p, energetic, ctx('workout', { affinity: 1 }))).toBeGreaterThan(phone * 2);
  });

  it('recall grows with what was heard and with distinctiveness, and wears out with repetition', () => {
    const x = ctx('relax');
    expect(recallProxy(calm, x, 1)).toBeGreaterThan(recallProxy(calm, x, 0.3));
    expect(recallProxy({ ...calm, disruptiveness: 1 }, x, 1)).toBeGreaterThan(recallProxy(calm, x, 1));
    expect(recallProxy(calm, { ...x, sameCreativeRecent: 3 }, 1)).toBeLessThan(recallProxy(calm, x, 1));
    expect(recallProxy(calm, x, 0)).toBe(0);
  });

  it('annoyance comes from skips and disruption', () => {
    expect(annoyanceAdded(p, calm, 0.5, true, false)).toBeGreaterThan(
      annoyanceAdded(p, calm, 0.5, false, false),
    );
    expect(annoyanceAdded(p, { ...calm, disruptiveness: 0.9 }, 0.5, false, false)).toBeGreaterThan(
      annoyanceAdded(p, calm, 0.5, false, false),
    );
  });

  it('a skip happens inside the ad, earlier when the ad does not fit', () => {
    for (const u of [0, 0.3, 0.999]) {
      const at = skipOffsetMs(energetic, 0.1, u);
      expect(at).toBeGreaterThanOrEqual(1000);
      expect(at).toBeLessThanOrEqual(29_000);
    }
    expect(skipOffsetMs(energetic, 0.1, 0.5)).toBeLessThan(skipOffsetMs(energetic, 0.9, 0.5));
  });

  it('the hidden interaction: only in its local hours (wrapping past midnight), only for its categories, growing with the ads heard', () => {
    const h = { weight: 2, fromHour: 22, toHour: 2, categories: ['food'], fatigueAds: 4 };
    expect(hiddenInteractionLogit(h, 23, 'food', 2)).toBeCloseTo(1, 9);
    expect(hiddenInteractionLogit(h, 1, 'food', 8)).toBeCloseTo(2, 9);
    expect(hiddenInteractionLogit(h, 2, 'food', 8)).toBe(0);
    expect(hiddenInteractionLogit(h, 12, 'food', 8)).toBe(0);
    expect(hiddenInteractionLogit(h, 23, 'retail', 8)).toBe(0);
    expect(hiddenInteractionLogit(h, 23, 'food', 0)).toBe(0);
    expect(hiddenInteractionLogit(null, 23, 'food', 8)).toBe(0);
    const x = ctx('relax');
    expect(skipProbability(p, calm, { ...x, hiddenLogit: 2 })).toBeGreaterThan(skipProbability(p, calm, x));
    expect(skipProbability(p, calm, { ...x, hiddenLogit: 0 })).toBe(skipProbability(p, calm, x));
  });
});
