/**
 * The catalogue: advertisers, campaigns and creatives. It ships as YAML
 * (catalogue/sample.yaml); PARLEY_CATALOGUE points at a user's own file.
 * The inventory agent reads creatives and targeting from it, the objective
 * agent campaigns, budgets, pacing and caps.
 */
import type { Device, Goal, Scenario, Tier } from '../domain/types';

export interface Advertiser {
  id: string;
  name: string;
  category: string;
  /** Keys for competitive separation: two ads sharing one never run in one pod. */
  separationCategories: string[];
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
