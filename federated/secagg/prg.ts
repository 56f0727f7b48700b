/**
 * Mask expansion: a 32-byte seed → a vector of uniform 32-bit words, using
 * AES-256-CTR over zero blocks (a standard PRG). The key is
 * SHA-256(label ‖ seed) so one secret never yields the same stream for two
 * purposes (self-mask vs pairwise mask).
 */
import { createCipheriv, createHash } from 'node:crypto';

export const LABEL_SELF_MASK = 'parley/secagg/v1/self-mask';
export const LABEL_PAIR_MASK = 'parley/secagg/v1/pair-mask';

export function expandMask(seed: Uint8Array, label: string, length: number): Uint32Array {
  if (seed.length < 16) throw new RangeError('mask seed must have at least 128 bits');
  const key = createHash('sha256').update(label).update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const bytes = Buffer.concat([cipher.update(Buffer.alloc(4 * length)), cipher.final()]);
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) out[i] = bytes.readUInt32LE(4 * i);
  return out;
}
