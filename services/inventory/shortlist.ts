/**
 * Ranking eligible creatives into the shortlist the inventory agent proposes:
 * priority tiers first (sponsorship, then standard, then house), then by a
 * score combining the policy's predictions with the price, then by creative
 * id so equal scores rank the same way every time.
 */
import type { UtilityWeights } from '../common/config';
import { TIERS_BY_PRIORITY, type Tier } from '../common/domain/types';
import type { Prediction } from './policy';

const TIER_RANK: Record<Tier, number> = Object.fromEntries(TIERS_BY_PRIORITY.map((t, i) => [t, i])) as Record<
  Tier,
  number
>;

/** One impression's price in integer micros. */
export function impressionPriceMicros(cpmMicros: number): number {
  return Math.floor(cpmMicros / 1000);
}

/**
 * The inventory agent's score of a candidate (reported as policy_score):
 *   w_listener · p_complete · (1 - p_skip) + w_platform · min(1, price / revenueScale)
 * The advertiser term of the joint utility is the objective agent's to judge
 * (it knows goals, KPIs and pacing), so it is left out here.
 */
export function candidateScore(
  p: Prediction,
  priceMicros: number,
  weights: UtilityWeights,
  revenueScaleMicros: number,
): number {
  const listener = p.pComplete * (1 - p.pSkip);
  const revenue = Math.min(1, priceMicros / revenueScaleMicros);
  return weights.listener * listener + weights.platform * revenue;
}

/** Each id's place among `ids` sorted as strings (TopK's idRank): equal scores rank by id. */
export function idRanks(ids: readonly string[]): Int32Array {
  const order = ids.map((_, i) => i).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
  const rank = new Int32Array(ids.length);
  order.forEach((i, r) => {
    rank[i] = r;
  });
  return rank;
}

/**
 * The k best candidates of a proposal, offered one at a time: a partial
 * insertion selection (O(n·k) for the small k of a shortlist, nothing
 * allocated per candidate). Rank order: tier priority, then score (higher
 * first), then creative id, as a number (`idRank`, the id's place in the
 * catalogue's ids sorted as strings) so equal scores rank the same way
 * every time.
 */
export class TopK {
  private k = 0;
  private n = 0;
  private item = new Int32Array(0);
  private tier = new Int32Array(0);
  private score = new Float64Array(0);
  private idRank = new Int32Array(0);

  /** Empties the selection for a new proposal that keeps `k` (≥ 1). */
  reset(k: number): this {
    if (k > this.item.length) {
      this.item = new Int32Array(k);
      this.tier = new Int32Array(k);
      this.score = new Float64Array(k);
      this.idRank = new Int32Array(k);
    }
    this.k = k;
    this.n = 0;
    return this;
  }

  /** How many are kept (at most k). */
  get size(): number {
    return this.n;
  }

  /** The item kept at rank `r` (0 = best). */
  itemAt(r: number): number {
    return this.item[r]!;
  }

  scoreAt(r: number): number {
    return this.score[r]!;
  }

  offer(item: number, tier: Tier, score: number, idRank: number): void {
    const t = TIER_RANK[tier];
    const k = this.k;
    if (this.n === k && !this.before(t, score, idRank, k - 1)) return;
    let r = this.n === k ? k - 1 : this.n++;
    while (r > 0 && this.before(t, score, idRank, r - 1)) {
      this.item[r] = this.item[r - 1]!;
      this.tier[r] = this.tier[r - 1]!;
      this.score[r] = this.score[r - 1]!;
      this.idRank[r] = this.idRank[r - 1]!;
      r--;
    }
    this.item[r] = item;
    this.tier[r] = t;
    this.score[r] = score;
    this.idRank[r] = idRank;
  }

  /** Whether (tier, score, idRank) ranks strictly before the one kept at rank r. */
  private before(tier: number, score: number, idRank: number, r: number): boolean {
    return (tier - this.tier[r]! || this.score[r]! - score || idRank - this.idRank[r]!) < 0;
  }
}
