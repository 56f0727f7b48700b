/**
 * The FederatedAggregator gRPC service (federated.proto): thin handlers over
 * the Coordinator. Started like every parley service — health and reflection
 * from the shared startServer, embedded or Redis state from config.redisUrl,
 * and every new model version published as the inventory policy file at
 * `publishPath` (default config.policyPath), which inventory agents watching
 * the same path hot-swap without a restart.
 */
import * as grpc from '@grpc/grpc-js';
import type { JoinOutcome } from '../../proto/gen/parley/v1/JoinOutcome';
import type { JoinRoundReply } from '../../proto/gen/parley/v1/JoinRoundReply';
import type { JoinRoundRequest__Output } from '../../proto/gen/parley/v1/JoinRoundRequest';
import type { RoundState } from '../../proto/gen/parley/v1/RoundState';
import type { RoundStatusReply } from '../../proto/gen/parley/v1/RoundStatusReply';
import type { RoundStatusRequest__Output } from '../../proto/gen/parley/v1/RoundStatusRequest';
import type { UpdateChunk__Output } from '../../proto/gen/parley/v1/UpdateChunk';
import type { UploadReply } from '../../proto/gen/parley/v1/UploadReply';
import type { Config } from '../../services/common/config';
import { messageOf, RpcError, statusOf } from '../../services/common/grpc/errors';
import { SERVICE_NAMES, v1 } from '../../services/common/grpc/proto';
import { type RunningService, startServer, unary } from '../../services/common/grpc/server';
import { intInRange, requireId } from '../../services/common/grpc/validate';
import type { Logger } from '../../services/common/log';
import { ATTR } from '../../services/common/semconv';
import { createRedis } from '../../services/common/state/redis';
import { contextFromMetadata, SpanKind, withSpan } from '../../services/common/telemetry';
import { Coordinator, type CoordinatorOptions, Refusal, type RefusalCode } from './coordinator';
import { policyFilePublisher } from './publish';
import { EmbeddedFederatedStore, type FederatedStore, type RoundRecord } from './store';
import { RedisFederatedStore } from './store-redis';

/** Default port of the aggregator (not yet in Config; pass `port`). */
/** Next to the mesh's defaults (broker 50051 … admin 50055). */
export const DEFAULT_FEDERATED_PORT = 50056;
/** Values per upload chunk: 32k float32 = 128 KiB of payload, well under the 256 KiB limit. */
export const CHUNK_VALUES = 32_768;

const REFUSAL_STATUS: Record<RefusalCode, grpc.status> = {
  invalid: grpc.status.INVALID_ARGUMENT,
  oversize: grpc.status.RESOURCE_EXHAUSTED,
  'not-in-round': grpc.status.PERMISSION_DENIED,
  'wrong-round': grpc.status.FAILED_PRECONDITION,
  late: grpc.status.FAILED_PRECONDITION,
  stale: grpc.status.FAILED_PRECONDITION,
  duplicate: grpc.status.ALREADY_EXISTS,
  unavailable: grpc.status.UNAVAILABLE,
};

function toRpc(err: unknown): unknown {
  return err instanceof Refusal ? new RpcError(REFUSAL_STATUS[err.code], err.message) : err;
}

const JOIN_OUTCOME: Record<string, JoinOutcome> = {
  selected: 'JOIN_OUTCOME_SELECTED',
  'not-selected': 'JOIN_OUTCOME_NOT_SELECTED',
  'no-round': 'JOIN_OUTCOME_NO_ROUND',
  'round-full': 'JOIN_OUTCOME_ROUND_FULL',
};

const ROUND_STATE: Record<RoundRecord['state'], RoundState> = {
  open: 'ROUND_STATE_OPEN',
  aggregated: 'ROUND_STATE_AGGREGATED',
  failed: 'ROUND_STATE_FAILED',
  abandoned: 'ROUND_STATE_ABANDONED',
};

export function roundStatusReply(r: RoundRecord): RoundStatusReply {
  return {
    round_id: r.id,
    state: ROUND_STATE[r.state],
    model_version: r.modelVersion,
    result_version: r.resultVersion,
    opened_unix_ms: r.openedAtMs,
    deadline_unix_ms: r.deadlineMs,
    closed_unix_ms: r.closedAtMs,
    min_clients: r.minClients,
    joined: r.joined.length,
    uploaded: r.uploaded,
    accepted: r.accepted.length,
    rejected: r.rejected,
    late: r.late,
    total_examples: r.totalExamples,
    strategy: r.strategy,
    mode: r.mode,
    privacy: r.privacy
      ? {
          enabled: true,
          round_epsilon: r.privacy.roundEpsilon,
          cumulative_epsilon: r.privacy.cumulativeEpsilon,
          delta: r.privacy.delta,
          noise_multiplier: r.privacy.noiseMultiplier,
          sampling_rate: r.privacy.samplingRate,
          clip_norm: r.privacy.clipNorm,
        }
      : { enabled: false },
    secure_aggregation: r.secureAggregation,
  };
}

/** The three handlers, over a started Coordinator. */
export function federatedHandlers(coordinator: Coordinator, log: Logger): grpc.UntypedServiceImplementation {
  const name = SERVICE_NAMES.federated;
  return {
    JoinRound: unary<JoinRoundRequest__Output, JoinRoundReply>(
      `${name}/JoinRound`,
      async (req) => {
        const clientId = requireId(req.client_id, 'client_id');
        const r = await coordinator.join(clientId);
        if (r.outcome !== 'selected') {
          return { outcome: JOIN_OUTCOME[r.outcome], round_id: r.roundId, retry_after_ms: r.retryAfterMs };
        }
        return {
          outcome: 'JOIN_OUTCOME_SELECTED',
          round_id: r.roundId,
          model_version: r.modelVersion,
          weights: Array.from(r.weights),
          plan: {
            learning_rate: r.plan.learningRate,
            local_epochs: r.plan.localEpochs,
            batch_size: r.plan.batchSize,
            clip_norm: r.plan.clipNorm,
            local_noise_multiplier: r.plan.localNoiseMultiplier,
            max_importance_weight: r.plan.maxImportanceWeight,
            temperature: r.plan.temperature,
          },
          deadline_unix_ms: r.deadlineMs,
          chunk_values: CHUNK_VALUES,
        };
      },
      log,
    ),
    RoundStatus: unary<RoundStatusRequest__Output, RoundStatusReply>(
      `${name}/RoundStatus`,
      async (req) => {
        const r = await coordinator.status(req.round_id);
        if (!r) throw new RpcError(grpc.status.NOT_FOUND, `round_id: round ${req.round_id} not found`);
        return roundStatusReply(r);
      },
      log,
    ),
    UploadUpdate: uploadHandler(coordinator, log),
  };
}

/**
 * Client-streaming upload: chunks must arrive in order (offset = values so
 * far); the first carries the header. The stream is refused as soon as it
 * goes wrong (oversize before the whole tensor is read).
 */
function uploadHandler(
  coordinator: Coordinator,
  log: Logger,
): grpc.handleClientStreamingCall<UpdateChunk__Output, UploadReply> {
  const method = `${SERVICE_NAMES.federated}/UploadUpdate`;
  return (call, callback) => {
    let header: UpdateChunk__Output | null = null;
    let values: Float32Array | null = null;
    let received = 0;
    let done = false;
    const fail = (err: unknown) => {
      if (done) return;
      done = true;
      call.removeAllListeners('data');
      callback({ code: statusOf(toRpc(err)), details: messageOf(toRpc(err)) });
    };
    call.on('data', (chunk: UpdateChunk__Output) => {
      if (done) return;
      try {
        if (!header) {
          header = chunk;
          requireId(chunk.client_id, 'client_id');
          if (chunk.total_values > coordinator.modelLength) {
            throw new Refusal(
              'oversize',
              `total_values ${chunk.total_values} exceeds the model's ${coordinator.modelLength} values`,
            );
          }
          intInRange(chunk.total_values, 'total_values', 1, coordinator.modelLength);
          values = new Float32Array(chunk.total_values);
        } else if (
          (chunk.client_id && chunk.client_id !== header.client_id) ||
          (chunk.round_id && chunk.round_id !== header.round_id)
        ) {
          throw new Refusal('invalid', 'client_id and round_id must not change within one upload');
        }
        if (chunk.offset !== received) {
          throw new Refusal(
            'invalid',
            `offset: expected ${received}, got ${chunk.offset} (chunks must be in order)`,
          );
        }
        if (received + chunk.values.length > values!.length) {
          throw new Refusal('oversize', `more than total_values=${values!.length} values sent`);
        }
        values!.set(chunk.values, received);
        received += chunk.values.length;
      } catch (err) {
        fail(err);
      }
    });
    call.on('error', () => {
      done = true;
    });
    call.on('end', () => {
      if (done) return;
      if (!header || !values) {
        fail(new Refusal('invalid', 'empty upload: the first chunk must carry the header'));
        return;
      }
      if (received !== values.length) {
        fail(
          new Refusal('invalid', `incomplete update: ${received} of total_values=${values.length} values`),
        );
        return;
      }
      const h: UpdateChunk__Output = header;
      const full = values;
      withSpan(
        method,
        {
          kind: SpanKind.SERVER,
          parent: contextFromMetadata(call.metadata),
          attributes: {
            [ATTR.rpcSystem]: 'grpc',
            [ATTR.rpcService]: SERVICE_NAMES.federated,
            [ATTR.rpcMethod]: 'UploadUpdate',
          },
        },
        async () =>
          coordinator.submit({
            roundId: h.round_id,
            clientId: h.client_id,
            modelVersion: h.model_version,
            numExamples: h.num_examples,
            values: full,
          }),
      ).then(
        (r) => {
          done = true;
          callback(null, {
            accepted: true,
            round_id: r.roundId,
            received_values: received,
            updates_in_round: r.updatesInRound,
            staleness_weight: r.stalenessWeight,
          });
        },
        (err) => {
          if (!(err instanceof Refusal)) log.error('upload failed', { error: messageOf(err) });
          else
            log.debug('update refused', {
              client: h.client_id,
              round: h.round_id,
              code: err.code,
              reason: err.message,
            });
          fail(err);
        },
      );
    });
  };
}

export interface FederatedAggregatorService extends RunningService {
  coordinator: Coordinator;
}

export interface StartFederatedOptions
  extends Omit<CoordinatorOptions, 'store' | 'clock' | 'log' | 'publish'> {
  config: Config;
  log: Logger;
  /** Port to bind (default DEFAULT_FEDERATED_PORT; 0 = any free port). */
  port?: number;
  /** Where new versions are written as the inventory policy file ('' = not published); default config.policyPath. */
  publishPath?: string;
  /** Overrides the store chosen from config.redisUrl. */
  store?: FederatedStore;
  clock?: () => number;
  /** How often round deadlines are checked (default 250 ms). */
  tickMs?: number;
}

export async function startFederatedAggregator(
  opts: StartFederatedOptions,
): Promise<FederatedAggregatorService> {
  const { config, log } = opts;
  const store: FederatedStore =
    opts.store ??
    (config.redisUrl
      ? new RedisFederatedStore(createRedis(config.redisUrl), config.redisPrefix)
      : new EmbeddedFederatedStore());
  const publishPath = opts.publishPath ?? config.policyPath;
  const coordinator = new Coordinator({
    ...opts,
    store,
    clock: opts.clock,
    log,
    publish: publishPath ? policyFilePublisher(publishPath) : undefined,
  });
  await coordinator.start();
  const started = await startServer({
    host: config.host,
    port: opts.port ?? DEFAULT_FEDERATED_PORT,
    serviceNames: [SERVICE_NAMES.federated],
    services: [[v1.FederatedAggregator.service, federatedHandlers(coordinator, log)]],
    log,
  });
  const timer = setInterval(() => {
    coordinator.tick().catch((err) => log.error('round tick failed', { error: messageOf(err) }));
  }, opts.tickMs ?? 250);
  timer.unref();
  log.info('federated aggregator listening', {
    address: started.address,
    mode: coordinator.mode,
    state: config.redisUrl ? 'redis' : 'embedded',
    publishPath,
  });
  return {
    name: 'federated',
    address: started.address,
    port: started.port,
    coordinator,
    async close() {
      clearInterval(timer);
      await started.shutdown();
      await coordinator.close();
      await store.close();
    },
  };
}
