/**
 * The outcome log as the agents share it: what an entry holds, and the
 * consumer-group view learners read it through (OutcomeFeed). The committer
 * (the objective agent) keeps the log (services/objective/outcome-log.ts);
 * a learner in another process reads it over gRPC (ReadOutcomes /
 * AckOutcomes / LeaveOutcomes, services/inventory/outcome-feed.ts).
 */
import type { OutcomeKind } from './types';

export interface OutcomeEntry {
  idempotencyKey: string;
  requestId: string;
  reservationId: string;
  creativeId: string;
  /** '' when the creative is not in the catalogue (logged, not counted). */
  campaignId: string;
  sessionId: string;
  event: OutcomeKind;
  skipOffsetMs: number;
  occurredAtMs: number;
}

export interface LoggedOutcome extends OutcomeEntry {
  /** Log entry id (a Redis stream id, or the embedded equivalent). */
  id: string;
  /** Spend this event moved from reserved to spent. */
  settledMicros: number;
}

/**
 * Why an impression charged nothing: `unknown` no reservation and no
 * tombstone of one (never reserved, already charged, or expired longer than
 * the late-impression window ago); `released` the broker released it (the ad
 * was never served); `lifetime_budget` / `daily_budget` its reservation had
 * expired and the budget no longer has room for it.
 */
export type ChargeRefusal = 'unknown' | 'released' | 'lifetime_budget' | 'daily_budget';

/** What an impression did to the money of its reservation. */
export interface Charge {
  /** Micros moved to spent (0 when refused, and for a zero-cost house ad). */
  micros: number;
  /** Charged after its reservation had expired, from the reservation's tombstone. */
  late: boolean;
  /** Why nothing was charged; null when charged. */
  refusal: ChargeRefusal | null;
}

/** Where a consumer group created by its first read starts. */
export type GroupStart = 'oldest' | 'newest';

/**
 * When an entry was logged, from its id: both logs number entries
 * `<epoch ms>-<seq>` (a Redis stream id, and the embedded log alike).
 * NaN for an id of another form.
 */
export function loggedAtMs(id: string): number {
  const dash = id.indexOf('-');
  return dash > 0 ? Number(id.slice(0, dash)) : Number.NaN;
}

/** What a learner reading the log through a consumer group gets of each entry. */
export type FeedEntry = Omit<LoggedOutcome, 'settledMicros'>;

/**
 * A learner's view of the log: the consumer-group half of the committer's
 * outcome log, in process or over gRPC.
 */
export interface OutcomeFeed {
  readGroup(group: string, consumer: string, count: number, from?: GroupStart): Promise<FeedEntry[]>;
  ack(group: string, ids: string[]): Promise<number>;
  leaveGroup(group: string): Promise<boolean>;
}
