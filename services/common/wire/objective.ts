/**
 * objective.proto ⇄ domain, both directions: the outcome log as learners
 * read it (ReadOutcomes / AckOutcomes / LeaveOutcomes). The objective agent
 * serves it; a learner in another process (the inventory agent's online
 * learner) calls it. `*FromWire` validates and throws INVALID_ARGUMENT
 * naming the field; `*ToWire` cannot fail.
 */
import type { AckOutcomesRequest__Output } from '../../../proto/gen/parley/v1/AckOutcomesRequest';
import type { LeaveOutcomesRequest__Output } from '../../../proto/gen/parley/v1/LeaveOutcomesRequest';
import type { LoggedOutcome as WireLoggedOutcome } from '../../../proto/gen/parley/v1/LoggedOutcome';
import type { OutcomeBatch, OutcomeBatch__Output } from '../../../proto/gen/parley/v1/OutcomeBatch';
import type { ReadOutcomesRequest__Output } from '../../../proto/gen/parley/v1/ReadOutcomesRequest';
import type { FeedEntry, GroupStart } from '../domain/outcomes';
import { invalidArgument } from '../errors';
import { outcomeFromWire, outcomeToWire } from './agent';
import { idList, intInRange, optionalId, requireId, requireMessage } from './validate';

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
