/**
 * The monolithic baseline: ONE model that sees everything the three agents
 * see together — the context features (CONTEXT_FEATURES), the creative, its
 * campaign's state and the slot — and predicts the shared reward of playing
 * that ad directly (an MLP, trained with TF.js on the same exploration
 * budget as parley's agents). It is what "a single RL policy with the same
 * inputs" means in the evaluation.
 */

import { z } from 'zod';
import type { Campaign, Creative } from '../services/common/catalogue/types';
import type { Slot } from '../services/common/domain/types';
import { finiteNumbers, modelFile, modelHeader, parseModelJson } from '../services/common/schema';
import { CONTEXT_FEATURES } from '../services/context/assess';
import { type MlpWeights, mlpForward } from './linear';
import { type CampaignState, OBJECTIVE_FEATURES, objectiveFeatures } from './objective-policy';

export const MONOLITHIC_FORMAT = 'parley-monolithic-mlp/1';

const VOICES = ['energetic', 'calm', 'conversational', 'announcer'] as const;
const TIERS = ['sponsorship', 'standard', 'house'] as const;
const GOALS = ['awareness', 'conversion', 'engagement'] as const;

export const MONOLITHIC_FEATURES = [
  ...CONTEXT_FEATURES,
  'creative_energy',
  ...VOICES.map((v) => `voice_${v}`),
  'creative_disruptiveness',
  'creative_minutes',
  ...TIERS.map((t) => `tier_${t}`),
  'price_scaled',
  ...GOALS.map((g) => `goal_${g}`),
  ...OBJECTIVE_FEATURES.slice(1).map((f) => `campaign_${f}`),
  'slot_pre',
  'pod_size',
] as const;

/** Builds the monolithic model's input row. */
export function monolithicFeatures(
  contextFeatures: readonly number[],
  creative: Creative,
  campaign: Campaign,
  state: CampaignState,
  slot: Slot,
  revenueScaleMicros: number,
  out = new Float32Array(MONOLITHIC_FEATURES.length),
): Float32Array {
  let k = 0;
  for (let i = 0; i < CONTEXT_FEATURES.length; i++) out[k++] = contextFeatures[i] ?? 0;
  out[k++] = creative.energy;
  for (const v of VOICES) out[k++] = creative.voiceStyle === v ? 1 : 0;
  out[k++] = creative.disruptiveness;
  out[k++] = creative.durationMs / 60_000;
  for (const t of TIERS) out[k++] = campaign.tier === t ? 1 : 0;
  out[k++] = campaign.tier === 'house' ? 0 : Math.floor(campaign.cpmMicros / 1000) / revenueScaleMicros;
  for (const g of GOALS) out[k++] = campaign.goal === g ? 1 : 0;
  const phi = objectiveFeatures(state);
  for (let i = 1; i < phi.length; i++) out[k++] = phi[i]!;
  out[k++] = slot.position === 'pre' ? 1 : 0;
  out[k++] = (slot.maxAds - 1) / 5;
  return out;
}

export class MonolithicModel {
  private readonly scratch: Float32Array;
  constructor(
    readonly version: string,
    readonly mlp: MlpWeights,
  ) {
    if (mlp.inputs !== MONOLITHIC_FEATURES.length)
      throw new Error(`inputs: expected ${MONOLITHIC_FEATURES.length}, got ${mlp.inputs}`);
    this.scratch = new Float32Array(mlp.hidden);
  }

  /** Predicted shared reward of the ad described by `x`. */
  predict(x: Float32Array): number {
    return mlpForward(this.mlp, x, this.scratch);
  }

  toJSON() {
    const r = (a: ArrayLike<number>) => Array.from(a, (v) => Math.round(v * 1e6) / 1e6);
    return {
      format: MONOLITHIC_FORMAT,
      version: this.version,
      features: [...MONOLITHIC_FEATURES],
      hidden: this.mlp.hidden,
      w1: r(this.mlp.w1),
      b1: r(this.mlp.b1),
      w2: r(this.mlp.w2),
      b2: this.mlp.b2,
    };
  }
}

export function parseMonolithicModel(json: string): MonolithicModel {
  const inputs = MONOLITHIC_FEATURES.length;
  const hiddenSize = 'must be an integer in 1..1024';
  const d = parseModelJson(
    json,
    modelFile({
      ...modelHeader(MONOLITHIC_FORMAT, MONOLITHIC_FEATURES),
      hidden: z.number({ error: hiddenSize }).int(hiddenSize).min(1, hiddenSize).max(1024, hiddenSize),
      w1: finiteNumbers(),
      b1: finiteNumbers(),
      w2: finiteNumbers(),
      b2: z.number({ error: 'must be a finite number' }),
    }).superRefine((m, ctx) => {
      // The weights' sizes follow from the hidden layer's.
      for (const [field, length] of [
        ['w1', inputs * m.hidden],
        ['b1', m.hidden],
        ['w2', m.hidden],
      ] as const) {
        if (m[field].length !== length)
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: `expected ${length} numbers, got ${m[field].length}`,
          });
      }
    }),
  );
  return new MonolithicModel(d.version, {
    inputs,
    hidden: d.hidden,
    w1: Float32Array.from(d.w1),
    b1: Float32Array.from(d.b1),
    w2: Float32Array.from(d.w2),
    b2: d.b2,
  });
}
