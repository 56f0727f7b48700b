/**
 * The inventory agent's domain: hard eligibility → policy predictions →
 * shortlist. Pure and synchronous given the catalogue, the policy and `nowMs`,
 * so one proposal always uses one catalogue and one policy version.
 *
 * Rounds: the broker lists every creative already proposed (or rejected by
 * the objective agent) in `excludeCreatives`; those are skipped, so each
 * round's shortlist brings new candidates until `exhausted`.
 */
import type { Catalogue } from '../common/catalogue/types';
import type { UtilityWeights } from '../common/config';
import type { Candidate, Proposal, ProposeInput } from '../common/domain/types';
import { filterEligible } from './eligibility';
import { POLICY_FEATURE_COUNT, type Policy, type PolicyHolder, policyFeatures } from './policy';
import { candidateScore, impressionPriceMicros, type Scored, shortlist } from './shortlist';

/** At most this many removals travel in a proposal; all are counted. */
export const REMOVED_CAP = 50;

export interface InventoryProposal extends Proposal {
  /** Every hard-eligibility removal, including those beyond REMOVED_CAP. */
  removedTotal: number;
}

export interface InventoryAgentOptions {
  /** The catalogue in use now (e.g. a watcher's `current`). */
  catalogue: () => Catalogue;
  policy: PolicyHolder;
  weights: UtilityWeights;
  revenueScaleMicros: number;
  removedCap?: number;
  /**
   * Called with the policy features of every proposed candidate (a copy),
   * so an online learner can join them with the outcomes reported later.
   */
  remember?: (requestId: string, creativeId: string, features: Float32Array) => void;
}

export class InventoryAgent {
  constructor(private readonly opts: InventoryAgentOptions) {}

  get modelVersion(): string {
    return this.opts.policy.version;
  }

  propose(input: ProposeInput, nowMs: number): InventoryProposal {
    // One catalogue and one policy for the whole proposal, even if either is
    // swapped while it runs.
    const catalogue = this.opts.catalogue();
    const policy: Policy = this.opts.policy.current();
    const { eligible, removed } = filterEligible(catalogue, input, nowMs);
    const x = new Float32Array(POLICY_FEATURE_COUNT);
    const scored: Scored[] = eligible.map((supply) => {
      const prediction = policy.predict(policyFeatures(supply.creative, input.context, input.slot, x));
      const priceMicros = impressionPriceMicros(supply.campaign.cpmMicros);
      const score = candidateScore(prediction, priceMicros, this.opts.weights, this.opts.revenueScaleMicros);
      return { supply, prediction, priceMicros, score };
    });
    const list = shortlist(scored, Math.max(1, input.shortlistSize));
    const remember = this.opts.remember;
    if (remember) {
      for (const s of list.top) {
        remember(
          input.requestId,
          s.supply.creative.id,
          policyFeatures(s.supply.creative, input.context, input.slot),
        );
      }
    }
    return {
      candidates: list.top.map(toCandidate),
      removed: removed.slice(0, this.opts.removedCap ?? REMOVED_CAP),
      removedTotal: removed.length,
      modelVersion: policy.version,
      eligibleTotal: list.eligibleTotal,
      exhausted: list.exhausted,
    };
  }
}

function toCandidate(s: Scored): Candidate {
  const { creative, campaign, advertiser } = s.supply;
  return {
    creativeId: creative.id,
    campaignId: campaign.id,
    advertiserId: advertiser.id,
    category: advertiser.category,
    durationMs: creative.durationMs,
    priceMicros: s.priceMicros,
    tier: campaign.tier,
    pSkip: s.prediction.pSkip,
    pComplete: s.prediction.pComplete,
    pEngage: s.prediction.pEngage,
    policyScore: s.score,
    audioUrl: creative.audioUrl,
    separationCategories: advertiser.separationCategories,
  };
}
