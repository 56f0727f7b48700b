/** Shared by the strategies: client selection, update validation, vector maths. */
import { createHash } from 'node:crypto';
import type { AggregateOutcome, ClientResult, Rejection, SelectionOptions, Strategy } from './types';

/**
 * Why an update cannot be aggregated, or null if it can: an empty client id,
 * a non-Float32Array or wrong-length update, a NaN/±Infinity entry, or a
 * sample count that is not a positive integer.
 */
export function validateUpdate(result: ClientResult, expectedLength: number): string | null {
  const shape = validateShape(result, expectedLength);
  if (shape !== null) return shape;
  const u = result.update;
  for (let i = 0; i < u.length; i++) {
    if (!Number.isFinite(u[i]!)) return nonFinite(u, i);
  }
  return null;
}

export function nonFinite(u: Float32Array, i: number): string {
  return `update[${i}] is ${u[i]} (not finite)`;
}

/** validateUpdate without the per-value finiteness scan (for callers that fuse it with their own pass). */
export function validateShape(result: ClientResult, expectedLength: number): string | null {
  if (typeof result.clientId !== 'string' || result.clientId.length === 0) return 'clientId is empty';
  if (!(result.update instanceof Float32Array)) return 'update is not a Float32Array';
  if (result.update.length !== expectedLength) {
    return `update has length ${result.update.length}, expected ${expectedLength}`;
  }
  if (!Number.isSafeInteger(result.numExamples) || result.numExamples <= 0) {
    return `numExamples must be a positive integer, got ${result.numExamples}`;
  }
  return null;
}

/** Splits results into valid ones and rejections (invalid, or a second update from the same client). */
export function partitionResults(
  results: readonly ClientResult[],
  expectedLength: number,
): { valid: ClientResult[]; rejected: Rejection[] } {
  const valid: ClientResult[] = [];
  const rejected: Rejection[] = [];
  const seen = new Set<string>();
  for (const r of results) {
    const reason = validateUpdate(r, expectedLength);
    if (reason !== null) {
      rejected.push({ clientId: String(r.clientId ?? ''), reason });
    } else if (seen.has(r.clientId)) {
      rejected.push({ clientId: r.clientId, reason: 'duplicate update from this client in the round' });
    } else {
      seen.add(r.clientId);
      valid.push(r);
    }
  }
  return { valid, rejected };
}

/** A client's draw in [0, 1) for a round: a keyed hash of (seed, round, client), so re-joining cannot change it. */
export function selectionDraw(seed: number, round: number, clientId: string): number {
  const h = createHash('sha256').update(`${seed}/${round}/${clientId}`).digest();
  return h.readUInt32BE(0) / 4294967296;
}

/**
 * What every strategy shares: Poisson client selection at rate q
 * (`SelectionOptions.fraction`), the sampling a DP accountant assumes.
 */
export abstract class SampledStrategy implements Strategy {
  abstract readonly name: string;
  readonly samplingRate: number;
  private readonly seed: number;

  constructor(selection: SelectionOptions = {}) {
    this.samplingRate = selection.fraction ?? 1;
    this.seed = selection.seed ?? 1;
    if (!(this.samplingRate > 0 && this.samplingRate <= 1)) {
      throw new RangeError(`sampling fraction must be in (0, 1], got ${this.samplingRate}`);
    }
  }

  selects(round: number, clientId: string): boolean {
    return this.samplingRate >= 1 || selectionDraw(this.seed, round, clientId) < this.samplingRate;
  }

  abstract aggregate(
    round: number,
    results: readonly ClientResult[],
    current: Float32Array,
  ): AggregateOutcome;
}

/** current + delta, as a new Float32Array. */
export function applyDelta(current: Float32Array, delta: ArrayLike<number>): Float32Array {
  const out = new Float32Array(current.length);
  for (let i = 0; i < current.length; i++) out[i] = current[i]! + delta[i]!;
  return out;
}

/** Σ wᵢ·uᵢ / Σ wᵢ in float64. */
export function weightedMean(updates: readonly Float32Array[], weights: readonly number[]): Float64Array {
  const dim = updates[0]?.length ?? 0;
  const out = new Float64Array(dim);
  let total = 0;
  for (let k = 0; k < updates.length; k++) {
    const w = weights[k]!;
    total += w;
    const u = updates[k]!;
    for (let i = 0; i < dim; i++) out[i]! += w * u[i]!;
  }
  for (let i = 0; i < dim; i++) out[i]! /= total;
  return out;
}

/** The outcome when nothing could be aggregated: unchanged weights. */
export function unchanged(current: Float32Array, rejected: Rejection[]): AggregateOutcome {
  return { weights: Float32Array.from(current), accepted: [], rejected };
}

/** Squared Euclidean distance. */
export function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/**
 * Applies `reduce` to each coordinate's sorted column of client values
 * (used by the median and the trimmed mean).
 */
export function coordinateWise(
  updates: readonly Float32Array[],
  reduce: (sortedColumn: Float64Array) => number,
): Float64Array {
  const dim = updates[0]?.length ?? 0;
  const out = new Float64Array(dim);
  const column = new Float64Array(updates.length);
  for (let i = 0; i < dim; i++) {
    for (let k = 0; k < updates.length; k++) column[k] = updates[k]![i]!;
    column.sort();
    out[i] = reduce(column);
  }
  return out;
}
