/**
 * Brand lift, as the industry measures recall: a latent brand memory per
 * listener and campaign (hidden), a randomised hold-out (control group) per
 * campaign, and surveys of exposed and held-out listeners whose campaign-level
 * results are published only after a delay. Pure functions and small state
 * holders; the simulator (simulator.ts) drives them with its own random
 * stream, so the other streams never depend on the surveys.
 *
 * Memory of one listener for one campaign, m in [0, 1]:
 *   - decays with half-life `memoryHalfLifeDays` between exposures;
 *   - an exposure adds encoding · q · wear · (1 − m): build-up with
 *     diminishing returns (the (1 − m) factor), q = the exposure's quality
 *     (recallProxy: share heard, fit, distinctiveness, affinity, position);
 *   - wear-out: `freq` counts the listener's recent exposures to the campaign
 *     (each one decays with time constant `wearOutHours`); an exposure heard
 *     when freq ≥ wearOutExposures adds only wearOutFactor^(freq − wearOutExposures + 1)
 *     as much. (Too many exposures also annoy: the simulator's campaign fatigue
 *     and annoyance terms raise skips and shorten sessions.)
 * A survey asks "have you heard of <brand> recently?": yes with probability
 * baseline + (1 − baseline) · m, except that a share `noise` of respondents
 * answers at random.
 */
import { unitHash } from '../services/common/domain/brand-lift';

export interface LiftParams {
  /** Share of listeners held out (the control group) per campaign. */
  holdoutShare: number;
  /** Memory a fully heard exposure of quality 1 adds to a blank memory. */
  encoding: number;
  /** Memory halves in this many days. */
  memoryHalfLifeDays: number;
  /** Recent exposures (decayed count) beyond which an exposure adds less. */
  wearOutExposures: number;
  /** Each exposure beyond wearOutExposures multiplies what it adds by this. */
  wearOutFactor: number;
  /** The recent-exposure count decays with this time constant (hours). */
  wearOutHours: number;
  /** Mean share of unexposed listeners who say yes; each campaign's is within ± baselineSpread of it. */
  baselineAwareness: number;
  baselineSpread: number;
  /** Share of respondents who answer at random (yes with probability 0.5). */
  noise: number;
  /** A survey wave every this many hours from the start of the horizon (and one at its end). */
  surveyEveryHours: number;
  /** A wave's results are published this many hours after it is fielded. */
  surveyDelayHours: number;
  /** Respondents per group (exposed, control), campaign and wave, at most. */
  surveySample: number;
}

export const DEFAULT_LIFT: LiftParams = {
  holdoutShare: 0.1,
  encoding: 0.4,
  memoryHalfLifeDays: 3,
  wearOutExposures: 3,
  wearOutFactor: 0.5,
  wearOutHours: 24,
  baselineAwareness: 0.2,
  baselineSpread: 0.1,
  noise: 0.1,
  surveyEveryHours: 6,
  surveyDelayHours: 6,
  surveySample: 100,
};

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A hash of (seed, listener, campaign) in [0, 1): the same listener stays in (or out of) a campaign's control group (shared with the mesh's hold-outs). */
export { unitHash };

/** Is the listener in the campaign's randomised control group? */
export function isHeldOut(p: LiftParams, seed: number, listener: number, campaignId: string): boolean {
  return unitHash(seed, listener, campaignId) < p.holdoutShare;
}

/** The campaign's awareness without exposure (its brand's prior awareness). */
export function baselineOf(p: LiftParams, seed: number, campaignId: string): number {
  const u = unitHash(seed ^ 0x5bd1e995, 0, campaignId);
  return Math.min(0.95, Math.max(0, p.baselineAwareness + p.baselineSpread * (2 * u - 1)));
}

/** Memory after `dtMs` of decay. */
export function decayed(p: LiftParams, m: number, dtMs: number): number {
  return dtMs > 0 ? m * 0.5 ** (dtMs / (p.memoryHalfLifeDays * DAY_MS)) : m;
}

/** What an exposure heard at recent-exposure count `freq` is worth, relative to a fresh one (1 up to the wear-out point). */
export function wearFactor(p: LiftParams, freq: number): number {
  return freq < p.wearOutExposures ? 1 : p.wearOutFactor ** (freq - p.wearOutExposures + 1);
}

/** Memory after one exposure of quality q (0..1) at recent-exposure count freq. */
export function encode(p: LiftParams, m: number, q: number, freq: number): number {
  const gain = Math.min(1, p.encoding * Math.max(0, q) * wearFactor(p, freq));
  return m + gain * (1 - m);
}

/** Probability of a "yes" from a respondent with memory m (before response noise). */
export function yesProbability(baseline: number, m: number): number {
  return baseline + (1 - baseline) * m;
}

/** One wave's campaign-level result, as a survey vendor publishes it. */
export interface SurveyResult {
  campaignId: string;
  /** 1, 2, … in fielding order per episode; the end-of-horizon wave is the last. */
  wave: number;
  fieldedAtMs: number;
  /** When the result becomes available (fieldedAtMs + delay). */
  publishedAtMs: number;
  exposedN: number;
  exposedYes: number;
  controlN: number;
  controlYes: number;
  /** Yes-rates (NaN for an empty group) and their difference: the lift. */
  exposedRate: number;
  controlRate: number;
  lift: number;
  /** The window the wave covers: the horizon's start up to fielding, and what the campaign delivered in it. */
  windowStartMs: number;
  impressions: number;
  /** Distinct listeners exposed in the window (the ad server's reach count). */
  reach: number;
}

/** Per-listener × campaign memory, recent-exposure counts and exposure flags (flat typed arrays). */
export class BrandMemory {
  readonly memory: Float64Array;
  readonly freq: Float64Array;
  readonly atMs: Float64Array;
  readonly exposed: Uint8Array;
  readonly heldOut: Uint8Array;
  /** Held-out listeners who were shown the campaign anyway: out of its control group. */
  readonly contaminated: Uint8Array;

  constructor(
    readonly params: LiftParams,
    readonly listeners: number,
    readonly campaigns: readonly string[],
    seed: number,
    startMs: number,
  ) {
    const n = listeners * campaigns.length;
    this.memory = new Float64Array(n);
    this.freq = new Float64Array(n);
    this.atMs = new Float64Array(n).fill(startMs);
    this.exposed = new Uint8Array(n);
    this.heldOut = new Uint8Array(n);
    this.contaminated = new Uint8Array(n);
    for (let i = 0; i < listeners; i++)
      campaigns.forEach((id, j) => {
        if (isHeldOut(params, seed, i, id)) this.heldOut[i * campaigns.length + j] = 1;
      });
  }

  index(listener: number, campaign: number): number {
    return listener * this.campaigns.length + campaign;
  }

  /** The campaign ids whose control group the listener is in. */
  heldOutCampaigns(listener: number): string[] {
    const out: string[] = [];
    const base = listener * this.campaigns.length;
    for (let j = 0; j < this.campaigns.length; j++) if (this.heldOut[base + j]) out.push(this.campaigns[j]!);
    return out;
  }

  /** Memory now (decayed), without changing the state. */
  memoryAt(k: number, t: number): number {
    return decayed(this.params, this.memory[k]!, t - this.atMs[k]!);
  }

  /** One exposure of quality q at time t. Returns whether it broke the hold-out. */
  expose(listener: number, campaign: number, q: number, t: number): boolean {
    const p = this.params;
    const k = this.index(listener, campaign);
    const dt = Math.max(0, t - this.atMs[k]!);
    const m = decayed(p, this.memory[k]!, dt);
    const f = this.freq[k]! * Math.exp(-dt / (p.wearOutHours * HOUR_MS));
    this.memory[k] = encode(p, m, q, f);
    this.freq[k] = f + 1;
    this.atMs[k] = Math.max(t, this.atMs[k]!);
    if (this.heldOut[k]) {
      this.contaminated[k] = 1;
      return true;
    }
    this.exposed[k] = 1;
    return false;
  }
}
