/**
 * The bare agents of the benchmark's baseline mesh: the same three agent
 * services and the same multiplexed streams as the real agents
 * (`muxServer` from the shared layer), but every handler answers a canned
 * reply built once at start-up: no validation, no state, no model. What is
 * left is the cost of the message exchanges themselves.
 *
 * Each agent counts the messages it answered, so a test can check that the
 * baseline does as many exchanges per decision as it claims.
 */
import type { AssessCall__Output } from '../../proto/gen/parley/v1/AssessCall';
import type { AssessReply } from '../../proto/gen/parley/v1/AssessReply';
import type { Candidate } from '../../proto/gen/parley/v1/Candidate';
import type { ContextSnapshot } from '../../proto/gen/parley/v1/ContextSnapshot';
import type { ObjectiveCall__Output } from '../../proto/gen/parley/v1/ObjectiveCall';
import type { ObjectiveReply } from '../../proto/gen/parley/v1/ObjectiveReply';
import type { ProposeCall__Output } from '../../proto/gen/parley/v1/ProposeCall';
import type { ProposeReply } from '../../proto/gen/parley/v1/ProposeReply';
import { muxServer } from '../../services/common/grpc/mux';
import { SERVICE_NAMES, v1 } from '../../services/common/grpc/proto';
import { type RunningService, startServer } from '../../services/common/grpc/server';
import type { Logger } from '../../services/common/log';

export type BareAgentName = 'context' | 'inventory' | 'objective';

/** Messages answered, by kind. */
export interface ExchangeCounts {
  assess: number;
  propose: number;
  evaluate: number;
  commit: number;
}

export interface BareAgent extends RunningService {
  /** Messages this agent answered so far (kinds it does not serve stay 0). */
  counts(): ExchangeCounts;
}

export interface BareAgentOptions {
  host: string;
  port: number;
  log: Logger;
}

/** The canned replies: small but shaped like real ones. */
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

export const BARE_CANDIDATE: Required<Omit<Candidate, 'price_micros'>> & { price_micros: number } = {
  creative_id: 'bare-creative',
  campaign_id: 'bare-campaign',
  advertiser_id: 'bare-advertiser',
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

const PROPOSAL = {
  candidates: [BARE_CANDIDATE],
  removed: [],
  model_version: 'bare',
  eligible_total: 1,
  exhausted: false,
};
const COUNTER = {
  values: [
    {
      creative_id: BARE_CANDIDATE.creative_id,
      eligible: true,
      advertiser_value: 1,
      pacing_multiplier: 1,
      goal: 'awareness',
    },
  ],
  model_version: 'bare',
};
const COMMIT = {
  results: [{ creative_id: BARE_CANDIDATE.creative_id, reserved: true, reservation_id: 'bare-reservation' }],
};

export async function startBareAgent(name: BareAgentName, opts: BareAgentOptions): Promise<BareAgent> {
  const counts: ExchangeCounts = { assess: 0, propose: 0, evaluate: 0, commit: 0 };
  const { log } = opts;
  let def: Parameters<typeof startServer>[0]['services'][number];
  if (name === 'context') {
    def = [
      v1.ContextAgent.service,
      {
        AssessStream: muxServer<AssessCall__Output, AssessReply>(
          'parley.v1.ContextAgent/AssessStream',
          async () => {
            counts.assess++;
            return { snapshot: BARE_SNAPSHOT };
          },
          log,
        ),
      },
    ];
  } else if (name === 'inventory') {
    def = [
      v1.InventoryAgent.service,
      {
        Negotiate: muxServer<ProposeCall__Output, ProposeReply>(
          'parley.v1.InventoryAgent/Negotiate',
          async () => {
            counts.propose++;
            return { proposal: PROPOSAL };
          },
          log,
        ),
      },
    ];
  } else {
    def = [
      v1.ObjectiveAgent.service,
      {
        Negotiate: muxServer<ObjectiveCall__Output, ObjectiveReply>(
          'parley.v1.ObjectiveAgent/Negotiate',
          async (call) => {
            if (call.kind === 'commit') {
              counts.commit++;
              return { commit: COMMIT };
            }
            counts.evaluate++;
            return { counter: COUNTER };
          },
          log,
        ),
      },
    ];
  }
  const serviceName = SERVICE_NAMES[name];
  const server = await startServer({
    host: opts.host,
    port: opts.port,
    serviceNames: [serviceName],
    services: [def],
    log,
  });
  return {
    name,
    address: server.address,
    port: server.port,
    counts: () => ({ ...counts }),
    close: () => server.shutdown(500),
  };
}
