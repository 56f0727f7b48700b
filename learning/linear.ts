/**
 * Plain typed-array forward passes for the learned models. These, not tfjs,
 * run per decision: tfjs's per-call overhead dwarfs a dot product over a
 * dozen features (test/unit/learning/linear.test.ts checks they match tfjs).
 */

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function dot(w: ArrayLike<number>, x: ArrayLike<number>, offset = 0): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (w[offset + i] as number) * (x[i] as number);
  return s;
}

/** Logistic regression with the bias as weight 0 and x without it: σ(b + w·x). */
export function logisticWithBias(w: ArrayLike<number>, x: ArrayLike<number>): number {
  return sigmoid((w[0] as number) + dot(w, x, 1));
}

/** A one-hidden-layer perceptron (ReLU), linear output: the monolithic baseline's model. */
export interface MlpWeights {
  inputs: number;
  hidden: number;
  /** inputs × hidden, row-major (input i, unit j at i * hidden + j), as tfjs stores a dense kernel. */
  w1: Float32Array;
  b1: Float32Array;
  /** hidden × 1 */
  w2: Float32Array;
  b2: number;
}

/** Forward pass of one row; `scratch` (length hidden) avoids an allocation per call. */
export function mlpForward(
  m: MlpWeights,
  x: ArrayLike<number>,
  scratch: Float32Array = new Float32Array(m.hidden),
): number {
  const h = scratch;
  for (let j = 0; j < m.hidden; j++) h[j] = m.b1[j] as number;
  for (let i = 0; i < m.inputs; i++) {
    const xi = x[i] as number;
    if (xi === 0) continue;
    const row = i * m.hidden;
    for (let j = 0; j < m.hidden; j++) h[j] = (h[j] as number) + xi * (m.w1[row + j] as number);
  }
  let out = m.b2;
  for (let j = 0; j < m.hidden; j++) {
    const v = h[j] as number;
    if (v > 0) out += v * (m.w2[j] as number);
  }
  return out;
}
