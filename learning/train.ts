/**
 * TensorFlow.js trainers for the learners' small models. Deterministic:
 * weights start from zeros (logistic) or a seeded RNG (MLP), batches are
 * drawn with a seeded RNG, and the optimiser is plain Adam.
 */

import type { Scalar, Tensor2D } from '@tensorflow/tfjs';
import { type Rng, seededRng } from '../services/common/rng';
import type { MlpWeights } from './linear';
import type { Tf } from './tf';

export interface Dataset {
  /** n rows × d columns, row-major. */
  x: Float32Array;
  rows: number;
  cols: number;
}

export interface LogisticOptions {
  steps: number;
  learningRate: number;
  /** L2 penalty on the weights (all columns; the bias column too, lightly). */
  l2: number;
  /** Rows per step; 0 = full batch. */
  batch?: number;
  seed?: number;
  /** Starting weights (heads × cols), e.g. the current model (warm start). */
  init?: Float32Array[];
}

/** Rows `idx` of a row-major matrix. */
function take(m: Float32Array, cols: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * cols);
  for (let r = 0; r < idx.length; r++) out.set(m.subarray(idx[r]! * cols, idx[r]! * cols + cols), r * cols);
  return out;
}

function batchIndex(rng: Rng, rows: number, size: number): Int32Array {
  const idx = new Int32Array(size);
  for (let i = 0; i < size; i++) idx[i] = Math.floor(rng.next() * rows);
  return idx;
}

/**
 * Independent logistic heads over the same inputs: head k predicts
 * P(y[:, k] = 1 | x) = σ(w_k · x). `y` is rows × heads (0/1); `weight`
 * (optional, per row) weighs each row's loss, e.g. 1/propensity.
 * Returns one Float32Array of `cols` weights per head.
 */
export async function trainLogistic(
  tf: Tf,
  data: Dataset,
  y: Float32Array,
  heads: number,
  o: LogisticOptions,
  weight?: Float32Array,
): Promise<{ weights: Float32Array[]; loss: number }> {
  const rng = seededRng(o.seed ?? 1);
  const init = new Float32Array(data.cols * heads);
  o.init?.forEach((w, k) => {
    for (let i = 0; i < w.length; i++) init[i * heads + k] = w[i]!;
  });
  const w = tf.variable(tf.tensor2d(init, [data.cols, heads]));
  const opt = tf.train.adam(o.learningRate);
  const full = !o.batch || o.batch >= data.rows;
  const X = full ? tf.tensor2d(data.x, [data.rows, data.cols]) : null;
  const Y = full ? tf.tensor2d(y, [data.rows, heads]) : null;
  const W = full && weight ? tf.tensor2d(weight, [data.rows, 1]) : null;
  try {
    const lossOf = (xb: Tensor2D, yb: Tensor2D, wb: Tensor2D | null): Scalar =>
      tf.add(
        tf.losses.sigmoidCrossEntropy(yb, tf.matMul(xb, w), wb ?? undefined),
        tf.mul(o.l2, tf.sum(tf.square(w))),
      ) as Scalar;
    for (let step = 0; step < o.steps; step++) {
      tf.tidy(() => {
        if (full) {
          opt.minimize(() => lossOf(X!, Y!, W));
          return;
        }
        const idx = batchIndex(rng, data.rows, o.batch!);
        const xb = tf.tensor2d(take(data.x, data.cols, idx), [idx.length, data.cols]);
        const yb = tf.tensor2d(take(y, heads, idx), [idx.length, heads]);
        const wb = weight ? tf.tensor2d(take(weight, 1, idx), [idx.length, 1]) : null;
        opt.minimize(() => lossOf(xb, yb, wb));
      });
    }
    const last = tf.tidy(
      () =>
        lossOf(
          X ?? tf.tensor2d(data.x, [data.rows, data.cols]),
          Y ?? tf.tensor2d(y, [data.rows, heads]),
          W ?? (weight ? tf.tensor2d(weight, [data.rows, 1]) : null),
        ).dataSync()[0]!,
    );
    const flat = await w.data();
    const weights = Array.from({ length: heads }, (_, k) => {
      const out = new Float32Array(data.cols);
      for (let i = 0; i < data.cols; i++) out[i] = flat[i * heads + k]!;
      return out;
    });
    return { weights, loss: last };
  } finally {
    w.dispose();
    opt.dispose();
    X?.dispose();
    Y?.dispose();
    W?.dispose();
  }
}

export interface MlpOptions {
  hidden: number;
  steps: number;
  learningRate: number;
  batch: number;
  l2: number;
  seed?: number;
}

/** Regression y ≈ MLP(x) (one ReLU hidden layer, mean squared error). */
export async function trainMlp(
  tf: Tf,
  data: Dataset,
  y: Float32Array,
  o: MlpOptions,
): Promise<{ model: MlpWeights; loss: number }> {
  const rng = seededRng(o.seed ?? 1);
  const scale = Math.sqrt(2 / data.cols);
  const w1Init = Float32Array.from({ length: data.cols * o.hidden }, () => (rng.next() * 2 - 1) * scale);
  const w2Init = Float32Array.from(
    { length: o.hidden },
    () => (rng.next() * 2 - 1) * Math.sqrt(1 / o.hidden),
  );
  const w1 = tf.variable(tf.tensor2d(w1Init, [data.cols, o.hidden]));
  const b1 = tf.variable(tf.zeros([o.hidden]));
  const w2 = tf.variable(tf.tensor2d(w2Init, [o.hidden, 1]));
  const b2 = tf.variable(tf.scalar(0));
  const opt = tf.train.adam(o.learningRate);
  try {
    const lossOf = (xb: Tensor2D, yb: Tensor2D): Scalar => {
      const h = tf.relu(tf.add(tf.matMul(xb, w1), b1));
      const out = tf.add(tf.matMul(h, w2), b2);
      return tf.add(
        tf.losses.meanSquaredError(yb, out),
        tf.mul(o.l2, tf.add(tf.sum(tf.square(w1)), tf.sum(tf.square(w2)))),
      ) as Scalar;
    };
    for (let step = 0; step < o.steps; step++) {
      const idx = batchIndex(rng, data.rows, Math.min(o.batch, data.rows));
      tf.tidy(() => {
        const xb = tf.tensor2d(take(data.x, data.cols, idx), [idx.length, data.cols]);
        const yb = tf.tensor2d(take(y, 1, idx), [idx.length, 1]);
        opt.minimize(() => lossOf(xb, yb));
      });
    }
    const last = tf.tidy(
      () =>
        lossOf(tf.tensor2d(data.x, [data.rows, data.cols]), tf.tensor2d(y, [data.rows, 1])).dataSync()[0]!,
    );
    const model: MlpWeights = {
      inputs: data.cols,
      hidden: o.hidden,
      w1: Float32Array.from(await w1.data()),
      b1: Float32Array.from(await b1.data()),
      w2: Float32Array.from(await w2.data()),
      b2: (await b2.data())[0]!,
    };
    return { model, loss: last };
  } finally {
    for (const v of [w1, b1, w2, b2]) v.dispose();
    opt.dispose();
  }
}

/** tfjs's own forward passes, for checking the typed-array ones (tests, bench). */
export function tfLogistic(tf: Tf, data: Dataset, w: Float32Array): Float32Array {
  return tf.tidy(() =>
    tf
      .sigmoid(tf.matMul(tf.tensor2d(data.x, [data.rows, data.cols]), tf.tensor2d(w, [data.cols, 1])))
      .dataSync(),
  ) as Float32Array;
}

export function tfMlp(tf: Tf, data: Dataset, m: MlpWeights): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor2d(data.x, [data.rows, data.cols]);
    const h = tf.relu(tf.add(tf.matMul(x, tf.tensor2d(m.w1, [m.inputs, m.hidden])), tf.tensor1d(m.b1)));
    return tf.add(tf.matMul(h, tf.tensor2d(m.w2, [m.hidden, 1])), m.b2).dataSync();
  }) as Float32Array;
}
