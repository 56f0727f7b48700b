/**
 * The inventory agent's offer policy as it is deployed: the greedy form of
 * the Plackett–Luce policy trained from the shared reward (shared-rl.ts
 * OfferPolicy). The agent ranks a pool of `pool` × k candidates with its
 * supervised policy and offers the k with the highest logits,
 *
 *   logit_i = θ · z_i − rank_step · i,   z_i = offerFeatures (the candidate's own
 *                                         predictions, price, minutes, tier)
 *
 * best first, ties to the better supervised rank: OfferPolicy.greedy itself,
 * so a published policy offers what it offered in the simulator. A pool no
 * larger than k is offered as it is.
 *
 * File format `parley-inventory-offer/1` (models/offer/<version>.json):
 *
 *   {
 *     "format": "parley-inventory-offer/1",
 *     "version": "offer-shared-rl-3",
 *     "features": [p_skip, p_complete, p_engage, price, duration_min, sponsorship, house],
 *     "weights": [7 numbers],     θ, one per feature
 *     "rank_step": 0.5,           the logit lost per place down the supervised ranking (≥ 0)
 *     "pool": 2                   the pool is this many times the shortlist size (1..4)
 *   }
 */
import { z } from 'zod';
import type { Candidate } from '../services/common/domain/types';
import { finiteNumbers, modelFile, modelHeader, parseModelJson } from '../services/common/schema';
import { OFFER_DIM, OFFER_FEATURES, OFFER_POOL, OfferPolicy, offerFeatures } from './shared-rl';

export const OFFER_MODEL_FORMAT = 'parley-inventory-offer/1';
const MAX_POOL = 4;

type OfferInput = Pick<Candidate, 'pSkip' | 'pComplete' | 'pEngage' | 'priceMicros' | 'durationMs' | 'tier'>;

/** The trained OfferPolicy, deployed: the same object decides, greedily. */
export class OfferModel {
  readonly policy: OfferPolicy;

  constructor(
    readonly version: string,
    theta: ArrayLike<number>,
    rankStep: number,
    /** The pool is this many times the shortlist size. */
    readonly pool: number,
  ) {
    if (theta.length !== OFFER_DIM) throw new Error(`weights: expected ${OFFER_DIM}, got ${theta.length}`);
    if (!(rankStep >= 0)) throw new Error('rank_step: must be ≥ 0');
    if (!Number.isInteger(pool) || pool < 1 || pool > MAX_POOL)
      throw new Error(`pool: must be an integer in [1, ${MAX_POOL}]`);
    this.policy = new OfferPolicy(theta, rankStep);
  }

  /** How many candidates to rank for a shortlist of k. */
  poolSize(k: number): number {
    return this.pool * k;
  }

  /**
   * The indices into `pool` (in supervised-ranking order) of the k offered,
   * best first (OfferPolicy.greedy). A pool of at most k is offered as it is (0, 1, …).
   */
  choose(pool: readonly OfferInput[], k: number, revenueScaleMicros: number): number[] {
    if (pool.length <= k) return pool.map((_, i) => i);
    return this.policy.greedy(
      pool.map((c) => offerFeatures(c, revenueScaleMicros)),
      k,
    );
  }

  toJSON() {
    return {
      format: OFFER_MODEL_FORMAT,
      version: this.version,
      features: [...OFFER_FEATURES],
      weights: Array.from(this.policy.theta),
      rank_step: this.policy.rankStep,
      pool: this.pool,
    };
  }
}

/** The trained Plackett–Luce policy (shared-rl.ts) as the agent deploys it. */
export function deployOffer(policy: OfferPolicy, version: string): OfferModel {
  return new OfferModel(version, policy.theta, policy.rankStep, OFFER_POOL);
}

/** A `parley-inventory-offer/1` file; an Error names the first bad field. */
export function parseOfferModel(json: string): OfferModel {
  const d = parseModelJson(
    json,
    modelFile({
      ...modelHeader(OFFER_MODEL_FORMAT, OFFER_FEATURES),
      weights: finiteNumbers(OFFER_DIM),
      rank_step: z.number({ error: 'must be a number ≥ 0' }).min(0, 'must be a number ≥ 0'),
      pool: z
        .number({ error: `must be an integer in [1, ${MAX_POOL}]` })
        .int(`must be an integer in [1, ${MAX_POOL}]`)
        .min(1, `must be an integer in [1, ${MAX_POOL}]`)
        .max(MAX_POOL, `must be an integer in [1, ${MAX_POOL}]`),
    }),
  );
  return new OfferModel(d.version, d.weights, d.rank_step, d.pool);
}
