/**
 * The inventory agent's gRPC server: one bidi `Negotiate` stream per broker,
 * each ProposeCall one negotiation round. The handler only validates,
 * converts and calls InventoryAgent.propose.
 *
 * The catalogue is watched at config.cataloguePath (re-read every
 * config.catalogueReloadMs; a broken edit keeps the last good one). When
 * `policyPath` is given, a policy weights file there is watched the same way
 * and hot-swapped (see policy.ts for its format). With config.online on, the
 * agent also learns from the outcome log as it runs (online.ts).
 */
import type { ProposeCall__Output } from '../../proto/gen/parley/v1/ProposeCall';
import type { ProposeReply } from '../../proto/gen/parley/v1/ProposeReply';
import { watchCatalogue } from '../common/catalogue/load';
import type { Config } from '../common/config';
import { muxServer } from '../common/grpc/mux';
import { SERVICE_NAMES, v1 } from '../common/grpc/proto';
import { type RunningService, startServer } from '../common/grpc/server';
import type { Logger } from '../common/log';
import { ATTR, SPAN } from '../common/semconv';
import { InventoryAgent } from './agent';
import { proposalToWire, proposeInputFromWire } from './convert';
import { type OnlineLearning, startOnlineLearning } from './online';
import { PolicyHolder, watchPolicyFile } from './policy';

export interface InventoryAgentService extends RunningService {
  agent: InventoryAgent;
  policy: PolicyHolder;
  /** null when config.online.enabled is false. */
  online: OnlineLearning | null;
}

export async function startInventoryAgent({
  config,
  log,
  policyPath = config.policyPath,
  policy = new PolicyHolder(),
  clock = Date.now,
}: {
  config: Config;
  log: Logger;
  /** Weights file to load and hot-swap (format: policy.ts); defaults to config.policyPath. */
  policyPath?: string;
  policy?: PolicyHolder;
  /** Time source for flight dates (tests pin it). */
  clock?: () => number;
}): Promise<InventoryAgentService> {
  const catalogue = watchCatalogue(config.cataloguePath, config.catalogueReloadMs, log);
  const policyWatch = policyPath ? watchPolicyFile(policy, policyPath, config.catalogueReloadMs, log) : null;
  const online = config.online.enabled ? startOnlineLearning({ config, log, holder: policy }) : null;
  const agent = new InventoryAgent({
    catalogue: catalogue.current,
    policy,
    weights: config.weights,
    revenueScaleMicros: config.revenueScaleMicros,
    remember: online?.remember,
  });

  const Negotiate = muxServer<ProposeCall__Output, ProposeReply>(
    SPAN.propose,
    async (call, { span }) => {
      const input = proposeInputFromWire(call.request, config.shortlistSize);
      span.setAttributes({ [ATTR.requestId]: input.requestId, [ATTR.round]: input.round });
      const proposal = agent.propose(input, clock());
      span.setAttributes({
        [ATTR.candidatesProposed]: proposal.candidates.length,
        [ATTR.candidatesEligible]: proposal.eligibleTotal,
        [ATTR.candidatesRemoved]: proposal.removedTotal,
        [ATTR.modelVersion]: proposal.modelVersion,
        [ATTR.scenario]: input.context.scenario,
      });
      return { proposal: proposalToWire(proposal) };
    },
    log,
  );

  let started: Awaited<ReturnType<typeof startServer>>;
  try {
    started = await startServer({
      host: config.host,
      port: config.ports.inventory,
      serviceNames: [SERVICE_NAMES.inventory],
      services: [[v1.InventoryAgent.service, { Negotiate }]],
      log,
    });
  } catch (err) {
    catalogue.close();
    policyWatch?.close();
    await online?.close();
    throw err;
  }
  log.info('inventory agent listening', { address: started.address, modelVersion: policy.version });
  return {
    name: 'inventory',
    address: started.address,
    port: started.port,
    agent,
    policy,
    online,
    close: async () => {
      await started.shutdown();
      await online?.close();
      catalogue.close();
      policyWatch?.close();
    },
  };
}
