/**
 * Exploration in the broker's choice, with logged propensities.
 *
 * A learner that only ever sees what the greedy ranking served cannot find
 * out that something else would have done better, and off-policy evaluation
 * needs to know how likely each logged choice was. So the ad that leads the
 * pod is drawn, among the candidates the ranking may put first (the best
 * one's pin and priority tier: exploration never breaks a pin or a tier),
 * with probability
 *
 *   (1 − ε) · softmax(utility / τ) + ε / n        (τ = 0: all of 1 − ε on the best)
 *
 * and that probability is logged with the decision (AdPlacement.propensity,
 * the decision record's per-candidate lead probabilities). The rest of the
 * pod follows the ranking. The draw is seeded by the request id, so a
 * replayed request is decided the same way and an explanation can be
 * reproduced.
 */
import { hashSeed, seededRng } from '../common/rng';
import { compareScored, type Scored, tierRank } from './pod';

export interface ExplorationSettings {
  /** Share of uniform exploration over the lead group, 0..1; 0 with τ = 0 = always the best. */
  epsilon: number;
  /** Softmax temperature over utilities; 0 = greedy (argmax). */
  temperature: number;
}

export const NO_EXPLORATION: ExplorationSettings = { epsilon: 0, temperature: 0 };

export interface LeadChoice {
  /** The candidate drawn to lead the pod. */
  lead: Scored;
  /** The probability it had of being drawn. */
  propensity: number;
  /** True when it is not the one the greedy ranking would have put first. */
  explored: boolean;
  /** Every candidate's probability of leading, by creative id (absent = 0). */
  probabilities: Map<string, number>;
}

const sameGroup = (a: Scored, b: Scored) =>
  (a.pinned ?? false) === (b.pinned ?? false) && tierRank(a.candidate.tier) === tierRank(b.candidate.tier);

/** The lead's distribution over `eligible` (any order); [] when there is nothing to choose from. */
export function leadDistribution(
  eligible: readonly Scored[],
  x: ExplorationSettings,
): Array<{ scored: Scored; p: number }> {
  if (eligible.length === 0) return [];
  const ranked = [...eligible].sort(compareScored);
  const best = ranked[0]!;
  const group = ranked.filter((s) => sameGroup(s, best));
  const n = group.length;
  let greedy: number[];
  if (x.temperature > 0) {
    const top = best.terms.utility;
    const e = group.map((s) => Math.exp((s.terms.utility - top) / x.temperature));
    const sum = e.reduce((a, b) => a + b, 0);
    greedy = e.map((v) => v / sum);
  } else greedy = group.map((_, i) => (i === 0 ? 1 : 0));
  return group.map((scored, i) => ({ scored, p: (1 - x.epsilon) * greedy[i]! + x.epsilon / n }));
}

/** Draws the lead for request `requestId`; null when `eligible` is empty. */
export function chooseLead(
  eligible: readonly Scored[],
  x: ExplorationSettings,
  requestId: string,
): LeadChoice | null {
  const dist = leadDistribution(eligible, x);
  if (dist.length === 0) return null;
  let u = seededRng(hashSeed(requestId)).next();
  let k = 0;
  while (k < dist.length - 1 && u >= dist[k]!.p) u -= dist[k++]!.p;
  const { scored, p } = dist[k]!;
  return {
    lead: scored,
    propensity: p,
    explored: k !== 0,
    probabilities: new Map(dist.map((d) => [d.scored.candidate.creativeId, d.p])),
  };
}
