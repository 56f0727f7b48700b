/**
 * The context agent's ad-load policy as it is deployed: the greedy form of
 * the softmax policy trained from the shared reward (shared-rl.ts
 * SoftmaxPolicy over AD_LOAD_ACTIONS). From the agent's own snapshot alone
 * it picks the floor on joint utility this break's ads must clear
 * (null = no floor), the broker's minUtility for this decision only.
 *
 * File format `parley-context-ad-load/1` (models/ad-load/<version>.json):
 *
 *   {
 *     "format": "parley-context-ad-load/1",
 *     "version": "ad-load-shared-rl-3",
 *     "features": ["bias", …CONTEXT_FEATURES],   exactly these, in this order
 *     "actions": [null, 0, 0.5, 1],              the floors; null = no floor
 *     "weights": [[…], …]                         one row per action, one weight per feature
 *   }
 *
 * The action is argmax_a softmax(Θ x)_a, x = [1, snapshot.features] (a
 * default snapshot, without features, is the bias alone): the trained
 * SoftmaxPolicy's own greedy choice, so a published policy decides as it did
 * in the simulator. Weights are written at full precision for the same reason.
 */
import { z } from 'zod';
import type { Snapshot } from '../services/common/domain/types';
import { finiteNumbers, modelFile, modelHeader, parseModelJson } from '../services/common/schema';
import { CONTEXT_FEATURES } from '../services/context/assess';
import { AD_LOAD_ACTIONS, AD_LOAD_DIM, SoftmaxPolicy } from './shared-rl';

export const AD_LOAD_MODEL_FORMAT = 'parley-context-ad-load/1';
export const AD_LOAD_MODEL_FEATURES = ['bias', ...CONTEXT_FEATURES] as const;
/** A floor outside this range is a mistake, not a policy (joint utility is a few units at most). */
const FLOOR_LIMIT = 100;
const MAX_ACTIONS = 16;

export class AdLoadPolicy {
  readonly actions: readonly (number | null)[];
  /** The trained policy itself: choose() is its greedy choice, so the mesh decides as the simulator did. */
  readonly policy: SoftmaxPolicy;
  // Scratch for one decision at a time (choose is synchronous).
  private readonly x = new Float64Array(AD_LOAD_DIM);

  constructor(
    readonly version: string,
    actions: readonly (number | null)[],
    theta: ArrayLike<number>,
  ) {
    if (actions.length < 1 || actions.length > MAX_ACTIONS)
      throw new Error(`actions: expected 1..${MAX_ACTIONS}, got ${actions.length}`);
    if (theta.length !== actions.length * AD_LOAD_DIM)
      throw new Error(`weights: expected ${actions.length * AD_LOAD_DIM}, got ${theta.length}`);
    this.actions = [...actions];
    this.policy = new SoftmaxPolicy(actions.length, AD_LOAD_DIM, theta);
  }

  /** K rows of AD_LOAD_DIM. */
  get theta(): Float64Array {
    return this.policy.theta;
  }

  /** The action index for this snapshot (argmax of the softmax, ties to the first). */
  choose(s: Pick<Snapshot, 'features'>): number {
    const { x } = this;
    x.fill(0);
    x[0] = 1;
    if (s.features.length === CONTEXT_FEATURES.length)
      for (let i = 0; i < s.features.length; i++) x[i + 1] = s.features[i]!;
    return this.policy.greedy(x);
  }

  /** The floor on joint utility for this break (null = none). */
  floor(s: Pick<Snapshot, 'features'>): number | null {
    return this.actions[this.choose(s)]!;
  }

  toJSON() {
    const d = AD_LOAD_DIM;
    return {
      format: AD_LOAD_MODEL_FORMAT,
      version: this.version,
      features: [...AD_LOAD_MODEL_FEATURES],
      actions: [...this.actions],
      weights: this.actions.map((_, a) => Array.from(this.theta.subarray(a * d, (a + 1) * d))),
    };
  }
}

/** The trained softmax policy (shared-rl.ts) as the agent deploys it. */
export function deployAdLoad(policy: SoftmaxPolicy, version: string): AdLoadPolicy {
  if (policy.dim !== AD_LOAD_DIM || policy.actions !== AD_LOAD_ACTIONS.length)
    throw new Error('not an ad-load policy (shared-rl.ts adLoadPolicy)');
  return new AdLoadPolicy(version, AD_LOAD_ACTIONS, policy.theta);
}

const floorMessage = `must be null (no floor) or a number in [-${FLOOR_LIMIT}, ${FLOOR_LIMIT}]`;

/** A `parley-context-ad-load/1` file; an Error names the first bad field. */
export function parseAdLoadModel(json: string): AdLoadPolicy {
  const d = parseModelJson(
    json,
    modelFile({
      ...modelHeader(AD_LOAD_MODEL_FORMAT, AD_LOAD_MODEL_FEATURES),
      actions: z
        .array(
          z
            .number({ error: floorMessage })
            .min(-FLOOR_LIMIT, floorMessage)
            .max(FLOOR_LIMIT, floorMessage)
            .nullable(),
          { error: 'must be an array of floors' },
        )
        .min(1, `must list 1..${MAX_ACTIONS} floors`)
        .max(MAX_ACTIONS, `must list 1..${MAX_ACTIONS} floors`),
      weights: z.array(finiteNumbers(AD_LOAD_DIM), { error: 'must be an array of rows, one per action' }),
    }).superRefine((v, ctx) => {
      if (v.weights.length !== v.actions.length)
        ctx.addIssue({
          code: 'custom',
          path: ['weights'],
          message: `expected ${v.actions.length} rows (one per action), got ${v.weights.length}`,
        });
    }),
  );
  return new AdLoadPolicy(d.version, d.actions, d.weights.flat());
}
