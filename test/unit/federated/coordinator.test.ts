import { describe, expect, it } from 'vitest';
import { Coordinator, type CoordinatorOptions, Refusal } from '../../../federated/aggregator/coordinator';
import { SecureAggregationDriver, SecureRound } from '../../../federated/aggregator/secure';
import { EmbeddedFederatedStore, type ModelRecord } from '../../../federated/aggregator/store';
import { FedAvg } from '../../../federated/aggregator/strategies';
import { buildStrategy } from '../../../federated/aggregator/strategy-config';
import { DEFAULT_PLAN } from '../../../federated/client/learner';
import { privatizeForSecAgg } from '../../../federated/privacy/dp';
import { noiseMultiplierFor, PrivacyAccountant } from '../../../federated/privacy/rdp';
import { type RandomBytes, SecAggClient } from '../../../federated/secagg';
import { gaussian, seededRng } from '../../../services/common/rng';

const DIM = 6;

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function setup(o: Partial<CoordinatorOptions> = {}) {
  const c = clock();
  const store = (o.store as EmbeddedFederatedStore | undefined) ?? new EmbeddedFederatedStore();
  const published: ModelRecord[] = [];
  const coordinator = new Coordinator({
    store,
    initialWeights: new Float32Array(DIM),
    strategy: { name: 'fedavg' },
    minClients: 2,
    roundDeadlineMs: 10_000,
    plan: DEFAULT_PLAN,
    clock: c.now,
    publish: (m) => {
      published.push(m);
    },
    ...o,
  });
  return { coordinator, store, clock: c, published };
}

const vec = (...v: number[]) =>
  Float32Array.from(v.length === DIM ? v : Array.from({ length: DIM }, () => v[0]!));

async function joinAll(c: Coordinator, ids: string[]) {
  const out = [];
  for (const id of ids) out.push(await c.join(id));
  return out;
}

async function upload(
  c: Coordinator,
  clientId: string,
  values: Float32Array,
  numExamples = 1,
  roundId?: number,
) {
  const r = roundId ?? c.currentRoundId;
  return c.submit({ roundId: r, clientId, modelVersion: c.currentModel!.version, numExamples, values });
}

async function refusal(p: Promise<unknown>): Promise<Refusal> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Refusal) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('Coordinator: synchronous rounds', () => {
  it('hands out the model, aggregates at the deadline with the weighted mean, publishes v+1', async () => {
    const { coordinator, clock, published, store } = setup();
    await coordinator.start();
    const [a] = await joinAll(coordinator, ['a', 'b', 'c']);
    expect(a).toMatchObject({
      outcome: 'selected',
      roundId: 1,
      modelVersion: 1,
      deadlineMs: clock.now() + 10_000,
    });
    await upload(coordinator, 'a', vec(1), 1);
    await upload(coordinator, 'b', vec(4), 2);
    // c dropped out mid-round: never uploads
    await coordinator.tick();
    expect(coordinator.currentRoundId).toBe(1); // deadline not reached
    clock.advance(10_000);
    await coordinator.tick();
    expect(coordinator.currentModel!.version).toBe(2);
    expect(Array.from(coordinator.currentModel!.weights)).toEqual(Array(DIM).fill(3)); // (1·1 + 4·2) / 3
    expect(published.map((m) => m.version)).toEqual([2]);
    const closed = await store.getRound(1);
    expect(closed).toMatchObject({ state: 'aggregated', resultVersion: 2, uploaded: 2, totalExamples: 3 });
    expect(closed!.joined).toEqual(['a', 'b', 'c']);
    expect(coordinator.currentRoundId).toBe(2);
  });

  it('fails a round below min clients and keeps the model; the next round opens', async () => {
    const { coordinator, clock, store, published } = setup({ minClients: 3 });
    await coordinator.start();
    await joinAll(coordinator, ['a', 'b', 'c']);
    await upload(coordinator, 'a', vec(1));
    await upload(coordinator, 'b', vec(1));
    clock.advance(10_001);
    await coordinator.tick();
    expect(await store.getRound(1)).toMatchObject({ state: 'failed', resultVersion: 0 });
    expect((await store.getRound(1))!.failure).toMatch(/only 2 of the 3/);
    expect(coordinator.currentModel!.version).toBe(1);
    expect(published).toHaveLength(0);
    expect(coordinator.currentRoundId).toBe(2);
  });

  it('closes early once max clients have uploaded', async () => {
    const { coordinator } = setup({ maxClients: 2 });
    await coordinator.start();
    await joinAll(coordinator, ['a', 'b', 'c']);
    await upload(coordinator, 'a', vec(2));
    const r = await upload(coordinator, 'b', vec(4));
    expect(r.updatesInRound).toBe(2);
    expect(coordinator.currentModel!.version).toBe(2);
    expect(coordinator.currentModel!.weights[0]).toBe(3);
  });

  it('selects clients by Poisson sampling, deterministically per (round, client)', async () => {
    const { coordinator } = setup({ samplingFraction: 0.3, seed: 7 });
    await coordinator.start();
    const ids = Array.from({ length: 1000 }, (_, i) => `c${i}`);
    const first = await joinAll(coordinator, ids);
    const selected = first.filter((r) => r.outcome === 'selected').length;
    expect(selected).toBeGreaterThan(250);
    expect(selected).toBeLessThan(350);
    const again = await joinAll(coordinator, ids);
    expect(again.map((r) => r.outcome)).toEqual(first.map((r) => r.outcome));
  });

  it('refuses NaN/Inf, wrong shape, oversize, not-in-round, wrong round and duplicates; the round goes on', async () => {
    const { coordinator, store } = setup({ maxUpdateNorm: 10 });
    await coordinator.start();
    await joinAll(coordinator, ['a', 'b']);
    const nan = vec(0, 0, Number.NaN, 0, 0, 0);
    expect(await refusal(upload(coordinator, 'a', nan))).toMatchObject({
      code: 'invalid',
      message: /values\[2\]: NaN is not finite/,
    });
    expect(
      await refusal(upload(coordinator, 'a', vec(0, 0, 0, Number.POSITIVE_INFINITY, 0, 0))),
    ).toMatchObject({
      code: 'invalid',
    });
    expect(await refusal(upload(coordinator, 'a', new Float32Array(DIM - 1)))).toMatchObject({
      code: 'invalid',
      message: /shape \[5\], expected \[6\]/,
    });
    expect(await refusal(upload(coordinator, 'a', new Float32Array(DIM + 1)))).toMatchObject({
      code: 'oversize',
    });
    expect(await refusal(upload(coordinator, 'a', vec(100)))).toMatchObject({
      code: 'oversize',
      message: /norm/,
    });
    expect(await refusal(upload(coordinator, 'mallory', vec(1)))).toMatchObject({ code: 'not-in-round' });
    expect(await refusal(upload(coordinator, 'a', vec(1), 1, 9))).toMatchObject({ code: 'wrong-round' });
    expect(await refusal(upload(coordinator, 'a', vec(1), 0))).toMatchObject({ code: 'invalid' });
    await upload(coordinator, 'a', vec(1));
    expect(await refusal(upload(coordinator, 'a', vec(1)))).toMatchObject({ code: 'duplicate' });
    await upload(coordinator, 'b', vec(3));
    await coordinator.closeNow();
    expect(coordinator.currentModel!.weights[0]).toBe(2);
    expect(await store.getRound(1)).toMatchObject({ state: 'aggregated', uploaded: 2, rejected: 9 });
  });

  it('refuses a late update by default, counts it with a staleness weight under carry-over', async () => {
    for (const latePolicy of ['reject', 'carry-over'] as const) {
      const { coordinator, store } = setup({ latePolicy });
      await coordinator.start();
      await joinAll(coordinator, ['a', 'b', 'late']);
      await upload(coordinator, 'a', vec(1));
      await upload(coordinator, 'b', vec(1));
      await coordinator.closeNow(); // round 1 → v2
      await joinAll(coordinator, ['a', 'b']);
      const lateUpload = coordinator.submit({
        roundId: 1,
        clientId: 'late',
        modelVersion: 1,
        numExamples: 1,
        values: vec(4),
      });
      if (latePolicy === 'reject') {
        expect(await refusal(lateUpload)).toMatchObject({ code: 'late' });
      } else {
        const r = await lateUpload;
        expect(r).toMatchObject({ roundId: 2, late: true });
        expect(r.stalenessWeight).toBeCloseTo(2 ** -0.5, 6);
        await upload(coordinator, 'a', vec(0));
        await coordinator.closeNow();
        // mean of (4·2^-0.5, 0) added to 1
        expect(coordinator.currentModel!.weights[0]).toBeCloseTo(1 + (4 * 2 ** -0.5) / 2, 5);
        expect(await store.getRound(2)).toMatchObject({ late: 1 });
      }
    }
  });

  it('robust strategies by config: the median ignores one scaled attacker', async () => {
    const { coordinator } = setup({ strategy: { name: 'median' } });
    await coordinator.start();
    await joinAll(coordinator, ['a', 'b', 'evil']);
    await upload(coordinator, 'a', vec(1));
    await upload(coordinator, 'b', vec(1.5));
    await upload(coordinator, 'evil', vec(-1000));
    await coordinator.closeNow();
    expect(coordinator.currentModel!.weights[0]).toBe(1);
  });
});

describe('Coordinator: buffered asynchronous aggregation', () => {
  it('applies every K updates and down-weights stale ones', async () => {
    const { coordinator } = setup({ mode: 'async', bufferSize: 2, minClients: 1, maxStaleness: 1 });
    await coordinator.start();
    const slow = await coordinator.join('slow'); // trains on v1
    const veryslow = await coordinator.join('veryslow');
    await coordinator.join('a');
    await coordinator.join('b');
    await upload(coordinator, 'a', vec(2));
    await upload(coordinator, 'b', vec(2));
    expect(coordinator.currentModel!.version).toBe(2); // K = 2 reached
    const r = await coordinator.submit({
      roundId: slow.roundId,
      clientId: 'slow',
      modelVersion: 1,
      numExamples: 1,
      values: vec(2),
    });
    expect(r.stalenessWeight).toBeCloseTo(2 ** -0.5, 6);
    await coordinator.join('c');
    await upload(coordinator, 'c', vec(0));
    expect(coordinator.currentModel!.version).toBe(3);
    expect(coordinator.currentModel!.weights[0]).toBeCloseTo(2 + (2 * 2 ** -0.5) / 2, 5);
    // veryslow is now 2 versions behind: refused as stale
    const stale = coordinator.submit({
      roundId: veryslow.roundId,
      clientId: 'veryslow',
      modelVersion: 1,
      numExamples: 1,
      values: vec(1),
    });
    expect(await refusal(stale)).toMatchObject({ code: 'stale', message: /2 versions old/ });
  });
});

describe('Coordinator: the strategy selects clients and shapes their plan', () => {
  it("hands FedProx's μ to every selected client, and selects by the strategy's own sampling", async () => {
    const { coordinator } = setup({ strategy: { name: 'fedprox', mu: 0.2 }, samplingFraction: 0.5, seed: 3 });
    await coordinator.start();
    const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const joined = await joinAll(coordinator, ids);
    const strategy = buildStrategy({ name: 'fedprox', mu: 0.2 }, { fraction: 0.5, seed: 3 });
    const round = coordinator.currentRoundId;
    ids.forEach((id, i) => {
      const r = joined[i]!;
      expect(r.outcome === 'selected').toBe(strategy.selects(round, id));
      if (r.outcome === 'selected') expect(r.plan).toEqual({ ...DEFAULT_PLAN, proximalMu: 0.2 });
    });
    expect(joined.filter((r) => r.outcome === 'selected').length).toBeGreaterThan(5);
  });

  it("refuses a samplingFraction that contradicts a strategy object's own", () => {
    expect(() => setup({ strategy: new FedAvg({ fraction: 0.1 }), samplingFraction: 0.5 })).toThrow(
      /samplingFraction 0.5 differs from the strategy's own sampling rate 0.1/,
    );
  });
});

describe('Coordinator: differential privacy', () => {
  it('reports (ε, δ) per round and cumulatively, matching the RDP accountant', async () => {
    const { coordinator, store } = setup({
      samplingFraction: 1,
      dp: { clipNorm: 1, noiseMultiplier: 1.1, expectedClients: 4, delta: 1e-5, samplingRate: 0.01 },
    });
    await coordinator.start();
    for (let r = 0; r < 3; r++) {
      const ids = ['a', 'b', 'c', 'd'];
      await joinAll(coordinator, ids);
      for (const id of ids) await upload(coordinator, id, vec(0.1));
      await coordinator.closeNow();
    }
    const reference = new PrivacyAccountant();
    for (let r = 0; r < 3; r++) reference.step(0.01, 1.1, 1);
    const report = reference.report(1e-5);
    const rounds = await Promise.all([1, 2, 3].map((id) => store.getRound(id)));
    rounds.forEach((r, i) => {
      expect(r!.privacy!.roundEpsilon).toBeCloseTo(report.rounds[i]!.epsilon, 10);
      expect(r!.privacy!.cumulativeEpsilon).toBeCloseTo(report.rounds[i]!.cumulativeEpsilon, 10);
    });
    expect(rounds[2]!.privacy!.cumulativeEpsilon).toBeGreaterThan(rounds[0]!.privacy!.cumulativeEpsilon);
    const live = await coordinator.status();
    expect(live!.privacy!.cumulativeEpsilon).toBeCloseTo(report.epsilon, 10);
  });

  it('refuses the options whose sampling the accountant cannot charge, naming them', () => {
    const dp = { clipNorm: 1, noiseMultiplier: 1, expectedClients: 2, samplingRate: 0.05 };
    expect(() => setup({ dp, mode: 'async' })).toThrow(/mode 'async'/);
    expect(() => setup({ dp, latePolicy: 'carry-over' })).toThrow(/latePolicy 'carry-over'/);
    expect(() => setup({ dp, maxClients: 10 })).toThrow(/maxClients/);
    expect(() => setup({ dp, maxJoined: 10 })).toThrow(/maxJoined/);
    // The same options without DP are fine.
    expect(() => setup({ mode: 'async', maxJoined: 10 })).not.toThrow();
    expect(() => setup({ latePolicy: 'carry-over', maxClients: 10 })).not.toThrow();
  });

  it('calibrates z from an (ε, δ, rounds) budget, and charges rounds at that z', async () => {
    const { coordinator } = setup({
      samplingFraction: 1,
      dp: {
        clipNorm: 1,
        noiseMultiplier: { epsilon: 4, rounds: 5 },
        expectedClients: 2,
        delta: 1e-5,
        samplingRate: 0.1,
      },
    });
    const z = noiseMultiplierFor({ targetEpsilon: 4, delta: 1e-5, samplingRate: 0.1, rounds: 5 });
    expect(coordinator.dp!.noiseMultiplier).toBe(z);
    await coordinator.start();
    for (let r = 0; r < 5; r++) {
      await joinAll(coordinator, ['a', 'b']);
      await upload(coordinator, 'a', vec(0.1));
      await upload(coordinator, 'b', vec(0.1));
      await coordinator.closeNow();
    }
    // The budget's five rounds spend at most ε = 4 (and not much less: z is the least that meets it).
    expect(coordinator.cumulativeEpsilon()).toBeLessThanOrEqual(4);
    expect(coordinator.cumulativeEpsilon()).toBeGreaterThan(3.98);
  });

  it('secure aggregation refuses to split the noise over more clients than the threshold guarantees', () => {
    const { coordinator } = setup({ secureAggregation: true });
    const driver = (dpMinContributors?: number) =>
      new SecureAggregationDriver(
        coordinator,
        { threshold: 3, range: 8, maxClients: 5, dpMinContributors },
        Date.now,
        1,
      );
    // 3 survivors of noise split over 4 would sum to z·C·√(3/4) < z·C.
    expect(() => driver(4)).toThrow(/dpMinContributors must be an integer in \[1, threshold 3\]/);
    expect(() => driver(3)).not.toThrow();
    expect(() => driver(2)).not.toThrow();
    expect(() => driver()).not.toThrow();
    // The threshold must be a majority of the roster: 2 of 5 is refused.
    expect(
      () => new SecureAggregationDriver(coordinator, { threshold: 2, range: 8, maxClients: 5 }, Date.now, 0),
    ).toThrow(/threshold 2 must be a majority of maxClients 5 \(at least 3\)/);
    // With a neighbour graph the shares of a client are held by its k + 1 neighbourhood: a majority of that.
    const sparse = (threshold: number, neighbours: number) =>
      new SecureAggregationDriver(
        coordinator,
        { threshold, range: 8, maxClients: 1000, neighbours },
        Date.now,
        0,
      );
    expect(() => sparse(21, 40)).not.toThrow();
    expect(() => sparse(20, 40)).toThrow(/majority of a neighbourhood of 41 .* at least 21/);
    expect(() => sparse(21, 41)).toThrow(/neighbours must be an even integer/);
  });

  it('a restart marks the open round abandoned, keeps the model and rebuilds the accountant', async () => {
    const store = new EmbeddedFederatedStore();
    const dp = { clipNorm: 1, noiseMultiplier: 1, expectedClients: 2, samplingRate: 0.05 };
    const first = setup({ store, dp });
    await first.coordinator.start();
    await joinAll(first.coordinator, ['a', 'b']);
    await upload(first.coordinator, 'a', vec(0.5));
    await upload(first.coordinator, 'b', vec(0.5));
    await first.coordinator.closeNow();
    const eps = first.coordinator.cumulativeEpsilon();
    await joinAll(first.coordinator, ['a']); // round 2 open, then "crash"
    const second = setup({ store, dp });
    await second.coordinator.start();
    expect(second.coordinator.currentModel!.version).toBe(2);
    expect(await store.getRound(2)).toMatchObject({ state: 'abandoned' });
    expect(second.coordinator.currentRoundId).toBe(3);
    expect(second.coordinator.cumulativeEpsilon()).toBeCloseTo(eps, 12);
  });
});

function seededBytes(seed: number): RandomBytes {
  const rng = seededRng(seed);
  return (n) => Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
}

async function secureRound(o: { n: number; dropBeforeUpload?: number[]; dp?: boolean }) {
  const dp = o.dp ? { clipNorm: 1, noiseMultiplier: 1, expectedClients: o.n } : undefined;
  const { coordinator } = setup({ dp, minClients: 2 });
  await coordinator.start();
  const ids = Array.from({ length: o.n }, (_, i) => `c${i}`);
  await joinAll(coordinator, ids);
  const round = new SecureRound(coordinator.currentRoundId, ids, {
    vectorLength: DIM,
    threshold: Math.ceil(o.n / 2) + 1,
    range: 8,
    maxClients: o.n,
    randomBytes: seededBytes(3),
  });
  const clients = ids.map((id) => new SecAggClient(round.index(id), round.params));
  const roster = round.setRoster(clients.map((c) => c.advertiseKeys()));
  const routed = round.routeShares(clients.flatMap((c) => c.shareKeys(roster)));
  for (const c of clients) c.receiveShares(routed.get(c.index) ?? []);
  const rng = seededRng(11);
  const updates = ids.map(() => Float32Array.from({ length: DIM }, () => 0.2 * gaussian(rng)));
  const dropped = new Set(o.dropBeforeUpload ?? []);
  const sent: Float32Array[] = [];
  ids.forEach((id, i) => {
    if (dropped.has(i)) return;
    const x = o.dp
      ? privatizeForSecAgg(
          updates[i]!,
          { clipNorm: 1, noiseMultiplier: 1, minContributors: round.params.threshold },
          rng,
        )
      : updates[i]!;
    sent.push(x);
    round.receiveMaskedInput(id, clients[i]!.maskedInput(x), 10);
  });
  const survivors = round.survivors();
  const responses = clients.filter((c) => survivors.includes(c.index)).map((c) => c.unmask(survivors));
  const before = Float32Array.from(coordinator.currentModel!.weights);
  const { sum, contributors } = await round.finish(responses, coordinator);
  return { coordinator, sum, sent, contributors, before, clients, updates };
}

describe('Coordinator: secure aggregation', () => {
  it('recovers the exact sum (to fixed-point precision) and applies the mean', async () => {
    const { sum, sent, coordinator, before, contributors } = await secureRound({ n: 6 });
    expect(contributors).toHaveLength(6);
    for (let j = 0; j < DIM; j++) {
      const truth = sent.reduce((s, u) => s + u[j]!, 0);
      expect(sum[j]).toBeCloseTo(truth, 6);
      expect(coordinator.currentModel!.weights[j]).toBeCloseTo(before[j]! + truth / 6, 5);
    }
    expect(await coordinator.status(1)).toMatchObject({ secureAggregation: true, state: 'aggregated' });
  });

  it('recovers the exact sum of the survivors when clients drop out', async () => {
    const { sum, sent, contributors } = await secureRound({ n: 7, dropBeforeUpload: [1, 4] });
    expect(contributors).toEqual(['c0', 'c2', 'c3', 'c5', 'c6']);
    for (let j = 0; j < DIM; j++)
      expect(sum[j]).toBeCloseTo(
        sent.reduce((s, u) => s + u[j]!, 0),
        6,
      );
  });

  it('composes with DP: clients clip and noise, the server divides by m and charges the accountant', async () => {
    const { sum, sent, coordinator, updates } = await secureRound({ n: 6, dp: true });
    for (let j = 0; j < DIM; j++)
      expect(sum[j]).toBeCloseTo(
        sent.reduce((s, u) => s + u[j]!, 0),
        6,
      );
    // the server only saw noised values: the recovered sum differs from the raw one
    const raw = updates.reduce((s, u) => s + u[0]!, 0);
    expect(Math.abs(sum[0]! - raw)).toBeGreaterThan(1e-3);
    expect(coordinator.cumulativeEpsilon()).toBeGreaterThan(0);
  });

  it('a single masked upload reveals nothing usable: it is uncorrelated with the update', async () => {
    const { clients } = await secureRound({ n: 4 });
    expect(clients).toHaveLength(4);
    // masked words of a zero update and of a large update look alike (uniform over 2^32)
    const params = { vectorLength: 2000, threshold: 2, fixedPoint: { range: 8, scale: 1000, maxClients: 4 } };
    const mean = (u: Uint32Array) => u.reduce((s, x) => s + x, 0) / u.length / 2 ** 32;
    for (const value of [0, 5]) {
      const cs = [1, 2].map((i) => new SecAggClient(i, { ...params, randomBytes: seededBytes(value + 9) }));
      const roster = cs.map((c) => c.advertiseKeys());
      const msgs = cs.flatMap((c) => c.shareKeys(roster));
      for (const c of cs) c.receiveShares(msgs);
      const masked = cs[0]!.maskedInput(new Float32Array(2000).fill(value));
      expect(mean(masked)).toBeGreaterThan(0.45);
      expect(mean(masked)).toBeLessThan(0.55);
    }
  });

  it('refuses secure aggregation with a robust strategy (it needs individual updates)', async () => {
    const { coordinator } = setup({ strategy: { name: 'median' } });
    await coordinator.start();
    await joinAll(coordinator, ['a', 'b']);
    const err = await refusal(coordinator.aggregateSecureSum(1, ['a', 'b'], new Float64Array(DIM), 2));
    expect(err.message).toMatch(/median needs individual updates/);
  });
});

describe('Coordinator: round statistics', () => {
  it('counts every closed round by status in the metrics, with its clients and the published version', async () => {
    const { metricsText, parsePrometheus, sumOf } = await import('../../../services/common/metrics');
    const count = async (status: string) =>
      sumOf(parsePrometheus(await metricsText()), 'parley_federated_rounds_total', {
        parley_federated_status: status,
      });
    const before = { ok: await count('aggregated'), short: await count('too-few-updates') };
    const { coordinator, clock } = setup({ minClients: 2 });
    await coordinator.start();
    await joinAll(coordinator, ['a', 'b']);
    await upload(coordinator, 'a', vec(1));
    await upload(coordinator, 'b', vec(2));
    clock.advance(10_000);
    await coordinator.tick(); // round 1 aggregates
    await joinAll(coordinator, ['a']);
    await upload(coordinator, 'a', vec(1));
    clock.advance(10_000);
    await coordinator.tick(); // round 2 has too few updates
    expect(await count('aggregated')).toBe(before.ok + 1);
    expect(await count('too-few-updates')).toBe(before.short + 1);
  });
});
