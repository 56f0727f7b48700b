/**
 * Fixed-point encoding of float updates into Z_{2^32} for secure aggregation.
 *
 * A value x is clamped to [−range, range] and encoded as round(x·scale)
 * mod 2^32 (two's complement). Sums are taken mod 2^32 and decoded by reading
 * the 32-bit result as a SIGNED integer and dividing by scale. The scale is
 * chosen so that the sum of up to `maxClients` encoded values cannot leave
 * the int32 range, i.e. the modular sum equals the integer sum exactly:
 *   scale = floor((2^31 − 1 − maxClients) / (maxClients · range))
 *   ⇒ maxClients · (range·scale + ½) < 2^31.
 * Error: each value is off by at most 1/(2·scale) after rounding, so a sum
 * of n values by at most n/(2·scale); values beyond ±range are clipped (pick
 * range ≥ the L2 clip norm, plus headroom for any DP noise, so that clamping
 * never triggers in practice; the `clamped` count says if it did).
 */

export interface FixedPoint {
  /** Values are clamped to [−range, range]. */
  range: number;
  /** Integer scale factor (units per 1.0). */
  scale: number;
  /** The most clients whose sum is guaranteed not to overflow. */
  maxClients: number;
}

export function fixedPointFor(range: number, maxClients: number): FixedPoint {
  if (!(range > 0) || !Number.isFinite(range)) throw new RangeError(`range must be > 0, got ${range}`);
  if (!Number.isSafeInteger(maxClients) || maxClients < 1) {
    throw new RangeError(`maxClients must be a positive integer, got ${maxClients}`);
  }
  const scale = Math.floor((2 ** 31 - 1 - maxClients) / (maxClients * range));
  if (scale < 1) throw new RangeError(`range ${range} × ${maxClients} clients does not fit in 32 bits`);
  return { range, scale, maxClients };
}

export interface Quantized {
  values: Uint32Array;
  /** How many entries were outside [−range, range] and got clamped. */
  clamped: number;
}

export function quantize(values: ArrayLike<number>, fp: FixedPoint): Quantized {
  const out = new Uint32Array(values.length);
  let clamped = 0;
  for (let i = 0; i < values.length; i++) {
    let x = values[i]!;
    if (!Number.isFinite(x)) throw new RangeError(`value[${i}] is not finite`);
    if (x > fp.range) {
      x = fp.range;
      clamped++;
    } else if (x < -fp.range) {
      x = -fp.range;
      clamped++;
    }
    out[i] = Math.round(x * fp.scale); // Uint32Array stores mod 2^32
  }
  return { values: out, clamped };
}

/** The largest |encoded value| of one input: round(range·scale). */
export function maxEncoded(fp: FixedPoint): number {
  return Math.round(fp.range * fp.scale);
}

/**
 * Refuses a mod-2^32 sum of `count` inputs that honest, clamped inputs
 * cannot produce: some coordinate outside ±count·round(range·scale). Under
 * masking this is the only input bound the server can check (it never sees
 * an input), so it catches a wrapped or wildly out-of-range sum, not a
 * client that stays inside the window (see the README's refusal table).
 */
export function checkSumInRange(sum: Uint32Array, count: number, fp: FixedPoint): void {
  const bound = count * maxEncoded(fp);
  for (let i = 0; i < sum.length; i++) {
    const v = sum[i]! | 0;
    if (v > bound || v < -bound) {
      throw new RangeError(
        `sum[${i}] decodes to ${v / fp.scale}, outside ±${count} inputs × range ${fp.range}: some masked input was out of range`,
      );
    }
  }
}

/** Decodes a mod-2^32 sum of encoded values (signed reading). */
export function dequantize(sum: Uint32Array, fp: FixedPoint): Float64Array {
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = (sum[i]! | 0) / fp.scale;
  return out;
}

/** acc += v (mod 2^32), in place. */
export function addMod(acc: Uint32Array, v: Uint32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + v[i]!;
}

/** acc −= v (mod 2^32), in place. */
export function subMod(acc: Uint32Array, v: Uint32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! - v[i]!;
}
