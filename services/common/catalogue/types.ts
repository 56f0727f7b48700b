/**
 * The catalogue: advertisers, campaigns and creatives. It ships as YAML
 * (catalogue/sample.yaml); PARLEY_CATALOGUE points at a user's own file.
 * The inventory agent reads creatives and targeting from it, the objective
 * agent campaigns, budgets, pacing and caps.
 */
import type { Device, Goal, RiskLevel, SafetyCategory, Scenario, Tier } from '../domain/types';

/** A risk level an advertiser may accept: floor content is never acceptable (the GARM brand-safety floor). */
export type AcceptedRisk = Exclude<RiskLevel, 'floor'>;
export const ACCEPTED_RISKS: readonly AcceptedRisk[] = ['low', 'medium', 'high'];

/**
 * An advertiser's brand-safety preferences: what content its ads may sit
 * next to. The brand-safety agent vetoes a candidate whose content breaks
 * them (docs/brand-safety.md).
 */
export interface BrandSafety {
  /** The highest risk level accepted, for every category (a category not written in the file: high). */
  maxRisk: Record<SafetyCategory, AcceptedRisk>;
  /** Content topics the ads never sit next to, e.g. true-crime. */
  avoidTopics: string[];
  /** Never next to explicit content, whatever a campaign's targeting.explicit_ok says. */
  avoidExplicit: boolean;
}

export interface Advertiser {
  id: string;
  name: string;
  category: string;
  /** Keys for competitive separation: two ads sharing one never run in one pod. */
  separationCategories: string[];
  /** Absent = none declared: every level up to high is accepted (the floor never is). */
  brandSafety?: BrandSafety;
}

export type PacingMode = 'even' | 'asap';

export interface Campaign {
  id: string;
  advertiserId: string;
  name: string;
  goal: Goal;
  tier: Tier;
  paused: boolean;
  /** Price per thousand impressions, in micro-units of currency. */
  cpmMicros: number;
  /** Lifetime budget in micros; 0 = unlimited (house campaigns only). */
  totalBudgetMicros: number;
  /** Daily budget in micros (UTC day); 0 = no daily cap. */
  dailyBudgetMicros: number;
  pacing: PacingMode;
  flightStartMs: number;
  flightEndMs: number;
  /** Per session: at most maxImpressions in any windowMs; 0 = uncapped. */
  frequencyCap: { maxImpressions: number; windowMs: number };
  targeting: {
    countries: string[];
    devices: Device[];
    scenarios: Scenario[];
    genres: string[];
    /** May run next to explicit content. */
    explicitOk: boolean;
  };
  /** Key performance indicator targets for the goal. */
  kpi: { completionRate: number; clickRate: number };
  /**
   * A brand-lift study: the share of listeners held out of the campaign's ads
   * as its survey's control group (0..0.5). Absent = no hold-out.
   */
  brandLift?: { holdoutShare: number };
}

export interface Creative {
  id: string;
  campaignId: string;
  durationMs: number;
  /** 0 calm .. 1 high energy. */
  energy: number;
  voiceStyle: 'energetic' | 'calm' | 'conversational' | 'announcer';
  /** 0 blends in .. 1 jarring. */
  disruptiveness: number;
  audioUrl: string;
}

export interface Catalogue {
  version: string;
  advertisers: Map<string, Advertiser>;
  campaigns: Map<string, Campaign>;
  creatives: Map<string, Creative>;
}
