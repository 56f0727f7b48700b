/**
 * objective.proto ⇄ domain, both directions: the outcome log as learners
 * read it (ReadOutcomes / AckOutcomes / LeaveOutcomes), and brand-lift survey
 * results as operators report them (ReportBrandLift). The objective agent
 * serves it; a learner in another process (the inventory agent's online
 * learner) and `parley brand-lift` call it. `*FromWire` validates and throws INVALID_ARGUMENT
 * naming the field; `*ToWire` cannot fail.
 */
import type { AckOutcomesRequest__Output } from '../../../proto/gen/parley/v1/AckOutcomesRequest';
import type { BrandLiftStatus } from '../../../proto/gen/parley/v1/BrandLiftStatus';
import type { LeaveOutcomesRequest__Output } from '../../../proto/gen/parley/v1/LeaveOutcomesRequest';
import type { LoggedOutcome as WireLoggedOutcome } from '../../../proto/gen/parley/v1/LoggedOutcome';
import type { OutcomeBatch, OutcomeBatch__Output } from '../../../proto/gen/parley/v1/OutcomeBatch';
import type { ReadOutcomesRequest__Output } from '../../../proto/gen/parley/v1/ReadOutcomesRequest';
import type { ReportBrandLiftReply } from '../../../proto/gen/parley/v1/ReportBrandLiftReply';
import type { ReportBrandLiftRequest__Output } from '../../../proto/gen/parley/v1/ReportBrandLiftRequest';
import type { LiftRecordStatus, LiftWave } from '../domain/brand-lift';
import type { FeedEntry, GroupStart } from '../domain/outcomes';
import { invalidArgument } from '../errors';
import { MAX_EPOCH_MS, outcomeFromWire, outcomeToWire } from './agent';
import { idList, intInRange, numberInRange, optionalId, requireId, requireMessage } from './validate';

/** Most outcome log entries one ReadOutcomes / AckOutcomes call may carry. */
export const MAX_FEED_ENTRIES = 1000;

export function readOutcomesFromWire(w: ReadOutcomesRequest__Output): {
  group: string;
  consumer: string;
  count: number;
  from: GroupStart;
} {
  return {
    group: requireId(w.group, 'group'),
    consumer: requireId(w.consumer, 'consumer'),
    count: intInRange(w.max_entries, 'max_entries', 1, MAX_FEED_ENTRIES),
    from: w.from_newest ? 'newest' : 'oldest',
  };
}

/** Log entry ids look like Redis Stream ids, `<ms>-<seq>`, in both adapters. */
const ENTRY_ID = /^\d{1,20}-\d{1,20}$/;

export function ackOutcomesFromWire(w: AckOutcomesRequest__Output): { group: string; ids: string[] } {
  const ids = idList(w.ids, 'ids', MAX_FEED_ENTRIES);
  ids.forEach((id, i) => {
    if (!ENTRY_ID.test(id)) throw invalidArgument(`ids[${i}]`, 'must be a log entry id (<ms>-<seq>)');
  });
  return { group: requireId(w.group, 'group'), ids };
}

export function leaveOutcomesFromWire(w: LeaveOutcomesRequest__Output): string {
  return requireId(w.group, 'group');
}

export function outcomeBatchToWire(entries: readonly FeedEntry[]): OutcomeBatch {
  return {
    entries: entries.map(
      (e): WireLoggedOutcome => ({
        id: e.id,
        campaign_id: e.campaignId,
        outcome: outcomeToWire(e),
      }),
    ),
  };
}

/** A learner's side of ReadOutcomes: validates the batch the objective agent sent. */
export function outcomeBatchFromWire(w: OutcomeBatch__Output): FeedEntry[] {
  if (w.entries.length > MAX_FEED_ENTRIES) throw invalidArgument('entries', `at most ${MAX_FEED_ENTRIES}`);
  return w.entries.map((e, i) => {
    const f = `entries[${i}]`;
    return {
      ...outcomeFromWire(requireMessage(e.outcome, `${f}.outcome`), `${f}.outcome`),
      id: requireId(e.id, `${f}.id`),
      campaignId: optionalId(e.campaign_id, `${f}.campaign_id`),
    };
  });
}

// ---------------------------------------------------------------------------
// brand lift (ReportBrandLift)

/** Most survey results one ReportBrandLift call may carry. */
export const MAX_LIFT_RESULTS = 1000;
/** Most respondents one group of one wave may have, and most impressions in a survey window. */
const MAX_RESPONDENTS = 1e9;
const MAX_IMPRESSIONS = 1e15;

/** The results of a report, each checked; INVALID_ARGUMENT naming results[i].<field> for the first bad one. */
export function reportBrandLiftFromWire(w: ReportBrandLiftRequest__Output): LiftWave[] {
  if (w.results.length === 0) throw invalidArgument('results', 'at least one survey result');
  if (w.results.length > MAX_LIFT_RESULTS)
    throw invalidArgument('results', `at most ${MAX_LIFT_RESULTS} per call`);
  return w.results.map((r, i) => {
    const f = `results[${i}]`;
    const impressions = intInRange(r.impressions, `${f}.impressions`, 0, MAX_IMPRESSIONS);
    const fieldedAtMs = intInRange(r.fielded_at_ms, `${f}.fielded_at_ms`, 1, MAX_EPOCH_MS);
    return {
      campaignId: requireId(r.campaign_id, `${f}.campaign_id`),
      waveId: requireId(r.wave_id, `${f}.wave_id`),
      exposedN: intInRange(r.exposed_respondents, `${f}.exposed_respondents`, 0, MAX_RESPONDENTS),
      exposedRate: numberInRange(r.exposed_yes_rate, `${f}.exposed_yes_rate`, 0, 1),
      controlN: intInRange(r.control_respondents, `${f}.control_respondents`, 0, MAX_RESPONDENTS),
      controlRate: numberInRange(r.control_yes_rate, `${f}.control_yes_rate`, 0, 1),
      impressions,
      // Distinct listeners can be no more than the impressions they heard.
      reach: intInRange(r.reach, `${f}.reach`, 0, impressions),
      fieldedAtMs,
      publishedAtMs: intInRange(r.published_at_ms, `${f}.published_at_ms`, fieldedAtMs, MAX_EPOCH_MS),
    };
  });
}

const LIFT_STATUS_WIRE: Record<LiftRecordStatus, BrandLiftStatus> = {
  recorded: 'BRAND_LIFT_STATUS_RECORDED',
  duplicate: 'BRAND_LIFT_STATUS_DUPLICATE',
  replaced: 'BRAND_LIFT_STATUS_REPLACED',
};

export function reportBrandLiftToWire(r: {
  statuses: readonly LiftRecordStatus[];
  campaigns: ReadonlyArray<{
    campaignId: string;
    goal: string;
    waves: number;
    liftPerImpression: number;
    multiplier: number;
  }>;
}): ReportBrandLiftReply {
  return {
    statuses: r.statuses.map((s) => LIFT_STATUS_WIRE[s]),
    campaigns: r.campaigns.map((c) => ({
      campaign_id: c.campaignId,
      goal: c.goal,
      waves: c.waves,
      lift_per_impression: c.liftPerImpression,
      multiplier: c.multiplier,
    })),
  };
}
