/**
 * The ground-truth response model. It is HIDDEN from the agents: they only
 * see what the simulator's outcome API reports (skip at an offset, complete,
 * click, a recall proxy). Everything here is a pure function of its inputs;
 * the simulator draws the random outcome from these probabilities.
 */
import type { Creative } from '../services/common/catalogue/types';
import type { Device } from '../services/common/domain/types';
import { clamp } from './random';

export interface ResponseParams {
  /** Skip log-odds of a well-fitting, gentle, fresh 30 s ad for an average listener. */
  baseSkipLogit: number;
  /** Added per unit of energy misfit |creative energy − activity's ideal energy|. */
  misfitWeight: number;
  /** Added per unit of disruptiveness, whatever the activity. */
  disruptionWeight: number;
  /** Added per unit of disruptiveness × focus level (disruptive ads in focus are skipped). */
  focusDisruptionWeight: number;
  /** Added per recent exposure of the same creative (within the fatigue window). */
  creativeFatigueWeight: number;
  /** Added per recent exposure of another creative of the same campaign. */
  campaignFatigueWeight: number;
  fatigueWindowMinutes: number;
  /** Added per earlier ad in the same pod. */
  podPositionWeight: number;
  /** Added when the listener already skipped an earlier ad of this pod. */
  earlierSkipWeight: number;
  /** Added per 30 s of length beyond 30 s (negative below). */
  durationWeight: number;
  /** Subtracted per unit of (ad tolerance − 0.5). */
  toleranceWeight: number;
  /** Subtracted per unit of the listener's affinity for the ad's category. */
  affinityWeight: number;
  /** Added per unit of accumulated annoyance. */
  annoyanceWeight: number;
  /** Click log-odds of a completed, average ad on a device with a screen. */
  baseClickLogit: number;
  clickAffinityWeight: number;
  clickFitWeight: number;
  /** Annoyance added by a skipped ad. */
  annoyancePerSkip: number;
  /** Annoyance added per unit of disruptiveness × (0.5 + focus) of a heard ad. */
  annoyancePerDisruption: number;
  /** Annoyance halves in this many hours. */
  annoyanceHalfLifeHours: number;
  /** After a pod, the listener quits the session with probability 1 − e^(−w · annoyance added). */
  quitWeight: number;
  /** The rest of the session shrinks by e^(−w · annoyance added); a new one by e^(−w · annoyance). */
  sessionShrinkWeight: number;
  /** A planned session is not started with probability 1 − e^(−w · annoyance). */
  sessionAbandonWeight: number;
  /**
   * Added when the ad is brand-unsafe where it plays: the content breaks its
   * advertiser's brand-safety preferences (a toy ad after a murder story is
   * out of tune with what the listener hears).
   */
  unsafeSkipWeight: number;
  /** Annoyance added by a brand-unsafe ad, heard or skipped. */
  annoyancePerUnsafe: number;
  /** What a brand-unsafe impression costs its advertiser's brand, in multiples of its price (metrics.brandCostMicros). */
  unsafeBrandCost: number;
}

export const DEFAULT_RESPONSE: ResponseParams = {
  baseSkipLogit: -1.8,
  misfitWeight: 2.5,
  disruptionWeight: 0.5,
  focusDisruptionWeight: 3,
  creativeFatigueWeight: 0.6,
  campaignFatigueWeight: 0.3,
  fatigueWindowMinutes: 120,
  podPositionWeight: 0.3,
  earlierSkipWeight: 1,
  durationWeight: 0.4,
  toleranceWeight: 2,
  affinityWeight: 0.8,
  annoyanceWeight: 0.6,
  baseClickLogit: -5,
  clickAffinityWeight: 1.5,
  clickFitWeight: 1,
  annoyancePerSkip: 0.12,
  annoyancePerDisruption: 0.2,
  annoyanceHalfLifeHours: 8,
  quitWeight: 0.3,
  sessionShrinkWeight: 0.5,
  sessionAbandonWeight: 0.3,
  unsafeSkipWeight: 0.8,
  annoyancePerUnsafe: 0.1,
  unsafeBrandCost: 2,
};

/**
 * A term of the response that the agents' features cannot express (stress
 * scenarios, `response.hidden_interaction`): in a window of the listener's
 * local hours, ads of some categories are skipped more the more ads the
 * listener has already heard in the session — time of day × ad category ×
 * in-session fatigue. No agent sees the ad's category, and no feature
 * crosses the hour with the ads heard, so no agent can learn it exactly.
 */
export interface HiddenInteraction {
  /** Added to the skip log-odds at full strength. */
  weight: number;
  /** Local hours [fromHour, toHour); wraps past midnight when fromHour > toHour. */
  fromHour: number;
  toHour: number;
  /** Ad categories (the advertiser's) it applies to, lower case. */
  categories: string[];
  /** Ads heard earlier in the session at which the term reaches full strength (linear before). */
  fatigueAds: number;
}

/** The hidden interaction's skip log-odds for one ad (0 without one). */
export function hiddenInteractionLogit(
  h: HiddenInteraction | null,
  localHour: number,
  category: string,
  adsHeardInSession: number,
): number {
  if (!h || h.weight === 0 || !h.categories.includes(category)) return 0;
  const inWindow =
    h.fromHour <= h.toHour
      ? localHour >= h.fromHour && localHour < h.toHour
      : localHour >= h.fromHour || localHour < h.toHour;
  if (!inWindow) return 0;
  return h.weight * Math.min(1, adsHeardInSession / h.fatigueAds);
}

/** What the listener is really like, and doing, when one ad of a pod plays. */
export interface ExposureContext {
  idealEnergy: number;
  focus: number;
  device: Device;
  /** 0-based position of the ad in its pod. */
  podIndex: number;
  earlierSkipInPod: boolean;
  /** Exposures of this creative within the fatigue window. */
  sameCreativeRecent: number;
  /** Exposures of other creatives of this campaign within the fatigue window. */
  sameCampaignRecent: number;
  annoyance: number;
  adTolerance: number;
  /** The listener's affinity for the ad's category (about −1..1). */
  affinity: number;
  /** Multiplier on the click odds (listener trait, around 1). */
  clickPropensity: number;
  /** The content playing breaks the ad's advertiser's brand-safety preferences. */
  unsafeAdjacency: boolean;
  /** The hidden interaction's skip log-odds (hiddenInteractionLogit; absent = 0). */
  hiddenLogit?: number;
}

export type CreativeTraits = Pick<Creative, 'energy' | 'voiceStyle' | 'disruptiveness' | 'durationMs'>;

const VOICE_ENERGY: Record<Creative['voiceStyle'], number> = {
  energetic: 0.1,
  announcer: 0.05,
  conversational: 0,
  calm: -0.1,
};

const clamp01 = (x: number) => clamp(x, 0, 1);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** How well the ad's energy (voice included) fits the activity: 1 perfect .. 0 opposite. */
export function energyFit(c: CreativeTraits, idealEnergy: number): number {
  return 1 - Math.abs(clamp01(c.energy + VOICE_ENERGY[c.voiceStyle]) - idealEnergy);
}

export function skipProbability(p: ResponseParams, c: CreativeTraits, x: ExposureContext): number {
  const logit =
    p.baseSkipLogit +
    p.misfitWeight * (1 - energyFit(c, x.idealEnergy)) +
    p.disruptionWeight * c.disruptiveness +
    p.focusDisruptionWeight * c.disruptiveness * x.focus +
    p.creativeFatigueWeight * x.sameCreativeRecent +
    p.campaignFatigueWeight * x.sameCampaignRecent +
    p.podPositionWeight * x.podIndex +
    (x.earlierSkipInPod ? p.earlierSkipWeight : 0) +
    (p.durationWeight * (c.durationMs - 30_000)) / 30_000 +
    p.annoyanceWeight * x.annoyance +
    (x.unsafeAdjacency ? p.unsafeSkipWeight : 0) +
    (x.hiddenLogit ?? 0) -
    p.toleranceWeight * (x.adTolerance - 0.5) -
    p.affinityWeight * x.affinity;
  return sigmoid(logit);
}

const SCREENLESS: Partial<Record<Device, number>> = { smart_speaker: -2.5, car: -2, wearable: -1, tv: -0.5 };

/** Probability of a click on an ad the listener heard to the end. */
export function clickProbability(p: ResponseParams, c: CreativeTraits, x: ExposureContext): number {
  const logit =
    p.baseClickLogit +
    p.clickAffinityWeight * x.affinity +
    p.clickFitWeight * (energyFit(c, x.idealEnergy) - 0.5) +
    Math.log(Math.max(1e-6, x.clickPropensity)) +
    (SCREENLESS[x.device] ?? 0);
  return sigmoid(logit);
}

/**
 * A recall proxy in [0, 1]: how much of the brand the listener would recall
 * in a survey. Grows with the share heard, fit, distinctiveness (disruptive
 * ads are remembered — the trade-off against skips and annoyance) and
 * affinity; wears out with repetition and later pod positions.
 */
export function recallProxy(c: CreativeTraits, x: ExposureContext, heardFraction: number): number {
  const base =
    0.3 + 0.3 * energyFit(c, x.idealEnergy) + 0.25 * c.disruptiveness + 0.15 * Math.max(0, x.affinity);
  const wear = 1 / (1 + 0.5 * x.sameCreativeRecent);
  const position = 1 / (1 + 0.2 * x.podIndex);
  return clamp01(heardFraction * base * wear * position * (1 - 0.3 * x.focus));
}

/** Annoyance one heard ad adds. */
export function annoyanceAdded(
  p: ResponseParams,
  c: CreativeTraits,
  focus: number,
  skipped: boolean,
  unsafe: boolean,
): number {
  return (
    (skipped ? p.annoyancePerSkip : 0) +
    p.annoyancePerDisruption * c.disruptiveness * (0.5 + focus) +
    (unsafe ? p.annoyancePerUnsafe : 0)
  );
}

/** Where in the ad a skip happens: early for badly fitting ads, never in the first or last second. */
export function skipOffsetMs(c: CreativeTraits, idealEnergy: number, u: number): number {
  const misfit = 1 - energyFit(c, idealEnergy);
  const fraction = 0.05 + 0.9 * u ** (1 + 2 * misfit);
  return Math.max(1000, Math.min(c.durationMs - 1000, Math.round(c.durationMs * fraction)));
}
