/**
 * Wire ⇄ domain conversions for the objective agent. `*FromWire` validates
 * every field and throws INVALID_ARGUMENT naming it (e.g.
 * "evaluate.candidates[2].p_skip", "commit.reservations[0].amount_micros");
 * `*ToWire` cannot fail.
 */

import type { AckOutcomesRequest__Output } from '../../proto/gen/parley/v1/AckOutcomesRequest';
import type { CommitRequest__Output } from '../../proto/gen/parley/v1/CommitRequest';
import type { CommitResponse } from '../../proto/gen/parley/v1/CommitResponse';
import type { Counter as WireCounter } from '../../proto/gen/parley/v1/Counter';
import type { EvaluateRequest__Output } from '../../proto/gen/parley/v1/EvaluateRequest';
import type { LeaveOutcomesRequest__Output } from '../../proto/gen/parley/v1/LeaveOutcomesRequest';
import type { LoggedOutcome as WireLoggedOutcome } from '../../proto/gen/parley/v1/LoggedOutcome';
import type { OutcomeBatch, OutcomeBatch__Output } from '../../proto/gen/parley/v1/OutcomeBatch';
import type { OutcomeRecord__Output } from '../../proto/gen/parley/v1/OutcomeRecord';
import type { ReadOutcomesRequest__Output } from '../../proto/gen/parley/v1/ReadOutcomesRequest';
import type { RecordAck } from '../../proto/gen/parley/v1/RecordAck';
import type {
  CommitInput,
  CommitResult,
  Counter,
  EvaluateInput,
  OutcomeEventInput,
  OutcomeKind,
} from '../common/domain/types';
import {
  candidateFromWire,
  candidateValueToWire,
  MAX_ADS_PER_POD,
  outcomeToWire,
  snapshotFromWire,
} from '../common/grpc/convert';
import { invalidArgument } from '../common/grpc/errors';
import {
  enumValue,
  idList,
  intInRange,
  optionalId,
  requireId,
  requireMessage,
} from '../common/grpc/validate';
import type { RecordOutcomeResult } from './agent';
import type { FeedEntry, GroupStart } from './outcome-log';

/** Most candidates one evaluate may carry. */
export const MAX_CANDIDATES = 100;
/** Largest amount one impression may reserve (1000 currency units). */
export const MAX_AMOUNT_MICROS = 1_000_000_000;
const MAX_EPOCH_MS = 8_640_000_000_000_000;

const EVENTS: Record<string, OutcomeKind> = {
  impression: 'impression',
  skip: 'skip',
  complete: 'complete',
  click: 'click',
};

export function evaluateFromWire(
  w: EvaluateRequest__Output | null | undefined,
  field = 'evaluate',
): EvaluateInput {
  const e = requireMessage(w, field);
  if (e.candidates.length > MAX_CANDIDATES)
    throw invalidArgument(`${field}.candidates`, `at most ${MAX_CANDIDATES}`);
  return {
    requestId: requireId(e.request_id, `${field}.request_id`),
    round: intInRange(e.round, `${field}.round`, 0, 100),
    sessionId: requireId(e.session_id, `${field}.session_id`),
    context: snapshotFromWire(e.context, `${field}.context`),
    candidates: e.candidates.map((c, i) => candidateFromWire(c, `${field}.candidates[${i}]`)),
  };
}

export function counterToWire(c: Counter): WireCounter {
  return {
    values: c.values.map(candidateValueToWire),
    model_version: c.modelVersion,
  };
}

export function commitFromWire(w: CommitRequest__Output | null | undefined, field = 'commit'): CommitInput {
  const c = requireMessage(w, field);
  if (c.reservations.length === 0) throw invalidArgument(`${field}.reservations`, 'at least one reservation');
  if (c.reservations.length > MAX_ADS_PER_POD) {
    throw invalidArgument(`${field}.reservations`, `at most ${MAX_ADS_PER_POD}`);
  }
  return {
    requestId: requireId(c.request_id, `${field}.request_id`),
    sessionId: requireId(c.session_id, `${field}.session_id`),
    reservations: c.reservations.map((r, i) => {
      const p = `${field}.reservations[${i}]`;
      return {
        creativeId: requireId(r.creative_id, `${p}.creative_id`),
        campaignId: requireId(r.campaign_id, `${p}.campaign_id`),
        amountMicros: intInRange(r.amount_micros, `${p}.amount_micros`, 0, MAX_AMOUNT_MICROS),
      };
    }),
  };
}

export function commitToWire(results: CommitResult[]): CommitResponse {
  return {
    results: results.map((r) => ({
      creative_id: r.creativeId,
      reserved: r.reserved,
      reservation_id: r.reservationId,
      reason: r.reason ?? 'REASON_UNSPECIFIED',
    })),
  };
}

export function outcomeFromWire(w: OutcomeRecord__Output, field = ''): OutcomeEventInput {
  const f = field ? `${field}.` : '';
  return {
    idempotencyKey: requireId(w.idempotency_key, `${f}idempotency_key`),
    requestId: optionalId(w.request_id, `${f}request_id`),
    reservationId: optionalId(w.reservation_id, `${f}reservation_id`),
    creativeId: requireId(w.creative_id, `${f}creative_id`),
    sessionId: requireId(w.session_id, `${f}session_id`),
    event: enumValue(w.event, `${f}event`, EVENTS),
    skipOffsetMs: intInRange(w.skip_offset_ms, `${f}skip_offset_ms`, 0, 3_600_000),
    occurredAtMs: intInRange(w.occurred_at_ms, `${f}occurred_at_ms`, 0, MAX_EPOCH_MS),
  };
}

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

export function recordAckToWire(r: RecordOutcomeResult): RecordAck {
  return { accepted: r.accepted, duplicate: r.duplicate, settled_micros: r.settledMicros };
}
