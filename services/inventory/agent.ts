/**
 * The inventory agent's domain: hard eligibility → policy predictions →
 * shortlist. Pure and synchronous given the catalogue, the policy and `nowMs`,
 * so one proposal always uses one catalogue and one policy version.
 *
 * Rounds: the broker lists every creative already proposed (or rejected by
 * the objective agent) in `excludeCreatives`; those are skipped, so each
 * round's shortlist brings new candidates until `exhausted`.
 *
 * With an offer policy (learning/offer-policy.ts, trained from the shared
 * reward) the agent ranks a pool of `pool` × the shortlist size the same way
 * and offers the shortlist size of it that the policy's logits put first,
 * from the candidates' own predictions and terms; the proposal's model
 * version is then `<policy>+<offer policy>`.
 */
import { JoinedVersion, type ModelHolder } from '../../learning/artifacts';
import { OfferModel } from '../../learning/offer-policy';
import type { Catalogue } from '../common/catalogue/types';
import type { UtilityWeights } from '../common/config';
import type { Candidate, Proposal, ProposeInput } from '../common/domain/types';
import { type Supply, SupplyIndex, walkEligible } from './eligibility';
import {
  CreativeFeatureTable,
  contextFeatures,
  POLICY_FEATURE_COUNT,
  type Policy,
  type PolicyHolder,
  type Prediction,
} from './policy';
import { candidateScore, idRanks, impressionPriceMicros, TopK } from './shortlist';

/**
 * At most this many removals travel in a proposal (all are counted): as
 * many as an explanation can show as runners-up (explain.ts MAX_RUNNERS_UP).
 * More would only make every proposal, and every decision record, larger.
 */
export const REMOVED_CAP = 10;

export interface InventoryProposal extends Proposal {
  /** Every hard-eligibility removal, including those beyond REMOVED_CAP. */
  removedTotal: number;
}

/** No offer policy (yet): the agent offers its supervised shortlist. */
export const NO_OFFER = { version: 'offer-none' } as const;

/** The offer policy in use, or NO_OFFER. */
export type OfferInUse = OfferModel | typeof NO_OFFER;

export interface InventoryAgentOptions {
  /** The catalogue in use now (e.g. a watcher's `current`). */
  catalogue: () => Catalogue;
  policy: PolicyHolder;
  weights: UtilityWeights;
  revenueScaleMicros: number;
  removedCap?: number;
  /**
   * Called with the policy features of every proposed candidate, so an
   * online learner can join them with the outcomes reported later. The
   * vector is the agent's scratch: copy it to keep it.
   */
  remember?: (requestId: string, creativeId: string, features: Float32Array) => void;
  /** The offer policy (services/inventory/offer.ts watchOfferPolicy); absent = the shortlist as ranked. */
  offer?: ModelHolder<OfferInUse> | null;
}

/** What a proposal needs of one catalogue version, worked out once. */
interface Prepared {
  catalogue: Catalogue;
  index: SupplyIndex;
  features: CreativeFeatureTable;
  idRank: Int32Array;
}

export class InventoryAgent {
  private prepared: Prepared | null = null;
  // Scratch for one proposal at a time (propose is synchronous).
  private readonly x = new Float32Array(POLICY_FEATURE_COUNT);
  private readonly prediction: Prediction = { pSkip: 0, pComplete: 0, pEngage: 0 };
  private readonly top = new TopK();
  private readonly version = new JoinedVersion();

  constructor(private readonly opts: InventoryAgentOptions) {}

  get modelVersion(): string {
    return this.opts.policy.version;
  }

  propose(input: ProposeInput, nowMs: number): InventoryProposal {
    // One catalogue and one policy for the whole proposal, even if either is
    // swapped while it runs.
    const { index, features, idRank } = this.prepare(this.opts.catalogue());
    const policy: Policy = this.opts.policy.current();
    const offerInUse = this.opts.offer?.current();
    const offer = offerInUse instanceof OfferModel ? offerInUse : null;
    const { weights, revenueScaleMicros } = this.opts;
    const { supplies } = index;
    const { context } = input;
    const x = contextFeatures(context, input.slot, this.x);
    const row = features.scenarioRow(context.scenario);
    const scratch = this.prediction;
    // No more can be kept than the catalogue has (and eligible ≤ that, so `exhausted` reads the same).
    // With an offer policy: the pool it chooses the shortlist from.
    const ranked = offer ? offer.poolSize(input.shortlistSize) : input.shortlistSize;
    const k = Math.max(1, Math.min(ranked, supplies.length));
    const top = this.top.reset(k);
    let eligibleTotal = 0;
    const removals = walkEligible(index, input, nowMs, this.opts.removedCap ?? REMOVED_CAP, (i) => {
      eligibleTotal++;
      const { campaign } = supplies[i]!;
      const prediction = policy.predict(features.write(i, row, context, x), scratch);
      const score = candidateScore(
        prediction,
        impressionPriceMicros(campaign.cpmMicros),
        weights,
        revenueScaleMicros,
      );
      top.offer(i, campaign.tier, score, idRank[i]!);
    });
    const candidates: Candidate[] = [];
    // With an offer policy only the offered candidates are remembered (below).
    const remember = offer ? undefined : this.opts.remember;
    for (let r = 0; r < top.size; r++) {
      const i = top.itemAt(r);
      const supply = supplies[i]!;
      features.write(i, row, context, x);
      candidates.push(toCandidate(supply, policy.predict(x), top.scoreAt(r)));
      remember?.(input.requestId, supply.creative.id, x);
    }
    const proposal = {
      candidates,
      removed: removals.removed,
      removedTotal: removals.total,
      modelVersion: policy.version,
      eligibleTotal,
      exhausted: eligibleTotal <= k,
    };
    if (!offer) return proposal;

    // The offer: the shortlist size of the pool, by the offer policy's logits.
    const picks = offer.choose(candidates, input.shortlistSize, revenueScaleMicros);
    const offered = picks.length === candidates.length ? candidates : picks.map((r) => candidates[r]!);
    if (this.opts.remember)
      for (const r of picks) {
        const i = top.itemAt(r);
        this.opts.remember(input.requestId, supplies[i]!.creative.id, features.write(i, row, context, x));
      }
    return {
      ...proposal,
      candidates: offered,
      modelVersion: this.version.of(policy.version, offer.version),
      // Exhausted only when the whole pool was offered (and nothing eligible was left beyond it).
      exhausted: proposal.exhausted && offered.length === candidates.length,
    };
  }

  /** The catalogue's index, feature table and id ranks, built when a new version comes into use. */
  private prepare(catalogue: Catalogue): Prepared {
    if (this.prepared?.catalogue !== catalogue) {
      const index = new SupplyIndex(catalogue);
      const creatives = index.supplies.map((s) => s.creative);
      this.prepared = {
        catalogue,
        index,
        features: new CreativeFeatureTable(creatives),
        idRank: idRanks(creatives.map((c) => c.id)),
      };
    }
    return this.prepared;
  }
}

function toCandidate({ creative, campaign, advertiser }: Supply, p: Prediction, score: number): Candidate {
  return {
    creativeId: creative.id,
    campaignId: campaign.id,
    advertiserId: advertiser.id,
    category: advertiser.category,
    durationMs: creative.durationMs,
    priceMicros: impressionPriceMicros(campaign.cpmMicros),
    tier: campaign.tier,
    pSkip: p.pSkip,
    pComplete: p.pComplete,
    pEngage: p.pEngage,
    policyScore: score,
    audioUrl: creative.audioUrl,
    separationCategories: advertiser.separationCategories,
  };
}
