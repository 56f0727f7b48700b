/**
 * The AdDecision contract ⇄ broker domain: validation of what ad servers send
 * (INVALID_ARGUMENT naming the field) and the response built from a Decision.
 */
import type { AdPlacement } from '../../proto/gen/parley/v1/AdPlacement';
import type { DecideRequest__Output } from '../../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse } from '../../proto/gen/parley/v1/DecideResponse';
import type { Explanation } from '../../proto/gen/parley/v1/Explanation';
import type { OutcomeReport__Output } from '../../proto/gen/parley/v1/OutcomeReport';
import type { Part as WirePart } from '../../proto/gen/parley/v1/Part';
import type { Scenario as WireScenario } from '../../proto/gen/parley/v1/Scenario';
import type { OutcomeEventInput, OutcomeKind, Signals, Slot } from '../common/domain/types';
import {
  PART_WIRE,
  rejectionToWire,
  SCENARIO_WIRE,
  signalsFromWire,
  slotFromWire,
} from '../common/grpc/convert';
import { invalidArgument } from '../common/grpc/errors';
import { enumValue, idList, intInRange, optionalId, requireId } from '../common/grpc/validate';
import type { Decision } from './negotiation';

/** Largest deadline_ms a request may name. */
export const MAX_DEADLINE_MS = 60_000;
/** Most entries in excluded_advertisers / excluded_categories. */
export const MAX_EXCLUSIONS = 100;
/** How far in the future an outcome's occurred_at_ms may lie (clock skew). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** Longest skip offset accepted (the longest possible slot). */
export const MAX_SKIP_OFFSET_MS = 180_000;

export interface DecideInput {
  requestId: string;
  slot: Slot;
  signals: Signals;
  excludedAdvertisers: string[];
  excludedCategories: string[];
  /** 0 = the request names no deadline of its own. */
  deadlineMs: number;
}

export function decideRequestFromWire(r: DecideRequest__Output): DecideInput {
  return {
    requestId: requireId(r.request_id, 'request_id'),
    slot: slotFromWire(r.slot, 'slot'),
    signals: signalsFromWire(r.signals, 'signals'),
    excludedAdvertisers: idList(r.excluded_advertisers, 'excluded_advertisers', MAX_EXCLUSIONS),
    excludedCategories: idList(r.excluded_categories, 'excluded_categories', MAX_EXCLUSIONS),
    deadlineMs: intInRange(r.deadline_ms, 'deadline_ms', 0, MAX_DEADLINE_MS),
  };
}

/**
 * The decision's deadline (epoch ms): the sooner of the caller's gRPC
 * deadline and now + deadline_ms; the configured default when neither is set.
 */
export function effectiveDeadline(
  nowMs: number,
  grpcDeadline: number,
  deadlineMs: number,
  defaultDeadlineMs: number,
): number {
  const own = deadlineMs > 0 ? nowMs + deadlineMs : Number.POSITIVE_INFINITY;
  const soonest = Math.min(own, grpcDeadline);
  return Number.isFinite(soonest) ? soonest : nowMs + defaultDeadlineMs;
}

export function decisionToWire(d: Decision): DecideResponse {
  const e = d.explanation;
  const why: Explanation = {
    utility: e.utility,
    listener_value: e.listenerValue,
    advertiser_value: e.advertiserValue,
    platform_revenue: e.platformRevenue,
    rounds: e.rounds,
    scenario: SCENARIO_WIRE[e.scenario] as WireScenario,
    context_model_version: e.contextModelVersion,
    inventory_model_version: e.inventoryModelVersion,
    objective_model_version: e.objectiveModelVersion,
    trace_id: e.traceId,
    runners_up: e.runnersUp.map(rejectionToWire),
    summary: e.summary,
    candidates_considered: e.candidatesConsidered,
    explored: e.explored,
  };
  const ads: AdPlacement[] = d.placements.map((p) => ({
    pod_position: p.podPosition,
    creative_id: p.candidate.creativeId,
    campaign_id: p.candidate.campaignId,
    advertiser_id: p.candidate.advertiserId,
    category: p.candidate.category,
    duration_ms: p.candidate.durationMs,
    price_micros: p.priceMicros,
    reservation_id: p.reservationId,
    audio_url: p.candidate.audioUrl,
    tier: p.candidate.tier,
    propensity: p.propensity,
  }));
  return {
    request_id: d.requestId,
    ads,
    no_ad: d.noAd,
    no_ad_reasons: d.noAdReasons,
    why,
    degraded: d.degraded.map((p) => PART_WIRE[p] as WirePart),
  };
}

export const OUTCOME_EVENTS: Record<string, OutcomeKind> = {
  OUTCOME_EVENT_IMPRESSION: 'impression',
  OUTCOME_EVENT_SKIP: 'skip',
  OUTCOME_EVENT_COMPLETE: 'complete',
  OUTCOME_EVENT_CLICK: 'click',
};

export function outcomeFromWire(r: OutcomeReport__Output, nowMs: number): OutcomeEventInput {
  const idempotencyKey = requireId(r.idempotency_key, 'idempotency_key');
  const event = enumValue(r.event, 'event', OUTCOME_EVENTS);
  // Optional even for an impression: house ads served while the objective
  // agent was down carry no reservation (there is nothing to settle).
  const reservationId = optionalId(r.reservation_id, 'reservation_id');
  const skipOffsetMs = intInRange(r.skip_offset_ms, 'skip_offset_ms', 0, MAX_SKIP_OFFSET_MS);
  if (skipOffsetMs > 0 && event !== 'skip')
    throw invalidArgument('skip_offset_ms', 'only allowed with OUTCOME_EVENT_SKIP');
  const occurred = r.occurred_at_ms;
  if (!Number.isSafeInteger(occurred) || occurred < 0) {
    throw invalidArgument('occurred_at_ms', `must be unix epoch milliseconds (0 = now), got ${occurred}`);
  }
  if (occurred > nowMs + MAX_FUTURE_SKEW_MS) {
    throw invalidArgument('occurred_at_ms', `lies more than ${MAX_FUTURE_SKEW_MS / 1000} s in the future`);
  }
  return {
    idempotencyKey,
    requestId: optionalId(r.request_id, 'request_id'),
    reservationId,
    creativeId: requireId(r.creative_id, 'creative_id'),
    sessionId: optionalId(r.session_id, 'session_id'),
    event,
    skipOffsetMs,
    occurredAtMs: occurred === 0 ? nowMs : occurred,
  };
}
