/**
 * The aggregator's domain: runs federated rounds over a flat model vector.
 * Plain TypeScript with time passed in (`clock`) and seeded randomness; the
 * gRPC service (server.ts) is a thin adapter over it, and the evaluation
 * drives it in-process.
 *
 * Synchronous rounds (mode 'sync', the default):
 *   open round r on model version v with a deadline
 *   → clients join; each is selected with probability `samplingFraction`
 *     (Poisson sampling, decided by a keyed hash of (seed, round, client), so
 *     re-joining cannot change the draw)
 *   → selected clients upload one update each (validated, see `submit`)
 *   → at the deadline, or as soon as `maxClients` updates are in, the round
 *     closes: with ≥ `minClients` valid updates the strategy aggregates them
 *     into version v + 1, which is stored and published; otherwise the round
 *     fails and the model is unchanged. Clients that joined and never
 *     uploaded (dropouts) simply do not count. The next round opens at once.
 *   Late updates (for a round that has closed) are refused (`latePolicy`
 *   'reject') or counted in the current round with a staleness weight
 *   ('carry-over').
 *
 * Buffered asynchronous aggregation (mode 'async', FedBuff-style, Nguyen et
 * al. 2022): clients join at any time and train on the current version; the
 * server applies an aggregation as soon as `bufferSize` updates have arrived.
 * An update computed on version v′ when the model is at v has staleness
 * s = v − v′ and is scaled by (1 + s)^(−stalenessExponent); s > maxStaleness
 * is refused.
 *
 * Refusals (a `Refusal` with a code; nothing changes but the counters):
 * invalid (NaN/Inf, wrong shape, bad sample count), oversize (more values
 * than the model, or L2 norm over `maxUpdateNorm`), not-in-round, wrong-round,
 * late, stale, duplicate. The round goes on.
 *
 * Central DP (`dp`): the strategy is wrapped in DpStrategy (DP-FedAvg) and
 * every aggregated round is charged to an RDP accountant at sampling rate q =
 * samplingFraction; (ε, δ) per round and cumulatively is recorded on the round
 * and logged. With secure aggregation the clients add the noise themselves and
 * the server only learns the sum (`aggregateSecureSum`).
 *
 * With `secureAggregation` set, uploads arrive only as masked inputs through
 * the secure-aggregation driver (secure.ts `SecureAggregationDriver`), which
 * runs the protocol phases with their own deadlines and closes the round
 * (`aggregateSecureSum` or `failRound`); plain `submit` is refused and `tick`
 * leaves sync rounds to the driver.
 */

import type { Logger } from '../../services/common/log';
import { type FederatedRoundProgress, recordFederatedRound } from '../../services/common/metrics';
import { seededRng } from '../../services/common/rng';
import type { TrainingPlan } from '../client/learner';
import { DpStrategy } from '../privacy/dp';
import { noiseMultiplierFor, PrivacyAccountant } from '../privacy/rdp';
import type { FederatedStore, ModelRecord, PrivacyRecord, RoundFailureCode, RoundRecord } from './store';
import type { ClientResult, Strategy } from './strategies';
import { buildStrategy, ROBUST_STRATEGIES, type StrategySpec } from './strategy-config';

export type RefusalCode =
  | 'invalid'
  | 'oversize'
  | 'not-in-round'
  | 'wrong-round'
  | 'late'
  | 'stale'
  | 'duplicate'
  | 'unavailable'
  /** A secure-aggregation round failed while the call waited for its phase. */
  | 'round-failed';

/** An update or call the coordinator refuses; nothing changed. */
export class Refusal extends Error {
  override name = 'Refusal';
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
  }
}

export interface DpOptions {
  clipNorm: number;
  /**
   * Noise multiplier z of the round (std of the noise on the sum = z·C), or a
   * budget it is calibrated from (`noiseMultiplierFor`: the least z whose
   * `rounds` rounds at the sampling rate spend at most ε at δ).
   */
  noiseMultiplier: number | { epsilon: number; rounds: number };
  /** Expected clients per round m = q·N (the DP-FedAvg divisor). */
  expectedClients: number;
  /** δ at which ε is reported (default 1e-5). */
  delta?: number;
  /** Sampling rate charged to the accountant (default: samplingFraction). */
  samplingRate?: number;
  /** Adaptive clipping (Andrew et al. 2021). */
  adaptive?: { targetQuantile?: number; learningRate?: number; countNoiseStd?: number };
}

/** z of a DP setting: as given, or calibrated from its budget at the sampling rate the accountant charges. */
export function resolveNoiseMultiplier(dp: DpOptions, samplingRate: number): number {
  if (typeof dp.noiseMultiplier === 'number') return dp.noiseMultiplier;
  return noiseMultiplierFor({
    targetEpsilon: dp.noiseMultiplier.epsilon,
    rounds: dp.noiseMultiplier.rounds,
    delta: dp.delta ?? 1e-5,
    samplingRate,
  });
}

/**
 * The accountant charges every round as one step of the Poisson-subsampled
 * Gaussian mechanism at rate q. Options that make a round's contributors
 * depend on the other clients (caps, closing early, buffering across rounds,
 * carrying late updates into the next round) break that sampling, and the ε
 * charged would not hold: central DP refuses them.
 */
function refuseUnaccountedSampling(o: CoordinatorOptions): void {
  const refused: string[] = [];
  if ((o.mode ?? 'sync') === 'async') refused.push("mode 'async'");
  if (o.latePolicy === 'carry-over') refused.push("latePolicy 'carry-over'");
  if (o.maxClients !== undefined && Number.isFinite(o.maxClients)) refused.push('maxClients');
  if (o.maxJoined !== undefined && Number.isFinite(o.maxJoined)) refused.push('maxJoined');
  if (refused.length > 0) {
    throw new RangeError(
      `central DP accounts for Poisson sampling at rate q only; ${refused.join(', ')} would break it (federated/README.md, "Privacy per mode")`,
    );
  }
}

export interface CoordinatorOptions {
  store: FederatedStore;
  /** The model when the store holds none (becomes version 1). */
  initialWeights: Float32Array;
  strategy: StrategySpec | Strategy;
  mode?: 'sync' | 'async';
  /** Fewest valid updates a round aggregates (default 2). */
  minClients?: number;
  /** Sync: close the round as soon as this many updates are in (default ∞: wait for the deadline). */
  maxClients?: number;
  /** Most clients selected per round; later joins get 'round-full' (default ∞). */
  maxJoined?: number;
  /** Probability that a joining client is selected (Poisson sampling rate q; default 1). */
  samplingFraction?: number;
  roundDeadlineMs?: number;
  latePolicy?: 'reject' | 'carry-over';
  /** Async: aggregate once this many updates are buffered (default minClients). */
  bufferSize?: number;
  /** Largest accepted staleness (model versions behind; default 4). */
  maxStaleness?: number;
  /** Staleness weight (1 + s)^(−a) (default a = 0.5). */
  stalenessExponent?: number;
  /** Updates with a larger L2 norm are refused as oversize (default ∞). */
  maxUpdateNorm?: number;
  /** Largest sample count one update may claim (default 1e7). */
  maxExamples?: number;
  /** Hyper-parameters handed to clients. */
  plan: TrainingPlan;
  dp?: DpOptions;
  /** Seeds client selection and DP noise. */
  seed?: number;
  /**
   * Rounds run through secure aggregation: plain uploads are refused and the
   * secure-aggregation driver (secure.ts) closes every round. Sync mode only.
   */
  secureAggregation?: boolean;
  /** Called with every new model version (e.g. write the inventory policy file). */
  publish?: (model: ModelRecord) => Promise<void> | void;
  clock?: () => number;
  log?: Logger;
}

export type JoinResult =
  | {
      outcome: 'selected';
      roundId: number;
      modelVersion: number;
      weights: Float32Array;
      plan: TrainingPlan;
      deadlineMs: number;
      /** 1-based position among the round's selected clients (the secure-aggregation index). */
      index: number;
    }
  | { outcome: 'not-selected' | 'no-round' | 'round-full'; roundId: number; retryAfterMs: number };

export interface Submission {
  roundId: number;
  clientId: string;
  /** The model version the update was computed from. */
  modelVersion: number;
  numExamples: number;
  /** The update; the coordinator keeps this array (do not reuse it after submitting). */
  values: Float32Array;
}

export interface SubmitResult {
  roundId: number;
  updatesInRound: number;
  stalenessWeight: number;
  late: boolean;
}

interface Ticket {
  roundId: number;
  modelVersion: number;
  used: boolean;
}

interface Pending extends ClientResult {
  late: boolean;
}

/** Rounds a spent or expired ticket is remembered for clearer refusals. */
const TICKET_MEMORY = 8;

const noopLog: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return noopLog;
  },
};

/** Uniform in [0, 1) from a keyed hash: the same (seed, round, client) always draws the same. */
export class Coordinator {
  readonly mode: 'sync' | 'async';
  readonly modelLength: number;
  private readonly strategy: Strategy;
  /** The configured strategy without the DP wrapper (used for securely aggregated sums). */
  private readonly innerStrategy: Strategy;
  private readonly strategyName: string;
  /** The training plan clients get: the configured one with what the strategy needs (FedProx's μ). */
  private readonly plan: TrainingPlan;
  private readonly minClients: number;
  private readonly maxClients: number;
  private readonly maxJoined: number;
  private readonly deadlineMs: number;
  private readonly latePolicy: 'reject' | 'carry-over';
  private readonly bufferSize: number;
  private readonly maxStaleness: number;
  private readonly stalenessExponent: number;
  private readonly maxUpdateNorm: number;
  private readonly maxExamples: number;
  private readonly seed: number;
  private readonly clock: () => number;
  private readonly log: Logger;
  private readonly accountant: PrivacyAccountant | null;
  /** Central DP as run, its noise multiplier resolved (calibrated when a budget was given); null without DP. */
  readonly dp: (DpOptions & { noiseMultiplier: number }) | null;
  private readonly privacyDelta: number;
  private readonly samplingRate: number;
  private model: ModelRecord | null = null;
  private round: RoundRecord | null = null;
  private readonly pending = new Map<string, Pending>();
  /** Selected clients of the open round → 1-based selection order. */
  private readonly selectionIndex = new Map<string, number>();
  readonly secureAggregation: boolean;
  private readonly tickets = new Map<string, Ticket>();
  /** Serialises every state change (store calls are async). */
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: CoordinatorOptions) {
    this.mode = options.mode ?? 'sync';
    this.modelLength = options.initialWeights.length;
    this.minClients = options.minClients ?? 2;
    this.maxClients = options.maxClients ?? Number.POSITIVE_INFINITY;
    this.maxJoined = options.maxJoined ?? Number.POSITIVE_INFINITY;
    this.deadlineMs = options.roundDeadlineMs ?? 60_000;
    this.latePolicy = options.latePolicy ?? 'reject';
    this.bufferSize = options.bufferSize ?? this.minClients;
    this.maxStaleness = options.maxStaleness ?? 4;
    this.stalenessExponent = options.stalenessExponent ?? 0.5;
    this.maxUpdateNorm = options.maxUpdateNorm ?? Number.POSITIVE_INFINITY;
    this.maxExamples = options.maxExamples ?? 10_000_000;
    this.seed = options.seed ?? 1;
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? noopLog;
    this.secureAggregation = options.secureAggregation ?? false;
    if (this.secureAggregation && this.mode !== 'sync')
      throw new RangeError('secure aggregation needs sync rounds');
    if (!Number.isInteger(this.minClients) || this.minClients < 1)
      throw new RangeError('minClients must be >= 1');
    if (this.maxClients < this.minClients) throw new RangeError('maxClients must be >= minClients');
    if (!Number.isInteger(this.bufferSize) || this.bufferSize < 1)
      throw new RangeError('bufferSize must be >= 1');
    if (!(this.deadlineMs > 0)) throw new RangeError('roundDeadlineMs must be > 0');
    if (this.modelLength < 1) throw new RangeError('the model must have at least one value');

    // The strategy selects the clients; one passed as an object brings its own sampling.
    let inner: Strategy;
    if ('aggregate' in options.strategy) {
      inner = options.strategy;
      if (options.samplingFraction !== undefined && options.samplingFraction !== inner.samplingRate) {
        throw new RangeError(
          `samplingFraction ${options.samplingFraction} differs from the strategy's own sampling rate ${inner.samplingRate}`,
        );
      }
    } else {
      inner = buildStrategy(options.strategy, { fraction: options.samplingFraction, seed: this.seed });
    }
    const dp = options.dp;
    this.samplingRate = dp?.samplingRate ?? inner.samplingRate;
    this.privacyDelta = dp?.delta ?? 1e-5;
    if (dp) {
      refuseUnaccountedSampling(options);
      const noiseMultiplier = resolveNoiseMultiplier(dp, this.samplingRate);
      this.dp = { ...dp, noiseMultiplier };
      if (!('aggregate' in options.strategy) && ROBUST_STRATEGIES.has(options.strategy.name)) {
        this.log.warn('central DP hands the strategy one privatised mean: robust aggregation has no effect', {
          strategy: inner.name,
        });
      }
      this.strategy = new DpStrategy(inner, {
        clipNorm: dp.clipNorm,
        noiseMultiplier,
        expectedClients: dp.expectedClients,
        rng: seededRng((this.seed ^ 0x0d9_5eed) >>> 0),
        adaptive: dp.adaptive,
      });
      this.accountant = new PrivacyAccountant();
    } else {
      this.dp = null;
      this.strategy = inner;
      this.accountant = null;
    }
    this.innerStrategy = inner;
    this.strategyName = this.strategy.name;
    this.plan = { ...options.plan, ...inner.clientPlan };
  }

  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Loads (or creates) the model, marks an interrupted round abandoned, rebuilds the accountant, opens a round. */
  start(): Promise<void> {
    return this.serial(async () => {
      const store = this.options.store;
      let model = await store.latestModel();
      if (!model) {
        model = {
          version: 1,
          weights: Float32Array.from(this.options.initialWeights),
          createdAtMs: this.clock(),
          round: 0,
        };
        await store.putModel(model);
      } else if (model.weights.length !== this.modelLength) {
        throw new RangeError(
          `stored model version ${model.version} has ${model.weights.length} values, expected ${this.modelLength}`,
        );
      }
      this.model = model;
      const rounds = await store.listRounds();
      for (const r of rounds) {
        if (this.accountant && r.state === 'aggregated' && r.privacy) {
          this.accountant.step(r.privacy.samplingRate, r.privacy.noiseMultiplier, 1);
        }
      }
      const last = rounds[rounds.length - 1] ?? null;
      if (last?.state === 'open') {
        last.state = 'abandoned';
        last.closedAtMs = this.clock();
        last.failure = 'the aggregator restarted while the round was open';
        last.failureCode = 'restarted';
        await store.putRound(last);
        this.log.warn('abandoned an interrupted round', { round: last.id });
      }
      await this.openRound((last?.id ?? 0) + 1);
    });
  }

  /** Stops taking calls. An open round stays `open` in the store (a restart marks it abandoned). */
  close(): Promise<void> {
    return this.serial(() => {
      this.closed = true;
    });
  }

  private async openRound(id: number): Promise<void> {
    const model = this.model!;
    const now = this.clock();
    this.pending.clear();
    this.selectionIndex.clear();
    this.round = {
      id,
      state: 'open',
      mode: this.mode,
      strategy: this.strategyName,
      modelVersion: model.version,
      resultVersion: 0,
      openedAtMs: now,
      deadlineMs: now + this.deadlineMs,
      closedAtMs: 0,
      minClients: this.minClients,
      joined: [],
      accepted: [],
      uploaded: 0,
      rejected: 0,
      late: 0,
      totalExamples: 0,
      failure: '',
      privacy: null,
      secureAggregation: false,
    };
    await this.options.store.putRound(this.round);
    this.log.debug('round opened', {
      round: id,
      modelVersion: model.version,
      deadlineMs: this.round.deadlineMs,
    });
  }

  /** The current model version (null before start). */
  get currentModel(): ModelRecord | null {
    return this.model;
  }

  get currentRoundId(): number {
    return this.round?.id ?? 0;
  }

  /** Counts an upload the transport refused before it got here (bad framing or header) in the open round's `rejected`. */
  countRefused(): Promise<void> {
    return this.serial(() => {
      if (this.round) this.round.rejected++;
    });
  }

  /** A client checks in; selected clients get the model, the plan and the deadline. */
  join(clientId: string): Promise<JoinResult> {
    return this.serial(() => {
      const round = this.round;
      const retryAfterMs = Math.max(1, Math.min(this.deadlineMs, 5_000));
      if (!round || this.closed || !this.model) return { outcome: 'no-round', roundId: 0, retryAfterMs };
      const selected = (): JoinResult => ({
        outcome: 'selected',
        roundId: round.id,
        modelVersion: this.model!.version,
        weights: Float32Array.from(this.model!.weights),
        plan: this.plan,
        deadlineMs: round.deadlineMs,
        index: this.selectionIndex.get(clientId)!,
      });
      const ticket = this.tickets.get(clientId);
      if (ticket && ticket.roundId === round.id) return selected();
      if (!this.strategy.selects(round.id, clientId)) {
        return {
          outcome: 'not-selected',
          roundId: round.id,
          retryAfterMs: Math.max(0, round.deadlineMs - this.clock()),
        };
      }
      if (round.joined.length >= this.maxJoined) {
        return {
          outcome: 'round-full',
          roundId: round.id,
          retryAfterMs: Math.max(0, round.deadlineMs - this.clock()),
        };
      }
      round.joined.push(clientId);
      this.selectionIndex.set(clientId, round.joined.length);
      this.tickets.set(clientId, { roundId: round.id, modelVersion: this.model.version, used: false });
      return selected();
    });
  }

  /** Validates and records one update; may close the round (max clients / buffer full). */
  submit(s: Submission): Promise<SubmitResult> {
    return this.serial(async () => {
      const round = this.round;
      const model = this.model;
      if (!round || !model || this.closed)
        throw new Refusal('unavailable', 'the aggregator is not running a round');
      if (this.secureAggregation) {
        round.rejected++;
        throw new Refusal(
          'wrong-round',
          `round ${round.id} uses secure aggregation: upload a masked input (UploadMaskedInput), not a plain update`,
        );
      }
      try {
        const { weight, late } = this.check(s, round, model);
        const ticket = this.tickets.get(s.clientId)!;
        ticket.used = true;
        // The coordinator takes ownership of s.values (callers hand over a fresh array).
        const update = weight === 1 ? s.values : s.values.map((v) => v * weight);
        this.pending.set(s.clientId, { clientId: s.clientId, update, numExamples: s.numExamples, late });
        round.accepted.push(s.clientId);
        round.uploaded++;
        round.totalExamples += s.numExamples;
        if (late) round.late++;
        const result: SubmitResult = {
          roundId: round.id,
          updatesInRound: this.pending.size,
          stalenessWeight: weight,
          late,
        };
        const full =
          this.mode === 'async' ? this.pending.size >= this.bufferSize : this.pending.size >= this.maxClients;
        if (full) await this.closeRound('full');
        return result;
      } catch (err) {
        if (err instanceof Refusal) round.rejected++;
        throw err;
      }
    });
  }

  private check(s: Submission, round: RoundRecord, model: ModelRecord): { weight: number; late: boolean } {
    if (!Number.isSafeInteger(s.numExamples) || s.numExamples < 1 || s.numExamples > this.maxExamples) {
      throw new Refusal(
        'invalid',
        `num_examples: must be an integer in [1, ${this.maxExamples}], got ${s.numExamples}`,
      );
    }
    if (s.values.length > this.modelLength) {
      throw new Refusal(
        'oversize',
        `update has ${s.values.length} values, the model has ${this.modelLength}`,
      );
    }
    if (s.values.length !== this.modelLength) {
      throw new Refusal('invalid', `update has shape [${s.values.length}], expected [${this.modelLength}]`);
    }
    if (!Number.isSafeInteger(s.roundId) || s.roundId < 1 || s.roundId > round.id) {
      throw new Refusal('wrong-round', `round ${s.roundId} does not exist (current round ${round.id})`);
    }
    const ticket = this.tickets.get(s.clientId);
    if (!ticket || ticket.roundId !== s.roundId) {
      throw new Refusal('not-in-round', `client ${s.clientId} was not selected for round ${s.roundId}`);
    }
    if (ticket.used)
      throw new Refusal('duplicate', `client ${s.clientId} already sent its update for round ${s.roundId}`);
    if (s.modelVersion !== ticket.modelVersion) {
      throw new Refusal(
        'wrong-round',
        `update computed from model version ${s.modelVersion}, round ${s.roundId} handed out version ${ticket.modelVersion}`,
      );
    }
    const late = s.roundId < round.id;
    if (late && this.mode === 'sync' && this.latePolicy === 'reject') {
      throw new Refusal(
        'late',
        `round ${s.roundId} closed; late updates are refused (current round ${round.id})`,
      );
    }
    const staleness = model.version - ticket.modelVersion;
    if (staleness > this.maxStaleness) {
      throw new Refusal(
        'stale',
        `update is ${staleness} versions old (at most ${this.maxStaleness} accepted)`,
      );
    }
    const v = s.values;
    let squares = 0;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x - x !== 0) throw new Refusal('invalid', `values[${i}]: ${x} is not finite`); // NaN or ±Infinity
      squares += x * x;
    }
    const norm = Math.sqrt(squares);
    if (norm > this.maxUpdateNorm) {
      throw new Refusal(
        'oversize',
        `update L2 norm ${norm.toPrecision(4)} exceeds the bound ${this.maxUpdateNorm}`,
      );
    }
    return { weight: staleness === 0 ? 1 : (1 + staleness) ** -this.stalenessExponent, late };
  }

  /** Closes the round if its deadline has passed (call from a timer, or with a simulated clock). */
  tick(): Promise<void> {
    return this.serial(async () => {
      const round = this.round;
      if (!round || this.closed || this.secureAggregation || this.clock() < round.deadlineMs) return;
      if (this.mode === 'async' && this.pending.size < this.minClients) {
        round.deadlineMs = this.clock() + this.deadlineMs; // keep buffering
        return;
      }
      await this.closeRound('deadline');
    });
  }

  /** Closes the current round now (deadline semantics), whatever the clock says. */
  closeNow(): Promise<void> {
    return this.serial(() => this.closeRound('deadline'));
  }

  private async closeRound(reason: 'full' | 'deadline'): Promise<void> {
    const round = this.round!;
    const model = this.model!;
    const results = [...this.pending.values()];
    if (results.length < this.minClients) {
      await this.finishRound(
        round,
        null,
        `only ${results.length} of the ${this.minClients} updates needed by the deadline`,
        'too-few-updates',
      );
      return;
    }
    let weights: Float32Array;
    try {
      weights = this.strategy.aggregate(round.id, results, model.weights).weights;
    } catch (err) {
      await this.finishRound(
        round,
        null,
        `aggregation failed: ${(err as Error).message}`,
        'aggregation-error',
      );
      return;
    }
    const privacy = this.chargePrivacy(this.strategy.privacy?.lastClipNorm);
    round.privacy = privacy;
    this.log.info('round aggregated', {
      round: round.id,
      reason,
      updates: results.length,
      late: round.late,
      joined: round.joined.length,
      ...(privacy
        ? {
            epsilon: privacy.roundEpsilon,
            cumulativeEpsilon: privacy.cumulativeEpsilon,
            delta: privacy.delta,
          }
        : {}),
    });
    await this.finishRound(round, weights, '');
  }

  private chargePrivacy(clipNorm: number | undefined): PrivacyRecord | null {
    const dp = this.dp;
    if (!this.accountant || !dp) return null;
    this.accountant.step(this.samplingRate, dp.noiseMultiplier, 1);
    const report = this.accountant.report(this.privacyDelta);
    const last = report.rounds[report.rounds.length - 1]!;
    return {
      roundEpsilon: last.epsilon,
      cumulativeEpsilon: last.cumulativeEpsilon,
      delta: this.privacyDelta,
      noiseMultiplier: dp.noiseMultiplier,
      samplingRate: this.samplingRate,
      clipNorm: clipNorm ?? dp.clipNorm,
    };
  }

  private async finishRound(
    round: RoundRecord,
    weights: Float32Array | null,
    failure: string,
    failureCode?: RoundFailureCode,
  ): Promise<void> {
    const now = this.clock();
    if (weights) {
      const next: ModelRecord = {
        version: this.model!.version + 1,
        weights,
        createdAtMs: now,
        round: round.id,
      };
      await this.options.store.putModel(next);
      this.model = next;
      round.state = 'aggregated';
      round.resultVersion = next.version;
    } else {
      round.state = 'failed';
      round.failure = failure;
      round.failureCode = failureCode ?? 'aggregation-error';
      this.log.info('round failed', { round: round.id, failure, code: round.failureCode });
    }
    round.closedAtMs = now;
    await this.options.store.putRound(round);
    recordFederatedRound({
      status: round.state === 'aggregated' ? 'aggregated' : (round.failureCode ?? 'failed'),
      durationMs: now - round.openedAtMs,
      clients: round.joined.length,
      modelVersion: weights ? this.model!.version : undefined,
    });
    // Tickets are remembered a few rounds past their usefulness, so that a
    // late or stale upload is told so (rather than "not in round").
    for (const [id, t] of this.tickets) {
      const forgotten =
        this.model!.version - t.modelVersion > this.maxStaleness + TICKET_MEMORY ||
        t.roundId < round.id - TICKET_MEMORY;
      if (forgotten) this.tickets.delete(id);
    }
    if (weights && this.options.publish) {
      try {
        await this.options.publish(this.model!);
      } catch (err) {
        this.log.error('publishing the new model failed', {
          version: this.model!.version,
          error: (err as Error).message,
        });
      }
    }
    await this.openRound(round.id + 1);
  }

  /**
   * Secure-aggregation path: the round's contributors uploaded masked inputs
   * and the server recovered only their SUM (see secure.ts). Applies
   * mean = sum / divisor through the (non-robust) strategy and closes the
   * round. With DP the clients already added their share of the noise, so
   * the divisor is the expected client count and the round is charged to
   * the accountant; without DP it is the number of contributors.
   */
  aggregateSecureSum(
    roundId: number,
    contributors: readonly string[],
    sum: Float64Array,
    totalExamples: number,
  ): Promise<void> {
    return this.serial(async () => {
      const round = this.round;
      if (!round || this.closed) throw new Refusal('unavailable', 'the aggregator is not running a round');
      if (roundId !== round.id)
        throw new Refusal('wrong-round', `round ${roundId} is not open (current round ${round.id})`);
      if (sum.length !== this.modelLength)
        throw new Refusal('invalid', `sum has ${sum.length} values, expected ${this.modelLength}`);
      if (ROBUST_STRATEGIES.has(this.innerStrategy.name as never)) {
        throw new Refusal(
          'invalid',
          `${this.innerStrategy.name} needs individual updates; secure aggregation only gives the sum`,
        );
      }
      for (const c of contributors) {
        const t = this.tickets.get(c);
        if (!t || t.roundId !== round.id)
          throw new Refusal('not-in-round', `client ${c} was not selected for round ${round.id}`);
        if (t.used) throw new Refusal('duplicate', `client ${c} already contributed to round ${round.id}`);
      }
      for (const c of contributors) this.tickets.get(c)!.used = true;
      round.secureAggregation = true;
      round.accepted.push(...contributors);
      round.uploaded += contributors.length;
      round.totalExamples += totalExamples;
      if (contributors.length < this.minClients) {
        await this.finishRound(
          round,
          null,
          `only ${contributors.length} of the ${this.minClients} contributors needed`,
          'too-few-updates',
        );
        return;
      }
      const dp = this.dp;
      const divisor = dp ? dp.expectedClients : contributors.length;
      const mean = new Float32Array(sum.length);
      for (let i = 0; i < sum.length; i++) mean[i] = sum[i]! / divisor;
      const { weights } = this.innerStrategy.aggregate(
        round.id,
        [{ clientId: 'secure-aggregate', update: mean, numExamples: 1 }],
        this.model!.weights,
      );
      round.privacy = this.chargePrivacy(dp?.clipNorm);
      this.log.info('round aggregated (secure aggregation)', {
        round: round.id,
        contributors: contributors.length,
        ...(round.privacy
          ? { epsilon: round.privacy.roundEpsilon, cumulativeEpsilon: round.privacy.cumulativeEpsilon }
          : {}),
      });
      await this.finishRound(round, weights, '');
    });
  }

  /** The selection index (≥ 1) of a client selected in the open round `roundId`, or null. */
  participantIndex(roundId: number, clientId: string): number | null {
    if (!this.round || this.closed || this.round.id !== roundId) return null;
    return this.selectionIndex.get(clientId) ?? null;
  }

  /** How the open round is going, for its gauges (null before start / after close). */
  progress(): FederatedRoundProgress | null {
    const r = this.round;
    if (!r || this.closed || r.state !== 'open') return null;
    return { roundId: r.id, joined: r.joined.length, accepted: r.accepted.length, deadlineMs: r.deadlineMs };
  }

  /** The open round's id and deadline (null before start / after close). */
  currentRound(): { id: number; deadlineMs: number } | null {
    return this.round && !this.closed ? { id: this.round.id, deadlineMs: this.round.deadlineMs } : null;
  }

  /** Fails the open round `roundId` (model unchanged; the next round opens). False if it is not open. */
  failRound(roundId: number, failure: string, code: RoundFailureCode): Promise<boolean> {
    return this.serial(async () => {
      const round = this.round;
      if (!round || this.closed || round.id !== roundId) return false;
      await this.finishRound(round, null, failure, code);
      return true;
    });
  }

  /** A round's record: the open one (live counts) when id is 0 or current, else from the store. */
  status(roundId = 0): Promise<RoundRecord | null> {
    return this.serial(async () => {
      if (this.round && (roundId === 0 || roundId === this.round.id)) {
        const live = structuredClone(this.round);
        if (this.accountant && this.dp && !live.privacy) {
          live.privacy = {
            roundEpsilon: 0,
            cumulativeEpsilon: this.accountant.rounds > 0 ? this.accountant.epsilon(this.privacyDelta) : 0,
            delta: this.privacyDelta,
            noiseMultiplier: this.dp.noiseMultiplier,
            samplingRate: this.samplingRate,
            clipNorm: this.strategy.privacy?.clipNorm ?? this.dp.clipNorm,
          };
        }
        return live;
      }
      return this.options.store.getRound(roundId);
    });
  }

  /** Cumulative ε so far (0 without DP). */
  cumulativeEpsilon(): number {
    return this.accountant && this.accountant.rounds > 0 ? this.accountant.epsilon(this.privacyDelta) : 0;
  }
}
