/**
 * Brand lift, the parts several places share: the survey wave operators
 * report (objective.proto BrandLiftResult) and the hold-outs.
 *
 * Hold-outs: a randomised control group per campaign, drawn by a
 * hash so that no state is needed and every replica agrees. A listener is in
 * a campaign's control group when the hash of (listener, campaign) falls
 * below the campaign's hold-out share: the same listener is always in (or
 * always out) for a campaign, independently across campaigns. The simulator
 * (sim/lift.ts) draws its control groups with the same hash; the objective
 * agent vetoes a held-out listener's ads of the campaign
 * (REASON_BRAND_LIFT_HOLDOUT). Pure.
 */
import { hashSeed } from '../rng';

/** A hash of (seed, listener, campaign) in [0, 1): uniform, and independent across campaigns. */
export function unitHash(seed: number, listener: number, campaignId: string): number {
  let h = hashSeed(campaignId) ^ Math.imul(seed >>> 0, 0x9e3779b1);
  h = Math.imul(h ^ (listener + 0x7f4a7c15), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Where a listener (a pseudonymous id) falls for a campaign's hold-out, in [0, 1). */
export function holdoutDraw(listenerId: string, campaignId: string): number {
  return unitHash(0, hashSeed(listenerId), campaignId);
}

/** Is the listener in the campaign's control group, given its hold-out share (0 = no hold-out)? */
export function isHeldOut(share: number, listenerId: string, campaignId: string): boolean {
  return share > 0 && holdoutDraw(listenerId, campaignId) < share;
}

/** Who a hold-out is drawn for: the listener when the ad server says who it is, else the session. */
export const holdoutKey = (s: { listenerId?: string; sessionId: string }): string =>
  s.listenerId || s.sessionId;

/** Why a held-out listener does not get a campaign's ads, for people. */
export const holdoutDetail = (campaignId: string, share: number): string =>
  `listener is in campaign ${campaignId}'s brand-lift control group (${Math.round(share * 1000) / 10}% held out)`;

/** One campaign's brand-lift survey wave, as reported (ReportBrandLift) and kept by the objective agent. */
export interface LiftWave {
  campaignId: string;
  /** The vendor's id of the wave: a wave is kept once per (campaignId, waveId). */
  waveId: string;
  exposedN: number;
  /** Yes-rates of the exposed and the control (held-out) respondents, in [0, 1]. */
  exposedRate: number;
  controlN: number;
  controlRate: number;
  /** The campaign's impressions and distinct listeners reached in the survey window. */
  impressions: number;
  reach: number;
  fieldedAtMs: number;
  publishedAtMs: number;
}

/** What keeping a wave did: new, the same figures again (no effect), or other figures for a wave kept before (a correction). */
export type LiftRecordStatus = 'recorded' | 'duplicate' | 'replaced';
