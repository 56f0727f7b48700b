/**
 * The FederatedAggregator gRPC service (federated.proto): thin handlers over
 * the Coordinator. Started like every parley service — health and reflection
 * from the shared startServer, embedded or Redis state from config.redisUrl,
 * and every new model version published as the inventory policy file at
 * `publishPath` (default config.policyPath), which inventory agents watching
 * the same path hot-swap without a restart.
 *
 * With `secureAggregation` options every round runs the Bonawitz protocol
 * over the wire (AdvertiseKeys → ShareKeys → UploadMaskedInput → Unmask,
 * driven by `SecureAggregationDriver` in secure.ts): plain UploadUpdate is
 * refused and the server only ever learns the sum of the survivors' updates.
 */
import * as grpc from '@grpc/grpc-js';
import type { AdvertiseKeysRequest__Output } from '../../proto/gen/parley/v1/AdvertiseKeysRequest';
import type { EncryptedShare } from '../../proto/gen/parley/v1/EncryptedShare';
import type { JoinOutcome } from '../../proto/gen/parley/v1/JoinOutcome';
import type { JoinRoundReply } from '../../proto/gen/parley/v1/JoinRoundReply';
import type { JoinRoundRequest__Output } from '../../proto/gen/parley/v1/JoinRoundRequest';
import type { KeyRoster } from '../../proto/gen/parley/v1/KeyRoster';
import type { MaskedInputChunk__Output } from '../../proto/gen/parley/v1/MaskedInputChunk';
import type { MaskedInputReply } from '../../proto/gen/parley/v1/MaskedInputReply';
import type { RoundFailure } from '../../proto/gen/parley/v1/RoundFailure';
import type { RoundState } from '../../proto/gen/parley/v1/RoundState';
import type { RoundStatusReply } from '../../proto/gen/parley/v1/RoundStatusReply';
import type { RoundStatusRequest__Output } from '../../proto/gen/parley/v1/RoundStatusRequest';
import type { SecureAggregationPhase } from '../../proto/gen/parley/v1/SecureAggregationPhase';
import type { ShamirShare__Output } from '../../proto/gen/parley/v1/ShamirShare';
import type { ShareKeysReply } from '../../proto/gen/parley/v1/ShareKeysReply';
import type { ShareKeysRequest__Output } from '../../proto/gen/parley/v1/ShareKeysRequest';
import type { UnmaskReply } from '../../proto/gen/parley/v1/UnmaskReply';
import type { UnmaskRequest__Output } from '../../proto/gen/parley/v1/UnmaskRequest';
import type { UpdateChunk__Output } from '../../proto/gen/parley/v1/UpdateChunk';
import type { UploadReply } from '../../proto/gen/parley/v1/UploadReply';
import { requireSelf } from '../../services/common/access';
import type { Config } from '../../services/common/config';
import { detailsOf, messageOf, RpcError, statusOf } from '../../services/common/grpc/errors';
import { SERVICE_NAMES, v1 } from '../../services/common/grpc/proto';
import {
  type CallContext,
  type RunningService,
  startServer,
  UndecodableMessage,
  unary,
} from '../../services/common/grpc/server';
import { callerOf } from '../../services/common/grpc/tls';
import type { Logger } from '../../services/common/log';
import { observeFederatedRound, rpcRecorder } from '../../services/common/metrics';
import { ATTR, rpcAttributes } from '../../services/common/semconv';
import { createRedis } from '../../services/common/state/redis';
import { contextFromMetadata, SpanKind, withSpan } from '../../services/common/telemetry';
import { requireId } from '../../services/common/wire/validate';
import {
  type EncryptedShares,
  type OwnerShare,
  packEncryptedShares,
  SecAggError,
  shareValueFromBytes,
  unpackEncryptedShares,
} from '../secagg';
import { Coordinator, type CoordinatorOptions, Refusal, type RefusalCode } from './coordinator';
import { policyFilePublisher } from './publish';
import {
  SecureAggregationDriver,
  type SecureAggregationOptions,
  type SecurePhase,
  type SecureProgress,
} from './secure';
import {
  EmbeddedFederatedStore,
  type FederatedStore,
  type RoundFailureCode,
  type RoundRecord,
} from './store';
import { RedisFederatedStore } from './store-redis';
import { ROBUST_STRATEGIES } from './strategy-config';

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
  'round-failed': grpc.status.FAILED_PRECONDITION,
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

const ROUND_FAILURE: Record<RoundFailureCode, RoundFailure> = {
  'too-few-updates': 'ROUND_FAILURE_TOO_FEW_UPDATES',
  'aggregation-error': 'ROUND_FAILURE_AGGREGATION_ERROR',
  restarted: 'ROUND_FAILURE_RESTARTED',
  'too-few-keys': 'ROUND_FAILURE_TOO_FEW_KEYS',
  'too-few-shares': 'ROUND_FAILURE_TOO_FEW_SHARES',
  'too-few-masked-inputs': 'ROUND_FAILURE_TOO_FEW_MASKED_INPUTS',
  'too-few-unmask-responses': 'ROUND_FAILURE_TOO_FEW_UNMASK_RESPONSES',
};

const SECURE_PHASE: Record<SecurePhase, SecureAggregationPhase> = {
  advertise: 'SECURE_AGGREGATION_PHASE_ADVERTISE_KEYS',
  share: 'SECURE_AGGREGATION_PHASE_SHARE_KEYS',
  upload: 'SECURE_AGGREGATION_PHASE_MASKED_INPUT',
  unmask: 'SECURE_AGGREGATION_PHASE_UNMASK',
  done: 'SECURE_AGGREGATION_PHASE_DONE',
  failed: 'SECURE_AGGREGATION_PHASE_FAILED',
};

export function roundStatusReply(r: RoundRecord, secure?: SecureProgress | null): RoundStatusReply {
  return {
    failure:
      r.state === 'failed' || r.state === 'abandoned'
        ? ROUND_FAILURE[r.failureCode ?? (r.state === 'abandoned' ? 'restarted' : 'aggregation-error')]
        : 'ROUND_FAILURE_UNSPECIFIED',
    secure_progress: secure
      ? {
          phase: SECURE_PHASE[secure.phase],
          threshold: secure.threshold,
          keys_advertised: secure.keysAdvertised,
          keys_shared: secure.keysShared,
          masked_inputs: secure.maskedInputs,
          unmask_responses: secure.unmaskResponses,
        }
      : undefined,
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

const toShares = (list: readonly EncryptedShares[]): EncryptedShare[] =>
  list.map((m) => ({ from_index: m.from, to_index: m.to, encrypted_share: packEncryptedShares(m) }));

function ownerShares(list: readonly ShamirShare__Output[], field: string, x: number): OwnerShare[] {
  return list.map((s, k) => {
    try {
      return { owner: s.owner_index, share: { x, y: shareValueFromBytes(s.shamir_share) } };
    } catch (err) {
      throw new Refusal('invalid', `${field}[${k}].shamir_share: ${(err as Error).message}`);
    }
  });
}

/** The request's client_id: present, and (with mTLS) the caller's own certificate name. */
function ownClientId(clientId: string, ctx: CallContext): string {
  const id = requireId(clientId, 'client_id');
  requireSelf(ctx.caller?.() ?? null, id, 'client_id');
  return id;
}

/** The handlers (three, plus the four secure-aggregation ones when `secure` is given), over a started Coordinator. */
export function federatedHandlers(
  coordinator: Coordinator,
  log: Logger,
  secure?: SecureAggregationDriver,
): grpc.UntypedServiceImplementation {
  const name = SERVICE_NAMES.federated;
  const noSecure = () =>
    new RpcError(grpc.status.FAILED_PRECONDITION, 'this aggregator does not run secure aggregation');
  const secureCall = async <T>(fn: () => Promise<T> | T): Promise<T> => {
    if (!secure) throw noSecure();
    try {
      return await fn();
    } catch (err) {
      throw toRpc(err);
    }
  };
  return {
    JoinRound: unary<JoinRoundRequest__Output, JoinRoundReply>(
      `${name}/JoinRound`,
      async (req, ctx) => {
        const clientId = ownClientId(req.client_id, ctx);
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
            proximal_mu: r.plan.proximalMu ?? 0,
          },
          deadline_unix_ms: r.deadlineMs,
          chunk_values: CHUNK_VALUES,
          secure_aggregation: secure
            ? (() => {
                const p = secure.plan(r.index);
                return {
                  enabled: true,
                  client_index: p.clientIndex,
                  threshold: p.threshold,
                  fixed_point_range: p.range,
                  fixed_point_max_clients: p.maxClients,
                  phase_timeout_ms: p.phaseTimeoutMs,
                  dp_noise_multiplier: p.dpNoiseMultiplier,
                  dp_min_contributors: p.dpMinContributors,
                };
              })()
            : { enabled: false },
        };
      },
      log,
    ),
    RoundStatus: unary<RoundStatusRequest__Output, RoundStatusReply>(
      `${name}/RoundStatus`,
      async (req) => {
        const r = await coordinator.status(req.round_id);
        if (!r) throw new RpcError(grpc.status.NOT_FOUND, `round_id: round ${req.round_id} not found`);
        return roundStatusReply(r, secure?.progress(r.id));
      },
      log,
    ),
    UploadUpdate: uploadHandler(coordinator, log),
    AdvertiseKeys: unary<AdvertiseKeysRequest__Output, KeyRoster>(
      `${name}/AdvertiseKeys`,
      (req, ctx) =>
        secureCall(async () => {
          const clientId = ownClientId(req.client_id, ctx);
          const roster = await secure!.advertise(
            req.round_id,
            clientId,
            req.share_encryption_public_key,
            req.mask_agreement_public_key,
          );
          return {
            round_id: req.round_id,
            clients: roster.map((a) => ({
              client_index: a.index,
              share_encryption_public_key: a.cPublicKey,
              mask_agreement_public_key: a.sPublicKey,
            })),
            phase_deadline_unix_ms: secure!.phaseDeadline(req.round_id),
          };
        }),
      log,
    ),
    ShareKeys: unary<ShareKeysRequest__Output, ShareKeysReply>(
      `${name}/ShareKeys`,
      (req, ctx) =>
        secureCall(async () => {
          const clientId = ownClientId(req.client_id, ctx);
          const shares = req.shares.map((m, k) => {
            try {
              return unpackEncryptedShares(m.from_index, m.to_index, m.encrypted_share);
            } catch (err) {
              throw err instanceof SecAggError
                ? new Refusal('invalid', `shares[${k}].encrypted_share: ${err.message}`)
                : err;
            }
          });
          const mine = await secure!.shareKeys(req.round_id, clientId, shares);
          return {
            round_id: req.round_id,
            shares: toShares(mine),
            phase_deadline_unix_ms: secure!.phaseDeadline(req.round_id),
          };
        }),
      log,
    ),
    UploadMaskedInput: secure ? maskedInputHandler(secure, coordinator, log) : uploadRefused(noSecure),
    Unmask: unary<UnmaskRequest__Output, UnmaskReply>(
      `${name}/Unmask`,
      (req, ctx) =>
        secureCall(() => {
          const clientId = ownClientId(req.client_id, ctx);
          const x = coordinator.participantIndex(req.round_id, clientId) ?? 0;
          const r = secure!.unmask(req.round_id, clientId, {
            from: x,
            selfMaskShares: ownerShares(req.self_mask_seed_shares, 'self_mask_seed_shares', x),
            keyShares: ownerShares(req.mask_key_shares, 'mask_key_shares', x),
          });
          return { accepted: true, round_id: req.round_id, unmask_responses: r.responses };
        }),
      log,
    ),
  };
}

function uploadRefused<Req, Res>(err: () => RpcError): grpc.handleClientStreamingCall<Req, Res> {
  return (call, callback) => {
    call.on('data', () => undefined);
    const e = err();
    callback({ code: e.code, details: e.message });
  };
}

interface ChunkHeader {
  round_id: number;
  client_id: string;
  model_version: number;
  num_examples: number;
  total_values: number;
  offset: number;
}

/**
 * A client-streaming upload of one tensor in ordered chunks: the first chunk
 * carries the header, `offset` must equal the values received so far, and
 * the stream is refused as soon as it goes wrong (oversize before the whole
 * tensor is read). `finish` gets the header and the whole tensor.
 */
function chunkedUpload<C extends ChunkHeader, V extends Float32Array | Uint32Array, Res>(
  method: string,
  maxValues: number,
  alloc: (n: number) => V,
  valuesOf: (chunk: C) => ArrayLike<number>,
  finish: (header: C, values: V) => Promise<Res>,
  log: Logger,
  coordinator: Coordinator,
): grpc.handleClientStreamingCall<C, Res> {
  const rpcMethod = method.split('/')[1]!;
  const metric = rpcRecorder('server', method);
  return (call, callback) => {
    const started = performance.now();
    let header: C | null = null;
    let values: V | null = null;
    let received = 0;
    let done = false;
    const fail = (err: unknown) => {
      if (done) return;
      done = true;
      call.removeAllListeners('data');
      const code = statusOf(toRpc(err));
      metric.record(code, performance.now() - started);
      callback({ code, details: detailsOf(toRpc(err)) });
    };
    /** Refused here, before the coordinator saw it: counted in the round's `rejected` all the same. */
    const refuse = (err: unknown) => {
      if (done) return;
      fail(err);
      coordinator
        .countRefused()
        .catch((e) => log.error('counting a refused upload failed', { error: messageOf(e) }));
    };
    call.on('data', (chunk: C | UndecodableMessage) => {
      if (done) return;
      try {
        if (chunk instanceof UndecodableMessage) throw chunk.error();
        if (!header) {
          header = chunk;
          requireSelf(callerOf(call), requireId(chunk.client_id, 'client_id'), 'client_id');
          if (chunk.total_values > maxValues) {
            throw new Refusal(
              'oversize',
              `total_values ${chunk.total_values} exceeds the model's ${maxValues} values`,
            );
          }
          if (chunk.total_values !== maxValues) {
            throw new Refusal(
              'invalid',
              `total_values: must be the model's length ${maxValues}, got ${chunk.total_values}`,
            );
          }
          values = alloc(chunk.total_values);
        } else if (chunk.client_id && chunk.client_id !== header.client_id) {
          throw new Refusal('invalid', 'client_id: must not change within one upload');
        } else if (chunk.round_id && chunk.round_id !== header.round_id) {
          throw new Refusal('invalid', 'round_id: must not change within one upload');
        }
        if (chunk.offset !== received) {
          throw new Refusal(
            'invalid',
            `offset: expected ${received}, got ${chunk.offset} (chunks must be in order)`,
          );
        }
        const slice = valuesOf(chunk);
        if (received + slice.length > values!.length) {
          throw new Refusal('oversize', `more than total_values=${values!.length} values sent`);
        }
        values!.set(slice, received);
        received += slice.length;
      } catch (err) {
        refuse(err);
      }
    });
    call.on('error', () => {
      done = true;
    });
    call.on('end', () => {
      if (done) return;
      if (!header || !values) {
        refuse(new Refusal('invalid', 'request: empty upload; the first chunk must carry the header'));
        return;
      }
      if (received !== values.length) {
        refuse(
          new Refusal(
            'invalid',
            `values: incomplete upload, ${received} of total_values=${values.length} values`,
          ),
        );
        return;
      }
      const h: C = header;
      const full: V = values;
      withSpan(
        method,
        {
          kind: SpanKind.SERVER,
          parent: contextFromMetadata(call.metadata),
          attributes: rpcAttributes(method, call.getHost()),
        },
        async (span) => {
          try {
            const r = await finish(h, full);
            span.setAttribute(ATTR.rpcStatusCode, grpc.status.OK);
            return r;
          } catch (err) {
            span.setAttribute(ATTR.rpcStatusCode, statusOf(toRpc(err)));
            throw err;
          }
        },
      ).then(
        (r) => {
          done = true;
          metric.record(grpc.status.OK, performance.now() - started);
          callback(null, r);
        },
        (err) => {
          if (!(err instanceof Refusal)) log.error(`${rpcMethod} failed`, { error: messageOf(err) });
          else
            log.debug('upload refused', {
              method: rpcMethod,
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

/** UploadMaskedInput: the masked tensor in chunks; the reply (U3) comes when the phase closes. */
function maskedInputHandler(
  secure: SecureAggregationDriver,
  coordinator: Coordinator,
  log: Logger,
): grpc.handleClientStreamingCall<MaskedInputChunk__Output, MaskedInputReply> {
  return chunkedUpload<MaskedInputChunk__Output, Uint32Array, MaskedInputReply>(
    `${SERVICE_NAMES.federated}/UploadMaskedInput`,
    coordinator.modelLength,
    (n) => new Uint32Array(n),
    (c) => c.masked_values,
    async (h, masked) => {
      const survivors = await secure.maskedInput(
        h.round_id,
        h.client_id,
        h.model_version,
        h.num_examples,
        masked,
      );
      return {
        accepted: true,
        round_id: h.round_id,
        received_values: masked.length,
        survivor_indices: survivors,
        phase_deadline_unix_ms: secure.phaseDeadline(h.round_id),
      };
    },
    log,
    coordinator,
  );
}

/** UploadUpdate: chunks in order (offset = values so far), the first carries the header. */
function uploadHandler(
  coordinator: Coordinator,
  log: Logger,
): grpc.handleClientStreamingCall<UpdateChunk__Output, UploadReply> {
  return chunkedUpload<UpdateChunk__Output, Float32Array, UploadReply>(
    `${SERVICE_NAMES.federated}/UploadUpdate`,
    coordinator.modelLength,
    (n) => new Float32Array(n),
    (c) => c.values,
    async (h, values) => {
      const r = await coordinator.submit({
        roundId: h.round_id,
        clientId: h.client_id,
        modelVersion: h.model_version,
        numExamples: h.num_examples,
        values,
      });
      return {
        accepted: true,
        round_id: r.roundId,
        received_values: values.length,
        updates_in_round: r.updatesInRound,
        staleness_weight: r.stalenessWeight,
      };
    },
    log,
    coordinator,
  );
}

export interface FederatedAggregatorService extends RunningService {
  coordinator: Coordinator;
  /** Set when the aggregator runs secure aggregation. */
  secure: SecureAggregationDriver | null;
}

export interface StartFederatedOptions
  extends Omit<CoordinatorOptions, 'store' | 'clock' | 'log' | 'publish' | 'secureAggregation'> {
  /** Run every round through secure aggregation (needs FedAvg or FedAdam). */
  secureAggregation?: SecureAggregationOptions;
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
  const strategyName = opts.strategy.name;
  if (opts.secureAggregation && ROBUST_STRATEGIES.has(strategyName as never)) {
    throw new RangeError(`${strategyName} needs individual updates; secure aggregation only gives the sum`);
  }
  const clock = opts.clock ?? Date.now;
  const coordinator = new Coordinator({
    ...opts,
    store,
    clock,
    log,
    publish: publishPath ? policyFilePublisher(publishPath) : undefined,
    secureAggregation: opts.secureAggregation !== undefined,
  });
  const secure = opts.secureAggregation
    ? new SecureAggregationDriver(
        coordinator,
        opts.secureAggregation,
        clock,
        coordinator.dp?.noiseMultiplier ?? 0,
      )
    : null;
  await coordinator.start();
  const started = await startServer({
    host: config.host,
    port: opts.port ?? DEFAULT_FEDERATED_PORT,
    serviceNames: [SERVICE_NAMES.federated],
    services: [[v1.FederatedAggregator.service, federatedHandlers(coordinator, log, secure ?? undefined)]],
    log,
    rateLimit: config.rateLimit,
  });
  const timer = setInterval(() => {
    coordinator.tick().catch((err) => log.error('round tick failed', { error: messageOf(err) }));
    secure?.tick().catch((err) => log.error('secure aggregation tick failed', { error: messageOf(err) }));
  }, opts.tickMs ?? 250);
  timer.unref();
  const stopRoundGauges = observeFederatedRound(() => coordinator.progress());
  log.info('federated aggregator listening', {
    address: started.address,
    mode: coordinator.mode,
    secureAggregation: secure !== null,
    state: config.redisUrl ? 'redis' : 'embedded',
    publishPath,
  });
  return {
    name: 'federated',
    address: started.address,
    port: started.port,
    coordinator,
    secure,
    async close() {
      clearInterval(timer);
      stopRoundGauges();
      await started.shutdown();
      await coordinator.close();
      await store.close();
    },
  };
}
