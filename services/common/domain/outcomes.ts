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

/** Where a consumer group created by its first read starts. */
export type GroupStart = 'oldest' | 'newest';

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
