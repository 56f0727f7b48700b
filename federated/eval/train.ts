/**
 * Training the policy on logged data, centrally (the reference) and
 * federatedly (through the real Coordinator with an embedded store and a
 * simulated clock), with optional DP and malicious clients.
 */

import { type Rng, seededRng } from '../../services/common/rng';
import { Coordinator } from '../aggregator/coordinator';
import { EmbeddedFederatedStore } from '../aggregator/store';
import type { StrategySpec } from '../aggregator/strategy-config';
import { localUpdate, type TrainingPlan } from '../client/learner';
import { accumulateGradient, type Interaction, meanReward, policyGradient } from '../client/reinforce';
import { dpFedAvgMean } from '../privacy/dp';
import { PrivacyAccountant } from '../privacy/rdp';

export interface CentralOptions {
  epochs: number;
  learningRate: number;
  batchSize: number;
  temperature: number;
  maxImportanceWeight: number;
  seed: number;
  /** Called after every epoch with the parameters (for curves). */
  onEpoch?: (epoch: number, theta: Float32Array) => void;
}

/** Minibatch gradient ascent on the pooled off-policy REINFORCE objective (all clients' data in one place). */
export function trainCentral(
  initial: Float32Array,
  data: readonly Interaction[],
  o: CentralOptions,
): Float32Array {
  const rng = seededRng(o.seed);
  const theta = Float64Array.from(initial);
  const baseline = meanReward(data);
  const order = Array.from({ length: data.length }, (_, i) => i);
  const grad = new Float64Array(theta.length);
  const opts = { baseline, temperature: o.temperature, maxImportanceWeight: o.maxImportanceWeight };
  for (let e = 0; e < o.epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let start = 0; start < order.length; start += o.batchSize) {
      const batch = order.slice(start, start + o.batchSize).map((i) => data[i]!);
      grad.fill(0);
      accumulateGradient(theta, batch, grad, opts);
      const step = o.learningRate / batch.length;
      for (let j = 0; j < theta.length; j++) theta[j]! += step * grad[j]!;
    }
    o.onEpoch?.(e + 1, Float32Array.from(theta));
  }
  return Float32Array.from(theta);
}

export interface CentralDpOptions {
  /** Steps; each samples users at rate q (Poisson), as a federated round does. */
  steps: number;
  samplingRate: number;
  /** Noise multiplier z: N(0, (z·C)²) on the sum of the clipped per-user steps. */
  noiseMultiplier: number;
  /** Per-user L2 clip norm C of a step's contribution (learning rate × the user's mean gradient). */
  clipNorm: number;
  learningRate: number;
  temperature: number;
  maxImportanceWeight: number;
  delta: number;
  seed: number;
}

/**
 * User-level DP-SGD on the pooled data, the central reference at a privacy
 * budget: every step draws users by Poisson sampling at rate q, takes each
 * drawn user's mean off-policy gradient over its whole log (times the
 * learning rate), clips it to C, adds N(0, (z·C)²) to the sum and divides by
 * the expected q·N users (`dpFedAvgMean`). The unit of privacy is the user,
 * as in DP-FedAvg, and the steps are charged to the same RDP accountant at
 * (q, z), so the same (q, z, steps) spend the same ε. It differs from
 * DP-FedAvg only in that each user contributes one gradient step per round
 * instead of a few local epochs.
 */
export function trainCentralDp(
  initial: Float32Array,
  users: ReadonlyMap<string, readonly Interaction[]>,
  o: CentralDpOptions,
): { theta: Float32Array; epsilon: number } {
  const rng = seededRng(o.seed);
  const ids = [...users.keys()].sort();
  const theta = Float32Array.from(initial);
  const accountant = new PrivacyAccountant();
  const gradient = { temperature: o.temperature, maxImportanceWeight: o.maxImportanceWeight };
  for (let step = 0; step < o.steps; step++) {
    const contributions: Float32Array[] = [];
    for (const id of ids) {
      if (rng.next() >= o.samplingRate) continue;
      const g = policyGradient(theta, users.get(id)!, gradient);
      contributions.push(Float32Array.from(g, (v) => o.learningRate * v));
    }
    if (contributions.length === 0) contributions.push(new Float32Array(theta.length)); // noise all the same
    const { mean } = dpFedAvgMean(
      contributions,
      {
        clipNorm: o.clipNorm,
        noiseMultiplier: o.noiseMultiplier,
        expectedClients: o.samplingRate * ids.length,
      },
      rng,
    );
    for (let j = 0; j < theta.length; j++) theta[j]! += mean[j]!;
    accountant.step(o.samplingRate, o.noiseMultiplier);
  }
  return { theta, epsilon: accountant.epsilon(o.delta) };
}

export type AttackName = 'sign-flip' | 'scaled' | 'alie';

export interface AttackOptions {
  kind: AttackName;
  /** Share of clients that are malicious. */
  fraction: number;
  /** Boost of the scaled attack (default 10). */
  scale?: number;
}

export interface FederatedOptions {
  rounds: number;
  samplingFraction: number;
  strategy: StrategySpec;
  plan: TrainingPlan;
  dp?: { noiseMultiplier: number; delta: number };
  attack?: AttackOptions;
  seed: number;
  /** Record `curve.value(θ)` every `curve.every` rounds (and before the first). */
  curve?: { every: number; value: (theta: Float32Array) => number };
  onRound?: (round: number) => void;
}

export interface FederatedRun {
  theta: Float32Array;
  /** [round, curve value] points. */
  curve: Array<[number, number]>;
  /** Cumulative ε after the last round (0 without DP). */
  epsilon: number;
  roundsAggregated: number;
  meanClientsPerRound: number;
}

/** Φ⁻¹(p) by bisection on erf (only needed for the ALIE z). */
function normalQuantile(p: number): number {
  const cdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
  let lo = -8;
  let hi = 8;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function erf(x: number): number {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

/**
 * "A little is enough" (Baruch et al. 2019): every attacker sends μ − z·σ
 * (per coordinate, over the benign updates of the round) with
 * z = Φ⁻¹((n − s)/n), s = ⌊n/2 + 1⌋ − f: just inside the spread of honest
 * updates, so that median / trimmed mean / Krum still accept it.
 */
export function alieUpdate(benign: readonly Float32Array[], n: number, f: number): Float32Array {
  const dim = benign[0]?.length ?? 0;
  const s = Math.floor(n / 2 + 1) - f;
  const z = normalQuantile(Math.min(0.999, Math.max(0.5, (n - s) / n)));
  const out = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    let mean = 0;
    for (const u of benign) mean += u[j]!;
    mean /= benign.length;
    let v = 0;
    for (const u of benign) v += (u[j]! - mean) ** 2;
    out[j] = mean - z * Math.sqrt(v / Math.max(1, benign.length - 1));
  }
  return out;
}

function pickMalicious(ids: readonly string[], fraction: number, rng: Rng): Set<string> {
  const pool = [...ids];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return new Set(pool.slice(0, Math.round(fraction * pool.length)));
}

/**
 * Federated training over the clients' own logs: each round every client
 * checks in with the Coordinator (Poisson sampling), selected ones train
 * locally and upload, the round closes (deadline semantics) and aggregates.
 */
export async function trainFederated(
  initial: Float32Array,
  clients: ReadonlyMap<string, readonly Interaction[]>,
  o: FederatedOptions,
): Promise<FederatedRun> {
  const ids = [...clients.keys()].sort();
  let now = 0;
  const expected = o.samplingFraction * ids.length;
  const coordinator = new Coordinator({
    store: new EmbeddedFederatedStore(),
    initialWeights: initial,
    strategy: o.strategy,
    minClients: 2,
    samplingFraction: o.samplingFraction,
    roundDeadlineMs: 60_000,
    plan: o.plan,
    seed: o.seed,
    clock: () => now,
    dp: o.dp
      ? {
          clipNorm: o.plan.clipNorm,
          noiseMultiplier: o.dp.noiseMultiplier,
          expectedClients: expected,
          delta: o.dp.delta,
        }
      : undefined,
  });
  await coordinator.start();
  const rng = seededRng((o.seed ^ 0x7a11) >>> 0);
  const malicious = o.attack
    ? pickMalicious(ids, o.attack.fraction, seededRng((o.seed ^ 0xbad) >>> 0))
    : new Set<string>();
  const curve: Array<[number, number]> = [];
  let aggregated = 0;
  let participants = 0;
  const point = (round: number) => {
    if (o.curve) curve.push([round, o.curve.value(Float32Array.from(coordinator.currentModel!.weights))]);
  };
  point(0);
  for (let round = 1; round <= o.rounds; round++) {
    const roundId = coordinator.currentRoundId;
    const honest: Array<{ id: string; update: Float32Array; n: number; version: number }> = [];
    const bad: Array<{ id: string; own: Float32Array; n: number; version: number }> = [];
    for (const id of ids) {
      const joined = await coordinator.join(id);
      if (joined.outcome !== 'selected') continue;
      const local = localUpdate(joined.weights, clients.get(id)!, joined.plan, rng);
      const entry = { id, n: local.numExamples, version: joined.modelVersion };
      if (malicious.has(id)) bad.push({ ...entry, own: local.update });
      else honest.push({ ...entry, update: local.update });
    }
    const uploads = [...honest];
    if (o.attack && bad.length > 0) {
      const n = honest.length + bad.length;
      const alie =
        o.attack.kind === 'alie'
          ? alieUpdate(
              honest.map((h) => h.update),
              n,
              bad.length,
            )
          : null;
      const scale = o.attack.scale ?? 10;
      for (const b of bad) {
        const update =
          o.attack.kind === 'sign-flip'
            ? b.own.map((v) => -v)
            : o.attack.kind === 'scaled'
              ? b.own.map((v) => -scale * v)
              : Float32Array.from(alie!);
        uploads.push({ id: b.id, update, n: b.n, version: b.version });
      }
    }
    for (const u of uploads) {
      await coordinator.submit({
        roundId,
        clientId: u.id,
        modelVersion: u.version,
        numExamples: u.n,
        values: u.update,
      });
    }
    participants += uploads.length;
    now += 60_000;
    const before = coordinator.currentModel!.version;
    await coordinator.closeNow();
    if (coordinator.currentModel!.version > before) aggregated++;
    if (o.curve && round % o.curve.every === 0) point(round);
    o.onRound?.(round);
  }
  return {
    theta: Float32Array.from(coordinator.currentModel!.weights),
    curve,
    epsilon: coordinator.cumulativeEpsilon(),
    roundsAggregated: aggregated,
    meanClientsPerRound: participants / o.rounds,
  };
}
