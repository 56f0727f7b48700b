/**
 * The federated model is the inventory agent's LogisticPolicy, flattened into
 * one Float32Array: the skip head, then the complete head, then the engage
 * head, each POLICY_FEATURE_COUNT weights in POLICY_FEATURES order. The
 * aggregator only ever sees this flat vector (and deltas of it).
 */
import {
  BASELINE_WEIGHTS,
  LogisticPolicy,
  type LogisticWeights,
  POLICY_FEATURE_COUNT,
  POLICY_FEATURES,
  POLICY_FILE_FORMAT,
} from '../../services/inventory/policy';

export const HEADS = ['skip', 'complete', 'engage'] as const;
export type Head = (typeof HEADS)[number];

/** Length of the flat parameter vector (3 heads × POLICY_FEATURE_COUNT). */
export const POLICY_VECTOR_LENGTH = HEADS.length * POLICY_FEATURE_COUNT;

/** Offset of a head's first weight in the flat vector. */
export function headOffset(head: Head): number {
  return HEADS.indexOf(head) * POLICY_FEATURE_COUNT;
}

export function weightsToVector(w: LogisticWeights): Float32Array {
  const out = new Float32Array(POLICY_VECTOR_LENGTH);
  for (const head of HEADS) {
    const src = w[head];
    if (src.length !== POLICY_FEATURE_COUNT) {
      throw new RangeError(`heads.${head}: expected ${POLICY_FEATURE_COUNT} weights, got ${src.length}`);
    }
    out.set(Array.from(src), headOffset(head));
  }
  return out;
}

export function vectorToWeights(v: ArrayLike<number>): LogisticWeights {
  if (v.length !== POLICY_VECTOR_LENGTH) {
    throw new RangeError(`policy vector must have ${POLICY_VECTOR_LENGTH} values, got ${v.length}`);
  }
  const head = (h: Head) => Array.from({ length: POLICY_FEATURE_COUNT }, (_, i) => v[headOffset(h) + i]!);
  return { skip: head('skip'), complete: head('complete'), engage: head('engage') };
}

export function baselineVector(): Float32Array {
  return weightsToVector(BASELINE_WEIGHTS);
}

export function vectorToPolicy(version: string, v: ArrayLike<number>): LogisticPolicy {
  return new LogisticPolicy(version, vectorToWeights(v));
}

/** The `parley-policy-logistic/1` weights file for a flat vector (see services/inventory/policy.ts). */
export function policyFileJson(version: string, v: ArrayLike<number>): string {
  const w = vectorToWeights(v);
  return `${JSON.stringify(
    {
      format: POLICY_FILE_FORMAT,
      version,
      features: POLICY_FEATURES,
      heads: { skip: w.skip, complete: w.complete, engage: w.engage },
    },
    null,
    2,
  )}\n`;
}
