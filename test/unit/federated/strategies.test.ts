import { describe, expect, it } from 'vitest';
import {
  type ClientResult,
  CoordinateMedian,
  FedAdagrad,
  FedAdam,
  FedAvg,
  FedAvgM,
  FedProx,
  FedYogi,
  MultiKrum,
  partitionResults,
  type Strategy,
  TrimmedMean,
  validateUpdate,
} from '../../../federated/aggregator/strategies';
import { gaussian, seededRng } from '../../../services/common/rng';

const f32 = (xs: number[]) => Float32Array.from(xs);
const result = (clientId: string, update: number[] | Float32Array, numExamples = 1): ClientResult => ({
  clientId,
  update: update instanceof Float32Array ? update : f32(update),
  numExamples,
});

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

describe('validateUpdate / partitionResults', () => {
  it('names the problem with each bad update', () => {
    expect(validateUpdate(result('a', [1, 2]), 2)).toBeNull();
    expect(validateUpdate(result('a', [1, 2, 3]), 2)).toBe('update has length 3, expected 2');
    expect(validateUpdate(result('a', [1, Number.NaN]), 2)).toMatch(/update\[1\] is NaN/);
    expect(validateUpdate(result('a', [Number.POSITIVE_INFINITY, 0]), 2)).toMatch(/update\[0\] is Infinity/);
    expect(validateUpdate(result('', [1, 2]), 2)).toBe('clientId is empty');
    expect(validateUpdate(result('a', [1, 2], 0), 2)).toMatch(/numExamples/);
    expect(validateUpdate(result('a', [1, 2], 2.5), 2)).toMatch(/numExamples/);
    expect(
      validateUpdate({ clientId: 'a', update: [1, 2] as unknown as Float32Array, numExamples: 1 }, 2),
    ).toMatch(/Float32Array/);
  });

  it('rejects a second update from the same client', () => {
    const { valid, rejected } = partitionResults([result('a', [1]), result('b', [2]), result('a', [3])], 1);
    expect(valid.map((r) => r.clientId)).toEqual(['a', 'b']);
    expect(rejected).toEqual([{ clientId: 'a', reason: 'duplicate update from this client in the round' }]);
  });
});

describe('client selection (every strategy: Poisson sampling at its fraction)', () => {
  const clients = Array.from({ length: 4000 }, (_, i) => `c${i}`);

  it('selects each client with probability q, the same answer at every join, another draw per round and seed', () => {
    const q = 0.25;
    const s = new FedAvg({ fraction: q, seed: 7 });
    expect(s.samplingRate).toBe(q);
    const round1 = clients.filter((c) => s.selects(1, c));
    // Binomial(4000, 0.25): mean 1000, sd ≈ 27; ±5 sd.
    expect(round1.length).toBeGreaterThan(1000 - 137);
    expect(round1.length).toBeLessThan(1000 + 137);
    expect(clients.filter((c) => s.selects(1, c))).toEqual(round1);
    expect(clients.filter((c) => s.selects(2, c))).not.toEqual(round1);
    expect(clients.filter((c) => new FedAvg({ fraction: q, seed: 8 }).selects(1, c))).not.toEqual(round1);
    expect(clients.filter((c) => new TrimmedMean({ fraction: q, seed: 7 }).selects(1, c))).toEqual(round1);
  });

  it('selects everyone at q = 1 and refuses a fraction outside (0, 1]', () => {
    expect(clients.every((c) => new FedAvg().selects(1, c))).toBe(true);
    expect(() => new FedAvg({ fraction: 0 })).toThrow(/fraction/);
    expect(() => new FedAdam({ fraction: 1.5 })).toThrow(/fraction/);
  });
});

describe('FedAvg', () => {
  it('is the exact sample-weighted mean of the deltas, applied to the current weights', () => {
    const current = f32([1, 2, 3]);
    const out = new FedAvg().aggregate(
      1,
      [result('a', [4, 0, -8], 1), result('b', [0, 8, 0], 3), result('bad', [Number.NaN, 0, 0], 5)],
      current,
    );
    // (1·[4,0,−8] + 3·[0,8,0]) / 4 = [1, 6, −2]
    expect(Array.from(out.weights)).toEqual([2, 8, 1]);
    expect(out.accepted).toEqual(['a', 'b']);
    expect(out.rejected).toEqual([{ clientId: 'bad', reason: 'update[0] is NaN (not finite)' }]);
    expect(Array.from(current)).toEqual([1, 2, 3]); // input untouched
  });

  it('with no valid update returns an unchanged copy', () => {
    const current = f32([1, 2]);
    const out = new FedAvg().aggregate(1, [result('a', [1])], current);
    expect(Array.from(out.weights)).toEqual([1, 2]);
    expect(out.weights).not.toBe(current);
    expect(out.rejected[0]!.reason).toMatch(/length 1, expected 2/);
  });
});

describe('FedAdam', () => {
  it('moves the weights in the direction of the mean delta, accelerating while it persists', () => {
    const eta = 0.05;
    const adam = new FedAdam({ eta });
    const current = f32([0, 0, 0, 0]);
    const updates = [result('a', [1, -2, 0.5, 0]), result('b', [3, -2, 1.5, 0])]; // mean [2, −2, 1, 0]
    const r1 = adam.aggregate(1, updates, current).weights;
    expect(Math.sign(r1[0]!)).toBe(1);
    expect(Math.sign(r1[1]!)).toBe(-1);
    expect(Math.sign(r1[2]!)).toBe(1);
    expect(r1[3]).toBe(0);
    // First step: m = 0.1·g, √v = 0.1·|g| → step ≈ η·sign(g) (τ small).
    expect(r1[0]).toBeCloseTo(eta, 2);
    expect(r1[1]).toBeCloseTo(-eta, 2);
    const r2 = adam.aggregate(2, updates, r1).weights;
    expect(r2[0]! - r1[0]!).toBeGreaterThan(r1[0]! - 0); // momentum: second step is larger
    expect(r2[1]! - r1[1]!).toBeLessThan(r1[1]!);
  });

  it('is stateful per model size', () => {
    const adam = new FedAdam();
    adam.aggregate(1, [result('a', [1, 1])], f32([0, 0]));
    expect(() => adam.aggregate(2, [result('a', [1, 1, 1])], f32([0, 0, 0]))).toThrow(/model size changed/);
  });
});

describe('FedYogi and FedAdagrad (the rest of the FedOpt family)', () => {
  const updates = [result('a', [1, -2, 0.5, 0]), result('b', [3, -2, 1.5, 0])]; // mean [2, −2, 1, 0]

  it('follow their second-moment rules: Adagrad accumulates Δ², Yogi moves v toward Δ² additively', () => {
    const eta = 0.1;
    const tau = 1e-3;
    const g = [2, -2, 1, 0];
    const adagrad = new FedAdagrad({ eta, tau });
    const yogi = new FedYogi({ eta, tau });
    let a: Float32Array = f32([0, 0, 0, 0]);
    let y: Float32Array = f32([0, 0, 0, 0]);
    let m = [0, 0, 0, 0];
    let va = g.map(() => tau * tau);
    let vy = g.map(() => tau * tau);
    for (let round = 1; round <= 3; round++) {
      m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]!);
      va = va.map((v, i) => v + g[i]! ** 2);
      vy = vy.map((v, i) => v - 0.01 * g[i]! ** 2 * Math.sign(v - g[i]! ** 2));
      const expectA = a.map((x, i) => x + (eta * m[i]!) / (Math.sqrt(va[i]!) + tau));
      const expectY = y.map((x, i) => x + (eta * m[i]!) / (Math.sqrt(vy[i]!) + tau));
      a = adagrad.aggregate(round, updates, a).weights;
      y = yogi.aggregate(round, updates, y).weights;
      for (let i = 0; i < 4; i++) {
        expect(a[i]).toBeCloseTo(expectA[i]!, 5);
        expect(y[i]).toBeCloseTo(expectY[i]!, 5);
      }
    }
    // Adagrad's v only grows, so its steps shrink; Yogi's v grows slowly from τ², so its steps stay large.
    expect(Math.abs(y[0]!)).toBeGreaterThan(Math.abs(a[0]!));
  });
});

describe('FedAvgM', () => {
  it('is FedAvg with server momentum: m ← β·m + Δ, x ← x + η·m', () => {
    const s = new FedAvgM({ eta: 0.5, momentum: 0.9 });
    const updates = [result('a', [1, 0], 1), result('b', [3, 2], 3)]; // weighted mean [2.5, 1.5]
    const r1 = s.aggregate(1, updates, f32([0, 0])).weights;
    expect(Array.from(r1)).toEqual([1.25, 0.75]);
    const r2 = s.aggregate(2, updates, r1).weights; // m = 0.9·[2.5, 1.5] + [2.5, 1.5]
    expect(r2[0]).toBeCloseTo(1.25 + 0.5 * 1.9 * 2.5, 6);
    expect(r2[1]).toBeCloseTo(0.75 + 0.5 * 1.9 * 1.5, 6);
    // β = 0, η = 1 is FedAvg.
    const plain = new FedAvgM({ eta: 1, momentum: 0 }).aggregate(1, updates, f32([1, 1])).weights;
    expect(Array.from(plain)).toEqual(Array.from(new FedAvg().aggregate(1, updates, f32([1, 1])).weights));
  });
});

describe('FedProx', () => {
  it('averages as FedAvg and hands μ to the clients through the training plan', () => {
    const s = new FedProx({ mu: 0.1 });
    expect(s.clientPlan).toEqual({ proximalMu: 0.1 });
    const updates = [result('a', [1, 0], 1), result('b', [3, 2], 3)];
    expect(Array.from(s.aggregate(1, updates, f32([0, 0])).weights)).toEqual([2.5, 1.5]);
    expect(() => new FedProx({ mu: -1 })).toThrow(/mu/);
  });
});

describe('robust aggregation against 20% attackers', () => {
  const DIM = 20;
  const N = 10;
  const ATTACKERS = 2;

  function honestUpdates(seed: number): { updates: Float32Array[]; mean: Float64Array } {
    const rng = seededRng(seed);
    const direction = Array.from({ length: DIM }, () => gaussian(rng));
    const updates = Array.from({ length: N - ATTACKERS }, () =>
      Float32Array.from(direction, (d) => d + 0.05 * gaussian(rng)),
    );
    const mean = new Float64Array(DIM);
    for (const u of updates) for (let i = 0; i < DIM; i++) mean[i]! += u[i]! / updates.length;
    return { updates, mean };
  }

  const attacks: Record<string, (honest: Float32Array) => Float32Array> = {
    'sign-flip (×−10)': (h) => Float32Array.from(h, (x) => -10 * x),
    'scaled (×100)': (h) => Float32Array.from(h, (x) => 100 * x),
  };

  const robust: [string, () => Strategy][] = [
    ['coordinate median', () => new CoordinateMedian()],
    ['trimmed mean (β=0.2)', () => new TrimmedMean({ beta: 0.2 })],
    ['Multi-Krum (f=2)', () => new MultiKrum({ byzantine: 2 })],
  ];

  for (const [attackName, attack] of Object.entries(attacks)) {
    it(`${attackName}: robust aggregates stay near the honest mean while FedAvg is pulled away`, () => {
      const { updates, mean } = honestUpdates(42);
      const results = [
        ...updates.map((u, i) => result(`honest-${i}`, u, 100)),
        ...[0, 1].map((i) => result(`attacker-${i}`, attack(updates[i]!), 100)),
      ];
      const current = new Float32Array(DIM);
      const scale = Math.hypot(...mean);

      const avg = new FedAvg().aggregate(1, results, current).weights;
      expect(distance(avg, mean)).toBeGreaterThan(1.5 * scale);

      for (const [name, make] of robust) {
        const out = make().aggregate(1, results, current);
        const d = distance(out.weights, mean);
        expect(d, `${name} distance ${d} vs scale ${scale}`).toBeLessThan(0.1 * scale);
      }
    });
  }

  it('Multi-Krum reports the attackers as not selected', () => {
    const { updates } = honestUpdates(7);
    const results = [
      ...updates.map((u, i) => result(`honest-${i}`, u)),
      ...[0, 1].map((i) => result(`attacker-${i}`, attacks['scaled (×100)']!(updates[i]!))),
    ];
    const out = new MultiKrum({ byzantine: 2 }).aggregate(1, results, new Float32Array(DIM));
    expect(out.accepted).toHaveLength(8);
    expect(out.accepted.every((id) => id.startsWith('honest'))).toBe(true);
    expect(out.rejected.map((r) => r.clientId).sort()).toEqual(['attacker-0', 'attacker-1']);
    expect(out.rejected[0]!.reason).toBe('not selected by Multi-Krum');
  });

  it('Multi-Krum refuses to run with too few updates for its f', () => {
    expect(() =>
      new MultiKrum({ byzantine: 2 }).aggregate(1, [result('a', [1]), result('b', [2])], f32([0])),
    ).toThrow(/needs more than 6/);
  });

  it('median and trimmed mean are exact on small examples', () => {
    const rs = [result('a', [1, 10]), result('b', [2, 20]), result('c', [100, -5]), result('d', [3, 0])];
    expect(Array.from(new CoordinateMedian().aggregate(1, rs, f32([0, 0])).weights)).toEqual([2.5, 5]);
    // β = 0.25, n = 4 → trim 1 from each end: [2, 3] → 2.5 and [0, 10] → 5
    expect(Array.from(new TrimmedMean({ beta: 0.25 }).aggregate(1, rs, f32([0, 0])).weights)).toEqual([
      2.5, 5,
    ]);
    expect(() => new TrimmedMean({ beta: 0.5 })).toThrow(/beta/);
  });
});
