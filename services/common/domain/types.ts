/**
 * Domain types shared by the agents' domain code. They mirror the contract in
 * proto/parley/v1 but are plain TypeScript: transport adapters convert between
 * the generated wire types and these (see each service's convert.ts).
 */
import type { Reason as WireReason } from '../../../proto/gen/parley/v1/Reason';

/** A stable reason code (docs/reason-codes.md); the enum lives in common.proto. */
export type ReasonCode = Exclude<WireReason, number>;

export type Position = 'pre' | 'mid' | 'post';
export type Device = 'mobile' | 'desktop' | 'smart_speaker' | 'car' | 'tv' | 'wearable' | 'unknown';
export type PlaylistKind = 'editorial' | 'user' | 'algorithmic' | 'radio' | 'album' | 'podcast' | 'unknown';
export type Scenario = 'workout' | 'commute' | 'focus' | 'relax' | 'party' | 'sleep' | 'chores' | 'unknown';
export type Tier = 'sponsorship' | 'standard' | 'house';
export type Goal = 'awareness' | 'conversion' | 'engagement';
export type OutcomeKind = 'impression' | 'skip' | 'complete' | 'click';

export const TIERS_BY_PRIORITY: readonly Tier[] = ['sponsorship', 'standard', 'house'];
export const SCENARIOS: readonly Scenario[] = [
  'workout',
  'commute',
  'focus',
  'relax',
  'party',
  'sleep',
  'chores',
  'unknown',
];

export interface Signals {
  sessionId: string;
  /** A pseudonymous listener id, stable across sessions; absent or '' = not given (hold-outs key on sessionId). */
  listenerId?: string;
  device: Device;
  /** Listener's local time, with the UTC offset it was given in. */
  localTime: { epochMs: number; offsetMinutes: number; hour: number; dayOfWeek: number };
  trackGenre: string;
  previousGenre: string;
  recentSkips: number;
  playlistKind: PlaylistKind;
  activityHint: Scenario;
  explicitContent: boolean;
  country: string;
  /** What the listener is hearing now (the content an ad would sit next to); null = not given. */
  content: ContentSignals | null;
}

export type ContentKind = 'music' | 'podcast' | 'audiobook' | 'radio' | 'unknown';

/** Brand-safety categories of content (GARM), as common.proto's SafetyCategory. */
export const GARM_CATEGORIES = [
  'adult',
  'arms',
  'crime',
  'death_injury_conflict',
  'piracy',
  'hate_speech',
  'obscenity',
  'drugs_alcohol_tobacco',
  'spam',
  'terrorism',
  'social_issues',
] as const;
export type SafetyCategory = (typeof GARM_CATEGORIES)[number];

/** How much of a category the content carries, lowest first (GARM risk levels). */
export const RISK_LEVELS = ['low', 'medium', 'high', 'floor'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** A content topic: lower-case words joined by '-', e.g. true-crime, at most 64 characters. */
export function isTopic(t: string): boolean {
  return t.length <= 64 && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(t);
}

export interface ContentSignals {
  kind: ContentKind;
  /** Opaque track / episode id; '' = not given. */
  contentId: string;
  /** Normalised topics (lower-case words joined by '-'), e.g. true-crime. */
  topics: string[];
  /** The content's risk per category; a category not listed is low. */
  risks: Partial<Record<SafetyCategory, RiskLevel>>;
}

export interface Slot {
  slotId: string;
  position: Position;
  maxAds: number;
  maxTotalDurationMs: number;
}

export interface Snapshot {
  scenario: Scenario;
  focusLevel: number;
  receptiveness: number;
  skipRisk: number;
  features: number[];
  modelVersion: string;
  sessionAdsHeard: number;
  isDefault: boolean;
  /**
   * The context agent's ad load for this break (its ad-load policy, from this
   * snapshot): the broker's floor on joint utility for this decision, in
   * place of its configured one. Absent = the context agent set none (no
   * policy loaded, or an older agent): the broker's own applies.
   */
  adLoad?: AdLoad;
}

/** The floor on joint utility this break's ads must clear; null = no floor. */
export interface AdLoad {
  minUtility: number | null;
}

export interface Rejection {
  creativeId: string;
  reason: ReasonCode;
  detail: string;
}

/** A creative proposed by the inventory agent, with its policy's predictions. */
export interface Candidate {
  creativeId: string;
  campaignId: string;
  advertiserId: string;
  category: string;
  durationMs: number;
  priceMicros: number;
  tier: Tier;
  pSkip: number;
  pComplete: number;
  pEngage: number;
  policyScore: number;
  audioUrl: string;
  separationCategories: string[];
}

export interface ProposeInput {
  requestId: string;
  round: number;
  slot: Slot;
  signals: Signals;
  context: Snapshot;
  excludedAdvertisers: string[];
  excludedCategories: string[];
  shortlistSize: number;
  excludeCreatives: string[];
}

export interface Proposal {
  candidates: Candidate[];
  removed: Rejection[];
  modelVersion: string;
  eligibleTotal: number;
  exhausted: boolean;
}

export interface EvaluateInput {
  requestId: string;
  round: number;
  sessionId: string;
  /** The listener's pseudonymous id, when the ad server sends one (brand-lift hold-outs key on it, else on sessionId). */
  listenerId?: string;
  context: Snapshot;
  candidates: Candidate[];
}

export interface CandidateValue {
  creativeId: string;
  eligible: boolean;
  reason: ReasonCode | null;
  detail: string;
  advertiserValue: number;
  pacingMultiplier: number;
  goal: Goal;
  /** The measured brand-lift multiplier applied to advertiserValue; absent or 0 = none applied. */
  liftMultiplier?: number;
}

export interface Counter {
  values: CandidateValue[];
  modelVersion: string;
}

/** What a critic (an agent of role critic) is asked about a round's candidates. */
export interface CritiqueInput {
  requestId: string;
  round: number;
  signals: Signals;
  context: Snapshot;
  candidates: Candidate[];
}

/** A critic's judgement of one candidate (agent.proto Verdict). */
export interface Verdict {
  creativeId: string;
  /** false = veto: the candidate leaves the negotiation, with `reason`. */
  eligible: boolean;
  reason: ReasonCode | null;
  detail: string;
  /** The critic's term of the joint utility, unweighted. */
  value: number;
  /** A pacing critic's multiplier (>1 behind schedule); 0 = not applicable. */
  pacingMultiplier: number;
  /** A goal critic's goal; '' = not applicable. */
  goal: Goal | '';
  /** A goal critic's brand-lift multiplier on its value; absent or 0 = not applicable. */
  liftMultiplier?: number;
}

export interface Critique {
  /** One per candidate; a candidate without one is removed. */
  verdicts: Verdict[];
  modelVersion: string;
}

export interface ReservationRequest {
  creativeId: string;
  campaignId: string;
  amountMicros: number;
}

export interface CommitInput {
  requestId: string;
  sessionId: string;
  reservations: ReservationRequest[];
}

export interface CommitResult {
  creativeId: string;
  reserved: boolean;
  reservationId: string;
  reason: ReasonCode | null;
}

export interface OutcomeEventInput {
  idempotencyKey: string;
  requestId: string;
  reservationId: string;
  creativeId: string;
  sessionId: string;
  event: OutcomeKind;
  skipOffsetMs: number;
  occurredAtMs: number;
}
