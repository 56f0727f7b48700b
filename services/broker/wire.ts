/**
 * The AdDecision contract ⇄ broker domain: validation of what ad servers send
 * (INVALID_ARGUMENT naming the field) and the response built from a Decision.
 */
import type { AdPlacement } from '../../proto/gen/parley/v1/AdPlacement';
import type { AgentReport as WireAgentReport } from '../../proto/gen/parley/v1/AgentReport';
import type { DecideRequest__Output } from '../../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse } from '../../proto/gen/parley/v1/DecideResponse';
import type { Explanation } from '../../proto/gen/parley/v1/Explanation';
import type { OutcomeReport__Output } from '../../proto/gen/parley/v1/OutcomeReport';
import type { OutcomeReports__Output } from '../../proto/gen/parley/v1/OutcomeReports';
import type { Scenario as WireScenario } from '../../proto/gen/parley/v1/Scenario';
import type { OutcomeEventInput, OutcomeKind, Signals, Slot } from '../common/domain/types';
import { invalidArgument } from '../common/grpc/errors';
import { rejectionToWire, SCENARIO_WIRE, signalsFromWire, slotFromWire } from '../common/wire/common';
import { enumValue, idList, intInRange, optionalId, requireId } from '../common/wire/validate';
import type { AgentReport, Decision } from './negotiation';

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
  /** A preview: nothing is reserved or recorded. */
  dryRun: boolean;
}

export function decideRequestFromWire(r: DecideRequest__Output): DecideInput {
  return {
    requestId: requireId(r.request_id, 'request_id'),
    slot: slotFromWire(r.slot, 'slot'),
    signals: signalsFromWire(r.signals, 'signals'),
    excludedAdvertisers: idList(r.excluded_advertisers, 'excluded_advertisers', MAX_EXCLUSIONS),
    excludedCategories: idList(r.excluded_categories, 'excluded_categories', MAX_EXCLUSIONS),
    deadlineMs: intInRange(r.deadline_ms, 'deadline_ms', 0, MAX_DEADLINE_MS),
    dryRun: r.dry_run === true,
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

/** Each agent's part in a decision, as the contract carries it (by agent name). */
export function agentReportsToWire(
  agents: ReadonlyMap<string, AgentReport>,
): Record<string, WireAgentReport> {
  const out: Record<string, WireAgentReport> = {};
  for (const [name, r] of agents) {
    out[name] = {
      model_version: r.modelVersion,
      elapsed_ms: round2(r.elapsedMs),
      degraded: r.degraded,
      fallback: r.fallback,
      calls: r.calls,
    };
  }
  return out;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function decisionToWire(d: Decision): DecideResponse {
  const e = d.explanation;
  const why: Explanation = {
    utility: e.utility,
    terms: e.terms,
    rounds: e.rounds,
    scenario: SCENARIO_WIRE[e.scenario] as WireScenario,
    agents: agentReportsToWire(e.agents),
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
    degraded: d.degraded,
  };
}

export const OUTCOME_EVENTS: Record<string, OutcomeKind> = {
  OUTCOME_EVENT_IMPRESSION: 'impression',
  OUTCOME_EVENT_SKIP: 'skip',
  OUTCOME_EVENT_COMPLETE: 'complete',
  OUTCOME_EVENT_CLICK: 'click',
};

/** Most reports one ReportOutcomes call may carry. */
export const MAX_OUTCOME_REPORTS = 500;

/** One report; `field` prefixes the names of its fields in errors (e.g. "reports[3]"). */
export function outcomeFromWire(r: OutcomeReport__Output, nowMs: number, field = ''): OutcomeEventInput {
  const f = (name: string) => (field ? `${field}.${name}` : name);
  const idempotencyKey = requireId(r.idempotency_key, f('idempotency_key'));
  const event = enumValue(r.event, f('event'), OUTCOME_EVENTS);
  // Optional even for an impression: house ads served under the house-only
  // guard carry no reservation (there is nothing to settle).
  const reservationId = optionalId(r.reservation_id, f('reservation_id'));
  const skipOffsetMs = intInRange(r.skip_offset_ms, f('skip_offset_ms'), 0, MAX_SKIP_OFFSET_MS);
  if (skipOffsetMs > 0 && event !== 'skip')
    throw invalidArgument(f('skip_offset_ms'), 'only allowed with OUTCOME_EVENT_SKIP');
  const occurred = r.occurred_at_ms;
  if (!Number.isSafeInteger(occurred) || occurred < 0) {
    throw invalidArgument(f('occurred_at_ms'), `must be unix epoch milliseconds (0 = now), got ${occurred}`);
  }
  if (occurred > nowMs + MAX_FUTURE_SKEW_MS) {
    throw invalidArgument(f('occurred_at_ms'), `lies more than ${MAX_FUTURE_SKEW_MS / 1000} s in the future`);
  }
  return {
    idempotencyKey,
    requestId: optionalId(r.request_id, f('request_id')),
    reservationId,
    creativeId: requireId(r.creative_id, f('creative_id')),
    sessionId: optionalId(r.session_id, f('session_id')),
    event,
    skipOffsetMs,
    occurredAtMs: occurred === 0 ? nowMs : occurred,
  };
}

/** A batch of reports: every one checked before any is recorded (a bad batch changes nothing). */
export function outcomesFromWire(r: OutcomeReports__Output, nowMs: number): OutcomeEventInput[] {
  if (r.reports.length === 0) throw invalidArgument('reports', 'at least one report');
  if (r.reports.length > MAX_OUTCOME_REPORTS)
    throw invalidArgument('reports', `at most ${MAX_OUTCOME_REPORTS}`);
  return r.reports.map((report, i) => outcomeFromWire(report, nowMs, `reports[${i}]`));
}
