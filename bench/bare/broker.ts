/**
 * The bare broker of the benchmark's baseline mesh: serves AdDecision.Decide
 * with the shared `startServer`/`unary` plumbing and talks to the registry's
 * agents over the shared AgentLink (one coalescing Agent.Negotiate stream
 * per agent, exactly as the real broker does), but does no work of its own:
 * per decision it makes the same calls as the real mesh (the context
 * agent's assess; per round every proposer's propose, then every critic's
 * critique, in parallel; the committer's commit) with canned requests of
 * the real ones' shape, and answers a canned response.
 *
 * `rounds` may be fractional (the real mesh's measured mean): decision n
 * then does floor(rounds) or ceil(rounds) rounds so that the running mean
 * matches (see roundsForDecision).
 */
import type { DecideRequest__Output } from '../../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse } from '../../proto/gen/parley/v1/DecideResponse';
import { decideStream } from '../../services/broker/decide-stream';
import { AgentLink } from '../../services/common/grpc/agent-stream';
import { SERVICE_NAMES, v1 } from '../../services/common/grpc/proto';
import { type RunningService, startServer, unary } from '../../services/common/grpc/server';
import type { Logger } from '../../services/common/log';
import type { AgentEntry } from '../../services/common/registry';
import { BARE_SNAPSHOT, bareCandidates } from './agents';

export interface BareBrokerOptions {
  host: string;
  port: number;
  /** The registry's agents (names, roles, addresses). */
  agents: readonly AgentEntry[];
  /** Mean negotiation rounds per decision, >= 1 (may be fractional). */
  rounds: number;
  /** Candidates per proposal and critique (the real mesh's shortlist size). */
  shortlist: number;
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
  const links = new Map(opts.agents.map((a) => [a.name, new AgentLink(a.name, a.address)]));
  const withRole = (role: AgentEntry['roles'][number]) =>
    opts.agents.filter((a) => a.roles.includes(role)).map((a) => links.get(a.name)!);
  const context = withRole('context')[0];
  const proposers = withRole('proposer');
  const critics = withRole('critic');
  const committer = withRole('committer')[0];
  const candidates = bareCandidates(opts.shortlist);
  const winner = candidates[0]!;
  let decisions = 0;

  const decide = async (req: DecideRequest__Output): Promise<DecideResponse> => {
    const rounds = roundsForDecision(decisions++, opts.rounds);
    const snapshot = context
      ? await context.call('assess', { signals: req.signals }, HOP_TIMEOUT_MS)
      : BARE_SNAPSHOT;
    const context_ = { ...snapshot, features: [] };
    for (let round = 1; round <= rounds; round++) {
      await Promise.all(
        proposers.map((p) =>
          p.call(
            'propose',
            {
              request_id: req.request_id,
              round,
              slot: req.slot,
              signals: req.signals,
              context: context_,
              shortlist_size: opts.shortlist,
            },
            HOP_TIMEOUT_MS,
          ),
        ),
      );
      await Promise.all(
        critics.map((c) =>
          c.call(
            'critique',
            { request_id: req.request_id, round, signals: req.signals, context: context_, candidates },
            HOP_TIMEOUT_MS,
          ),
        ),
      );
    }
    await committer?.call(
      'commit',
      {
        request_id: req.request_id,
        session_id: req.signals?.session_id ?? '',
        reservations: [
          {
            creative_id: winner.creative_id,
            campaign_id: winner.campaign_id,
            amount_micros: winner.price_micros,
          },
        ],
      },
      HOP_TIMEOUT_MS,
    );
    return {
      request_id: req.request_id,
      ads: [
        {
          pod_position: 0,
          creative_id: winner.creative_id,
          campaign_id: winner.campaign_id,
          advertiser_id: winner.advertiser_id,
          category: winner.category,
          duration_ms: winner.duration_ms,
          price_micros: winner.price_micros,
          reservation_id: 'bare-reservation',
          audio_url: winner.audio_url,
          tier: winner.tier,
        },
      ],
      why: { rounds, scenario: 'SCENARIO_COMMUTE', summary: 'bare', utility: 1 },
    };
  };

  const decideCall = unary('parley.v1.AdDecision/Decide', decide, opts.log);
  const server = await startServer({
    host: opts.host,
    port: opts.port,
    serviceNames: [SERVICE_NAMES.adDecision],
    services: [
      [v1.AdDecision.service, { Decide: decideCall, DecideStream: decideStream(decideCall, opts.log) }],
    ],
    log: opts.log,
  });
  return {
    name: 'broker',
    address: server.address,
    port: server.port,
    close: async () => {
      await server.shutdown(500);
      for (const l of links.values()) l.close();
    },
  };
}
