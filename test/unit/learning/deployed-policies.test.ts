import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deployAdLoad, parseAdLoadModel } from '../../../learning/ad-load-policy';
import { publishModel } from '../../../learning/artifacts';
import { objectiveFeatures, parseObjectiveModel } from '../../../learning/objective-policy';
import { deployOffer, OfferModel, parseOfferModel } from '../../../learning/offer-policy';
import {
  AD_LOAD_ACTIONS,
  adLoadFeatures,
  adLoadPolicy,
  OfferPolicy,
  offerFeatures,
  ValueScalePolicy,
} from '../../../learning/shared-rl';
import type { Candidate, Tier } from '../../../services/common/domain/types';
import { type Rng, seededRng } from '../../../services/common/rng';
import { CONTEXT_FEATURES } from '../../../services/context/assess';

const dir = mkdtempSync(join(tmpdir(), 'parley-deployed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REVENUE_SCALE = 20_000;
const TIERS: Tier[] = ['sponsorship', 'standard', 'house'];

/** Publishes `doc` as `kind` and reads current.json back, as an agent's watcher does. */
function roundTrip(kind: 'ad-load' | 'offer' | 'objective', doc: { version: string }): string {
  const { currentPath } = publishModel(dir, kind, doc);
  return readFileSync(currentPath, 'utf8');
}

function randomTheta(rng: Rng, n: number, scale: number): Float64Array {
  return Float64Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

function randomCandidate(rng: Rng): Candidate {
  return {
    creativeId: `c${Math.floor(rng.next() * 1e9)}`,
    campaignId: 'k',
    advertiserId: 'a',
    category: 'x',
    durationMs: 15_000 + Math.floor(rng.next() * 45_000),
    priceMicros: Math.floor(rng.next() * 40_000),
    tier: TIERS[Math.floor(rng.next() * 3)]!,
    pSkip: rng.next(),
    pComplete: rng.next(),
    pEngage: rng.next() * 0.1,
    policyScore: 0,
    audioUrl: '',
    separationCategories: [],
  };
}

describe('the context agent ad-load policy as deployed', () => {
  it('published and loaded, picks the floor the in-simulator policy picks greedily', () => {
    const rng = seededRng(5);
    const trained = adLoadPolicy();
    trained.theta.set(randomTheta(rng, trained.theta.length, 3));
    const loaded = parseAdLoadModel(roundTrip('ad-load', deployAdLoad(trained, 'ad-load-test-1').toJSON()));
    expect(loaded.version).toBe('ad-load-test-1');
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const features = Array.from(CONTEXT_FEATURES, () => rng.next() * 2 - 0.5);
      const a = trained.greedy(adLoadFeatures({ features }));
      seen.add(a);
      expect(loaded.choose({ features })).toBe(a);
      expect(loaded.floor({ features })).toBe(AD_LOAD_ACTIONS[a]);
    }
    // The inputs exercise more than one action, so the comparison means something.
    expect(seen.size).toBeGreaterThan(1);
    // A default snapshot (no features) is the bias alone, as in the simulator.
    expect(loaded.choose({ features: [] })).toBe(trained.greedy(adLoadFeatures({ features: [] })));
  });

  it('untrained (uniform) chooses no floor, as the simulator does', () => {
    const p = deployAdLoad(adLoadPolicy(), 'uniform');
    expect(p.floor({ features: Array.from(CONTEXT_FEATURES, () => 0.3) })).toBeNull();
  });

  it('refuses a malformed file naming the field', () => {
    const good = deployAdLoad(adLoadPolicy(), 'v1').toJSON();
    const bad = (patch: Record<string, unknown>) => () =>
      parseAdLoadModel(JSON.stringify({ ...good, ...patch }));
    expect(bad({ format: 'parley-context-skip/1' })).toThrow(/^format: must be "parley-context-ad-load\/1"/);
    expect(bad({ actions: [null, 0, 'high', 1] })).toThrow(
      /^actions\[2\]: must be null \(no floor\) or a number/,
    );
    expect(bad({ weights: [good.weights[0], [1, 2, 3], good.weights[2], good.weights[3]] })).toThrow(
      /^weights\[1\]: expected \d+ numbers, got 3/,
    );
    expect(bad({ weights: good.weights.slice(0, 3) })).toThrow(
      /^weights: expected 4 rows \(one per action\), got 3/,
    );
    expect(bad({ features: ['bias'] })).toThrow(/^features: must be exactly \[bias, /);
    expect(bad({ version: '' })).toThrow(/^version: /);
    expect(() => parseAdLoadModel('{"format":')).toThrow(/not valid JSON/);
  });
});

describe('the inventory agent offer policy as deployed', () => {
  it('published and loaded, offers what the in-simulator policy offers greedily', () => {
    const rng = seededRng(9);
    const trained = new OfferPolicy(randomTheta(rng, 7, 4));
    const loaded = parseOfferModel(roundTrip('offer', deployOffer(trained, 'offer-test-1').toJSON()));
    expect(loaded.version).toBe('offer-test-1');
    expect(loaded.poolSize(8)).toBe(16);
    let replaced = 0;
    for (let i = 0; i < 500; i++) {
      const k = 1 + Math.floor(rng.next() * 8);
      const n = Math.floor(rng.next() * (2 * k + 1));
      const pool = Array.from({ length: n }, () => randomCandidate(rng));
      const zs = pool.map((c) => offerFeatures(c, REVENUE_SCALE));
      // The simulator offers a pool no larger than k as it is.
      const expected = pool.length <= k ? pool.map((_, j) => j) : trained.greedy(zs, k);
      expect(loaded.choose(pool, k, REVENUE_SCALE)).toEqual(expected);
      replaced += expected.filter((j) => j >= k).length;
    }
    // The learned θ moves some candidates from beyond the supervised shortlist into the offer.
    expect(replaced).toBeGreaterThan(0);
  });

  it('untrained (θ = 0) offers the supervised shortlist in its order', () => {
    const rng = seededRng(2);
    const pool = Array.from({ length: 10 }, () => randomCandidate(rng));
    expect(deployOffer(new OfferPolicy(), 'zero').choose(pool, 4, REVENUE_SCALE)).toEqual([0, 1, 2, 3]);
  });

  it('breaks ties by the supervised rank', () => {
    const m = new OfferModel('t', new Float64Array(7), 0, 2);
    const rng = seededRng(3);
    const pool = Array.from({ length: 6 }, () => randomCandidate(rng));
    expect(m.choose(pool, 3, REVENUE_SCALE)).toEqual([0, 1, 2]);
  });

  it('refuses a malformed file naming the field', () => {
    const good = deployOffer(new OfferPolicy(), 'v1').toJSON();
    const bad = (patch: Record<string, unknown>) => () =>
      parseOfferModel(JSON.stringify({ ...good, ...patch }));
    expect(bad({ weights: [1, 2, 3] })).toThrow(/^weights: expected 7 numbers, got 3/);
    expect(bad({ weights: [1, 2, 3, 4, 5, 6, 'x'] })).toThrow(/^weights\[6\]: /);
    expect(bad({ rank_step: -1 })).toThrow(/^rank_step: must be a number ≥ 0/);
    expect(bad({ rank_step: undefined })).toThrow(/^rank_step: must be a number ≥ 0/);
    expect(bad({ pool: 0 })).toThrow(/^pool: must be an integer in \[1, 4\]/);
    expect(bad({ pool: 1.5 })).toThrow(/^pool: must be an integer in \[1, 4\]/);
    expect(bad({ format: 'parley-policy-logistic/1' })).toThrow(/^format: /);
  });
});

describe('the objective agent value multiplier as deployed', () => {
  it('ValueScalePolicy published as the objective model loads as its mean (ObjectivePolicy)', () => {
    const rng = seededRng(4);
    const trained = new ValueScalePolicy(randomTheta(rng, 5, 0.5));
    const inSim = trained.policy('objective-shared-rl-1');
    const loaded = parseObjectiveModel(roundTrip('objective', inSim.toJSON()));
    expect(loaded.version).toBe('objective-shared-rl-1');
    for (let i = 0; i < 200; i++) {
      const phi = objectiveFeatures({
        budgetMicros: 1e6,
        idealMicros: rng.next() * 1e6,
        spendMicros: rng.next() * 1e6,
        kpiProgress: rng.next() * 2,
        impressions: Math.floor(rng.next() * 200),
        dayElapsed: rng.next(),
      });
      // The file keeps 6 decimals of θ, so the multiplier agrees to about 1e-6.
      expect(loaded.multiplierOf(phi)).toBeCloseTo(inSim.multiplierOf(phi), 5);
    }
  });
});
