import { beforeAll, describe, expect, it } from 'vitest';
import { logisticWithBias, mlpForward } from '../../../learning/linear';
import { initTf, type Tf } from '../../../learning/tf';
import { tfLogistic, tfMlp, trainLogistic } from '../../../learning/train';
import { seededRng } from '../../../services/common/rng';
import { LogisticPolicy, POLICY_FEATURE_COUNT } from '../../../services/inventory/policy';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await initTf({ prefer: 'wasm' }));
});

function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  const rng = seededRng(seed);
  return Float32Array.from({ length: rows * cols }, () => rng.next() * 2 - 1);
}

describe('typed-array forward passes match tfjs', () => {
  it('logistic: the inventory policy scores exactly what tfjs computes from the same weights', () => {
    const rows = 200;
    const cols = POLICY_FEATURE_COUNT;
    const x = randomMatrix(rows, cols, 1);
    const w = randomMatrix(1, cols, 2).map((v) => v * 3);
    const expected = tfLogistic(tf, { x, rows, cols }, w);
    const policy = new LogisticPolicy('t', { skip: w, complete: w, engage: w });
    for (let r = 0; r < rows; r++) {
      const row = x.subarray(r * cols, (r + 1) * cols);
      expect(policy.predict(row).pSkip).toBeCloseTo(expected[r]!, 5);
      // The bias-first variant (context estimator) on the same numbers.
      expect(logisticWithBias(w, row.subarray(1))).toBeCloseTo(
        1 / (1 + Math.exp(-(w[0]! + row.subarray(1).reduce((s, v, i) => s + v * w[i + 1]!, 0)))),
        5,
      );
    }
  });

  it('MLP: the monolithic model forward pass equals tfjs dense → relu → dense', () => {
    const inputs = 17;
    const hidden = 9;
    const rows = 100;
    const m = {
      inputs,
      hidden,
      w1: randomMatrix(inputs, hidden, 3),
      b1: randomMatrix(1, hidden, 4),
      w2: randomMatrix(hidden, 1, 5),
      b2: 0.3,
    };
    const x = randomMatrix(rows, inputs, 6);
    const expected = tfMlp(tf, { x, rows, cols: inputs }, m);
    for (let r = 0; r < rows; r++)
      expect(mlpForward(m, x.subarray(r * inputs, (r + 1) * inputs))).toBeCloseTo(expected[r]!, 4);
  });
});

describe('trainLogistic', () => {
  it('recovers the weights that generated the labels, deterministically', async () => {
    const rows = 2000;
    const cols = 4;
    const rng = seededRng(9);
    const truth = [-0.5, 2, -1.5, 0.8];
    const x = new Float32Array(rows * cols);
    const y = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      x[r * cols] = 1;
      for (let c = 1; c < cols; c++) x[r * cols + c] = rng.next() * 2 - 1;
      const z = truth.reduce((s, w, c) => s + w * x[r * cols + c]!, 0);
      y[r] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    }
    const opts = { steps: 150, learningRate: 0.1, l2: 0 };
    const a = await trainLogistic(tf, { x, rows, cols }, y, 1, opts);
    const b = await trainLogistic(tf, { x, rows, cols }, y, 1, opts);
    expect(Array.from(a.weights[0]!)).toEqual(Array.from(b.weights[0]!));
    for (const [i, w] of a.weights[0]!.entries()) expect(Math.abs(w - truth[i]!)).toBeLessThan(0.35);
  });
});
