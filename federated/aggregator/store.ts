/**
 * Persistence of the aggregator: model versions (immutable, numbered from 1)
 * and round records, behind a small port with two adapters — embedded (this
 * file, the zero-setup default) and Redis (store-redis.ts). Both pass the
 * same contract suite (test/integration/federated-store.test.ts).
 *
 * What is persisted: every model version, and a round's record when it opens
 * and when it closes (who joined, who was accepted, counts, privacy spend).
 * The updates of an open round live in memory only; if the aggregator
 * restarts mid-round, that round is marked `abandoned` and a new one opens on
 * the latest model version.
 */

export interface ModelRecord {
  /** 1 = the initial model; each aggregation adds one. */
  version: number;
  weights: Float32Array;
  createdAtMs: number;
  /** The round that produced it (0 for the initial model). */
  round: number;
}

export type RoundStateName = 'open' | 'aggregated' | 'failed' | 'abandoned';

/** Why a round failed (RoundFailure in federated.proto). */
export type RoundFailureCode =
  | 'too-few-updates'
  | 'aggregation-error'
  | 'restarted'
  | 'too-few-keys'
  | 'too-few-shares'
  | 'too-few-masked-inputs'
  | 'too-few-unmask-responses';

export interface PrivacyRecord {
  roundEpsilon: number;
  cumulativeEpsilon: number;
  delta: number;
  noiseMultiplier: number;
  samplingRate: number;
  clipNorm: number;
}

export interface RoundRecord {
  id: number;
  state: RoundStateName;
  mode: 'sync' | 'async';
  strategy: string;
  /** Model version handed out in this round. */
  modelVersion: number;
  /** Version this round produced (0 = none). */
  resultVersion: number;
  openedAtMs: number;
  deadlineMs: number;
  /** 0 while open. */
  closedAtMs: number;
  minClients: number;
  /** Clients selected in this round. */
  joined: string[];
  /** Clients whose update was aggregated (or is waiting to be, while open). */
  accepted: string[];
  uploaded: number;
  rejected: number;
  late: number;
  totalExamples: number;
  /** Why the round failed, if it did. */
  failure: string;
  /** The failure as a code (absent in records written before codes existed, and while not failed). */
  failureCode?: RoundFailureCode;
  privacy: PrivacyRecord | null;
  secureAggregation: boolean;
}

export interface FederatedStore {
  /** Stores a new model version; throws StoreConflictError if that version exists. */
  putModel(model: ModelRecord): Promise<void>;
  getModel(version: number): Promise<ModelRecord | null>;
  /** The highest stored version, or null before the first. */
  latestModel(): Promise<ModelRecord | null>;
  /** Creates or replaces a round's record. */
  putRound(round: RoundRecord): Promise<void>;
  getRound(id: number): Promise<RoundRecord | null>;
  /** The round with the highest id, or null. */
  latestRound(): Promise<RoundRecord | null>;
  /** Every round record, by id ascending (used to rebuild the privacy accountant). */
  listRounds(): Promise<RoundRecord[]>;
  close(): Promise<void>;
}

export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}

function copyModel(m: ModelRecord): ModelRecord {
  return { ...m, weights: Float32Array.from(m.weights) };
}

function copyRound(r: RoundRecord): RoundRecord {
  return structuredClone(r);
}

/** In-process adapter: Maps, copies in and out so callers cannot alias stored state. */
export class EmbeddedFederatedStore implements FederatedStore {
  private readonly models = new Map<number, ModelRecord>();
  private readonly roundsById = new Map<number, RoundRecord>();
  private latestVersion = 0;
  private latestRoundId = 0;

  async putModel(model: ModelRecord): Promise<void> {
    if (this.models.has(model.version)) throw new StoreConflictError(`model version ${model.version} exists`);
    this.models.set(model.version, copyModel(model));
    this.latestVersion = Math.max(this.latestVersion, model.version);
  }

  async getModel(version: number): Promise<ModelRecord | null> {
    const m = this.models.get(version);
    return m ? copyModel(m) : null;
  }

  async latestModel(): Promise<ModelRecord | null> {
    return this.getModel(this.latestVersion);
  }

  async putRound(round: RoundRecord): Promise<void> {
    this.roundsById.set(round.id, copyRound(round));
    this.latestRoundId = Math.max(this.latestRoundId, round.id);
  }

  async getRound(id: number): Promise<RoundRecord | null> {
    const r = this.roundsById.get(id);
    return r ? copyRound(r) : null;
  }

  async latestRound(): Promise<RoundRecord | null> {
    return this.getRound(this.latestRoundId);
  }

  async listRounds(): Promise<RoundRecord[]> {
    return [...this.roundsById.values()].sort((a, b) => a.id - b.id).map(copyRound);
  }

  async close(): Promise<void> {}
}
