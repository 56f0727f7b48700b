import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClientResult, FedAdam, FedAvg } from '../../../federated/aggregator/strategies';
import {
  AdaptiveClipper,
  adaptiveUpdateNoiseMultiplier,
  centredClippedCount,
  clipToNorm,
  DpStrategy,
  dpFedAvgMean,
  l2Norm,
  privatizeForSecAgg,
  secAggNoiseStd,
} from '../../../federated/privacy/dp';
import { PrivacyAccountant } from '../../../federated/privacy/rdp';
import { seededRng } from '../../../services/common/rng';

const f32 = (xs: number[]) => Float32Array.from(xs);

function std(xs: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < xs.length; i++) mean += xs[i]! / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2 / xs.length;
  return Math.sqrt(v);
}

describe('clipping', () => {
  it('scales an update down to norm C and leaves smaller ones alone', () => {
    const big = clipToNorm(f32([3, 4]), 1);
    expect(big.norm).toBe(5);
    expect(big.scale).toBeCloseTo(0.2, 12);
    expect(l2Norm(big.clipped)).toBeCloseTo(1, 6);
    const small = clipToNorm(f32([0.3, 0.4]), 1);
    expect(Array.from(small.clipped)).toEqual(Array.from(f32([0.3, 0.4])));
    expect(small.scale).toBe(1);
    expect(() => clipToNorm(f32([1]), 0)).toThrow(/clip norm/);
  });
});

describe('DP-FedAvg mean', () => {
  it('without noise: Σ clipped / expected clients (not the actual count)', () => {
    const { mean, norms } = dpFedAvgMean(
      [f32([3, 4]), f32([0.5, 0])],
      { clipNorm: 1, noiseMultiplier: 0, expectedClients: 4 },
      seededRng(1),
    );
    expect(norms).toEqual([5, 0.5]);
    expect(mean[0]).toBeCloseTo((0.6 + 0.5) / 4, 6);
    expect(mean[1]).toBeCloseTo(0.8 / 4, 6);
  });

  it('adds noise with std z·C on the sum, i.e. z·C/m on the mean', () => {
    const dim = 20_000;
    const zero = new Float32Array(dim);
    const { mean } = dpFedAvgMean(
      [zero, zero],
      { clipNorm: 2, noiseMultiplier: 1.5, expectedClients: 10 },
      seededRng(7),
    );
    expect(std(mean) / ((1.5 * 2) / 10)).toBeCloseTo(1, 1); // within ±5%
  });
});

describe('adaptive clipping (Andrew et al. 2021)', () => {
  it('converges geometrically to the target quantile of the update norms', () => {
    const rng = seededRng(3);
    const clipper = new AdaptiveClipper(
      { initialClip: 0.1, targetQuantile: 0.5, learningRate: 0.2, countNoiseStd: 1 },
      100,
    );
    // Norms uniform on [0, 10]: the median is 5.
    for (let round = 0; round < 300; round++) {
      const norms = Array.from({ length: 100 }, () => 10 * rng.next());
      clipper.update(norms, rng);
    }
    expect(clipper.clip).toBeGreaterThan(4.3);
    expect(clipper.clip).toBeLessThan(5.7);
  });

  it('tracks a higher quantile when asked', () => {
    const rng = seededRng(4);
    const clipper = new AdaptiveClipper({ initialClip: 1, targetQuantile: 0.9, countNoiseStd: 1 }, 100);
    for (let round = 0; round < 300; round++) {
      clipper.update(
        Array.from({ length: 100 }, () => 10 * rng.next()),
        rng,
      );
    }
    expect(clipper.clip).toBeGreaterThan(8.2);
    expect(clipper.clip).toBeLessThan(9.8);
  });

  it('its count query has sensitivity ½, as the noise split assumes: one client more or fewer moves it by exactly ½', () => {
    // The split below charges the count query a noise multiplier of 2σ_b, which holds only if one
    // client changes the released sum by at most ½ (an uncentred {0, 1} indicator changes it by 1).
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { maxLength: 50 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (norms, extra, clip) => {
          const change = centredClippedCount([...norms, extra], clip) - centredClippedCount(norms, clip);
          expect(Math.abs(change)).toBe(0.5);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('estimates the clipped fraction without bias when as many clients come as expected', () => {
    // Zero count noise: the centred estimate (Σ(b − ½))/m + ½ is the plain fraction when n = m.
    const clipper = new AdaptiveClipper({ initialClip: 5, learningRate: 1, countNoiseStd: 0 }, 4);
    clipper.update([1, 2, 3, 9], seededRng(1)); // 3 of 4 at or below 5: C·exp(−(0.75 − 0.5))
    expect(clipper.clip).toBeCloseTo(5 * Math.exp(-0.25), 12);
  });

  it('splits the noise budget: z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2)', () => {
    expect(adaptiveUpdateNoiseMultiplier(1, 5)).toBeCloseTo(1 / Math.sqrt(1 - 1 / 100), 12);
    expect(() => adaptiveUpdateNoiseMultiplier(1, 0.5)).toThrow(/too small/);
  });
});

describe('DpStrategy decorator', () => {
  const updates: ClientResult[] = [
    { clientId: 'a', update: f32([0.2, 0]), numExamples: 10 },
    { clientId: 'b', update: f32([0, 0.4]), numExamples: 30 },
    { clientId: 'c', update: f32([30, 40]), numExamples: 1 }, // clipped to [0.6, 0.8]
    { clientId: 'd', update: f32([Number.NaN, 0]), numExamples: 1 },
  ];

  it('without noise it is FedAvg of clipped updates with uniform weights over the expected count', () => {
    const dp = new DpStrategy(new FedAvg(), {
      clipNorm: 1,
      noiseMultiplier: 0,
      expectedClients: 3,
      rng: seededRng(1),
    });
    const out = dp.aggregate(1, updates, f32([1, 1]));
    expect(out.weights[0]).toBeCloseTo(1 + (0.2 + 0.6) / 3, 6);
    expect(out.weights[1]).toBeCloseTo(1 + (0.4 + 0.8) / 3, 6);
    expect(out.accepted).toEqual(['a', 'b', 'c']);
    expect(out.rejected.map((r) => r.clientId)).toEqual(['d']);
    expect(dp.lastStats).toEqual({ clipNorm: 1, noiseStd: 0, clippedFraction: 1 / 3 });
    expect(dp.name).toBe('dp(fedavg)');
  });

  it('adds seeded noise (reproducible) and charges the accountant once per round', () => {
    const run = () => {
      const accountant = new PrivacyAccountant();
      const dp = new DpStrategy(new FedAvg(), {
        clipNorm: 1,
        noiseMultiplier: 1.1,
        expectedClients: 3,
        rng: seededRng(9),
        privacy: { accountant, samplingRate: 0.01 },
      });
      let w: Float32Array = f32([0, 0]);
      for (let r = 1; r <= 5; r++) w = dp.aggregate(r, updates, w).weights;
      return { w, accountant };
    };
    const a = run();
    const b = run();
    expect(Array.from(a.w)).toEqual(Array.from(b.w));
    expect(a.accountant.rounds).toBe(5);
    const expected = new PrivacyAccountant();
    expected.step(0.01, 1.1, 5);
    expect(a.accountant.epsilon(1e-5)).toBeCloseTo(expected.epsilon(1e-5), 10);
    // Noise is really there: noiseless 5 rounds would give exactly 5·(0.8/3, 1.2/3).
    expect(Math.abs(a.w[0]! - (5 * 0.8) / 3)).toBeGreaterThan(1e-3);
  });

  it('with adaptive clipping the clip norm moves and the update noise multiplier is adjusted', () => {
    const dp = new DpStrategy(new FedAvg(), {
      clipNorm: 0.01,
      noiseMultiplier: 1,
      expectedClients: 3,
      rng: seededRng(2),
      adaptive: { targetQuantile: 0.5, learningRate: 0.5, countNoiseStd: 1 },
    });
    const before = dp.clipNorm;
    dp.aggregate(1, updates, f32([0, 0]));
    expect(dp.lastStats!.noiseStd).toBeCloseTo(adaptiveUpdateNoiseMultiplier(1, 1) * 0.01, 12);
    for (let r = 2; r < 20; r++) dp.aggregate(r, updates, f32([0, 0]));
    expect(dp.clipNorm).toBeGreaterThan(10 * before); // every norm was above the clip: it grows
  });

  it('wraps a stateful server optimiser too (FedAdam sees the privatised mean)', () => {
    const dp = new DpStrategy(new FedAdam({ eta: 0.1 }), {
      clipNorm: 1,
      noiseMultiplier: 0,
      expectedClients: 3,
      rng: seededRng(1),
    });
    const out = dp.aggregate(1, updates, f32([0, 0]));
    expect(out.weights[0]).toBeGreaterThan(0.05);
    expect(out.weights[1]).toBeGreaterThan(0.05);
  });
});

describe('DP for secure aggregation (distributed noise)', () => {
  it('each client adds z·C/√t so that t clients together carry z·C', () => {
    expect(secAggNoiseStd(1, 2, 4)).toBe(1);
    const rng = seededRng(11);
    const dim = 10_000;
    const sum = new Float64Array(dim);
    for (let k = 0; k < 4; k++) {
      const noised = privatizeForSecAgg(
        new Float32Array(dim),
        { clipNorm: 2, noiseMultiplier: 1, minContributors: 4 },
        rng,
      );
      for (let i = 0; i < dim; i++) sum[i]! += noised[i]!;
    }
    expect(std(sum) / 2).toBeCloseTo(1, 1);
  });
});
