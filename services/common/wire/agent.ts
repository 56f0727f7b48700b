/**
 * agent.proto ⇄ domain, both directions, for every kind of call on the
 * Agent.Negotiate stream. `*FromWire` validates and throws INVALID_ARGUMENT
 * naming the field ("propose.slot.max_ads", "critique.verdicts[2].value");
 * the broker turns an agent's malformed reply into that agent's failure.
 * `*ToWire` cannot fail.
 */
import type { AssessRequest } from '../../../proto/gen/parley/v1/AssessRequest';
import type { Candidate__Output, Candidate as WireCandidate } from '../../../proto/gen/parley/v1/Candidate';
import type { CommitRequest, CommitRequest__Output } from '../../../proto/gen/parley/v1/CommitRequest';
import type { CommitResponse, CommitResponse__Output } from '../../../proto/gen/parley/v1/CommitResponse';
import type { ContextSnapshot } from '../../../proto/gen/parley/v1/ContextSnapshot';
import type { Critique__Output, Critique as WireCritique } from '../../../proto/gen/parley/v1/Critique';
import type { CritiqueRequest, CritiqueRequest__Output } from '../../../proto/gen/parley/v1/CritiqueRequest';
import type { ListenerSignals } from '../../../proto/gen/parley/v1/ListenerSignals';
import type { OutcomeRecord, OutcomeRecord__Output } from '../../../proto/gen/parley/v1/OutcomeRecord';
import type { OutcomeRecords } from '../../../proto/gen/parley/v1/OutcomeRecords';
import type { Proposal__Output, Proposal as WireProposal } from '../../../proto/gen/parley/v1/Proposal';
import type { ProposeRequest, ProposeRequest__Output } from '../../../proto/gen/parley/v1/ProposeRequest';
import type { RecordAck, RecordAck__Output } from '../../../proto/gen/parley/v1/RecordAck';
import type { ReleaseRequest, ReleaseRequest__Output } from '../../../proto/gen/parley/v1/ReleaseRequest';
import type { ChargeRefusal } from '../domain/outcomes';
import type {
  Candidate,
  CommitInput,
  CommitResult,
  Critique,
  CritiqueInput,
  Goal,
  OutcomeEventInput,
  OutcomeKind,
  Proposal,
  ProposeInput,
  Signals,
  Snapshot,
  Tier,
} from '../domain/types';
import { invalidArgument } from '../errors';
import {
  chargeRefusalFromWire,
  chargeRefusalToWire,
  MAX_ADS_PER_POD,
  reasonFromWire,
  rejectionFromWire,
  rejectionToWire,
  signalsFromWire,
  signalsToWire,
  slotFromWire,
  slotToWire,
  snapshotFromWire,
  snapshotToWire,
} from './common';
import {
  enumValue,
  idList,
  intInRange,
  numberInRange,
  optionalId,
  requireId,
  requireMessage,
  text,
} from './validate';

/** The signals of an assess call. */
export function assessRequestToWire(signals: Signals): AssessRequest {
  return { signals: signalsOnWire(signals) };
}

/** Most candidates, removals or verdicts one message may carry. */
export const MAX_ITEMS = 1000;
export const MAX_ROUNDS_ACCEPTED = 100;
export const MAX_SHORTLIST = 100;
/** Enough for every round of the largest shortlist. */
export const MAX_EXCLUDED_CREATIVES = 1000;
/** Largest amount one impression may reserve (1000 currency units). */
export const MAX_AMOUNT_MICROS = 1_000_000_000;
/** Most outcomes one call may carry. */
export const MAX_OUTCOMES = 1000;
export const MAX_EPOCH_MS = 8_640_000_000_000_000;

function bounded<T>(items: T[], field: string): T[] {
  if (items.length > MAX_ITEMS) throw invalidArgument(field, `at most ${MAX_ITEMS} items`);
  return items;
}

const shortText = (s: string, max = 256) => s.slice(0, max);

/**
 * One decision sends the same signals and context snapshot in every call of
 * every round: convert each object once (they are never mutated).
 */
const wireSignals = new WeakMap<Signals, ListenerSignals>();
function signalsOnWire(s: Signals): ListenerSignals {
  let w = wireSignals.get(s);
  if (!w) {
    w = signalsToWire(s);
    wireSignals.set(s, w);
  }
  return w;
}
const wireSnapshots = new WeakMap<Snapshot, ContextSnapshot>();
/** The snapshot as proposers and critics get it: the context model's feature vector stays with the context agent. */
function snapshotOnWire(s: Snapshot): ContextSnapshot {
  let w = wireSnapshots.get(s);
  if (!w) {
    w = { ...snapshotToWire(s), features: [] };
    wireSnapshots.set(s, w);
  }
  return w;
}

// ---------------------------------------------------------------------------
// candidates

const TIERS: Record<string, Tier> = { sponsorship: 'sponsorship', standard: 'standard', house: 'house' };

export function candidateFromWire(c: Candidate__Output, field: string): Candidate {
  return {
    creativeId: requireId(c.creative_id, `${field}.creative_id`),
    campaignId: requireId(c.campaign_id, `${field}.campaign_id`),
    advertiserId: requireId(c.advertiser_id, `${field}.advertiser_id`),
    category: text(c.category, `${field}.category`),
    durationMs: intInRange(c.duration_ms, `${field}.duration_ms`, 1, 180_000),
    priceMicros: intInRange(c.price_micros, `${field}.price_micros`, 0, 1e12),
    tier: enumValue(c.tier, `${field}.tier`, TIERS),
    pSkip: numberInRange(c.p_skip, `${field}.p_skip`, 0, 1),
    pComplete: numberInRange(c.p_complete, `${field}.p_complete`, 0, 1),
    pEngage: numberInRange(c.p_engage, `${field}.p_engage`, 0, 1),
    policyScore: numberInRange(c.policy_score, `${field}.policy_score`, -1e9, 1e9),
    audioUrl: c.audio_url.slice(0, 2048),
    separationCategories: idList(c.separation_categories, `${field}.separation_categories`, 16),
  };
}

export function candidateToWire(c: Candidate): WireCandidate {
  return {
    creative_id: c.creativeId,
    campaign_id: c.campaignId,
    advertiser_id: c.advertiserId,
    category: c.category,
    duration_ms: c.durationMs,
    price_micros: c.priceMicros,
    tier: c.tier,
    p_skip: c.pSkip,
    p_complete: c.pComplete,
    p_engage: c.pEngage,
    policy_score: c.policyScore,
    audio_url: c.audioUrl,
    separation_categories: c.separationCategories,
  };
}

// ---------------------------------------------------------------------------
// propose (role proposer)

export function proposeRequestToWire(p: ProposeInput): ProposeRequest {
  return {
    request_id: p.requestId,
    round: p.round,
    slot: slotToWire(p.slot),
    signals: signalsOnWire(p.signals),
    context: snapshotOnWire(p.context),
    excluded_advertisers: p.excludedAdvertisers,
    excluded_categories: p.excludedCategories,
    shortlist_size: p.shortlistSize,
    exclude_creatives: p.excludeCreatives,
  };
}

export function proposeInputFromWire(
  w: ProposeRequest__Output | null | undefined,
  defaultShortlistSize: number,
  field = 'propose',
): ProposeInput {
  const r = requireMessage(w, field);
  return {
    requestId: requireId(r.request_id, `${field}.request_id`),
    round: intInRange(r.round, `${field}.round`, 1, MAX_ROUNDS_ACCEPTED),
    slot: slotFromWire(r.slot, `${field}.slot`),
    signals: signalsFromWire(r.signals, `${field}.signals`),
    context: snapshotFromWire(r.context, `${field}.context`),
    excludedAdvertisers: idList(r.excluded_advertisers, `${field}.excluded_advertisers`),
    excludedCategories: idList(r.excluded_categories, `${field}.excluded_categories`).map((c) =>
      c.toLowerCase(),
    ),
    shortlistSize:
      r.shortlist_size === 0
        ? defaultShortlistSize
        : intInRange(r.shortlist_size, `${field}.shortlist_size`, 1, MAX_SHORTLIST),
    excludeCreatives: idList(r.exclude_creatives, `${field}.exclude_creatives`, MAX_EXCLUDED_CREATIVES),
  };
}

export function proposalToWire(p: Proposal): WireProposal {
  return {
    candidates: p.candidates.map(candidateToWire),
    removed: p.removed.map(rejectionToWire),
    model_version: p.modelVersion,
    eligible_total: p.eligibleTotal,
    exhausted: p.exhausted,
  };
}

export function proposalFromWire(w: Proposal__Output | null | undefined, field = 'proposal'): Proposal {
  const p = requireMessage(w, field);
  return {
    candidates: bounded(p.candidates, `${field}.candidates`).map((c, i) =>
      candidateFromWire(c, `${field}.candidates[${i}]`),
    ),
    removed: bounded(p.removed, `${field}.removed`).map((r) => {
      const out = rejectionFromWire(r);
      return { ...out, creativeId: shortText(out.creativeId, 128), detail: shortText(out.detail) };
    }),
    modelVersion: shortText(p.model_version, 128),
    eligibleTotal: intInRange(p.eligible_total, `${field}.eligible_total`, 0, Number.MAX_SAFE_INTEGER),
    exhausted: p.exhausted,
  };
}

// ---------------------------------------------------------------------------
// critique (role critic)

/** A candidate as critics get it: without the audio URL, which no critic reads. */
function criticCandidateToWire(c: Candidate) {
  return { ...candidateToWire(c), audio_url: '' };
}

export function critiqueRequestToWire(c: CritiqueInput): CritiqueRequest {
  return {
    request_id: c.requestId,
    round: c.round,
    signals: signalsOnWire(c.signals),
    context: snapshotOnWire(c.context),
    candidates: c.candidates.map(criticCandidateToWire),
  };
}

export function critiqueInputFromWire(
  w: CritiqueRequest__Output | null | undefined,
  field = 'critique',
): CritiqueInput {
  const r = requireMessage(w, field);
  return {
    requestId: requireId(r.request_id, `${field}.request_id`),
    round: intInRange(r.round, `${field}.round`, 0, MAX_ROUNDS_ACCEPTED),
    signals: signalsFromWire(r.signals, `${field}.signals`),
    context: snapshotFromWire(r.context, `${field}.context`),
    candidates: bounded(r.candidates, `${field}.candidates`).map((c, i) =>
      candidateFromWire(c, `${field}.candidates[${i}]`),
    ),
  };
}

export function critiqueToWire(c: Critique): WireCritique {
  return {
    verdicts: c.verdicts.map((v) => ({
      creative_id: v.creativeId,
      eligible: v.eligible,
      reason: v.reason ?? 'REASON_UNSPECIFIED',
      detail: v.detail,
      value: v.value,
      pacing_multiplier: v.pacingMultiplier,
      goal: v.goal,
      lift_multiplier: v.liftMultiplier ?? 0,
    })),
    model_version: c.modelVersion,
  };
}

const GOALS: Record<string, Goal | ''> = {
  '': '',
  awareness: 'awareness',
  conversion: 'conversion',
  engagement: 'engagement',
};

export function critiqueFromWire(w: Critique__Output | null | undefined, field = 'critique'): Critique {
  const c = requireMessage(w, field);
  return {
    verdicts: bounded(c.verdicts, `${field}.verdicts`).map((v, i) => {
      const f = `${field}.verdicts[${i}]`;
      return {
        creativeId: requireId(v.creative_id, `${f}.creative_id`),
        eligible: v.eligible,
        reason: v.eligible ? null : reasonFromWire(v.reason),
        detail: shortText(v.detail),
        value: numberInRange(v.value, `${f}.value`, -1e6, 1e6),
        pacingMultiplier: numberInRange(v.pacing_multiplier, `${f}.pacing_multiplier`, 0, 1e6),
        goal: enumValue(v.goal, `${f}.goal`, GOALS),
        ...(v.lift_multiplier !== 0
          ? { liftMultiplier: numberInRange(v.lift_multiplier, `${f}.lift_multiplier`, 0, 1e6) }
          : {}),
      };
    }),
    modelVersion: shortText(c.model_version, 128),
  };
}

// ---------------------------------------------------------------------------
// commit and release (role committer)

export function commitRequestToWire(c: CommitInput): CommitRequest {
  return {
    request_id: c.requestId,
    session_id: c.sessionId,
    reservations: c.reservations.map((r) => ({
      creative_id: r.creativeId,
      campaign_id: r.campaignId,
      amount_micros: r.amountMicros,
    })),
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

export function commitResultsToWire(results: CommitResult[]): CommitResponse {
  return {
    results: results.map((r) => ({
      creative_id: r.creativeId,
      reserved: r.reserved,
      reservation_id: r.reservationId,
      reason: r.reason ?? 'REASON_UNSPECIFIED',
    })),
  };
}

export function commitResultsFromWire(
  w: CommitResponse__Output | null | undefined,
  field = 'commit',
): CommitResult[] {
  const c = requireMessage(w, field);
  return bounded(c.results, `${field}.results`).map((r, i) => {
    const f = `${field}.results[${i}]`;
    return {
      creativeId: requireId(r.creative_id, `${f}.creative_id`),
      reserved: r.reserved,
      reservationId: r.reserved ? requireId(r.reservation_id, `${f}.reservation_id`) : '',
      reason: r.reserved ? null : reasonFromWire(r.reason),
    };
  });
}

export function releaseToWire(requestId: string, reservationIds: string[]): ReleaseRequest {
  return { request_id: requestId, reservation_ids: reservationIds };
}

export function releaseFromWire(
  w: ReleaseRequest__Output | null | undefined,
  field = 'release',
): { requestId: string; reservationIds: string[] } {
  const r = requireMessage(w, field);
  return {
    requestId: requireId(r.request_id, `${field}.request_id`),
    reservationIds: idList(r.reservation_ids, `${field}.reservation_ids`, MAX_ADS_PER_POD * 2),
  };
}

// ---------------------------------------------------------------------------
// outcomes (roles committer and context)

const EVENTS: Record<string, OutcomeKind> = {
  impression: 'impression',
  skip: 'skip',
  complete: 'complete',
  click: 'click',
};

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

export function outcomesToWire(events: readonly OutcomeEventInput[]): OutcomeRecords {
  return { records: events.map(outcomeToWire) };
}

/** Every record checked before any is used: a bad batch changes nothing. */
export function outcomesFromWire(
  w: { records: OutcomeRecord__Output[] } | null | undefined,
  field = 'outcomes',
): OutcomeEventInput[] {
  const o = requireMessage(w, field);
  if (o.records.length > MAX_OUTCOMES) throw invalidArgument(`${field}.records`, `at most ${MAX_OUTCOMES}`);
  return o.records.map((r, i) => outcomeFromWire(r, `${field}.records[${i}]`));
}

export interface OutcomeAckData {
  accepted: boolean;
  duplicate: boolean;
  /** Micros this event charged (on time, or late: see `late`). */
  settledMicros: number;
  /** Charged after its reservation had expired. */
  late: boolean;
  /** Why an impression charged nothing; null when charged, and for other events. */
  refusal: ChargeRefusal | null;
}

export function ackToWire(a: OutcomeAckData): RecordAck {
  return {
    accepted: a.accepted,
    duplicate: a.duplicate,
    settled_micros: a.settledMicros,
    late: a.late,
    refusal: chargeRefusalToWire(a.refusal),
  };
}

export function ackFromWire(a: RecordAck__Output, field = 'ack'): OutcomeAckData {
  return {
    accepted: a.accepted,
    duplicate: a.duplicate,
    settledMicros: intInRange(a.settled_micros, `${field}.settled_micros`, 0, Number.MAX_SAFE_INTEGER),
    late: a.late,
    refusal: chargeRefusalFromWire(a.refusal),
  };
}

export function outcomeToWire(e: OutcomeEventInput): OutcomeRecord {
  return {
    idempotency_key: e.idempotencyKey,
    request_id: e.requestId,
    reservation_id: e.reservationId,
    creative_id: e.creativeId,
    session_id: e.sessionId,
    event: e.event,
    skip_offset_ms: e.skipOffsetMs,
    occurred_at_ms: e.occurredAtMs,
  };
}
