/**
 * The inventory agent's gRPC server: the role proposer on the broker's
 * Agent.Negotiate stream, each propose call one negotiation round. The
 * handler only validates, converts and calls InventoryAgent.propose.
 *
 * The catalogue is watched at config.cataloguePath (re-read every
 * config.catalogueReloadMs; a broken edit keeps the last good one). When
 * `policyPath` is given, a policy weights file there is watched the same way
 * and hot-swapped (see policy.ts for its format). With config.offerPolicyPath
 * set, the offer policy there chooses the shortlist from a larger ranked pool
 * (offer.ts). With config.online on, the agent also learns from the outcome
 * log as it runs (online.ts).
 */

import type { ModelHolder } from '../../learning/artifacts';
import { watchCatalogue } from '../common/catalogue/load';
import type { Config } from '../common/config';
import { startAgentServer } from '../common/grpc/agent-stream';
import type { RunningService } from '../common/grpc/server';
import type { Logger } from '../common/log';
import { ATTR } from '../common/semconv';
import { proposalToWire, proposeInputFromWire } from '../common/wire/agent';
import { InventoryAgent, type OfferInUse } from './agent';
import { watchOfferPolicy } from './offer';
import { type OnlineLearning, startOnlineLearning } from './online';
import { PolicyHolder, watchPolicyFile } from './policy';

/** This agent's name in the registry (services/agents.yaml). */
export const AGENT_NAME = 'inventory';

export interface InventoryAgentService extends RunningService {
  agent: InventoryAgent;
  policy: PolicyHolder;
  /** null when config.online.enabled is false. */
  online: OnlineLearning | null;
  /** The offer policy in use; null when no offer policy path is configured. */
  offer: ModelHolder<OfferInUse> | null;
}

export async function startInventoryAgent({
  config,
  log,
  policyPath = config.policyPath,
  policy = new PolicyHolder(),
  clock = Date.now,
  offerPath = config.offerPolicyPath,
}: {
  config: Config;
  log: Logger;
  /** Weights file to load and hot-swap (format: policy.ts); defaults to config.policyPath. */
  policyPath?: string;
  policy?: PolicyHolder;
  /** Time source for flight dates (tests pin it). */
  clock?: () => number;
  /** Offer policy file to load and hot-swap; defaults to config.offerPolicyPath ('' = none). */
  offerPath?: string;
}): Promise<InventoryAgentService> {
  const catalogue = watchCatalogue(config.cataloguePath, config.catalogueReloadMs, log);
  const policyWatch = policyPath ? watchPolicyFile(policy, policyPath, config.catalogueReloadMs, log) : null;
  const online = config.online.enabled ? startOnlineLearning({ config, log, holder: policy }) : null;
  const offerWatch = offerPath ? watchOfferPolicy(offerPath, config.catalogueReloadMs, log) : null;
  if (offerWatch) log.info('offer policy', { path: offerPath, version: offerWatch.holder.version });
  const agent = new InventoryAgent({
    catalogue: catalogue.current,
    policy,
    weights: config.weights,
    revenueScaleMicros: config.revenueScaleMicros,
    remember: online?.remember,
    offer: offerWatch?.holder ?? null,
  });

  const server = await startAgentServer({
    config,
    name: AGENT_NAME,
    log,
    handlers: {
      propose(req, { span }) {
        const input = proposeInputFromWire(req, config.shortlistSize);
        const proposal = agent.propose(input, clock());
        span?.setAttributes({
          [ATTR.requestId]: input.requestId,
          [ATTR.round]: input.round,
          [ATTR.candidatesProposed]: proposal.candidates.length,
          [ATTR.candidatesEligible]: proposal.eligibleTotal,
          [ATTR.candidatesRemoved]: proposal.removedTotal,
          [ATTR.modelVersion]: proposal.modelVersion,
          [ATTR.scenario]: input.context.scenario,
        });
        return proposalToWire(proposal);
      },
    },
    close: async () => {
      await online?.close();
      catalogue.close();
      policyWatch?.close();
      offerWatch?.close();
    },
    details: { modelVersion: policy.version },
    models: () => ({
      'inventory.policy': policy.version,
      ...(offerWatch ? { 'inventory.offer': offerWatch.holder.version } : {}),
    }),
  });
  return { ...server, agent, policy, online, offer: offerWatch?.holder ?? null };
}

/** The registry starts an agent by its folder's `start` (bin/parley.ts). */
export const start = startInventoryAgent;
