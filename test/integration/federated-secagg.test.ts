/**
 * Secure aggregation over real gRPC on loopback: a FederatedAggregator on
 * port 0 runs every round through the Bonawitz protocol (AdvertiseKeys →
 * ShareKeys → UploadMaskedInput → Unmask) with 8 FederatedClients. The new
 * model is the old one plus the plain mean of the clients' clipped updates
 * (to quantisation) with no dropouts and with clients dropping out after
 * their masked upload; too many dropouts fail the round with a status that
 * names why while the service goes on; what the server receives from a
 * client is not its update; and it composes with DP.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FederatedAggregatorService, startFederatedAggregator } from '../../federated/aggregator/server';
import { ClientLearner, DEFAULT_PLAN } from '../../federated/client/learner';
import { baselineVector, POLICY_VECTOR_LENGTH } from '../../federated/client/model';
import { sampleAction } from '../../federated/client/reinforce';
import {
  FederatedClient,
  type ParticipateOptions,
  type ParticipateOutcome,
} from '../../federated/client/transport';
import { dequantize, fixedPointFor, quantize, type RandomBytes } from '../../federated/secagg';
import { loadConfig } from '../../services/common/config';
import { createLogger } from '../../services/common/log';
import { seededRng } from '../../services/common/rng';
import { POLICY_FEATURE_COUNT } from '../../services/inventory/policy';

const quiet = createLogger('test', 'error', {}, () => undefined);
const F = POLICY_FEATURE_COUNT;
const N = 8;
const T = 5;
const RANGE = 2;
const PHASE_MS = 1_500;
const PLAN = { ...DEFAULT_PLAN, clipNorm: 0.5, learningRate: 2 };

let plain: FederatedAggregatorService;
let noisy: FederatedAggregatorService;
let sparse: FederatedAggregatorService;
const observed = new Map<string, Uint32Array>();
const clients: FederatedClient[] = [];

function seededBytes(seed: number): RandomBytes {
  const rng = seededRng(seed);
  return (n) => Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
}

function learner(id: string, seed: number): ClientLearner {
  const l = new ClientLearner(id);
  const rng = seededRng(seed);
  for (let i = 0; i < 40; i++) {
    const features = new Float32Array(4 * F).map((_, j) => (j % F === 0 ? 1 : rng.next()));
    const { index, propensity } = sampleAction(baselineVector(), features, rng);
    l.record({ features, chosen: index, propensity, reward: rng.next() < features[index * F + 1]! ? 1 : 0 });
  }
  return l;
}

const learners = Array.from({ length: N }, (_, i) => learner(`listener-${i}`, 100 + i));

/** Runs one round: every learner participates concurrently; `drop` maps learner index → drop point. */
async function round(
  service: FederatedAggregatorService,
  seed: number,
  drop: Record<number, ParticipateOptions['dropAfter']> = {},
): Promise<{ outcomes: PromiseSettledResult<ParticipateOutcome>[]; roundId: number; before: Float32Array }> {
  const before = Float32Array.from(service.coordinator.currentModel!.weights);
  const roundId = service.coordinator.currentRoundId;
  const outcomes = await Promise.allSettled(
    learners.map((l, i) => {
      const c = new FederatedClient(service.address);
      clients.push(c);
      return c.participate(l, seededRng(seed * 100 + i), {
        dropAfter: drop[i],
        randomBytes: seededBytes(seed * 1000 + i),
      });
    }),
  );
  return { outcomes, roundId, before };
}

async function settled(service: FederatedAggregatorService, roundId: number) {
  const c = new FederatedClient(service.address);
  clients.push(c);
  for (let i = 0; i < 200; i++) {
    const s = await c.status(roundId);
    if (s.state !== 'ROUND_STATE_OPEN') return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`round ${roundId} did not close`);
}

function contributed(outcomes: PromiseSettledResult<ParticipateOutcome>[]): Float32Array[] {
  return outcomes.flatMap((o) => {
    if (o.status !== 'fulfilled') return [];
    const v = o.value;
    if (v.status === 'securely-uploaded') return [v.contributed];
    if (v.status === 'dropped' && v.contributed) return [v.contributed];
    return [];
  });
}

function expectModelMoved(
  service: FederatedAggregatorService,
  before: Float32Array,
  updates: Float32Array[],
) {
  const after = service.coordinator.currentModel!.weights;
  for (let j = 0; j < POLICY_VECTOR_LENGTH; j++) {
    const sum = updates.reduce((s, u) => s + u[j]!, 0);
    expect(after[j]! - before[j]!).toBeCloseTo(sum / updates.length, 5);
  }
}

beforeAll(async () => {
  const config = loadConfig({});
  const common = {
    config,
    log: quiet,
    port: 0,
    publishPath: '',
    initialWeights: baselineVector(),
    strategy: { name: 'fedavg' as const },
    minClients: T,
    roundDeadlineMs: 5_000,
    tickMs: 20,
    plan: PLAN,
  };
  plain = await startFederatedAggregator({
    ...common,
    secureAggregation: {
      threshold: T,
      range: RANGE,
      maxClients: N,
      phaseTimeoutMs: PHASE_MS,
      onMaskedInput: (_round, clientId, masked) => observed.set(clientId, Uint32Array.from(masked)),
    },
  });
  noisy = await startFederatedAggregator({
    ...common,
    dp: { clipNorm: PLAN.clipNorm, noiseMultiplier: 1, expectedClients: N, samplingRate: 0.01 },
    secureAggregation: { threshold: T, range: 8, maxClients: N, phaseTimeoutMs: PHASE_MS },
  });
  // SecAgg+: each client masks with 4 of the 7 others; t = 3, a majority of its 5-client neighbourhood.
  sparse = await startFederatedAggregator({
    ...common,
    minClients: 3,
    secureAggregation: { threshold: 3, range: RANGE, maxClients: N, phaseTimeoutMs: PHASE_MS, neighbours: 4 },
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await plain?.close();
  await noisy?.close();
  await sparse?.close();
});

describe('secure aggregation over gRPC', () => {
  it('with no dropouts the new model is the old one plus the mean of the clipped updates', async () => {
    const { outcomes, roundId, before } = await round(plain, 1);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.status : o.reason))).toEqual(
      Array(N).fill('securely-uploaded'),
    );
    const status = await settled(plain, roundId);
    expect(status).toMatchObject({
      state: 'ROUND_STATE_AGGREGATED',
      secure_aggregation: true,
      accepted: N,
      failure: 'ROUND_FAILURE_UNSPECIFIED',
      secure_progress: {
        phase: 'SECURE_AGGREGATION_PHASE_DONE',
        threshold: T,
        keys_advertised: N,
        keys_shared: N,
        masked_inputs: N,
        unmask_responses: N,
      },
    });
    const updates = contributed(outcomes);
    expect(updates).toHaveLength(N);
    // the updates are the learners' clipped deltas, and they are not trivial
    for (const u of updates) expect(Math.hypot(...u)).toBeLessThanOrEqual(PLAN.clipNorm + 1e-6);
    expect(Math.max(...updates.map((u) => Math.hypot(...u)))).toBeGreaterThan(0.01);
    expectModelMoved(plain, before, updates);
  });

  it('what the server receives from a client is not its update', async () => {
    const { outcomes, roundId } = await round(plain, 2);
    await settled(plain, roundId);
    const fp = fixedPointFor(RANGE, N);
    let far = 0;
    let total = 0;
    outcomes.forEach((o, i) => {
      if (o.status !== 'fulfilled' || o.value.status !== 'securely-uploaded') throw new Error('not uploaded');
      const masked = observed.get(`listener-${i}`)!;
      const update = o.value.contributed;
      expect(masked).toHaveLength(update.length);
      // the quantised update is not what arrived...
      const encoded = quantize(update, fp).values;
      expect(masked.filter((w, j) => w === encoded[j]).length).toBe(0);
      // ...and decoding what arrived gives words spread over the whole fixed-point range
      // (±range·maxClients = ±16, mean distance 8), nowhere near the update (norm ≤ 0.5)
      const decoded = dequantize(masked, fp);
      const distance = decoded.reduce((s, d, j) => s + Math.abs(d - update[j]!), 0) / decoded.length;
      expect(distance).toBeGreaterThan(4);
      far += decoded.filter((d, j) => Math.abs(d - update[j]!) > 1).length;
      total += decoded.length;
    });
    // uniform masks put ~94% of coordinates more than 1 (twice the clip norm) away
    expect(far / total).toBeGreaterThan(0.85);
  });

  it('tolerates 2 clients dropping after their masked upload: the sum still covers all 8', async () => {
    const { outcomes, roundId, before } = await round(plain, 3, { 2: 'upload', 6: 'upload' });
    const statuses = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.status : 'error'));
    expect(statuses.filter((s) => s === 'dropped')).toHaveLength(2);
    const status = await settled(plain, roundId);
    expect(status).toMatchObject({
      state: 'ROUND_STATE_AGGREGATED',
      accepted: N,
      secure_progress: { masked_inputs: N, unmask_responses: N - 2 },
    });
    const updates = contributed(outcomes);
    expect(updates).toHaveLength(N);
    expectModelMoved(plain, before, updates);
  });

  it('tolerates 2 clients dropping after sharing keys: the sum covers the 6 that uploaded', async () => {
    const { outcomes, roundId, before } = await round(plain, 4, { 0: 'share', 5: 'share' });
    const status = await settled(plain, roundId);
    expect(status).toMatchObject({
      state: 'ROUND_STATE_AGGREGATED',
      accepted: N - 2,
      secure_progress: { keys_shared: N, masked_inputs: N - 2, unmask_responses: N - 2 },
    });
    const updates = contributed(outcomes);
    expect(updates).toHaveLength(N - 2);
    expectModelMoved(plain, before, updates);
  });

  it('with a neighbour graph (k = 4) each client unmasks for its neighbourhood only, and the sum survives a dropout', async () => {
    const { outcomes, roundId, before } = await round(sparse, 9, { 3: 'share' });
    const status = await settled(sparse, roundId);
    expect(status).toMatchObject({
      state: 'ROUND_STATE_AGGREGATED',
      accepted: N - 1,
      secure_progress: { keys_shared: N, masked_inputs: N - 1, unmask_responses: N - 1 },
    });
    for (const o of outcomes) {
      if (o.status === 'fulfilled' && o.value.status === 'securely-uploaded') {
        expect(o.value.survivors.length).toBeLessThanOrEqual(5); // itself and its 4 neighbours, not all 7
      }
    }
    const updates = contributed(outcomes);
    expect(updates).toHaveLength(N - 1);
    expectModelMoved(sparse, before, updates);
  });

  it('too many dropouts fail the round cleanly with a status naming why; the service goes on', async () => {
    const version = plain.coordinator.currentModel!.version;
    const drop = { 0: 'share', 1: 'share', 2: 'share', 3: 'share' } as const;
    const { outcomes, roundId } = await round(plain, 5, drop);
    // the clients still waiting were told why
    for (const o of outcomes.slice(4)) {
      expect(o.status).toBe('rejected');
      const err = (o as PromiseRejectedResult).reason as grpc.ServiceError;
      expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(err.details).toMatch(
        /too few survivors: 4 masked inputs, secure aggregation needs at least t=5/,
      );
    }
    const status = await settled(plain, roundId);
    expect(status).toMatchObject({
      state: 'ROUND_STATE_FAILED',
      failure: 'ROUND_FAILURE_TOO_FEW_MASKED_INPUTS',
      secure_progress: { phase: 'SECURE_AGGREGATION_PHASE_FAILED', masked_inputs: 4 },
    });
    expect(plain.coordinator.currentModel!.version).toBe(version);
    // the next round runs normally
    const next = await round(plain, 6);
    expect(await settled(plain, next.roundId)).toMatchObject({ state: 'ROUND_STATE_AGGREGATED' });
    expect(plain.coordinator.currentModel!.version).toBe(version + 1);
  });

  it('refuses plain uploads and malformed secure-aggregation calls with clear statuses', async () => {
    const c = new FederatedClient(plain.address);
    clients.push(c);
    const joined = await c.join('prober');
    if (!joined.selected) throw new Error('not selected');
    expect(joined.secure).toMatchObject({ threshold: T, range: RANGE, maxClients: N });
    const err = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error('expected a refusal');
        },
        (e: grpc.ServiceError) => ({ code: e.code, details: e.details }),
      );
    const until = new Date(Date.now() + 2_000);
    expect(
      await err(
        c.upload({
          roundId: joined.roundId,
          clientId: 'prober',
          modelVersion: joined.modelVersion,
          numExamples: 1,
          values: new Float32Array(POLICY_VECTOR_LENGTH),
        }),
      ),
    ).toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: expect.stringMatching(/secure aggregation/),
    });
    const key = { index: 1, cPublicKey: Buffer.alloc(31), sPublicKey: Buffer.alloc(32) };
    expect(await err(c.advertiseKeys(joined.roundId, 'prober', key, until))).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/share_encryption_public_key/),
    });
    const good = { ...key, cPublicKey: Buffer.alloc(32, 9) };
    expect(await err(c.advertiseKeys(joined.roundId, 'stranger', good, until))).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
    expect(await err(c.advertiseKeys(joined.roundId + 5, 'prober', good, until))).toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: expect.stringMatching(/is not open/),
    });
    expect(await err(c.shareKeys(joined.roundId, 'prober', [], until))).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: expect.stringMatching(/not in the key roster/),
    });
    // the lone prober's round fails at the deadline (fewer than t keys); the service keeps serving
    expect((await c.status(0)).round_id).toBeGreaterThanOrEqual(joined.roundId);
  });

  it('composes with DP: clients clip and noise before masking; the server divides by m and charges ε', async () => {
    const { outcomes, roundId, before } = await round(noisy, 7);
    const status = await settled(noisy, roundId);
    expect(status).toMatchObject({ state: 'ROUND_STATE_AGGREGATED', privacy: { enabled: true } });
    expect(status.privacy!.cumulative_epsilon).toBeGreaterThan(0);
    const sent = contributed(outcomes);
    expect(sent).toHaveLength(N);
    // what the clients masked carries noise: norms well above the clip bound
    expect(Math.min(...sent.map((u) => Math.hypot(...u)))).toBeGreaterThan(PLAN.clipNorm);
    // the model moved by the noised sum / m (m = expected clients = N here)
    expectModelMoved(noisy, before, sent);
    // Each learner charged this upload to its own accountant; the earlier rounds of this file ran
    // without noise, so the ε a learner can state is unbounded.
    expect(learners.every((l) => l.uploads >= 1 && l.privacySpent(1e-5) === Number.POSITIVE_INFINITY)).toBe(
      true,
    );
  });
});
