/**
 * In-memory agents for the broker's unit tests. Each fake records its calls;
 * behaviour is a plain function the test replaces.
 */
import type { DecideRequest__Output } from '../../../proto/gen/parley/v1/DecideRequest';
import type { OutcomeReport__Output } from '../../../proto/gen/parley/v1/OutcomeReport';
import { FallbackCache } from '../../../services/broker/fallbacks';
import type {
  DecisionRequest,
  NegotiationDeps,
  NegotiationSettings,
} from '../../../services/broker/negotiation';
import {
  type NegotiationAgents,
  type OutcomeAck,
  type OutcomePorts,
  specOf,
} from '../../../services/broker/ports';
import { DEFAULT_REGISTRY } from '../../../services/common/config';
import type {
  Candidate,
  CommitInput,
  CommitResult,
  Counter,
  EvaluateInput,
  OutcomeEventInput,
  Proposal,
  ProposeInput,
  Signals,
  Slot,
  Snapshot,
} from '../../../services/common/domain/types';
import { DomainError } from '../../../services/common/errors';
import { agentNamed, loadRegistry } from '../../../services/common/registry';
import { critiqueOf } from '../../../services/objective/agent';

export const hang = <T>(): Promise<T> => new Promise<T>(() => undefined);

/**
 * Settles with fn's value if it settles before a plain timer set for `ms`
 * (created after fn's own deadline) fires; rejects otherwise. Node fires
 * timers in due order, so on a busy machine the code under test's earlier
 * timers still run first: the check stays fair under load, unlike a
 * comparison of wall-clock elapsed time.
 */
export async function withinDeadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const missed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`missed its ${ms} ms deadline`)), ms);
  });
  try {
    return await Promise.race([fn(), missed]);
  } finally {
    clearTimeout(timer);
  }
}

export function cand(id: string, over: Partial<Candidate> = {}): Candidate {
  return {
    creativeId: id,
    campaignId: `camp-${id}`,
    advertiserId: `adv-${id}`,
    category: 'retail',
    durationMs: 15_000,
    priceMicros: 20_000,
    tier: 'standard',
    pSkip: 0.2,
    pComplete: 0.7,
    pEngage: 0.05,
    policyScore: 0.5,
    audioUrl: `https://cdn.example/${id}.mp3`,
    separationCategories: [],
    ...over,
  };
}

export function proposal(candidates: Candidate[], over: Partial<Proposal> = {}): Proposal {
  return {
    candidates,
    removed: [],
    modelVersion: 'inv-v1',
    eligibleTotal: candidates.length,
    exhausted: false,
    ...over,
  };
}

export const SIGNALS: Signals = {
  sessionId: 'sess-1',
  device: 'mobile',
  localTime: { epochMs: Date.UTC(2026, 10, 27, 7, 15), offsetMinutes: 60, hour: 8, dayOfWeek: 5 },
  trackGenre: 'pop',
  previousGenre: 'pop',
  recentSkips: 0,
  playlistKind: 'editorial',
  activityHint: 'commute',
  explicitContent: false,
  country: 'SE',
  content: null,
};

export const SLOT: Slot = { slotId: 'slot-1', position: 'mid', maxAds: 1, maxTotalDurationMs: 30_000 };

export const SNAPSHOT: Snapshot = {
  scenario: 'workout',
  focusLevel: 0.3,
  receptiveness: 0.7,
  skipRisk: 0.2,
  features: [0.1, 0.2],
  modelVersion: 'ctx-v3',
  sessionAdsHeard: 1,
  isDefault: false,
};

export const SETTINGS: NegotiationSettings = {
  weights: { listener: 1, advertiser: 1, platform: 1 },
  revenueScaleMicros: 30_000,
  priceFloorMicros: 2_000,
  maxRounds: 3,
  shortlistSize: 8,
};

export function request(over: Partial<DecisionRequest> = {}): DecisionRequest {
  return {
    requestId: 'req-1',
    slot: SLOT,
    signals: SIGNALS,
    excludedAdvertisers: [],
    excludedCategories: [],
    deadline: Date.now() + 1000,
    ...over,
  };
}

/** Eligible for everything, advertiser value 0.5. */
export function allEligible(input: EvaluateInput): Promise<Counter> {
  return Promise.resolve({
    values: input.candidates.map((c) => ({
      creativeId: c.creativeId,
      eligible: true,
      reason: null,
      detail: '',
      advertiserValue: 0.5,
      pacingMultiplier: 1,
      goal: 'awareness' as const,
    })),
    modelVersion: 'obj-v2',
  });
}

/** Reserves everything. */
export function reserveAll(input: CommitInput): Promise<CommitResult[]> {
  return Promise.resolve(
    input.reservations.map((r) => ({
      creativeId: r.creativeId,
      reserved: true,
      reservationId: `res-${r.creativeId}`,
      reason: null,
    })),
  );
}

/** The registry's agents as the negotiation knows them (services/agents.yaml). */
const REGISTRY = loadRegistry(DEFAULT_REGISTRY, {}, '127.0.0.1');
export const SPECS = {
  context: specOf(agentNamed(REGISTRY, 'context')),
  inventory: specOf(agentNamed(REGISTRY, 'inventory')),
  objective: specOf(agentNamed(REGISTRY, 'objective')),
};

/** Settles as `p` does, or rejects DEADLINE_EXCEEDED after `ms` (a port never hangs: ports.ts). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DomainError('deadline_exceeded', `${what}: no answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export interface Fakes {
  deps: NegotiationDeps;
  outcomes: OutcomePorts;
  calls: {
    assess: number;
    propose: ProposeInput[];
    evaluate: EvaluateInput[];
    commit: CommitInput[];
    release: Array<{ requestId: string; reservationIds: string[] }>;
    record: OutcomeEventInput[];
    observe: OutcomeEventInput[];
  };
  behave: {
    assess: (s: Signals) => Promise<Snapshot>;
    propose: (input: ProposeInput) => Promise<Proposal>;
    evaluate: (input: EvaluateInput) => Promise<Counter>;
    commit: (input: CommitInput) => Promise<CommitResult[]>;
    record: (e: OutcomeEventInput) => Promise<OutcomeAck>;
  };
}

export function fakes(settings: Partial<NegotiationSettings> = {}): Fakes {
  const calls: Fakes['calls'] = {
    assess: 0,
    propose: [],
    evaluate: [],
    commit: [],
    release: [],
    record: [],
    observe: [],
  };
  const behave: Fakes['behave'] = {
    assess: () => Promise.resolve(SNAPSHOT),
    propose: () => Promise.resolve(proposal([], { exhausted: true })),
    evaluate: allEligible,
    commit: reserveAll,
    record: () =>
      Promise.resolve({ accepted: true, duplicate: false, settledMicros: 20, late: false, refusal: null }),
  };
  const agents: NegotiationAgents = {
    context: {
      spec: SPECS.context,
      assess: (s, ms) => {
        calls.assess++;
        return within(behave.assess(s), ms, 'assess');
      },
    },
    proposers: [
      {
        spec: SPECS.inventory,
        propose: (input, ms) => {
          calls.propose.push(structuredClone(input));
          return within(behave.propose(input), ms, 'propose');
        },
      },
    ],
    critics: [
      {
        spec: SPECS.objective,
        critique: (input, ms) => {
          const evaluate: EvaluateInput = {
            requestId: input.requestId,
            round: input.round,
            sessionId: input.signals.sessionId,
            context: input.context,
            candidates: input.candidates,
          };
          calls.evaluate.push(structuredClone(evaluate));
          return within(behave.evaluate(evaluate).then(critiqueOf), ms, 'critique');
        },
      },
    ],
    committer: {
      spec: SPECS.objective,
      commit: (input, ms) => {
        calls.commit.push(structuredClone(input));
        return within(behave.commit(input), ms, 'commit');
      },
      release: async (requestId, reservationIds) => {
        calls.release.push({ requestId, reservationIds });
        return 0;
      },
    },
  };
  const outcomes: OutcomePorts = {
    record: async (events) => {
      const acks: OutcomeAck[] = [];
      for (const e of events) {
        calls.record.push(e);
        acks.push(await behave.record(e));
      }
      return acks;
    },
    observe: async (events) => {
      calls.observe.push(...events);
    },
  };
  const deps: NegotiationDeps = {
    agents,
    fallbacks: new FallbackCache(16),
    settings: { ...SETTINGS, ...settings },
  };
  return { deps, outcomes, calls, behave };
}

/** A valid DecideRequest as it arrives off the wire. */
export function wireDecide(over: Partial<DecideRequest__Output> = {}): DecideRequest__Output {
  return {
    request_id: 'req-1',
    slot: { slot_id: 'slot-1', position: 'POSITION_MID_ROLL', max_ads: 2, max_total_duration_ms: 30_000 },
    signals: {
      session_id: 'sess-1',
      device: 'DEVICE_MOBILE',
      local_time: '2026-11-27T08:15:00+01:00',
      track_genre: 'Pop',
      previous_genre: 'rock',
      recent_skips: 1,
      playlist_kind: 'PLAYLIST_KIND_EDITORIAL',
      activity_hint: 'SCENARIO_COMMUTE',
      explicit_content: false,
      country: 'SE',
      content: null,
      listener_id: '',
    },
    excluded_advertisers: [],
    excluded_categories: [],
    deadline_ms: 0,
    dry_run: false,
    ...over,
  };
}

/** A valid OutcomeReport as it arrives off the wire. */
export function wireOutcome(over: Partial<OutcomeReport__Output> = {}): OutcomeReport__Output {
  return {
    idempotency_key: 'idem-1',
    request_id: 'req-1',
    reservation_id: 'res-1',
    creative_id: 'cr-1',
    session_id: 'sess-1',
    event: 'OUTCOME_EVENT_IMPRESSION',
    skip_offset_ms: 0,
    occurred_at_ms: 0,
    ...over,
  };
}
