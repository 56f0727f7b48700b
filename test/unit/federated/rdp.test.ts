import { describe, expect, it } from 'vitest';
import {
  computeRdp,
  DEFAULT_ORDERS,
  logErfc,
  noiseMultiplierFor,
  OPACUS_ORDERS,
  PrivacyAccountant,
  rdpSampledGaussian,
  rdpToEpsilon,
} from '../../../federated/privacy/rdp';

// Expected values below are copied from the published test files / docs of
// TensorFlow Privacy and Opacus (source named next to each value) and asserted
// to the precision those sources assert or print:
//   assertAlmostEqual(x, y)          -> toBeCloseTo(y, 7)  (|x − y| < 5e-8)
//   assertAlmostEqual(..., places=5) -> toBeCloseTo(y, 5)
//   '{:.3g}' / '%.2f' printed values -> toPrecision(3) / toFixed(2)

// TF_RDP_TEST = tensorflow/privacy tensorflow_privacy/privacy/analysis/rdp_accountant_test.py

/** Mirrors TF Privacy's compute_dp_sgd_privacy: q = b/n, steps = ceil(epochs·n/b). */
function dpSgdEpsilon(
  n: number,
  batch: number,
  z: number,
  epochs: number,
  delta: number,
  options: Parameters<typeof rdpToEpsilon>[3] = 'improved',
  series: 'signed' | 'absolute' = 'signed',
) {
  const steps = Math.ceil((epochs * n) / batch);
  return rdpToEpsilon(
    DEFAULT_ORDERS,
    computeRdp(batch / n, z, steps, DEFAULT_ORDERS, series),
    delta,
    options,
  );
}

describe('logErfc', () => {
  it('matches tabulated erfc values in the body and the far tail', () => {
    // erfc values from Abramowitz & Stegun Table 7.1 / standard tables.
    expect(Math.abs(Math.exp(logErfc(0.5)) / 0.4795001221869535 - 1)).toBeLessThan(1e-13);
    expect(Math.abs(Math.exp(logErfc(1)) / 0.15729920705028513 - 1)).toBeLessThan(1e-13);
    expect(Math.abs(Math.exp(logErfc(2)) / 0.004677734981047266 - 1)).toBeLessThan(1e-13);
    expect(Math.abs(Math.exp(logErfc(3)) / 2.209049699858544e-5 - 1)).toBeLessThan(1e-13);
    expect(Math.abs(Math.exp(logErfc(-1)) / 1.8427007929497148 - 1)).toBeLessThan(1e-14);
    // Far tail: log erfc(x) ≈ −x² − log(x√π) − 1/(2x²) (asymptotic expansion).
    const x = 40;
    expect(logErfc(x)).toBeCloseTo(-x * x - Math.log(x * Math.sqrt(Math.PI)) - 1 / (2 * x * x), 6);
    expect(Number.isFinite(logErfc(40))).toBe(true);
  });

  it('the series and the continued fraction agree where they meet', () => {
    // logErfc switches method at |x| = 2; the two sides must be continuous.
    expect(Math.abs(logErfc(2 - 1e-12) - logErfc(2))).toBeLessThan(1e-10);
    expect(Math.abs(logErfc(-2 + 1e-12) - logErfc(-2))).toBeLessThan(1e-10);
  });
});

describe('computeRdp (sampled Gaussian mechanism)', () => {
  it('q = 0 costs nothing; q = 1 is the plain Gaussian α/(2σ²)', () => {
    // TF_RDP_TEST test_compute_rdp_no_data: compute_rdp(0, 10, 1, 20) == 0
    expect(computeRdp(0, 10, 1, [20])).toEqual([0]);
    // TF_RDP_TEST test_compute_rdp_no_sampling: compute_rdp(1, 10, 1, 20) == 0.1
    expect(computeRdp(1, 10, 1, [20])[0]).toBeCloseTo(0.1, 15);
  });

  it('integer order: compute_rdp(0.1, 2, 10, 5) = 0.07737', () => {
    // TF_RDP_TEST test_compute_rdp_scalar: assertAlmostEqual(rdp, 0.07737, places=5)
    expect(computeRdp(0.1, 2, 10, [5])[0]).toBeCloseTo(0.07737, 5);
  });

  it('fractional and integer orders: compute_rdp(0.01, 2.5, 50, [...])', () => {
    // TF_RDP_TEST test_compute_rdp_sequence (delta=1e-5)
    const expected = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307, Number.POSITIVE_INFINITY];
    const got = computeRdp(0.01, 2.5, 50, [1.5, 2.5, 5, 50, 100, Number.POSITIVE_INFINITY]);
    for (let i = 0; i < 5; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThanOrEqual(1e-5);
    expect(got[5]).toBe(Number.POSITIVE_INFINITY);
  });

  it('is monotone in q and σ and linear in steps', () => {
    const a = rdpSampledGaussian(0.01, 1, 8);
    expect(rdpSampledGaussian(0.02, 1, 8)).toBeGreaterThan(a);
    expect(rdpSampledGaussian(0.01, 2, 8)).toBeLessThan(a);
    expect(computeRdp(0.01, 1, 7, [8])[0]).toBeCloseTo(7 * a, 12);
  });

  it('rejects nonsense parameters', () => {
    expect(() => computeRdp(1.5, 1, 1, [2])).toThrow(/q/);
    expect(() => computeRdp(0.1, -1, 1, [2])).toThrow(/noise multiplier/);
    expect(() => computeRdp(0.1, 1, 1, [1])).toThrow(/orders/);
    expect(() => computeRdp(0.1, 1, -1, [2])).toThrow(/steps/);
  });
});

describe('rdpToEpsilon', () => {
  it('improved conversion (default): constant RDP 1.1 on orders 2..32 gives ε = 1.32783806176 at order 32', () => {
    const orders = Array.from({ length: 31 }, (_, i) => i + 2);
    const spent = rdpToEpsilon(
      orders,
      orders.map(() => 1.1),
      1e-5,
    );
    // TF_RDP_TEST test_get_privacy_spent_check_target_delta: eps 1.32783806176, opt_order 32
    expect(spent.epsilon).toBeCloseTo(1.32783806176, 7);
    expect(spent.order).toBe(32);
  });

  it('improved conversion: the Gaussian with σ = 4.530877117 is exactly (1, 1e-6)-DP on a fine order grid', () => {
    const orders = Array.from({ length: 99_000 }, (_, i) => 0.001 * (i + 1000)).filter((a) => a > 1);
    const rdp = computeRdp(1, 4.530877117, 1, orders);
    // TF_RDP_TEST test_get_privacy_spent_check_target_delta (second part): assertAlmostEqual(eps, 1)
    expect(rdpToEpsilon(orders, rdp, 1e-6).epsilon).toBeCloseTo(1, 7);
  });

  it('classic conversion reproduces the pre-2020 composition figure; improved is tighter', () => {
    const orders = [1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 64, 256];
    const a = computeRdp(1e-4, 0.4, 40_000, orders);
    const b = computeRdp(0.1, 2, 100, orders);
    const rdp = a.map((v, i) => v + b[i]!);
    const classic = rdpToEpsilon(orders, rdp, 1e-5, 'classic');
    // TF_RDP_TEST test_check_composition: "These tests use the old RDP -> approx DP
    // conversion: assertAlmostEqual(eps, 8.509656, places=5); assertEqual(opt_order, 2.5)"
    expect(classic.epsilon).toBeCloseTo(8.509656, 5);
    expect(classic.order).toBe(2.5);
    // ... "But these still provide an upper bound": assertLessEqual(eps, 8.509656)
    const improved = rdpToEpsilon(orders, rdp, 1e-5);
    expect(improved.epsilon).toBeLessThanOrEqual(8.509656);
    expect(improved.epsilon).toBeLessThan(classic.epsilon - 0.5);
  });

  it('KL shortcut: negligible RDP gives ε = 0 under the improved bound', () => {
    expect(rdpToEpsilon([2, 4], [1e-14, 2e-14], 1e-5).epsilon).toBe(0);
  });

  it('rejects bad δ and mismatched inputs', () => {
    expect(() => rdpToEpsilon([2], [1], 0)).toThrow(/delta/);
    expect(() => rdpToEpsilon([2, 3], [1], 1e-5)).toThrow(/same length/);
  });
});

describe('published DP-SGD figures (end to end)', () => {
  // tensorflow/privacy tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py
  // test_compute_dp_sgd_privacy: (n, batch, noise, epochs, delta, expected_eps, expected_order),
  // assertAlmostEqual(eps, expected_eps); assertEqual(order, expected_order).
  it.each([
    ['Test0', 60_000, 150, 1.3, 15, 1e-5, 0.7242234026109595, 19],
    ['Test1', 100_000, 100, 1.0, 30, 1e-7, 1.4154988495444842, 13],
  ] as const)('compute_dp_sgd_privacy_test %s', (_name, n, b, z, e, d, eps, order) => {
    const spent = dpSgdEpsilon(n, b, z, e, d);
    expect(spent.epsilon).toBeCloseTo(eps, 7);
    expect(spent.order).toBe(order);
  });

  it('compute_dp_sgd_privacy_test Test2 (fractional optimal order 1.25): matches dp_accounting with the absolute series', () => {
    // Same file, ('Test2', 100000000, 1024, 0.1, 10, 1e-7, 5907982.3113978775, 1.25).
    // Today's TF Privacy delegates to dp_accounting, which sums |C(α, i)| for
    // fractional α; with series 'absolute' we reproduce it to 7 decimals.
    const abs = dpSgdEpsilon(100_000_000, 1024, 0.1, 10, 1e-7, 'improved', 'absolute');
    expect(abs.epsilon).toBeCloseTo(5907982.3113978775, 7);
    expect(abs.order).toBe(1.25);
    // The exact signed series is (slightly) smaller, never larger.
    const signed = dpSgdEpsilon(100_000_000, 1024, 0.1, 10, 1e-7);
    expect(signed.epsilon).toBeLessThanOrEqual(abs.epsilon);
    expect(signed.epsilon / abs.epsilon - 1).toBeGreaterThan(-1e-9);
  });

  it('Opacus RDPAccountant: σ = 1.5, q = 0.04, 2250 steps, δ = 1e-5 → ε = 7.32911117143', () => {
    // pytorch/opacus opacus/tests/accountants_test.py test_rdp_accountant:
    // steps = int(90 / 0.04); assertAlmostEqual(epsilon, 7.32911117143)
    const acc = new PrivacyAccountant({ orders: OPACUS_ORDERS });
    acc.step(0.04, 1.5, Math.trunc(90 / 0.04));
    expect(acc.epsilon(1e-5)).toBeCloseTo(7.32911117143, 7);
  });

  it('calibration asks more noise for more rounds, a higher rate or a smaller ε', () => {
    const z = (targetEpsilon: number, samplingRate: number, rounds: number) =>
      noiseMultiplierFor({ targetEpsilon, delta: 1e-5, samplingRate, rounds });
    expect(z(8, 0.04, 2249)).toBeGreaterThan(z(8, 0.04, 1000));
    expect(z(8, 0.08, 1000)).toBeGreaterThan(z(8, 0.04, 1000));
    expect(z(2, 0.04, 1000)).toBeGreaterThan(z(8, 0.04, 1000));
  });

  it('a calibrated z meets its target ε, and within the tolerance', () => {
    for (const [targetEpsilon, q, rounds] of [
      [1, 0.01, 100],
      [8, 0.1, 150],
      [3, 1, 10],
    ] as const) {
      const z = noiseMultiplierFor({ targetEpsilon, delta: 1e-5, samplingRate: q, rounds, tolerance: 0.01 });
      const acc = new PrivacyAccountant();
      acc.step(q, z, rounds);
      expect(acc.epsilon(1e-5)).toBeLessThanOrEqual(targetEpsilon);
      expect(acc.epsilon(1e-5)).toBeGreaterThan(targetEpsilon - 0.01);
    }
    expect(() =>
      noiseMultiplierFor({ targetEpsilon: 0, delta: 1e-5, samplingRate: 0.1, rounds: 10 }),
    ).toThrow(/target ε/);
    expect(() => noiseMultiplierFor({ targetEpsilon: 1, delta: 1e-5, samplingRate: 0.1, rounds: 0 })).toThrow(
      /rounds/,
    );
  });

  it('TF Privacy MNIST CLI example: n=60000, batch 256, σ=1.1, 60 epochs, δ=1e-5 → eps = 3.01 (classic bound)', () => {
    // tensorflow/privacy tutorials/README.md (2019 revision, "Using Command-Line
    // Interface for Privacy Budgeting"): "compute_dp_sgd_privacy.py --N=60000
    // --batch_size=256 --noise_multiplier=1.1 --epochs=60 --delta=1e-5 ...
    // satisfies differential privacy with eps = 3.01" (printed with '{:.3g}').
    // That script then used get_privacy_spent's classic conversion.
    expect(dpSgdEpsilon(60_000, 256, 1.1, 60, 1e-5, 'classic').epsilon.toPrecision(3)).toBe('3.01');
    // tensorflow/privacy tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy.py
    // (docstring): "--noise_multiplier=1.12 --epochs=60 ... satisfies (2.92, 1e-5)-DP."
    expect(dpSgdEpsilon(60_000, 256, 1.12, 60, 1e-5, 'classic').epsilon.toPrecision(3)).toBe('2.92');
    // The improved bound is strictly better on the same run.
    expect(dpSgdEpsilon(60_000, 256, 1.1, 60, 1e-5).epsilon).toBeLessThan(2.7);
  });

  it('TF Privacy mnist_dpsgd_tutorial.py printed epsilons (classic bound, Opacus-style orders)', () => {
    // The tutorial's compute_epsilon: orders = [1 + x/10 for x in 1..99] + range(12, 64),
    // q = 256/60000, steps = epoch · (60000 // 256), printed with '%.2f'.
    const tutorial = (z: number, epochs: number) =>
      rdpToEpsilon(
        OPACUS_ORDERS,
        computeRdp(256 / 60_000, z, epochs * Math.floor(60_000 / 256), OPACUS_ORDERS),
        1e-5,
        'classic',
      ).epsilon.toFixed(2);
    // tensorflow/privacy tutorials/README.md (2019 revision) "Expected Output" and table:
    expect(tutorial(1.1, 1)).toBe('1.03');
    expect(tutorial(1.1, 2)).toBe('1.11');
    expect(tutorial(1.1, 60)).toBe('3.01');
    expect(tutorial(1.3, 15)).toBe('1.19');
    expect(tutorial(0.7, 45)).toBe('7.10');
    // tensorflow/privacy tutorials/README.md (commit 047e1eef) "Expected Output" and table:
    expect(tutorial(1.12, 1)).toBe('1.00');
    expect(tutorial(1.12, 2)).toBe('1.04');
    expect(tutorial(1.12, 60)).toBe('2.92');
    expect(tutorial(1.2, 10)).toBe('1.20');
  });
});

describe('PrivacyAccountant', () => {
  it('composes rounds: many one-step rounds equal one many-step round', () => {
    const a = new PrivacyAccountant();
    for (let i = 0; i < 100; i++) a.step(0.01, 1.1);
    const b = new PrivacyAccountant();
    b.step(0.01, 1.1, 100);
    expect(a.epsilon(1e-5)).toBeCloseTo(b.epsilon(1e-5), 10);
    expect(a.rounds).toBe(100);
  });

  it('reports ε per round and cumulatively (non-decreasing, last = total)', () => {
    const acc = new PrivacyAccountant();
    acc.step(0.05, 1.0, 10);
    acc.step(0.05, 1.0, 10);
    acc.step(0.1, 0.8, 5); // a costlier round
    const report = acc.report(1e-5);
    expect(report.rounds).toHaveLength(3);
    expect(report.rounds[0]!.epsilon).toBeCloseTo(report.rounds[1]!.epsilon, 12);
    expect(report.rounds[0]!.cumulativeEpsilon).toBeCloseTo(report.rounds[0]!.epsilon, 12);
    for (let i = 1; i < 3; i++) {
      expect(report.rounds[i]!.cumulativeEpsilon).toBeGreaterThan(report.rounds[i - 1]!.cumulativeEpsilon);
    }
    expect(report.rounds[2]!.cumulativeEpsilon).toBeCloseTo(report.epsilon, 12);
    // Composition beats naive summation of per-round epsilons.
    const naive = report.rounds.reduce((s, r) => s + r.epsilon, 0);
    expect(report.epsilon).toBeLessThan(naive);
    expect(report.delta).toBe(1e-5);
  });

  it('heterogeneous rounds add their RDP curves', () => {
    const acc = new PrivacyAccountant();
    acc.step(0.01, 2, 3);
    acc.step(0.1, 1, 2);
    const expected = computeRdp(0.01, 2, 3, DEFAULT_ORDERS).map(
      (v, i) => v + computeRdp(0.1, 1, 2, DEFAULT_ORDERS)[i]!,
    );
    acc.rdp().forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 12);
    });
  });

  it('an empty accountant has spent nothing', () => {
    expect(new PrivacyAccountant().epsilon(1e-5)).toBe(0);
  });
});
