/**
 * The advertiser's value of an impression, about 0..2 (pure): what the
 * campaign's goal gets from it (awareness → the ad is heard to the end,
 * conversion → a click, engagement → both), scaled up when the campaign is
 * behind its KPI targets, by the pacing multiplier (behind schedule →
 * worth more) and, for an awareness campaign whose brand lift has been
 * measured, by the lift multiplier (learning/brand-lift.ts: more recall per
 * impression than the campaigns measured on average → worth more).
 */
import type { Campaign } from '../common/catalogue/types';
import type { Goal } from '../common/domain/types';
import type { OutcomeCounters } from './outcome-log';

export const MAX_ADVERTISER_VALUE = 2;
/** KPI rates are shrunk towards the target as if this many impressions had met it. */
export const KPI_PRIOR_IMPRESSIONS = 20;
export const MIN_KPI_FACTOR = 0.75;
export const MAX_KPI_FACTOR = 1.5;

/** What the goal gets from this impression, 0..1. */
export function goalValue(goal: Goal, p: { pComplete: number; pEngage: number }): number {
  switch (goal) {
    case 'awareness':
      return p.pComplete;
    case 'conversion':
      return p.pEngage;
    case 'engagement':
      return 0.5 * p.pComplete + 0.5 * p.pEngage;
  }
}

/** Observed rate / target, shrunk towards 1 while there are few impressions. */
function progress(observed: number, impressions: number, target: number): number {
  if (target <= 0) return 1;
  const rate = (observed + KPI_PRIOR_IMPRESSIONS * target) / (impressions + KPI_PRIOR_IMPRESSIONS);
  return rate / target;
}

/** KPI progress of the goal: 1 on target, <1 behind, >1 ahead. */
export function kpiProgress(goal: Goal, counters: OutcomeCounters, kpi: Campaign['kpi']): number {
  const completion = progress(counters.completes, counters.impressions, kpi.completionRate);
  const click = progress(counters.clicks, counters.impressions, kpi.clickRate);
  if (goal === 'awareness') return completion;
  if (goal === 'conversion') return click;
  return (completion + click) / 2;
}

/** Behind target → worth more (up to 1.5×); ahead → less (down to 0.75×). */
export function kpiFactor(goal: Goal, counters: OutcomeCounters, kpi: Campaign['kpi']): number {
  const f = 1 + 0.5 * (1 - kpiProgress(goal, counters, kpi));
  return Math.min(MAX_KPI_FACTOR, Math.max(MIN_KPI_FACTOR, f));
}

export interface ValuationInput {
  goal: Goal;
  pComplete: number;
  pEngage: number;
  counters: OutcomeCounters;
  kpi: Campaign['kpi'];
  pacingMultiplier: number;
  /** The measured brand-lift multiplier (LiftValuer.multiplier: 1 unless an awareness campaign was measured); absent = 1. */
  liftMultiplier?: number;
}

export function advertiserValue(v: ValuationInput): number {
  const value =
    goalValue(v.goal, v) *
    kpiFactor(v.goal, v.counters, v.kpi) *
    v.pacingMultiplier *
    (v.liftMultiplier ?? 1);
  return Math.min(MAX_ADVERTISER_VALUE, Math.max(0, value));
}
