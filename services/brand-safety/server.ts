/**
 * The brand-safety agent's gRPC server: the role critic on the broker's
 * Agent.Negotiate stream. Each critique call judges one round's candidates
 * against their advertisers' brand-safety preferences (critique.ts); the
 * handler only validates, converts and calls the domain. The catalogue is
 * watched at config.cataloguePath (a broken edit keeps the last good one).
 */
import { watchCatalogue } from '../common/catalogue/load';
import type { Config } from '../common/config';
import { startAgentServer } from '../common/grpc/agent-stream';
import type { RunningService } from '../common/grpc/server';
import type { Logger } from '../common/log';
import { ATTR } from '../common/semconv';
import { critiqueInputFromWire, critiqueToWire } from '../common/wire/agent';
import { BRAND_SAFETY_MODEL_VERSION, critique } from './critique';

/** This agent's name in the registry (services/agents.yaml). */
export const AGENT_NAME = 'brand-safety';

/** The rules version this agent critiques with (parley_model_info). */
const MODELS = { 'brand-safety.rules': BRAND_SAFETY_MODEL_VERSION } as const;

export async function startBrandSafetyAgent({
  config,
  log,
}: {
  config: Config;
  log: Logger;
}): Promise<RunningService> {
  const catalogue = watchCatalogue(config.cataloguePath, config.catalogueReloadMs, log);
  return startAgentServer({
    config,
    name: AGENT_NAME,
    log,
    handlers: {
      critique(req, { span }) {
        const input = critiqueInputFromWire(req);
        const c = critique(input, catalogue.current());
        if (span) {
          const vetoed = c.verdicts.filter((v) => !v.eligible).length;
          span.setAttributes({
            [ATTR.requestId]: input.requestId,
            [ATTR.round]: input.round,
            [ATTR.candidatesEligible]: c.verdicts.length - vetoed,
            [ATTR.candidatesRemoved]: vetoed,
            [ATTR.modelVersion]: c.modelVersion,
          });
        }
        return critiqueToWire(c);
      },
    },
    close: () => catalogue.close(),
    models: () => MODELS,
  });
}

/** The registry starts an agent by its folder's `start` (bin/parley.ts). */
export const start = startBrandSafetyAgent;
