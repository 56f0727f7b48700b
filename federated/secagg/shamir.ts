/**
 * Shamir t-of-n secret sharing over the prime field GF(p), p = 2^521 − 1 (a
 * Mersenne prime, large enough for 256-bit secrets), with BigInt arithmetic.
 * Shares are points (x, f(x)) of a random degree-(t − 1) polynomial with
 * f(0) = secret, one point per holder (x = the holder's index ≥ 1); any t shares recover the secret by Lagrange
 * interpolation at 0, fewer reveal nothing about it.
 *
 * Reconstruction cost: the Lagrange coefficients at 0 depend only on the
 * x-coordinates used, not on the secret, and in a secure-aggregation round
 * every secret is rebuilt from the same survivors. They are cached per
 * x-coordinate set (a small LRU), so after the first secret each further one
 * costs t multiplications instead of O(t²) plus t modular inversions.
 */

export const PRIME = (1n << 521n) - 1n;
/** Bytes of a field element on the wire (big-endian): ceil(521 / 8). */
export const SHARE_BYTES = 66;
const PRIME_BYTES = SHARE_BYTES;

export interface Share {
  /** Evaluation point: the holder's index (≥ 1). */
  x: number;
  y: bigint;
}

export type RandomBytes = (n: number) => Uint8Array;

function mod(a: bigint): bigint {
  const r = a % PRIME;
  return r < 0n ? r + PRIME : r;
}

function bytesToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** Uniform field element by rejection sampling (top byte masked to 521 bits). */
function randomFieldElement(randomBytes: RandomBytes): bigint {
  for (;;) {
    const bytes = Uint8Array.from(randomBytes(PRIME_BYTES));
    bytes[0] = bytes[0]! & 0x01;
    const v = bytesToBigint(bytes);
    if (v < PRIME) return v;
  }
}

function modInverse(a: bigint): bigint {
  let [oldR, r] = [mod(a), PRIME];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('not invertible');
  return mod(oldS);
}

/**
 * Splits `secret` into one share per holder; `points` are the holders'
 * distinct positive integer indices (the x-coordinates).
 */
export function splitSecret(
  secret: Uint8Array,
  points: readonly number[],
  t: number,
  randomBytes: RandomBytes,
): Share[] {
  const n = points.length;
  if (!Number.isInteger(t) || t < 1 || t > n) throw new RangeError(`need 1 <= t <= n, got t=${t}, n=${n}`);
  if (new Set(points).size !== n || points.some((x) => !Number.isSafeInteger(x) || x < 1)) {
    throw new RangeError('share points must be distinct positive integers');
  }
  if (secret.length > 64) throw new RangeError('secret too long for the field');
  const coefficients = [bytesToBigint(secret)];
  for (let j = 1; j < t; j++) coefficients.push(randomFieldElement(randomBytes));
  const shares: Share[] = [];
  for (const x of points) {
    let y = 0n;
    const bx = BigInt(x);
    for (let j = coefficients.length - 1; j >= 0; j--) y = mod(y * bx + coefficients[j]!);
    shares.push({ x, y });
  }
  return shares;
}

/** A share's y as the fixed-width big-endian bytes sent on the wire. */
export function shareValueToBytes(y: bigint): Uint8Array {
  if (y < 0n || y >= PRIME) throw new RangeError('share value is not a field element');
  const out = new Uint8Array(SHARE_BYTES);
  let v = y;
  for (let i = SHARE_BYTES - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Inverse of shareValueToBytes; refuses anything that is not a field element. */
export function shareValueFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length !== SHARE_BYTES)
    throw new RangeError(`a share value has ${SHARE_BYTES} bytes, got ${bytes.length}`);
  const v = bytesToBigint(bytes);
  if (v >= PRIME) throw new RangeError('share value is not a field element');
  return v;
}

/** Lagrange coefficients at 0 per x-coordinate set (insertion-ordered Map used as an LRU). */
const LAGRANGE_CACHE_SIZE = 32;
const lagrangeCache = new Map<string, Map<number, bigint>>();
let lagrangeComputations = 0;

/** How many coefficient sets have been computed (not served from the cache) — for tests and the benchmark. */
export function lagrangeCacheMisses(): number {
  return lagrangeComputations;
}

/** λ_i = Π_{j≠i} x_j / (x_j − x_i) mod p for each x_i (f(0) = Σ λ_i·y_i). */
function lagrangeAtZero(xs: readonly number[]): Map<number, bigint> {
  const key = [...xs].sort((a, b) => a - b).join(',');
  const hit = lagrangeCache.get(key);
  if (hit) {
    lagrangeCache.delete(key);
    lagrangeCache.set(key, hit);
    return hit;
  }
  lagrangeComputations++;
  const coefficients = new Map<number, bigint>();
  for (const x of xs) {
    const xi = BigInt(x);
    let num = 1n;
    let den = 1n;
    for (const other of xs) {
      if (other === x) continue;
      const xj = BigInt(other);
      num = mod(num * -xj);
      den = mod(den * (xi - xj));
    }
    coefficients.set(x, mod(num * modInverse(den)));
  }
  lagrangeCache.set(key, coefficients);
  if (lagrangeCache.size > LAGRANGE_CACHE_SIZE) lagrangeCache.delete(lagrangeCache.keys().next().value!);
  return coefficients;
}

/** Recovers a `length`-byte secret from at least t distinct shares (uses the first t). */
export function combineShares(shares: readonly Share[], t: number, length = 32): Uint8Array {
  if (shares.length < t) throw new RangeError(`need ${t} shares to reconstruct, got ${shares.length}`);
  const used = shares.slice(0, t);
  if (new Set(used.map((s) => s.x)).size !== used.length) throw new RangeError('duplicate share points');
  const lambda = lagrangeAtZero(used.map((s) => s.x));
  let secret = 0n;
  for (const s of used) secret += s.y * lambda.get(s.x)!;
  secret = mod(secret);
  const out = new Uint8Array(length);
  let v = secret;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new RangeError('reconstructed value does not fit the secret length');
  return out;
}
