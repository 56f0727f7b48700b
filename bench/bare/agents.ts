/**
 * The bare agents of the benchmark's baseline mesh: each registry agent's
 * process serving the same Agent.Negotiate stream as the real agents
 * (`serveAgent` from the shared layer, coalescing included), but every
 * handler answers a canned reply built once at start-up: no validation, no
 * state, no model. What is left is the cost of the message exchanges
 * themselves. The canned messages have the real ones' shape and size (a
 * proposal of a full shortlist of candidates, a verdict for each), so the
 * baseline carries the bytes a real decision carries.
 *
 * Each agent counts the calls it answered, so a test can check that the
 * baseline does as many exchanges per decision as it claims.
 */
import type { Candidate } from '../../proto/gen/parley/v1/Candidate';
import type { ContextSnapshot } from '../../proto/gen/parley/v1/ContextSnapshot';
import {
  type AgentHandlers,
  CALL_KINDS,
  type CallKind,
  serveAgent,
} from '../../services/common/grpc/agent-stream';
import { SERVICE_NAMES, v1 } from '../../services/common/grpc/proto';
import { type RunningService, startServer } from '../../services/common/grpc/server';
import type { Logger } from '../../services/common/log';
import type { Role } from '../../services/common/registry';

/** Calls answered, by kind. */
export type ExchangeCounts = Record<CallKind, number>;

export interface BareAgent extends RunningService {
  /** Calls this agent answered so far (kinds it does not serve stay 0). */
  counts(): ExchangeCounts;
}

export interface BareAgentOptions {
  host: string;
  port: number;
  /** The roles it answers for, as the registry gives them. */
  roles: readonly Role[];
  /** Candidates in a proposal and verdicts in a critique (the real mesh's shortlist size). */
  shortlist: number;
  log: Logger;
}

/** The canned replies: shaped like real ones. */
export const BARE_SNAPSHOT: ContextSnapshot = {
  scenario: 'SCENARIO_COMMUTE',
  focus_level: 0.5,
  receptiveness: 0.5,
  skip_risk: 0.3,
  features: [0.1, 0.2, 0.3, 0.4],
  model_version: 'bare',
  session_ads_heard: 0,
  is_default: false,
};

export function bareCandidate(i: number): Required<Candidate> {
  return {
    creative_id: `bare-creative-${i}`,
    campaign_id: `bare-campaign-${i}`,
    advertiser_id: `bare-advertiser-${i}`,
    category: 'bare',
    duration_ms: 15_000,
    price_micros: 10_000,
    tier: 'standard',
    p_skip: 0.3,
    p_complete: 0.6,
    p_engage: 0.05,
    policy_score: 0.5,
    audio_url: 'https://example.invalid/bare.mp3',
    separation_categories: [],
  };
}

export function bareCandidates(n: number): Array<Required<Candidate>> {
  return Array.from({ length: Math.max(1, n) }, (_, i) => bareCandidate(i));
}

export async function startBareAgent(name: string, opts: BareAgentOptions): Promise<BareAgent> {
  const counts = Object.fromEntries(CALL_KINDS.map((k) => [k, 0])) as ExchangeCounts;
  const candidates = bareCandidates(opts.shortlist);
  const proposal = {
    candidates,
    removed: [],
    model_version: 'bare',
    eligible_total: candidates.length,
    exhausted: false,
  };
  const critique = {
    verdicts: candidates.map((c) => ({
      creative_id: c.creative_id,
      eligible: true,
      value: 1,
      pacing_multiplier: 1,
      goal: 'awareness',
    })),
    model_version: 'bare',
  };
  const commit = {
    results: [
      { creative_id: candidates[0]!.creative_id, reserved: true, reservation_id: 'bare-reservation' },
    ],
  };
  const handlers: AgentHandlers = {};
  const has = (r: Role) => opts.roles.includes(r);
  if (has('context')) {
    handlers.assess = () => {
      counts.assess++;
      return BARE_SNAPSHOT;
    };
  }
  if (has('proposer')) {
    handlers.propose = () => {
      counts.propose++;
      return proposal;
    };
  }
  if (has('critic')) {
    handlers.critique = () => {
      counts.critique++;
      return critique;
    };
  }
  if (has('committer')) {
    handlers.commit = () => {
      counts.commit++;
      return commit;
    };
  }
  const server = await startServer({
    host: opts.host,
    port: opts.port,
    serviceNames: [SERVICE_NAMES.agent],
    services: [[v1.Agent.service, { Negotiate: serveAgent(handlers, opts.log) }]],
    log: opts.log,
  });
  return {
    name,
    address: server.address,
    port: server.port,
    counts: () => ({ ...counts }),
    close: () => server.shutdown(500),
  };
}
