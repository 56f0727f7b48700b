/**
 * The client learner's side of federated.proto: join a round, upload an
 * update in chunks (client streaming) and read round status. Only the update
 * tensor, its sample count and round metadata go on the wire.
 *
 * When the round runs secure aggregation (JoinRoundReply.secure_aggregation),
 * `participate` runs the client side of the Bonawitz protocol instead of a
 * plain upload: advertise keys → share keys → masked input → unmask. With DP
 * (dp_noise_multiplier > 0) the client clips and adds its share of the
 * Gaussian noise BEFORE quantising and masking (`privatizeForSecAgg`), so
 * the server never holds an un-noised sum.
 *
 *   const client = new FederatedClient('127.0.0.1:50056');
 *   const outcome = await client.participate(learner, rng);   // join → train → upload
 */
import type * as grpc from '@grpc/grpc-js';
import type { FederatedAggregatorClient } from '../../proto/gen/parley/v1/FederatedAggregator';
import type { JoinRoundReply__Output } from '../../proto/gen/parley/v1/JoinRoundReply';
import type { MaskedInputReply__Output } from '../../proto/gen/parley/v1/MaskedInputReply';
import type { RoundStatusReply__Output } from '../../proto/gen/parley/v1/RoundStatusReply';
import type { UploadReply__Output } from '../../proto/gen/parley/v1/UploadReply';
import { v1 } from '../../services/common/grpc/proto';
import { channelCredentials } from '../../services/common/grpc/tls';
import type { Rng } from '../../services/common/rng';
import { privatizeForSecAgg, uploadNoiseMultiplier } from '../privacy/dp';
import {
  type EncryptedShares,
  fixedPointFor,
  type KeyAdvert,
  packEncryptedShares,
  type RandomBytes,
  SecAggClient,
  shareValueToBytes,
  type UnmaskResponse,
  unpackEncryptedShares,
} from '../secagg';
import type { ClientLearner, TrainingPlan } from './learner';

export const DEFAULT_CHUNK_VALUES = 32_768;

/** SecureAggregationPlan of federated.proto. */
export interface SecureJoin {
  clientIndex: number;
  threshold: number;
  range: number;
  maxClients: number;
  phaseTimeoutMs: number;
  dpNoiseMultiplier: number;
  dpMinContributors: number;
}

export interface JoinedRound {
  roundId: number;
  modelVersion: number;
  weights: Float32Array;
  plan: TrainingPlan;
  deadlineMs: number;
  chunkValues: number;
  /** Set when the round runs secure aggregation. */
  secure: SecureJoin | null;
}

/** The secure-aggregation phase after which a client goes silent (fault injection for tests and evaluations). */
export type SecureDropPoint = 'join' | 'advertise' | 'share' | 'upload';

export interface ParticipateOptions {
  /** Simulate a dropout: stop after this phase of a secure round. */
  dropAfter?: SecureDropPoint;
  /** Randomness for keys, seeds and shares; default crypto.randomBytes (inject a seeded one only in tests). */
  randomBytes?: RandomBytes;
}

export type JoinReply =
  | ({ selected: true } & JoinedRound)
  | { selected: false; outcome: string; roundId: number; retryAfterMs: number };

export interface UploadRequest {
  roundId: number;
  clientId: string;
  modelVersion: number;
  numExamples: number;
  values: Float32Array;
  chunkValues?: number;
}

export type ParticipateOutcome =
  | { status: 'uploaded'; roundId: number; reply: UploadReply__Output; numExamples: number }
  | {
      status: 'securely-uploaded';
      roundId: number;
      numExamples: number;
      /** The update this client contributed (clipped, DP-noised if the round uses DP), before masking. */
      contributed: Float32Array;
      survivors: number[];
    }
  | { status: 'dropped'; roundId: number; after: SecureDropPoint; contributed: Float32Array | null }
  | { status: 'not-selected' | 'no-data'; roundId: number };

function toJoined(r: JoinRoundReply__Output): JoinedRound {
  const p = r.plan;
  return {
    roundId: r.round_id,
    modelVersion: r.model_version,
    weights: Float32Array.from(r.weights),
    plan: {
      learningRate: p?.learning_rate ?? 0,
      localEpochs: p?.local_epochs ?? 1,
      batchSize: p?.batch_size ?? 0,
      clipNorm: p?.clip_norm ?? 1,
      localNoiseMultiplier: p?.local_noise_multiplier ?? 0,
      maxImportanceWeight: p?.max_importance_weight ?? 5,
      temperature: p?.temperature ?? 0.1,
      proximalMu: p?.proximal_mu ?? 0,
    },
    deadlineMs: r.deadline_unix_ms,
    chunkValues: r.chunk_values || DEFAULT_CHUNK_VALUES,
    secure: r.secure_aggregation?.enabled
      ? {
          clientIndex: r.secure_aggregation.client_index,
          threshold: r.secure_aggregation.threshold,
          range: r.secure_aggregation.fixed_point_range,
          maxClients: r.secure_aggregation.fixed_point_max_clients,
          phaseTimeoutMs: r.secure_aggregation.phase_timeout_ms,
          dpNoiseMultiplier: r.secure_aggregation.dp_noise_multiplier,
          dpMinContributors: r.secure_aggregation.dp_min_contributors,
        }
      : null,
  };
}

function call<T>(run: (cb: (err: grpc.ServiceError | null, r?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    run((err, r) => (err || !r ? reject(err ?? new Error('empty reply')) : resolve(r))),
  );
}

export class FederatedClient {
  private readonly client: FederatedAggregatorClient;

  constructor(
    address: string,
    private readonly timeoutMs = 10_000,
    /** Default: this process's (grpc/tls.ts); a federated client's certificate names its client_id. */
    credentials?: grpc.ChannelCredentials,
  ) {
    this.client = new v1.FederatedAggregator(address, credentials ?? channelCredentials());
  }

  private deadline(): Date {
    return new Date(Date.now() + this.timeoutMs);
  }

  join(clientId: string): Promise<JoinReply> {
    return new Promise((resolve, reject) => {
      this.client.JoinRound({ client_id: clientId }, { deadline: this.deadline() }, (err, r) => {
        if (err || !r) return reject(err ?? new Error('empty reply'));
        if (r.outcome === 'JOIN_OUTCOME_SELECTED') resolve({ selected: true, ...toJoined(r) });
        else
          resolve({
            selected: false,
            outcome: String(r.outcome),
            roundId: r.round_id,
            retryAfterMs: r.retry_after_ms,
          });
      });
    });
  }

  /** Streams the update in chunks of at most `chunkValues` values. */
  upload(u: UploadRequest): Promise<UploadReply__Output> {
    const size = Math.max(1, u.chunkValues ?? DEFAULT_CHUNK_VALUES);
    return new Promise((resolve, reject) => {
      const stream = this.client.UploadUpdate({ deadline: this.deadline() }, (err, r) =>
        err || !r ? reject(err ?? new Error('empty reply')) : resolve(r),
      );
      stream.on('error', () => undefined); // the callback reports it
      for (let offset = 0; offset < u.values.length || offset === 0; offset += size) {
        const header =
          offset === 0
            ? {
                round_id: u.roundId,
                client_id: u.clientId,
                model_version: u.modelVersion,
                num_examples: u.numExamples,
                total_values: u.values.length,
              }
            : {};
        stream.write({ ...header, offset, values: Array.from(u.values.subarray(offset, offset + size)) });
        if (u.values.length === 0) break;
      }
      stream.end();
    });
  }

  status(roundId = 0): Promise<RoundStatusReply__Output> {
    return new Promise((resolve, reject) => {
      this.client.RoundStatus({ round_id: roundId }, { deadline: this.deadline() }, (err, r) =>
        err || !r ? reject(err ?? new Error('empty reply')) : resolve(r),
      );
    });
  }

  /** Deadline for a call that waits for a secure-aggregation phase to close. */
  private phaseDeadline(phaseTimeoutMs: number, untilMs = 0): Date {
    return new Date(Math.max(untilMs, Date.now() + phaseTimeoutMs) + this.timeoutMs);
  }

  /** Phase 0: advertise the two public keys; resolves with the roster U1 when the phase closes. */
  advertiseKeys(roundId: number, clientId: string, keys: KeyAdvert, until: Date): Promise<KeyAdvert[]> {
    return call<KeyAdvert[]>((cb) =>
      this.client.AdvertiseKeys(
        {
          round_id: roundId,
          client_id: clientId,
          share_encryption_public_key: keys.cPublicKey,
          mask_agreement_public_key: keys.sPublicKey,
        },
        { deadline: until },
        (err, r) =>
          cb(
            err,
            r?.clients.map((c) => ({
              index: c.client_index,
              cPublicKey: c.share_encryption_public_key,
              sPublicKey: c.mask_agreement_public_key,
            })),
          ),
      ),
    );
  }

  /** Phase 1: send the encrypted shares; resolves with the shares addressed to this client. */
  shareKeys(
    roundId: number,
    clientId: string,
    shares: readonly EncryptedShares[],
    until: Date,
  ): Promise<EncryptedShares[]> {
    return call<EncryptedShares[]>((cb) =>
      this.client.ShareKeys(
        {
          round_id: roundId,
          client_id: clientId,
          shares: shares.map((m) => ({
            from_index: m.from,
            to_index: m.to,
            encrypted_share: packEncryptedShares(m),
          })),
        },
        { deadline: until },
        (err, r) =>
          cb(
            err,
            r?.shares.map((m) => unpackEncryptedShares(m.from_index, m.to_index, m.encrypted_share)),
          ),
      ),
    );
  }

  /** Phase 2: stream the masked tensor in chunks; resolves with U3 when the phase closes. */
  uploadMaskedInput(
    u: { roundId: number; clientId: string; modelVersion: number; numExamples: number; masked: Uint32Array },
    until: Date,
    chunkValues = DEFAULT_CHUNK_VALUES,
  ): Promise<MaskedInputReply__Output> {
    const size = Math.max(1, chunkValues);
    return new Promise((resolve, reject) => {
      const stream = this.client.UploadMaskedInput({ deadline: until }, (err, r) =>
        err || !r ? reject(err ?? new Error('empty reply')) : resolve(r),
      );
      stream.on('error', () => undefined); // the callback reports it
      for (let offset = 0; offset < u.masked.length; offset += size) {
        const header =
          offset === 0
            ? {
                round_id: u.roundId,
                client_id: u.clientId,
                model_version: u.modelVersion,
                num_examples: u.numExamples,
                total_values: u.masked.length,
              }
            : {};
        stream.write({
          ...header,
          offset,
          masked_values: Array.from(u.masked.subarray(offset, offset + size)),
        });
      }
      stream.end();
    });
  }

  /** Phase 3: reveal this client's shares for the survivors' seeds and the dropped clients' keys. */
  unmask(roundId: number, clientId: string, response: UnmaskResponse): Promise<number> {
    const wire = (list: UnmaskResponse['keyShares']) =>
      list.map((o) => ({ owner_index: o.owner, shamir_share: Buffer.from(shareValueToBytes(o.share.y)) }));
    return call<number>((cb) =>
      this.client.Unmask(
        {
          round_id: roundId,
          client_id: clientId,
          self_mask_seed_shares: wire(response.selfMaskShares),
          mask_key_shares: wire(response.keyShares),
        },
        { deadline: this.deadline() },
        (err, r) => cb(err, r?.unmask_responses),
      ),
    );
  }

  /**
   * The client side of one securely aggregated round for an update already
   * computed (clipped) by the learner. Each call waits for its phase to
   * close; `dropAfter` stops early to simulate a dropout.
   */
  async secureUpload(
    joined: JoinedRound,
    clientId: string,
    update: Float32Array,
    numExamples: number,
    rng: Rng,
    options: ParticipateOptions = {},
  ): Promise<ParticipateOutcome> {
    const sec = joined.secure;
    if (!sec) throw new Error(`round ${joined.roundId} does not run secure aggregation`);
    const contributed =
      sec.dpNoiseMultiplier > 0
        ? privatizeForSecAgg(
            update,
            {
              clipNorm: joined.plan.clipNorm,
              noiseMultiplier: sec.dpNoiseMultiplier,
              minContributors: sec.dpMinContributors || sec.threshold,
            },
            rng,
          )
        : update;
    const dropped = (after: SecureDropPoint): ParticipateOutcome => ({
      status: 'dropped',
      roundId: joined.roundId,
      after,
      contributed: after === 'upload' ? contributed : null,
    });
    if (options.dropAfter === 'join') return dropped('join');
    const client = new SecAggClient(sec.clientIndex, {
      vectorLength: update.length,
      threshold: sec.threshold,
      fixedPoint: fixedPointFor(sec.range, sec.maxClients),
      randomBytes: options.randomBytes,
    });
    const roster = await this.advertiseKeys(
      joined.roundId,
      clientId,
      client.advertiseKeys(),
      this.phaseDeadline(sec.phaseTimeoutMs, joined.deadlineMs),
    );
    if (options.dropAfter === 'advertise') return dropped('advertise');
    const incoming = await this.shareKeys(
      joined.roundId,
      clientId,
      client.shareKeys(roster),
      this.phaseDeadline(sec.phaseTimeoutMs),
    );
    client.receiveShares(incoming);
    if (options.dropAfter === 'share') return dropped('share');
    const reply = await this.uploadMaskedInput(
      {
        roundId: joined.roundId,
        clientId,
        modelVersion: joined.modelVersion,
        numExamples,
        masked: client.maskedInput(contributed),
      },
      this.phaseDeadline(sec.phaseTimeoutMs),
      joined.chunkValues,
    );
    if (options.dropAfter === 'upload') return dropped('upload');
    await this.unmask(joined.roundId, clientId, client.unmask(reply.survivor_indices));
    return {
      status: 'securely-uploaded',
      roundId: joined.roundId,
      numExamples,
      contributed,
      survivors: reply.survivor_indices,
    };
  }

  /**
   * One round for one learner: join; if selected and it has data, train
   * locally and upload (plainly, or through secure aggregation when the
   * round says so).
   */
  async participate(
    learner: ClientLearner,
    rng: Rng,
    options: ParticipateOptions = {},
  ): Promise<ParticipateOutcome> {
    const joined = await this.join(learner.clientId);
    if (!joined.selected) return { status: 'not-selected', roundId: joined.roundId };
    const local = learner.computeUpdate(joined.weights, joined.plan, rng);
    if (!local) return { status: 'no-data', roundId: joined.roundId };
    // Charged before the upload: once bytes are sent, the server may have them whatever happens next.
    const secure = joined.secure;
    if (secure) {
      if (options.dropAfter === undefined || options.dropAfter === 'upload') {
        learner.chargeUpload(
          uploadNoiseMultiplier(joined.plan.localNoiseMultiplier, {
            noiseMultiplier: secure.dpNoiseMultiplier,
            minContributors: secure.dpMinContributors || secure.threshold,
          }),
        );
      }
      return this.secureUpload(joined, learner.clientId, local.update, local.numExamples, rng, options);
    }
    learner.chargeUpload(uploadNoiseMultiplier(joined.plan.localNoiseMultiplier));
    const reply = await this.upload({
      roundId: joined.roundId,
      clientId: learner.clientId,
      modelVersion: joined.modelVersion,
      numExamples: local.numExamples,
      values: local.update,
      chunkValues: joined.chunkValues,
    });
    return { status: 'uploaded', roundId: joined.roundId, reply, numExamples: local.numExamples };
  }

  close(): void {
    this.client.close();
  }
}
