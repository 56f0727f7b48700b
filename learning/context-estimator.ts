/**
 * The context agent's learned receptiveness / skip-risk estimator: a
 * logistic model over the snapshot's feature vector (CONTEXT_FEATURES, from
 * the rules in services/context/assess.ts) predicting that the next ad is
 * skipped, trained on the shared log of served ads. It replaces the rules'
 * skip risk, and receptiveness becomes 1 − that risk (clamped like the rules').
 */

import type { Snapshot } from '../services/common/domain/types';
import { finiteNumbers, modelFile, modelHeader, parseModelJson } from '../services/common/schema';
import { CONTEXT_FEATURES } from '../services/context/assess';
import { logisticWithBias } from './linear';

export const CONTEXT_MODEL_FORMAT = 'parley-context-skip/1';
export const CONTEXT_MODEL_FEATURES = ['bias', ...CONTEXT_FEATURES] as const;

/** Index of skip_risk / receptiveness in the snapshot's feature vector. */
const RECEPT = CONTEXT_FEATURES.indexOf('receptiveness');
const RISK = CONTEXT_FEATURES.indexOf('skip_risk');

export class ContextEstimator {
  readonly weights: Float32Array;
  constructor(
    readonly version: string,
    weights: ArrayLike<number>,
  ) {
    if (weights.length !== CONTEXT_MODEL_FEATURES.length)
      throw new Error(`weights: expected ${CONTEXT_MODEL_FEATURES.length}, got ${weights.length}`);
    this.weights = Float32Array.from(weights);
  }

  /** P(the next ad is skipped) from a rules snapshot's features. */
  skipRisk(features: ArrayLike<number>): number {
    return logisticWithBias(this.weights, features);
  }

  /** The snapshot with the learned skip risk and receptiveness (features updated to match). */
  apply(s: Snapshot): Snapshot {
    if (s.features.length !== CONTEXT_FEATURES.length) return s; // a default snapshot: nothing to go on
    const risk = this.skipRisk(s.features);
    const recept = Math.min(0.95, Math.max(0.05, 1 - risk));
    const features = s.features.slice();
    features[RISK] = risk;
    features[RECEPT] = recept;
    return { ...s, skipRisk: risk, receptiveness: recept, features, modelVersion: this.version };
  }

  toJSON() {
    return {
      format: CONTEXT_MODEL_FORMAT,
      version: this.version,
      features: [...CONTEXT_MODEL_FEATURES],
      weights: Array.from(this.weights, (v) => Math.round(v * 1e6) / 1e6),
    };
  }
}

export function parseContextModel(json: string): ContextEstimator {
  const d = parseModelJson(
    json,
    modelFile({
      ...modelHeader(CONTEXT_MODEL_FORMAT, CONTEXT_MODEL_FEATURES),
      weights: finiteNumbers(CONTEXT_MODEL_FEATURES.length),
    }),
  );
  return new ContextEstimator(d.version, Float32Array.from(d.weights));
}
