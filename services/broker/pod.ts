/**
 * Pod assembly: which of the eligible candidates fill the ad break.
 *
 * Priority tiers come first (sponsorship, then standard, then house), then
 * joint utility. The pod is filled greedily up to slot.maxAds within
 * slot.maxTotalDurationMs, with competitive separation (no two ads of one
 * advertiser or sharing a separation category). Every candidate left out
 * gets the reason it lost.
 */
import {
  type Candidate,
  type ReasonCode,
  type Slot,
  TIERS_BY_PRIORITY,
  type Tier,
} from '../common/domain/types';
import type { UtilityTerms } from './utility';

/** An eligible candidate with its utility. */
export interface Scored {
  candidate: Candidate;
  terms: UtilityTerms;
  /** A pin override: ranks above every unpinned candidate, whatever its tier. */
  pinned?: boolean;
  /** Added to the utility by boost overrides (already included in terms.utility). */
  boost?: number;
  /** Drawn by exploration to lead the pod (explore.ts): first within its pin and tier group. */
  lead?: boolean;
}

export interface Loser {
  scored: Scored;
  reason: ReasonCode;
  detail: string;
}

export interface Pod {
  /** In pod order (tier, then utility). */
  placed: Scored[];
  losers: Loser[];
}

export function tierRank(t: Tier): number {
  return TIERS_BY_PRIORITY.indexOf(t);
}

/** Pinned first, then tier, then the explored lead, then utility (high first), then creative id for a stable order. */
export function compareScored(a: Scored, b: Scored): number {
  return (
    (b.pinned ? 1 : 0) - (a.pinned ? 1 : 0) ||
    tierRank(a.candidate.tier) - tierRank(b.candidate.tier) ||
    (b.lead ? 1 : 0) - (a.lead ? 1 : 0) ||
    b.terms.utility - a.terms.utility ||
    (a.candidate.creativeId < b.candidate.creativeId
      ? -1
      : a.candidate.creativeId > b.candidate.creativeId
        ? 1
        : 0)
  );
}

function separationKeys(c: Candidate): string[] {
  return c.separationCategories.map((k) => k.toLowerCase());
}

/** Why `c` may not share a pod with `other`, or null when it may. */
function separationClash(c: Candidate, other: Candidate): string | null {
  if (c.advertiserId === other.advertiserId)
    return `same advertiser ${c.advertiserId} as ${other.creativeId}`;
  const theirs = new Set(separationKeys(other));
  const shared = separationKeys(c).find((k) => theirs.has(k));
  return shared === undefined ? null : `shares separation category ${shared} with ${other.creativeId}`;
}

const fmt = (n: number) => n.toFixed(3);

/**
 * Fills the pod from `candidates` (any order). `fixed` are ads already in
 * the pod (e.g. committed in an earlier attempt): they keep their place and
 * count against the limits.
 */
export function assemblePod(candidates: readonly Scored[], slot: Slot, fixed: readonly Scored[] = []): Pod {
  const placed: Scored[] = [...fixed];
  const losers: Loser[] = [];
  let usedMs = fixed.reduce((sum, s) => sum + s.candidate.durationMs, 0);
  const fixedIds = new Set(fixed.map((s) => s.candidate.creativeId));
  const ranked = candidates.filter((s) => !fixedIds.has(s.candidate.creativeId)).sort(compareScored);

  for (const s of ranked) {
    const c = s.candidate;
    const countFull = placed.length >= slot.maxAds;
    const leftMs = slot.maxTotalDurationMs - usedMs;
    if (countFull || c.durationMs > leftMs) {
      const higherTier = placed.find((p) => tierRank(p.candidate.tier) < tierRank(c.tier));
      const pin = s.pinned ? undefined : placed.find((p) => p.pinned);
      if (c.durationMs > slot.maxTotalDurationMs) {
        losers.push({
          scored: s,
          reason: 'REASON_DURATION_TOO_LONG',
          detail: `${c.durationMs} ms is longer than the slot's ${slot.maxTotalDurationMs} ms`,
        });
      } else if (pin) {
        losers.push({
          scored: s,
          reason: 'REASON_OVERRIDE_PINNED',
          detail: `campaign ${pin.candidate.campaignId} is pinned (${pin.candidate.creativeId})`,
        });
      } else if (higherTier) {
        losers.push({
          scored: s,
          reason: 'REASON_LOWER_PRIORITY_TIER',
          detail: `${c.tier} loses to ${higherTier.candidate.tier} ${higherTier.candidate.creativeId}`,
        });
      } else if (countFull && slot.maxAds === 1) {
        const winner = placed[0]!;
        losers.push({
          scored: s,
          reason: 'REASON_OUTRANKED',
          detail: `utility ${fmt(s.terms.utility)} < ${fmt(winner.terms.utility)} of ${winner.candidate.creativeId}`,
        });
      } else {
        losers.push({
          scored: s,
          reason: 'REASON_POD_FULL',
          detail: countFull
            ? `pod already has ${slot.maxAds} ads`
            : `${c.durationMs} ms does not fit in ${leftMs} ms left`,
        });
      }
      continue;
    }
    let clash: string | null = null;
    for (const p of placed) {
      clash = separationClash(c, p.candidate);
      if (clash) break;
    }
    if (clash) {
      losers.push({ scored: s, reason: 'REASON_COMPETITIVE_SEPARATION', detail: clash });
      continue;
    }
    placed.push(s);
    usedMs += c.durationMs;
  }
  placed.sort(compareScored);
  return { placed, losers };
}

export function podUtility(pod: Pod): number {
  return pod.placed.reduce((sum, s) => sum + s.terms.utility, 0);
}
