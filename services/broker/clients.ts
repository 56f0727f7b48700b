/**
 * The broker's ports over gRPC: one persistent multiplexed stream per agent
 * (context AssessStream, inventory Negotiate, objective Negotiate) plus the
 * unary RecordOutcome / Observe calls. Every reply is validated; a malformed
 * reply is that agent's failure (an RpcError), never a crash of the broker.
 */
import * as grpc from '@grpc/grpc-js';
import type { AssessCall } from '../../proto/gen/parley/v1/AssessCall';
import type { AssessReply__Output } from '../../proto/gen/parley/v1/AssessReply';
import type { CommitResponse__Output } from '../../proto/gen/parley/v1/CommitResponse';
import type { Counter__Output } from '../../proto/gen/parley/v1/Counter';
import type { ListenerSignals as WireSignals } from '../../proto/gen/parley/v1/ListenerSignals';
import type { ObjectiveCall } from '../../proto/gen/parley/v1/ObjectiveCall';
import type { ObjectiveReply__Output } from '../../proto/gen/parley/v1/ObjectiveReply';
import type { ObserveAck__Output } from '../../proto/gen/parley/v1/ObserveAck';
import type { OutcomeRecord } from '../../proto/gen/parley/v1/OutcomeRecord';
import type { Proposal__Output } from '../../proto/gen/parley/v1/Proposal';
import type { ProposeCall } from '../../proto/gen/parley/v1/ProposeCall';
import type { ProposeReply__Output } from '../../proto/gen/parley/v1/ProposeReply';
import type { RecordAck__Output } from '../../proto/gen/parley/v1/RecordAck';
import type { SessionObservation } from '../../proto/gen/parley/v1/SessionObservation';
import type { Config } from '../common/config';
import type {
  Candidate,
  CommitResult,
  Counter,
  Goal,
  Proposal,
  Signals,
  Snapshot,
} from '../common/domain/types';
import { callUnary } from '../common/grpc/client';
import {
  candidateFromWire,
  candidateToWire,
  outcomeToWire,
  reasonFromWire,
  rejectionFromWire,
  signalsToWire,
  slotToWire,
  snapshotFromWire,
  snapshotToWire,
} from '../common/grpc/convert';
import { messageOf, RpcError } from '../common/grpc/errors';
import { MuxClient } from '../common/grpc/mux';
import { v1 } from '../common/grpc/proto';
import { enumValue, intInRange, numberInRange, requireId, requireMessage } from '../common/grpc/validate';
import { ATTR, SPAN } from '../common/semconv';
import type { ContextPort, InventoryPort, ObjectivePort } from './ports';

/** Most candidates / rejections / values accepted in one reply. */
export const MAX_REPLY_ITEMS = 1000;

/** A reply that does not honour the contract: the agent failed. */
export function malformed(agent: string, err: unknown): RpcError {
  return new RpcError(grpc.status.INTERNAL, `${agent} agent sent a malformed reply: ${messageOf(err)}`);
}

function validated<T>(agent: string, convert: () => T): T {
  try {
    return convert();
  } catch (err) {
    throw malformed(agent, err);
  }
}

function bounded<T>(items: T[], field: string): T[] {
  if (items.length > MAX_REPLY_ITEMS) throw new Error(`${field}: more than ${MAX_REPLY_ITEMS} items`);
  return items;
}

const shortText = (s: string, max = 256) => s.slice(0, max);

export function proposalFromWire(p: Proposal__Output | null): Proposal {
  const w = requireMessage(p, 'proposal');
  return {
    candidates: bounded(w.candidates, 'proposal.candidates').map((c, i) =>
      candidateFromWire(c, `proposal.candidates[${i}]`),
    ),
    removed: bounded(w.removed, 'proposal.removed').map((r) => {
      const out = rejectionFromWire(r);
      return { ...out, creativeId: shortText(out.creativeId, 128), detail: shortText(out.detail) };
    }),
    modelVersion: shortText(w.model_version, 128),
    eligibleTotal: intInRange(w.eligible_total, 'proposal.eligible_total', 0, Number.MAX_SAFE_INTEGER),
    exhausted: w.exhausted,
  };
}

const GOALS: Record<string, Goal> = {
  awareness: 'awareness',
  conversion: 'conversion',
  engagement: 'engagement',
};

export function counterFromWire(c: Counter__Output | null | undefined): Counter {
  const w = requireMessage(c, 'counter');
  return {
    values: bounded(w.values, 'counter.values').map((v, i) => {
      const f = `counter.values[${i}]`;
      return {
        creativeId: requireId(v.creative_id, `${f}.creative_id`),
        eligible: v.eligible,
        reason: v.eligible ? null : reasonFromWire(v.reason),
        detail: shortText(v.detail),
        advertiserValue: numberInRange(v.advertiser_value, `${f}.advertiser_value`, -1e6, 1e6),
        pacingMultiplier: numberInRange(v.pacing_multiplier, `${f}.pacing_multiplier`, 0, 1e6),
        goal: v.goal === '' ? 'awareness' : enumValue(v.goal, `${f}.goal`, GOALS),
      };
    }),
    modelVersion: shortText(w.model_version, 128),
  };
}

export function commitResultsFromWire(c: CommitResponse__Output | null | undefined): CommitResult[] {
  const w = requireMessage(c, 'commit');
  return bounded(w.results, 'commit.results').map((r, i) => {
    const f = `commit.results[${i}]`;
    return {
      creativeId: requireId(r.creative_id, `${f}.creative_id`),
      reserved: r.reserved,
      reservationId: r.reserved ? requireId(r.reservation_id, `${f}.reservation_id`) : '',
      reason: r.reserved ? null : reasonFromWire(r.reason),
    };
  });
}

export function recordAckFromWire(a: RecordAck__Output): {
  accepted: boolean;
  duplicate: boolean;
  settledMicros: number;
} {
  return {
    accepted: a.accepted,
    duplicate: a.duplicate,
    settledMicros: intInRange(a.settled_micros, 'settled_micros', 0, Number.MAX_SAFE_INTEGER),
  };
}

/**
 * The snapshot as the inventory and objective agents get it: everything but
 * the context model's feature vector, which neither reads (the inventory
 * policy builds its own features from the scenario, focus, receptiveness
 * and skip risk; the objective agent does not use the context at all).
 * Leaving it out keeps every propose and evaluate message ~30 doubles smaller.
 */
export function agentSnapshotToWire(s: Snapshot): ReturnType<typeof snapshotToWire> {
  return { ...snapshotToWire(s), features: [] };
}

/**
 * A decision sends the same signals to the context agent and to the
 * inventory agent in every round: convert them (local time formatting
 * included) once per Signals object. Signals are never mutated.
 */
const wireSignals = new WeakMap<Signals, WireSignals>();
function cachedSignalsToWire(s: Signals): WireSignals {
  let w = wireSignals.get(s);
  if (!w) {
    w = signalsToWire(s);
    wireSignals.set(s, w);
  }
  return w;
}

/**
 * A candidate as the objective agent gets it: without the audio URL and the
 * separation categories, which it never reads (it values a candidate by its
 * campaign, price and predictions). Every evaluate message is that much smaller.
 */
function evaluatedCandidateToWire(c: Candidate): ReturnType<typeof candidateToWire> {
  return { ...candidateToWire(c), audio_url: '', separation_categories: [] };
}

export interface AgentClients {
  context: ContextPort;
  inventory: InventoryPort;
  objective: ObjectivePort;
  close(): void;
}

/** Timeout of the best-effort Observe call. */
const OBSERVE_TIMEOUT_MS = 1000;

/** Connects to the three agents; streams open on the first call and reopen after a break. */
export function connectAgents(addresses: Config['addresses']): AgentClients {
  const insecure = grpc.credentials.createInsecure();
  // Reconnect quickly after an agent restarts (grpc-js defaults to 1 s, growing):
  // while a channel is down calls fail fast and the decision uses its fallback.
  const options: grpc.ChannelOptions = {
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1000,
  };
  const contextClient = new v1.ContextAgent(addresses.context, insecure, options);
  const inventoryClient = new v1.InventoryAgent(addresses.inventory, insecure, options);
  const objectiveClient = new v1.ObjectiveAgent(addresses.objective, insecure, options);
  // Start connecting now, so the first decision does not pay for it.
  for (const c of [contextClient, inventoryClient, objectiveClient])
    c.getChannel().getConnectivityState(true);

  const assessMux = new MuxClient<AssessCall, AssessReply__Output>(
    () => contextClient.AssessStream(),
    SPAN.assess,
  );
  const proposeMux = new MuxClient<ProposeCall, ProposeReply__Output>(
    () => inventoryClient.Negotiate(),
    SPAN.propose,
  );
  const objectiveMux = new MuxClient<ObjectiveCall, ObjectiveReply__Output>(
    () => objectiveClient.Negotiate(),
    'parley.v1.ObjectiveAgent/Negotiate',
  );

  const context: ContextPort = {
    async assess(signals, timeoutMs): Promise<Snapshot> {
      const reply = await assessMux.call({ request: { signals: cachedSignalsToWire(signals) } }, timeoutMs);
      return validated('context', () => snapshotFromWire(reply.snapshot, 'snapshot'));
    },
    async observe(o) {
      await callUnary<SessionObservation, ObserveAck__Output>(
        'parley.v1.ContextAgent/Observe',
        contextClient.Observe.bind(contextClient),
        {
          session_id: o.sessionId,
          ad_served: o.adServed,
          ad_skipped: o.adSkipped,
          ad_completed: o.adCompleted,
        },
        OBSERVE_TIMEOUT_MS,
      );
    },
  };

  const inventory: InventoryPort = {
    async propose(input, timeoutMs) {
      const reply = await proposeMux.call(
        {
          request: {
            request_id: input.requestId,
            round: input.round,
            slot: slotToWire(input.slot),
            signals: cachedSignalsToWire(input.signals),
            context: agentSnapshotToWire(input.context),
            excluded_advertisers: input.excludedAdvertisers,
            excluded_categories: input.excludedCategories,
            shortlist_size: input.shortlistSize,
            exclude_creatives: input.excludeCreatives,
          },
        },
        timeoutMs,
        { [ATTR.requestId]: input.requestId, [ATTR.round]: input.round },
      );
      return validated('inventory', () => proposalFromWire(reply.proposal));
    },
  };

  const objective: ObjectivePort = {
    async evaluate(input, timeoutMs) {
      const reply = await objectiveMux.call(
        {
          evaluate: {
            request_id: input.requestId,
            round: input.round,
            session_id: input.sessionId,
            context: agentSnapshotToWire(input.context),
            candidates: input.candidates.map(evaluatedCandidateToWire),
          },
        },
        timeoutMs,
        { [ATTR.requestId]: input.requestId, [ATTR.round]: input.round },
        SPAN.evaluate,
      );
      return validated('objective', () => counterFromWire(reply.kind === 'counter' ? reply.counter : null));
    },
    async commit(input, timeoutMs) {
      const reply = await objectiveMux.call(
        {
          commit: {
            request_id: input.requestId,
            session_id: input.sessionId,
            reservations: input.reservations.map((r) => ({
              creative_id: r.creativeId,
              campaign_id: r.campaignId,
              amount_micros: r.amountMicros,
            })),
          },
        },
        timeoutMs,
        { [ATTR.requestId]: input.requestId },
        SPAN.commit,
      );
      return validated('objective', () =>
        commitResultsFromWire(reply.kind === 'commit' ? reply.commit : null),
      );
    },
    async recordOutcome(e, timeoutMs) {
      const ack = await callUnary<OutcomeRecord, RecordAck__Output>(
        SPAN.recordOutcome,
        objectiveClient.RecordOutcome.bind(objectiveClient),
        outcomeToWire(e),
        timeoutMs,
      );
      return validated('objective', () => recordAckFromWire(ack));
    },
  };

  return {
    context,
    inventory,
    objective,
    close() {
      assessMux.close();
      proposeMux.close();
      objectiveMux.close();
      contextClient.close();
      inventoryClient.close();
      objectiveClient.close();
    },
  };
}
