/**
 * The bare broker of the benchmark's baseline mesh: serves AdDecision.Decide
 * with the shared `startServer`/`unary` plumbing and talks to the agents over
 * the shared `MuxClient` (one persistent multiplexed bidi stream per agent,
 * exactly as the real broker does), but does no work of its own: per
 * decision it makes the same message exchanges as the real mesh (one
 * context assess; per round one inventory propose and one objective
 * evaluate; one objective commit) and answers a canned response.
 *
 * `rounds` may be fractional (the real mesh's measured mean): decision n
 * then does floor(rounds) or ceil(rounds) rounds so that the running mean
 * matches (see roundsForDecision).
 */
import * as grpc from '@grpc/grpc-js';
import type { AssessCall } from '../../proto/gen/parley/v1/AssessCall';
import type { AssessReply__Output } from '../../proto/gen/parley/v1/AssessReply';
import type { DecideRequest__Output } from '../../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse } from '../../proto/gen/parley/v1/DecideResponse';
import type { ObjectiveCall } from '../../proto/gen/parley/v1/ObjectiveCall';
import type { ObjectiveReply__Output } from '../../proto/gen/parley/v1/ObjectiveReply';
import type { ProposeCall } from '../../proto/gen/parley/v1/ProposeCall';
import type { ProposeReply__Output } from '../../proto/gen/parley/v1/ProposeReply';
import { MuxClient } from '../../services/common/grpc/mux';
import { SERVICE_NAMES, v1 } from '../../services/common/grpc/proto';
import { type RunningService, startServer, unary } from '../../services/common/grpc/server';
import type { Logger } from '../../services/common/log';
import { BARE_CANDIDATE } from './agents';

export interface BareBrokerOptions {
  host: string;
  port: number;
  addresses: { context: string; inventory: string; objective: string };
  /** Mean negotiation rounds per decision, >= 1 (may be fractional). */
  rounds: number;
  log: Logger;
}

/** Longest a bare hop may take before the bare broker gives up on it. */
const HOP_TIMEOUT_MS = 2000;

/**
 * Rounds of the n-th decision (0-based) for a mean of `mean` rounds: the
 * first n decisions together do round(n * mean) rounds, give or take one.
 */
export function roundsForDecision(n: number, mean: number): number {
  if (!Number.isFinite(mean) || mean < 1) throw new RangeError(`rounds: expected a number >= 1, got ${mean}`);
  return Math.floor((n + 1) * mean + 1e-9) - Math.floor(n * mean + 1e-9);
}

export async function startBareBroker(opts: BareBrokerOptions): Promise<RunningService> {
  roundsForDecision(0, opts.rounds); // validates
  const creds = grpc.credentials.createInsecure();
  const contextClient = new v1.ContextAgent(opts.addresses.context, creds);
  const inventoryClient = new v1.InventoryAgent(opts.addresses.inventory, creds);
  const objectiveClient = new v1.ObjectiveAgent(opts.addresses.objective, creds);
  const context = new MuxClient<AssessCall, AssessReply__Output>(
    () => contextClient.AssessStream(),
    'parley.v1.ContextAgent/AssessStream',
  );
  const inventory = new MuxClient<ProposeCall, ProposeReply__Output>(
    () => inventoryClient.Negotiate(),
    'parley.v1.InventoryAgent/Negotiate',
  );
  const objective = new MuxClient<ObjectiveCall, ObjectiveReply__Output>(
    () => objectiveClient.Negotiate(),
    'parley.v1.ObjectiveAgent/Negotiate',
  );
  let decisions = 0;

  const decide = async (req: DecideRequest__Output): Promise<DecideResponse> => {
    const rounds = roundsForDecision(decisions++, opts.rounds);
    const assessed = await context.call({ request: { signals: req.signals } }, HOP_TIMEOUT_MS);
    for (let round = 1; round <= rounds; round++) {
      await inventory.call(
        {
          request: {
            request_id: req.request_id,
            round,
            slot: req.slot,
            signals: req.signals,
            context: assessed.snapshot,
          },
        },
        HOP_TIMEOUT_MS,
      );
      await objective.call(
        { evaluate: { request_id: req.request_id, round, candidates: [BARE_CANDIDATE] } },
        HOP_TIMEOUT_MS,
      );
    }
    await objective.call(
      {
        commit: {
          request_id: req.request_id,
          session_id: req.signals?.session_id ?? '',
          reservations: [
            { creative_id: BARE_CANDIDATE.creative_id, amount_micros: BARE_CANDIDATE.price_micros },
          ],
        },
      },
      HOP_TIMEOUT_MS,
    );
    return {
      request_id: req.request_id,
      ads: [
        {
          pod_position: 0,
          creative_id: BARE_CANDIDATE.creative_id,
          campaign_id: BARE_CANDIDATE.campaign_id,
          advertiser_id: BARE_CANDIDATE.advertiser_id,
          category: BARE_CANDIDATE.category,
          duration_ms: BARE_CANDIDATE.duration_ms,
          price_micros: BARE_CANDIDATE.price_micros,
          reservation_id: 'bare-reservation',
          audio_url: BARE_CANDIDATE.audio_url,
          tier: BARE_CANDIDATE.tier,
        },
      ],
      why: { rounds, scenario: 'SCENARIO_COMMUTE', summary: 'bare', utility: 1 },
    };
  };

  const server = await startServer({
    host: opts.host,
    port: opts.port,
    serviceNames: [SERVICE_NAMES.adDecision],
    services: [[v1.AdDecision.service, { Decide: unary('parley.v1.AdDecision/Decide', decide, opts.log) }]],
    log: opts.log,
  });
  return {
    name: 'broker',
    address: server.address,
    port: server.port,
    close: async () => {
      await server.shutdown(500);
      for (const c of [context, inventory, objective]) c.close();
      for (const c of [contextClient, inventoryClient, objectiveClient]) c.close();
    },
  };
}
