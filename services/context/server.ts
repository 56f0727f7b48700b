/**
 * The context agent's gRPC server: the role context on the broker's
 * Agent.Negotiate stream (assess, and outcomes for the session's rolling
 * state), and the unary ContextAgent.Assess for stock clients and tools.
 * Handlers only validate, convert and call ContextAgent. Session state is
 * embedded unless config.redisUrl names a Redis. With
 * config.contextModelPath set, the learned context model there is applied
 * and hot-swapped (watchContextModel); with config.adLoadPolicyPath set, the
 * ad-load policy there picks each break's floor (watchAdLoadPolicy).
 */
import type { ModelHolder } from '../../learning/artifacts';
import type { AssessRequest__Output } from '../../proto/gen/parley/v1/AssessRequest';
import type { ContextSnapshot } from '../../proto/gen/parley/v1/ContextSnapshot';
import type { Config } from '../common/config';
import type { OutcomeEventInput, Snapshot } from '../common/domain/types';
import { unavailable } from '../common/errors';
import { startAgentServer } from '../common/grpc/agent-stream';
import { messageOf } from '../common/grpc/errors';
import { SERVICE_NAMES, v1 } from '../common/grpc/proto';
import { type RunningService, unary } from '../common/grpc/server';
import type { Logger } from '../common/log';
import { ATTR, SPAN } from '../common/semconv';
import { createRedis } from '../common/state/redis';
import { outcomesFromWire } from '../common/wire/agent';
import { signalsFromWire, snapshotToWire } from '../common/wire/common';
import { requireMessage } from '../common/wire/validate';
import {
  type AdLoadModel,
  ContextAgent,
  type ContextModel,
  RULES_ONLY,
  watchAdLoadPolicy,
  watchContextModel,
} from './agent';
import { MemorySessionStore, type SessionStore } from './session-store';
import { RedisSessionStore } from './session-store-redis';

/** This agent's name in the registry (services/agents.yaml). */
export const AGENT_NAME = 'context';

/** What an outcome tells the session's rolling state. */
function observationOf(e: OutcomeEventInput) {
  return {
    sessionId: e.sessionId,
    adServed: e.event === 'impression',
    adSkipped: e.event === 'skip',
    adCompleted: e.event === 'complete',
  };
}

export interface ContextAgentService extends RunningService {
  agent: ContextAgent;
  store: SessionStore;
  /** The learned model in use; null when no model path is configured. */
  model: ModelHolder<ContextModel> | null;
  /** The ad-load policy in use; null when no ad-load policy path is configured. */
  adLoad: ModelHolder<AdLoadModel> | null;
}

export function createSessionStore(config: Config): SessionStore {
  return config.redisUrl
    ? new RedisSessionStore({
        redis: createRedis(config.redisUrl),
        prefix: config.redisPrefix,
        ttlMs: config.sessionTtlMs,
        ownsConnection: true,
      })
    : new MemorySessionStore({ ttlMs: config.sessionTtlMs });
}

export async function startContextAgent({
  config,
  log,
  store = createSessionStore(config),
  clock = Date.now,
  modelPath = config.contextModelPath,
  adLoadPath = config.adLoadPolicyPath,
}: {
  config: Config;
  log: Logger;
  store?: SessionStore;
  /** Time source for session expiry (tests pin it). */
  clock?: () => number;
  /** Learned model file to load and hot-swap; defaults to config.contextModelPath ('' = rules alone). */
  modelPath?: string;
  /** Ad-load policy file to load and hot-swap; defaults to config.adLoadPolicyPath ('' = none). */
  adLoadPath?: string;
}): Promise<ContextAgentService> {
  const modelWatch = modelPath ? watchContextModel(modelPath, config.catalogueReloadMs, log) : null;
  if (modelWatch) log.info('context model', { path: modelPath, version: modelWatch.holder.version });
  const adLoadWatch = adLoadPath ? watchAdLoadPolicy(adLoadPath, config.catalogueReloadMs, log) : null;
  if (adLoadWatch) log.info('ad-load policy', { path: adLoadPath, version: adLoadWatch.holder.version });
  const agent = new ContextAgent(
    store,
    (op, err) =>
      log.warn('session store failed; assessing from signals alone', { op, error: messageOf(err) }),
    modelWatch?.holder ?? null,
    adLoadWatch?.holder ?? null,
  );

  const assess = async (req: AssessRequest__Output | null | undefined, field: string): Promise<Snapshot> => {
    const r = requireMessage(req, field);
    return agent.assess(signalsFromWire(r.signals, field ? `${field}.signals` : 'signals'), clock());
  };

  const server = await startAgentServer({
    config,
    name: AGENT_NAME,
    log,
    handlers: {
      async assess(req, { span }) {
        const snapshot = await assess(req, 'assess');
        span?.setAttributes({
          [ATTR.scenario]: snapshot.scenario,
          [ATTR.modelVersion]: snapshot.modelVersion,
        });
        return snapshotToWire(snapshot);
      },
      async outcomes(req) {
        const events = outcomesFromWire(req);
        try {
          await agent.observeMany(events.filter((e) => e.event !== 'click').map(observationOf), clock());
        } catch (err) {
          throw unavailable('session store', err);
        }
        return { acks: events.map(() => ({ accepted: true, duplicate: false, settled_micros: 0 })) };
      },
    },
    extra: [
      {
        name: SERVICE_NAMES.context,
        definition: v1.ContextAgent.service,
        implementation: {
          Assess: unary<AssessRequest__Output, ContextSnapshot>(
            SPAN.assess,
            async (req) => snapshotToWire(await assess(req, '')),
            log,
          ),
        },
      },
    ],
    close: async () => {
      modelWatch?.close();
      adLoadWatch?.close();
      await store.close();
    },
    details: { state: config.redisUrl ? 'redis' : 'embedded' },
    models: () => ({
      'context.model': modelWatch?.holder.version ?? RULES_ONLY.version,
      ...(adLoadWatch ? { 'context.ad_load': adLoadWatch.holder.version } : {}),
    }),
  });
  return { ...server, agent, store, model: modelWatch?.holder ?? null, adLoad: adLoadWatch?.holder ?? null };
}

/** The registry starts an agent by its folder's `start` (bin/parley.ts). */
export const start = startContextAgent;
