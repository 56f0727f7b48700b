/**
 * The context agent's gRPC server: unary Assess (stock clients, tools), the
 * broker's multiplexed AssessStream, and Observe. Handlers only validate,
 * convert and call ContextAgent. Session state is embedded unless
 * config.redisUrl names a Redis. With config.contextModelPath set, the
 * learned context model there is applied and hot-swapped (watchContextModel).
 */
import { status } from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import type { ModelHolder } from '../../learning/artifacts';
import type { AssessCall__Output } from '../../proto/gen/parley/v1/AssessCall';
import type { AssessReply } from '../../proto/gen/parley/v1/AssessReply';
import type { AssessRequest__Output } from '../../proto/gen/parley/v1/AssessRequest';
import type { ContextSnapshot } from '../../proto/gen/parley/v1/ContextSnapshot';
import type { ObserveAck } from '../../proto/gen/parley/v1/ObserveAck';
import type { SessionObservation__Output } from '../../proto/gen/parley/v1/SessionObservation';
import type { SessionObservations__Output } from '../../proto/gen/parley/v1/SessionObservations';
import type { Config } from '../common/config';
import type { Snapshot } from '../common/domain/types';
import { signalsFromWire, snapshotToWire } from '../common/grpc/convert';
import { invalidArgument, messageOf, RpcError } from '../common/grpc/errors';
import { muxServer } from '../common/grpc/mux';
import { SERVICE_NAMES, v1 } from '../common/grpc/proto';
import { type RunningService, startServer, unary } from '../common/grpc/server';
import { requireId, requireMessage } from '../common/grpc/validate';
import type { Logger } from '../common/log';
import { ATTR, SPAN } from '../common/semconv';
import { createRedis } from '../common/state/redis';
import { ContextAgent, type ContextModel, type Observation, watchContextModel } from './agent';
import { MemorySessionStore, type SessionStore } from './session-store';
import { RedisSessionStore } from './session-store-redis';

const OBSERVE_SPAN = `${SERVICE_NAMES.context}/Observe`;

/** Most observations one ObserveMany call may carry. */
export const MAX_OBSERVATIONS_PER_CALL = 1000;

function observationFromWire(o: SessionObservation__Output, f: string): Observation {
  return {
    sessionId: requireId(o.session_id, `${f}session_id`),
    adServed: o.ad_served,
    adSkipped: o.ad_skipped,
    adCompleted: o.ad_completed,
  };
}

export interface ContextAgentService extends RunningService {
  agent: ContextAgent;
  store: SessionStore;
  /** The learned model in use; null when no model path is configured. */
  model: ModelHolder<ContextModel> | null;
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
}: {
  config: Config;
  log: Logger;
  store?: SessionStore;
  /** Time source for session expiry (tests pin it). */
  clock?: () => number;
  /** Learned model file to load and hot-swap; defaults to config.contextModelPath ('' = rules alone). */
  modelPath?: string;
}): Promise<ContextAgentService> {
  const modelWatch = modelPath ? watchContextModel(modelPath, config.catalogueReloadMs, log) : null;
  if (modelWatch) log.info('context model', { path: modelPath, version: modelWatch.holder.version });
  const agent = new ContextAgent(
    store,
    (op, err) =>
      log.warn('session store failed; assessing from signals alone', { op, error: messageOf(err) }),
    modelWatch?.holder ?? null,
  );

  const assess = async (req: AssessRequest__Output | null, field: string, span: Span): Promise<Snapshot> => {
    const r = requireMessage(req, field);
    const signals = signalsFromWire(r.signals, field ? `${field}.signals` : 'signals');
    const snapshot = await agent.assess(signals, clock());
    span.setAttributes({ [ATTR.scenario]: snapshot.scenario, [ATTR.modelVersion]: snapshot.modelVersion });
    return snapshot;
  };

  const observe = async (observations: Observation[]) => {
    const now = clock();
    try {
      for (const o of observations) await agent.observe(o, now);
    } catch (err) {
      throw new RpcError(status.UNAVAILABLE, `session store unavailable: ${messageOf(err)}`);
    }
  };

  const handlers = {
    Assess: unary<AssessRequest__Output, ContextSnapshot>(
      SPAN.assess,
      async (req, { span }) => snapshotToWire(await assess(req, '', span)),
      log,
    ),
    AssessStream: muxServer<AssessCall__Output, AssessReply>(
      SPAN.assess,
      async (call, { span }) => ({ snapshot: snapshotToWire(await assess(call.request, 'request', span)) }),
      log,
    ),
    Observe: unary<SessionObservation__Output, ObserveAck>(
      OBSERVE_SPAN,
      async (req) => {
        await observe([observationFromWire(req, '')]);
        return {};
      },
      log,
    ),
    ObserveMany: unary<SessionObservations__Output, ObserveAck>(
      `${SERVICE_NAMES.context}/ObserveMany`,
      async (req) => {
        if (req.observations.length > MAX_OBSERVATIONS_PER_CALL)
          throw invalidArgument('observations', `at most ${MAX_OBSERVATIONS_PER_CALL} per call`);
        await observe(req.observations.map((o, i) => observationFromWire(o, `observations[${i}].`)));
        return {};
      },
      log,
    ),
  };

  let started: Awaited<ReturnType<typeof startServer>>;
  try {
    started = await startServer({
      host: config.host,
      port: config.ports.context,
      serviceNames: [SERVICE_NAMES.context],
      services: [[v1.ContextAgent.service, handlers]],
      log,
    });
  } catch (err) {
    modelWatch?.close();
    await store.close();
    throw err;
  }
  log.info('context agent listening', {
    address: started.address,
    state: config.redisUrl ? 'redis' : 'embedded',
  });
  return {
    name: 'context',
    address: started.address,
    port: started.port,
    agent,
    store,
    model: modelWatch?.holder ?? null,
    close: async () => {
      modelWatch?.close();
      await started.shutdown();
      await store.close();
    },
  };
}
