/**
 * The client learner's side of federated.proto: join a round, upload an
 * update in chunks (client streaming) and read round status. Only the update
 * tensor, its sample count and round metadata go on the wire.
 *
 *   const client = new FederatedClient('127.0.0.1:50056');
 *   const outcome = await client.participate(learner, rng);   // join → train → upload
 */
import * as grpc from '@grpc/grpc-js';
import type { FederatedAggregatorClient } from '../../proto/gen/parley/v1/FederatedAggregator';
import type { JoinRoundReply__Output } from '../../proto/gen/parley/v1/JoinRoundReply';
import type { RoundStatusReply__Output } from '../../proto/gen/parley/v1/RoundStatusReply';
import type { UploadReply__Output } from '../../proto/gen/parley/v1/UploadReply';
import { v1 } from '../../services/common/grpc/proto';
import type { Rng } from '../../services/common/rng';
import type { ClientLearner, TrainingPlan } from './learner';

export const DEFAULT_CHUNK_VALUES = 32_768;

export interface JoinedRound {
  roundId: number;
  modelVersion: number;
  weights: Float32Array;
  plan: TrainingPlan;
  deadlineMs: number;
  chunkValues: number;
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
    },
    deadlineMs: r.deadline_unix_ms,
    chunkValues: r.chunk_values || DEFAULT_CHUNK_VALUES,
  };
}

export class FederatedClient {
  private readonly client: FederatedAggregatorClient;

  constructor(
    address: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.client = new v1.FederatedAggregator(address, grpc.credentials.createInsecure());
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

  /** One round for one learner: join; if selected and it has data, train locally and upload. */
  async participate(learner: ClientLearner, rng: Rng): Promise<ParticipateOutcome> {
    const joined = await this.join(learner.clientId);
    if (!joined.selected) return { status: 'not-selected', roundId: joined.roundId };
    const local = learner.computeUpdate(joined.weights, joined.plan, rng);
    if (!local) return { status: 'no-data', roundId: joined.roundId };
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
