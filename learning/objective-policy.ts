/**
 * The objective agent's learned pacing / bid-multiplier policy: from one
 * campaign's state to the multiplier on its advertiser value,
 *
 *   m = clamp(exp(θ · φ(state)), 0.5, 1.5)        (θ = 0 → 1: no adjustment)
 *
 * φ = [bias, behind the spend curve, behind the KPI, under-delivered,
 * elapsed share of the day]. θ is learned by policy search on the shared
 * reward (sim/experiments/train.ts); the rules' pacing (pace() in
 * services/objective/pacing.ts) still decides throttling, so the policy can
 * move value between campaigns but never spends past a cap.
 */
import { finiteNumbers, modelFile, modelHeader, parseModelJson } from '../services/common/schema';
import { dot } from './linear';

export const OBJECTIVE_MODEL_FORMAT = 'parley-objective-pacing/1';
export const OBJECTIVE_FEATURES = [
  'bias',
  'behind_curve',
  'behind_kpi',
  'under_delivered',
  'day_elapsed',
] as const;
export const MIN_MULTIPLIER = 0.5;
export const MAX_MULTIPLIER = 1.5;
/** Impressions below which a campaign counts as under-delivered (scaled 1 → 0). */
export const DELIVERY_FLOOR = 100;

export interface CampaignState {
  /** The paced period's budget, the ideal spend by now and the spend (micros); budget 0 = unpaced. */
  budgetMicros: number;
  idealMicros: number;
  spendMicros: number;
  /** KPI progress for the goal (1 = on target), services/objective/valuation.ts kpiProgress. */
  kpiProgress: number;
  impressions: number;
  /** Share of the UTC day gone, 0..1. */
  dayElapsed: number;
}

const clip = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function objectiveFeatures(
  s: CampaignState,
  out = new Float32Array(OBJECTIVE_FEATURES.length),
): Float32Array {
  out[0] = 1;
  out[1] = s.budgetMicros > 0 ? clip((s.idealMicros - s.spendMicros) / s.budgetMicros, -1, 1) : 0;
  out[2] = clip(1 - s.kpiProgress, -1, 1);
  out[3] = Math.max(0, 1 - s.impressions / DELIVERY_FLOOR);
  out[4] = clip(s.dayElapsed, 0, 1);
  return out;
}

export class ObjectivePolicy {
  readonly theta: Float32Array;
  private readonly x = new Float32Array(OBJECTIVE_FEATURES.length);
  constructor(
    readonly version: string,
    theta: ArrayLike<number>,
  ) {
    if (theta.length !== OBJECTIVE_FEATURES.length)
      throw new Error(`weights: expected ${OBJECTIVE_FEATURES.length}, got ${theta.length}`);
    this.theta = Float32Array.from(theta);
  }

  multiplier(s: CampaignState): number {
    return this.multiplierOf(objectiveFeatures(s, this.x));
  }

  /** The multiplier for a ready-made feature vector (objectiveFeatures). */
  multiplierOf(phi: ArrayLike<number>): number {
    return clip(Math.exp(dot(this.theta, phi)), MIN_MULTIPLIER, MAX_MULTIPLIER);
  }

  toJSON() {
    return {
      format: OBJECTIVE_MODEL_FORMAT,
      version: this.version,
      features: [...OBJECTIVE_FEATURES],
      weights: Array.from(this.theta, (v) => Math.round(v * 1e6) / 1e6),
    };
  }
}

export const NEUTRAL_OBJECTIVE = new ObjectivePolicy(
  'objective-neutral',
  new Float32Array(OBJECTIVE_FEATURES.length),
);

export function parseObjectiveModel(json: string): ObjectivePolicy {
  const d = parseModelJson(
    json,
    modelFile({
      ...modelHeader(OBJECTIVE_MODEL_FORMAT, OBJECTIVE_FEATURES),
      weights: finiteNumbers(OBJECTIVE_FEATURES.length),
    }),
  );
  return new ObjectivePolicy(d.version, Float32Array.from(d.weights));
}
