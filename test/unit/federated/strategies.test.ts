import { describe, expect, it } from 'vitest';
import {
  type ClientResult,
  CoordinateMedian,
  FedAdam,
  FedAvg,
  MultiKrum,
  partitionResults,
  planRound,
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

describe('planRound (configure round)', () => {
  const available = Array.from({ length: 20 }, (_, i) => `c${i}`);

  it('samples max(ceil(fraction·n), minClients) distinct clients, deterministically per seed', () => {
    const a = planRound(3, available, seededRng(1), { fraction: 0.25, minClients: 2, config: { epochs: 1 } });
    const b = planRound(3, available, seededRng(1), { fraction: 0.25, minClients: 2, config: { epochs: 1 } });
    expect(a).toEqual(b);
    expect(a.clientIds).toHaveLength(5);
    expect(new Set(a.clientIds).size).toBe(5);
    for (const id of a.clientIds) expect(available).toContain(id);
    expect(a.config).toEqual({ epochs: 1, round: 3 });
    expect(planRound(1, available, seededRng(1), { fraction: 0.01, minClients: 7 }).clientIds).toHaveLength(
      7,
    );
    expect(planRound(1, ['x'], seededRng(1), { minClients: 3 }).clientIds).toEqual(['x']);
    expect(planRound(1, available, seededRng(2), { fraction: 0.25 }).clientIds).not.toEqual(a.clientIds);
  });

  it('rejects a fraction outside (0, 1]', () => {
    expect(() => planRound(1, available, seededRng(1), { fraction: 0 })).toThrow(/fraction/);
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
