/**
 * Budget pacing (pure). `even` spreads a budget along an ideal cumulative
 * spend curve: over the UTC day for a daily budget, or over the flight for a
 * lifetime-only budget. The curve follows an expected traffic profile per UTC
 * hour (flat by default; a forecast can be plugged in), so a campaign spends
 * where listeners are rather than buying every 3 a.m. impression. `asap`
 * spends as fast as the budget caps allow.
 *
 * A campaign ahead of its curve is held (throttled) until the curve catches
 * up; the multiplier (>1 behind, <1 ahead) lets the negotiation favour
 * campaigns that are behind.
 */
import type { PacingMode } from '../common/catalogue/types';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** Expected relative traffic per UTC hour: 24 non-negative weights, not all 0. */
export type TrafficProfile = readonly number[];

export const FLAT_PROFILE: TrafficProfile = Object.freeze(Array.from({ length: 24 }, () => 1));

/** The multiplier stays within these bounds. */
export const MIN_PACING_MULTIPLIER = 0.5;
export const MAX_PACING_MULTIPLIER = 1.5;

export function utcDay(nowMs: number): number {
  return Math.floor(nowMs / DAY_MS);
}

export function checkProfile(profile: TrafficProfile): TrafficProfile {
  if (profile.length !== 24)
    throw new Error(`traffic profile: expected 24 hourly weights, got ${profile.length}`);
  let total = 0;
  for (const w of profile) {
    if (!Number.isFinite(w) || w < 0)
      throw new Error(`traffic profile: weights must be finite and >= 0, got ${w}`);
    total += w;
  }
  if (total <= 0) throw new Error('traffic profile: at least one weight must be positive');
  return profile;
}

/** Cumulative profile weight from the start of `t`'s UTC day to `t`. */
function massWithinDay(t: number, profile: TrafficProfile): number {
  const msOfDay = t - utcDay(t) * DAY_MS;
  const hour = Math.floor(msOfDay / HOUR_MS);
  let m = 0;
  for (let h = 0; h < hour; h++) m += profile[h] ?? 0;
  return m + (profile[hour] ?? 0) * ((msOfDay - hour * HOUR_MS) / HOUR_MS);
}

/** Expected traffic between two instants (in hour-weights). */
export function profileMass(fromMs: number, toMs: number, profile: TrafficProfile): number {
  if (toMs <= fromMs) return 0;
  const perDay = profile.reduce((a, b) => a + b, 0);
  return (
    (utcDay(toMs) - utcDay(fromMs)) * perDay + massWithinDay(toMs, profile) - massWithinDay(fromMs, profile)
  );
}

/** Fraction (0..1) of a period's budget the ideal curve has spent by `nowMs`. */
export function idealFraction(
  nowMs: number,
  startMs: number,
  endMs: number,
  profile: TrafficProfile,
): number {
  if (nowMs <= startMs) return 0;
  if (nowMs >= endMs) return 1;
  const total = profileMass(startMs, endMs, profile);
  return total > 0 ? profileMass(startMs, nowMs, profile) / total : (nowMs - startMs) / (endMs - startMs);
}

export interface PacingInput {
  mode: PacingMode;
  nowMs: number;
  totalBudgetMicros: number;
  dailyBudgetMicros: number;
  flightStartMs: number;
  flightEndMs: number;
  /** Spent + reserved, lifetime and in the current UTC day. */
  lifetimeSpendMicros: number;
  todaySpendMicros: number;
  profile?: TrafficProfile;
}

export interface PacingDecision {
  /** >1 behind the curve, <1 ahead, 1 on it (or not paced). */
  multiplier: number;
  /** Ahead of the curve: hold this impression. */
  throttle: boolean;
  /** The paced period's budget, what the curve says should be spent by now, and what is. */
  budgetMicros: number;
  idealMicros: number;
  spendMicros: number;
}

const UNPACED: PacingDecision = {
  multiplier: 1,
  throttle: false,
  budgetMicros: 0,
  idealMicros: 0,
  spendMicros: 0,
};

export function pace(input: PacingInput): PacingDecision {
  if (input.mode !== 'even') return UNPACED;
  const profile = input.profile ?? FLAT_PROFILE;
  let budget: number;
  let spend: number;
  let fraction: number;
  if (input.dailyBudgetMicros > 0) {
    const dayStart = utcDay(input.nowMs) * DAY_MS;
    budget = input.dailyBudgetMicros;
    spend = input.todaySpendMicros;
    // A flight that starts or ends within the day compresses the curve into it.
    const start = Math.max(dayStart, input.flightStartMs);
    const end = Math.min(dayStart + DAY_MS, input.flightEndMs);
    fraction = end > start ? idealFraction(input.nowMs, start, end, profile) : 1;
  } else if (input.totalBudgetMicros > 0) {
    budget = input.totalBudgetMicros;
    spend = input.lifetimeSpendMicros;
    fraction = idealFraction(input.nowMs, input.flightStartMs, input.flightEndMs, profile);
  } else {
    return UNPACED; // unlimited (house): nothing to pace
  }
  const ideal = budget * fraction;
  // Smoothing keeps the ratio sane near the start of a period, when both are ~0.
  const smooth = Math.max(1, budget * 0.02);
  const multiplier = clamp((ideal + smooth) / (spend + smooth), MIN_PACING_MULTIPLIER, MAX_PACING_MULTIPLIER);
  // Ahead of the curve: hold. At or behind it, buy (so spend ends at most one
  // impression past the curve, and the day's first impression can be bought).
  const throttle = spend > ideal;
  return { multiplier, throttle, budgetMicros: budget, idealMicros: ideal, spendMicros: spend };
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
