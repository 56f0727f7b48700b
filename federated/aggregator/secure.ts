/**
 * Secure aggregation in a round: the selected clients of a Coordinator round
 * run the Bonawitz et al. protocol (federated/secagg) and the server learns
 * only the SUM of the survivors' (clipped, optionally DP-noised) updates,
 * which it hands to `Coordinator.aggregateSecureSum`.
 *
 * `SecureRound` is the server side of one round: it maps client ids to
 * protocol indices, fixes the roster, routes the encrypted shares, collects
 * masked inputs and unmasking responses, and recovers the sum. Clients that
 * drop after sharing keys (before or after uploading) are tolerated down to
 * the threshold t (in process: the evaluation and unit tests drive it).
 *
 * `SecureAggregationDriver` runs the same protocol over the wire: the four
 * phases of each round with deadlines, driven by the gRPC handlers in
 * server.ts (AdvertiseKeys, ShareKeys, UploadMaskedInput, Unmask).
 */

import { hashSeed } from '../../services/common/rng';
import {
  type EncryptedShares,
  type FixedPoint,
  fixedPointFor,
  type KeyAdvert,
  type RandomBytes,
  SecAggError,
  type SecAggParams,
  SecAggRangeError,
  SecAggServer,
  type UnmaskResponse,
} from '../secagg';
import { type Coordinator, Refusal } from './coordinator';
import type { RoundFailureCode } from './store';

export interface SecureRoundOptions {
  vectorLength: number;
  /** Shamir threshold t: fewest survivors. */
  threshold: number;
  /** Fixed-point range: ≥ clip norm plus headroom for DP noise. */
  range: number;
  /** Most clients the fixed-point encoding must sum without overflow. */
  maxClients: number;
  randomBytes?: RandomBytes;
}

export function secAggParams(o: SecureRoundOptions): SecAggParams {
  return {
    vectorLength: o.vectorLength,
    threshold: o.threshold,
    fixedPoint: fixedPointFor(o.range, o.maxClients),
    randomBytes: o.randomBytes,
  };
}

export class SecureRound {
  readonly params: SecAggParams;
  private readonly server: SecAggServer;
  private readonly indexOf = new Map<string, number>();
  private readonly idOf = new Map<number, string>();
  private readonly examples = new Map<string, number>();

  constructor(
    readonly roundId: number,
    clientIds: readonly string[],
    options: SecureRoundOptions,
  ) {
    this.params = secAggParams(options);
    this.server = new SecAggServer(this.params);
    clientIds.forEach((id, i) => {
      this.indexOf.set(id, i + 1);
      this.idOf.set(i + 1, id);
    });
  }

  /** The protocol index (Shamir x-coordinate) of a client. */
  index(clientId: string): number {
    const i = this.indexOf.get(clientId);
    if (i === undefined) throw new RangeError(`client ${clientId} is not in secure round ${this.roundId}`);
    return i;
  }

  setRoster(adverts: readonly KeyAdvert[]): KeyAdvert[] {
    return this.server.setRoster(adverts);
  }

  routeShares(messages: readonly EncryptedShares[]): Map<number, EncryptedShares[]> {
    return this.server.routeShares(messages);
  }

  receiveMaskedInput(clientId: string, masked: Uint32Array, numExamples: number): void {
    this.server.receiveMaskedInput(this.index(clientId), masked);
    this.examples.set(clientId, numExamples);
  }

  survivors(): number[] {
    return this.server.survivors();
  }

  /** Recovers the sum and applies it to the coordinator's round. */
  async finish(
    responses: readonly UnmaskResponse[],
    coordinator: Coordinator,
  ): Promise<{ sum: Float64Array; contributors: string[] }> {
    const result = this.server.aggregate(responses);
    const contributors = result.survivors.map((i) => this.idOf.get(i)!);
    const total = contributors.reduce((s, id) => s + (this.examples.get(id) ?? 0), 0);
    await coordinator.aggregateSecureSum(this.roundId, contributors, result.sum, total);
    return { sum: result.sum, contributors };
  }
}

// ---------------------------------------------------------------------------
// The protocol over the wire: phases with deadlines (server.ts is its gRPC face)
// ---------------------------------------------------------------------------

export interface SecureAggregationOptions {
  /** Shamir threshold t: fewest clients each phase may end with. */
  threshold: number;
  /** Fixed-point range (values clamped to ±range): ≥ clip norm plus headroom for DP noise. */
  range: number;
  /** Roster cap and fixed-point budget: the key phase closes as soon as this many clients advertised. */
  maxClients: number;
  /**
   * Sparse masking (SecAgg+, federated/secagg/graph.ts): each client shares
   * keys with and masks against only this many neighbours (an even k) on a
   * random ring seeded by the round, and `threshold` is then per
   * neighbourhood of k + 1 (a majority of it). Every message a client sends
   * or gets is O(k) instead of O(n). Default: everyone (the complete graph).
   */
  neighbours?: number;
  /** Each later phase closes at most this long after the previous one closed (default 30 s). */
  phaseTimeoutMs?: number;
  /** With DP: survivors the client-side noise is split over (default t). */
  dpMinContributors?: number;
  /** Sees every masked input as the server receives it (audits and tests). */
  onMaskedInput?: (roundId: number, clientId: string, masked: Uint32Array) => void;
}

export type SecurePhase = 'advertise' | 'share' | 'upload' | 'unmask' | 'done' | 'failed';

export interface SecureProgress {
  roundId: number;
  phase: SecurePhase;
  threshold: number;
  keysAdvertised: number;
  keysShared: number;
  maskedInputs: number;
  unmaskResponses: number;
  failure: string;
}

/** What a selected client needs to run its side (SecureAggregationPlan on the wire). */
export interface SecurePlan {
  clientIndex: number;
  threshold: number;
  range: number;
  maxClients: number;
  phaseTimeoutMs: number;
  dpNoiseMultiplier: number;
  dpMinContributors: number;
}

interface Gate<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

function gate<T>(): Gate<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // a phase may fail with nobody waiting
  return { promise, resolve, reject };
}

const FAILURE_OF: Record<'advertise' | 'share' | 'upload' | 'unmask', RoundFailureCode> = {
  advertise: 'too-few-keys',
  share: 'too-few-shares',
  upload: 'too-few-masked-inputs',
  unmask: 'too-few-unmask-responses',
};

class Session {
  phase: SecurePhase = 'advertise';
  phaseDeadlineMs: number;
  failure = '';
  readonly server: SecAggServer;
  readonly clientOf = new Map<number, string>();
  readonly adverts = new Map<number, KeyAdvert>();
  roster: KeyAdvert[] = [];
  readonly shares = new Map<number, EncryptedShares[]>();
  routed = new Map<number, EncryptedShares[]>();
  readonly masked = new Set<number>();
  readonly examples = new Map<number, number>();
  survivors: number[] = [];
  readonly responses = new Map<number, UnmaskResponse>();
  readonly rosterGate = gate<KeyAdvert[]>();
  readonly sharesGate = gate<void>();
  readonly survivorsGate = gate<number[]>();

  constructor(
    readonly roundId: number,
    readonly params: SecAggParams,
    roundDeadlineMs: number,
  ) {
    this.server = new SecAggServer(params);
    this.phaseDeadlineMs = roundDeadlineMs;
  }

  progress(): SecureProgress {
    return {
      roundId: this.roundId,
      phase: this.phase,
      threshold: this.params.threshold,
      keysAdvertised: this.adverts.size,
      keysShared: this.shares.size,
      maskedInputs: this.masked.size,
      unmaskResponses: this.responses.size,
      failure: this.failure,
    };
  }
}

/** Progress records kept for RoundStatus of recent rounds. */
const PROGRESS_MEMORY = 16;

/**
 * Runs the Bonawitz phases of each Coordinator round (the coordinator must
 * be built with `secureAggregation: true`):
 *
 *   advertise  until `maxClients` selected clients advertised keys or the round deadline
 *   share      until every roster member shared keys, or phaseTimeoutMs
 *   upload     until every client that shared keys sent its masked input, or phaseTimeoutMs
 *   unmask     until every masked-input client answered, or phaseTimeoutMs
 *
 * A phase that ends with fewer than t clients fails the round (coordinator
 * `failRound`, with a code naming the phase) and every waiting call gets a
 * `Refusal('round-failed')` saying why; the next round opens. The unmask
 * phase recovers the sum and hands it to `Coordinator.aggregateSecureSum`.
 * Calls resolve when their phase closes (long-poll): `advertise` → roster,
 * `shareKeys` → the shares addressed to the caller, `maskedInput` → U3.
 * No sockets here; time is the coordinator's clock, checked by `tick()`.
 */
export class SecureAggregationDriver {
  readonly phaseTimeoutMs: number;
  private readonly fixedPoint: FixedPoint;
  private session: Session | null = null;
  private readonly history = new Map<number, SecureProgress>();

  constructor(
    private readonly coordinator: Coordinator,
    private readonly options: SecureAggregationOptions,
    private readonly clock: () => number,
    private readonly dpNoiseMultiplier = 0,
  ) {
    if (!coordinator.secureAggregation) {
      throw new RangeError('the coordinator must be built with secureAggregation: true');
    }
    if (!Number.isSafeInteger(options.maxClients) || options.maxClients < options.threshold) {
      throw new RangeError('secure aggregation maxClients must be an integer >= threshold');
    }
    const k = options.neighbours;
    if (k !== undefined && (!Number.isSafeInteger(k) || k < 2 || k % 2 !== 0)) {
      throw new RangeError(`secure aggregation neighbours must be an even integer >= 2, got ${k}`);
    }
    // A majority (Bonawitz et al. 2017): with t ≤ n/2 a server that names different dropouts to two
    // disjoint groups of clients (this variant has no consistency round) can collect t shares of a
    // client's self-mask seed from one group and t of its key from the other, and unmask its input.
    // With a neighbour graph the shares of a client are spread over its k + 1 neighbourhood only.
    const holders = k === undefined ? options.maxClients : Math.min(k + 1, options.maxClients);
    if (options.threshold <= holders / 2) {
      throw new RangeError(
        k === undefined
          ? `secure aggregation threshold ${options.threshold} must be a majority of maxClients ${options.maxClients} (at least ${majority(options.maxClients)})`
          : `secure aggregation threshold ${options.threshold} must be a majority of a neighbourhood of ${holders} (k = ${k} neighbours and the client; at least ${majority(holders)})`,
      );
    }
    if (options.threshold > holders) {
      throw new RangeError(
        `secure aggregation threshold ${options.threshold} exceeds the ${holders} clients that hold each client's shares`,
      );
    }
    // Each client adds noise std z·C/√dpMinContributors, and a round may end with only t inputs:
    // their noise sums to z·C·√(t/dpMinContributors), below the z·C charged if dpMinContributors > t.
    const dpMin = options.dpMinContributors ?? options.threshold;
    if (!Number.isInteger(dpMin) || dpMin < 1 || dpMin > options.threshold) {
      throw new RangeError(
        `secure aggregation dpMinContributors must be an integer in [1, threshold ${options.threshold}], got ${dpMin}: with fewer survivors than it the summed noise falls below z·C`,
      );
    }
    this.phaseTimeoutMs = options.phaseTimeoutMs ?? 30_000;
    if (!(this.phaseTimeoutMs > 0)) throw new RangeError('phaseTimeoutMs must be > 0');
    this.fixedPoint = fixedPointFor(options.range, options.maxClients);
    checkSecAggThreshold(options.threshold);
  }

  /** The plan a selected client gets with JoinRound. */
  plan(clientIndex: number): SecurePlan {
    return {
      clientIndex,
      threshold: this.options.threshold,
      range: this.options.range,
      maxClients: this.options.maxClients,
      phaseTimeoutMs: this.phaseTimeoutMs,
      dpNoiseMultiplier: this.dpNoiseMultiplier,
      dpMinContributors: this.options.dpMinContributors ?? this.options.threshold,
    };
  }

  /** When the current phase of round `roundId` closes at the latest (0 if unknown). */
  phaseDeadline(roundId: number): number {
    return this.session?.roundId === roundId ? this.session.phaseDeadlineMs : 0;
  }

  /** Phase counts of a round (the live one or a recent one), or null. */
  progress(roundId: number): SecureProgress | null {
    if (this.session?.roundId === roundId) return this.session.progress();
    return this.history.get(roundId) ?? null;
  }

  /** Phase 0: a selected client's two public keys; resolves with the roster when the phase closes. */
  advertise(roundId: number, clientId: string, cPublicKey: Buffer, sPublicKey: Buffer): Promise<KeyAdvert[]> {
    // Everything checked before the round's session exists: a refused advert must not start it.
    this.requireOpen(roundId);
    const index = this.coordinator.participantIndex(roundId, clientId);
    if (index === null) {
      throw new Refusal('not-in-round', `client ${clientId} was not selected for round ${roundId}`);
    }
    if (cPublicKey.length !== 32)
      throw new Refusal('invalid', 'share_encryption_public_key: must be a raw 32-byte X25519 key');
    if (sPublicKey.length !== 32)
      throw new Refusal('invalid', 'mask_agreement_public_key: must be a raw 32-byte X25519 key');
    const s = this.startSession(roundId);
    if (s.adverts.has(index))
      throw new Refusal('duplicate', `client ${clientId} already advertised keys for round ${roundId}`);
    this.expectPhase(s, 'advertise', 'keys');
    s.adverts.set(index, { index, cPublicKey: Buffer.from(cPublicKey), sPublicKey: Buffer.from(sPublicKey) });
    s.clientOf.set(index, clientId);
    if (s.adverts.size >= this.options.maxClients) this.closePhase(s);
    // The caller's roster: everyone, or with a neighbour graph its own neighbourhood.
    return s.rosterGate.promise.then(() => s.server.neighbourhood(index));
  }

  /** Phase 1: the caller's encrypted shares (one per roster member); resolves with the shares addressed to it. */
  async shareKeys(
    roundId: number,
    clientId: string,
    shares: readonly EncryptedShares[],
  ): Promise<EncryptedShares[]> {
    const s = this.sessionFor(roundId, clientId);
    const index = this.rosterIndex(s, clientId);
    if (s.shares.has(index))
      throw new Refusal('duplicate', `client ${clientId} already shared keys for round ${roundId}`);
    this.expectPhase(s, 'share', 'key shares');
    const near = this.nearOf(s, index);
    const to = new Set<number>();
    for (const [k, m] of shares.entries()) {
      if (m.from !== index)
        throw new Refusal('invalid', `shares[${k}].from_index: must be the caller's index ${index}`);
      if (!s.adverts.has(m.to))
        throw new Refusal('invalid', `shares[${k}].to_index: ${m.to} is not in the roster`);
      if (!near.has(m.to))
        throw new Refusal('invalid', `shares[${k}].to_index: ${m.to} is not one of the caller's neighbours`);
      if (to.has(m.to)) throw new Refusal('invalid', `shares[${k}].to_index: ${m.to} appears twice`);
      if (m.ciphertext.length > MAX_SHARE_CIPHERTEXT)
        throw new Refusal(
          'invalid',
          `shares[${k}].encrypted_share: longer than ${MAX_SHARE_CIPHERTEXT} bytes`,
        );
      to.add(m.to);
    }
    if (to.size !== near.size) {
      throw new Refusal('invalid', `shares: expected one per roster member (${near.size}), got ${to.size}`);
    }
    s.shares.set(index, [...shares]);
    if (s.shares.size === s.adverts.size) this.closePhase(s);
    await s.sharesGate.promise;
    return s.routed.get(index) ?? [];
  }

  /** Phase 2: the caller's masked input; resolves with U3 (who uploaded) when the phase closes. */
  maskedInput(
    roundId: number,
    clientId: string,
    modelVersion: number,
    numExamples: number,
    masked: Uint32Array,
  ): Promise<number[]> {
    const s = this.sessionFor(roundId, clientId);
    const index = this.rosterIndex(s, clientId);
    if (s.masked.has(index))
      throw new Refusal('duplicate', `client ${clientId} already sent its masked input for round ${roundId}`);
    this.expectPhase(s, 'upload', 'masked inputs');
    if (!s.shares.has(index))
      throw new Refusal('not-in-round', `client ${clientId} shared no keys in round ${roundId}`);
    const version = this.coordinator.currentModel?.version;
    if (modelVersion !== version) {
      throw new Refusal(
        'wrong-round',
        `model_version: round ${roundId} handed out version ${version}, got ${modelVersion}`,
      );
    }
    if (!Number.isSafeInteger(numExamples) || numExamples < 1 || numExamples > 10_000_000)
      throw new Refusal('invalid', `num_examples: must be an integer in [1, 10000000], got ${numExamples}`);
    try {
      s.server.receiveMaskedInput(index, masked);
    } catch (err) {
      throw new Refusal('invalid', (err as Error).message);
    }
    s.masked.add(index);
    s.examples.set(index, numExamples);
    this.options.onMaskedInput?.(roundId, clientId, masked);
    if (s.masked.size === s.shares.size) this.closePhase(s);
    // The survivors the caller unmasks for: all of them, or those in its neighbourhood.
    return s.survivorsGate.promise.then(() => s.server.survivorsFor(index));
  }

  /** Phase 3: the caller's shares; the round is aggregated once every survivor answered or at the deadline. */
  unmask(roundId: number, clientId: string, response: UnmaskResponse): { responses: number } {
    const s = this.sessionFor(roundId, clientId);
    const index = this.rosterIndex(s, clientId);
    if (s.responses.has(index))
      throw new Refusal('duplicate', `client ${clientId} already answered the unmasking round ${roundId}`);
    this.expectPhase(s, 'unmask', 'unmasking answers');
    if (!s.survivors.includes(index))
      throw new Refusal('not-in-round', `client ${clientId} sent no masked input in round ${roundId}`);
    const alive = new Set(s.survivors);
    const near = this.nearOf(s, index);
    for (const [k, r] of response.selfMaskShares.entries()) {
      if (!alive.has(r.owner))
        throw new Refusal('invalid', `self_mask_seed_shares[${k}].owner_index: ${r.owner} is not a survivor`);
      if (!near.has(r.owner))
        throw new Refusal(
          'invalid',
          `self_mask_seed_shares[${k}].owner_index: ${r.owner} is not one of the caller's neighbours`,
        );
    }
    for (const [k, r] of response.keyShares.entries()) {
      if (alive.has(r.owner) || !s.shares.has(r.owner) || !near.has(r.owner)) {
        throw new Refusal(
          'invalid',
          `mask_key_shares[${k}].owner_index: ${r.owner} is not a client of the caller's roster that dropped after sharing keys`,
        );
      }
    }
    s.responses.set(index, { ...response, from: index });
    if (s.responses.size === s.survivors.length) this.closePhase(s);
    return { responses: s.responses.size };
  }

  /** Closes phases whose deadline passed; fails a round nobody advertised keys for by its deadline. */
  async tick(): Promise<void> {
    const now = this.clock();
    const open = this.coordinator.currentRound();
    const s = this.session;
    if (s && s.phase !== 'done' && s.phase !== 'failed') {
      if (open?.id !== s.roundId) {
        this.fail(s, 'the round was closed outside the secure-aggregation protocol', 'aggregation-error');
      } else if (now >= s.phaseDeadlineMs) {
        this.closePhase(s);
      }
    } else if (open && open.id !== s?.roundId && now >= open.deadlineMs) {
      await this.coordinator.failRound(
        open.id,
        `no client advertised keys by the round deadline (secure aggregation needs t=${this.options.threshold})`,
        'too-few-keys',
      );
    }
    await this.finishing;
  }

  /** The round being aggregated (awaited by tick so that callers can observe the result). */
  private finishing: Promise<void> = Promise.resolve();

  /** Throws unless `roundId` is the open round and has not failed. */
  private requireOpen(roundId: number): void {
    if (this.session?.roundId === roundId) {
      const s = this.session;
      if (s.phase === 'failed') throw new Refusal('round-failed', `round ${roundId} failed: ${s.failure}`);
      return;
    }
    const open = this.coordinator.currentRound();
    if (!open || open.id !== roundId) {
      throw new Refusal('wrong-round', `round ${roundId} is not open (current round ${open?.id ?? 0})`);
    }
  }

  /**
   * The open round's session. Before its first advert it has none, and no
   * roster: `clientId` is not in it (and the refusal starts nothing).
   */
  private sessionFor(roundId: number, clientId: string): Session {
    this.requireOpen(roundId);
    if (this.session?.roundId === roundId) return this.session;
    throw new Refusal('not-in-round', `client ${clientId} is not in the key roster of round ${roundId}`);
  }

  /** The open round's session, started by its first (valid) advert. */
  private startSession(roundId: number): Session {
    this.requireOpen(roundId);
    if (this.session?.roundId === roundId) return this.session;
    const open = this.coordinator.currentRound()!;
    const params: SecAggParams = {
      vectorLength: this.coordinator.modelLength,
      threshold: this.options.threshold,
      fixedPoint: this.fixedPoint,
      ...(this.options.neighbours === undefined
        ? {}
        : {
            neighbours: { degree: this.options.neighbours, seed: hashSeed(`parley/secagg/round/${roundId}`) },
          }),
    };
    this.session = new Session(roundId, params, open.deadlineMs);
    return this.session;
  }

  /** The caller and its neighbours (everyone in the roster without a graph). */
  private nearOf(s: Session, index: number): Set<number> {
    return new Set([index, ...s.server.neighboursOf(index)]);
  }

  private rosterIndex(s: Session, clientId: string): number {
    const index = this.coordinator.participantIndex(s.roundId, clientId);
    if (index === null || !s.adverts.has(index) || s.phase === 'advertise') {
      throw new Refusal('not-in-round', `client ${clientId} is not in the key roster of round ${s.roundId}`);
    }
    return index;
  }

  private expectPhase(s: Session, phase: SecurePhase, what: string): void {
    if (s.phase === 'failed') throw new Refusal('round-failed', `round ${s.roundId} failed: ${s.failure}`);
    if (s.phase !== phase) {
      throw new Refusal('late', `round ${s.roundId} no longer takes ${what} (it is in the ${s.phase} phase)`);
    }
  }

  private fail(s: Session, why: string, code: RoundFailureCode): void {
    if (s.phase === 'failed' || s.phase === 'done') return;
    s.phase = 'failed';
    s.failure = why;
    const err = new Refusal('round-failed', `secure aggregation round ${s.roundId} failed: ${why}`);
    s.rosterGate.reject(err);
    s.sharesGate.reject(err);
    s.survivorsGate.reject(err);
    this.remember(s);
    this.finishing = this.coordinator.failRound(s.roundId, `secure aggregation: ${why}`, code).then(
      () => undefined,
      () => undefined,
    );
  }

  private remember(s: Session): void {
    this.history.set(s.roundId, s.progress());
    for (const id of this.history.keys()) if (this.history.size > PROGRESS_MEMORY) this.history.delete(id);
  }

  private closePhase(s: Session): void {
    const next = this.clock() + this.phaseTimeoutMs;
    try {
      switch (s.phase) {
        case 'advertise':
          s.roster = s.server.setRoster([...s.adverts.values()].sort((a, b) => a.index - b.index));
          s.phase = 'share';
          s.phaseDeadlineMs = next;
          s.rosterGate.resolve(s.roster);
          return;
        case 'share':
          s.routed = s.server.routeShares([...s.shares.values()].flat());
          s.phase = 'upload';
          s.phaseDeadlineMs = next;
          s.sharesGate.resolve();
          return;
        case 'upload':
          s.survivors = s.server.survivors();
          s.phase = 'unmask';
          s.phaseDeadlineMs = next;
          s.survivorsGate.resolve(s.survivors);
          return;
        case 'unmask':
          this.finish(s);
          return;
        default:
          return;
      }
    } catch (err) {
      if (!(err instanceof SecAggError)) throw err;
      const phase = s.phase as keyof typeof FAILURE_OF;
      this.fail(s, err.message, err instanceof SecAggRangeError ? 'aggregation-error' : FAILURE_OF[phase]);
    }
  }

  private finish(s: Session): void {
    if (s.responses.size < this.options.threshold) {
      throw new SecAggError(
        `too few survivors answered the unmasking round: ${s.responses.size}, need t=${this.options.threshold}`,
      );
    }
    const result = s.server.aggregate([...s.responses.values()]);
    s.phase = 'done';
    this.remember(s);
    const contributors = result.survivors.map((i) => s.clientOf.get(i)!);
    const total = result.survivors.reduce((sum, i) => sum + (s.examples.get(i) ?? 0), 0);
    this.finishing = this.coordinator
      .aggregateSecureSum(s.roundId, contributors, result.sum, total)
      .catch(async (err: unknown) => {
        await this.coordinator.failRound(
          s.roundId,
          `secure aggregation: ${(err as Error).message}`,
          'aggregation-error',
        );
      });
  }
}

/** Longest encrypted share bundle accepted (two 66-byte field elements as JSON hex is about 290 bytes). */
const MAX_SHARE_CIPHERTEXT = 1024;

/** The smallest majority of n: ⌊n/2⌋ + 1 (the default threshold). */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

function checkSecAggThreshold(t: number): void {
  if (!Number.isSafeInteger(t) || t < 2)
    throw new RangeError('secure aggregation threshold must be an integer >= 2');
}
