/**
 * The FederatedAggregator over real gRPC on loopback: client learners join,
 * train and upload in chunks; bad uploads are refused with clear statuses
 * while the round goes on; the new version is published as the policy file
 * and a real inventory agent (in-process, same policyPath) hot-swaps to it
 * while decisions keep flowing, none dropped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FederatedAggregatorService, startFederatedAggregator } from '../../federated/aggregator/server';
import { ClientLearner, DEFAULT_PLAN } from '../../federated/client/learner';
import { baselineVector } from '../../federated/client/model';
import { type Interaction, sampleAction } from '../../federated/client/reinforce';
import { FederatedClient } from '../../federated/client/transport';
import type { Proposal__Output } from '../../proto/gen/parley/v1/Proposal';
import { loadConfig } from '../../services/common/config';
import { AgentLink } from '../../services/common/grpc/agent-stream';
import { createLogger } from '../../services/common/log';
import { metricsText, parsePrometheus, type Sample } from '../../services/common/metrics';
import { seededRng } from '../../services/common/rng';
import { POLICY_FEATURE_COUNT } from '../../services/inventory/policy';
import { type InventoryAgentService, startInventoryAgent } from '../../services/inventory/server';

const quiet = createLogger('test', 'error', {}, () => undefined);
const NOW = Date.parse('2026-06-10T06:00:00Z');
const F = POLICY_FEATURE_COUNT;

let dir: string;
let policyPath: string;
let aggregator: FederatedAggregatorService;
let big: FederatedAggregatorService;
let inventory: InventoryAgentService;
const clients: Array<{ close(): void }> = [];

function syntheticLog(n: number, seed: number): Interaction[] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () => {
    const features = new Float32Array(4 * F).map((_, i) => (i % F === 0 ? 1 : rng.next()));
    const { index, propensity } = sampleAction(baselineVector(), features, rng);
    return { features, chosen: index, propensity, reward: rng.next() < features[index * F + 1]! ? 1 : 0 };
  });
}

function client(address: string): FederatedClient {
  const c = new FederatedClient(address);
  clients.push(c);
  return c;
}

async function statusOf(p: Promise<unknown>): Promise<{ code: grpc.status; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, details: e.details };
  }
  throw new Error('expected the call to fail');
}

const scrape = async (): Promise<Sample[]> => parsePrometheus(await metricsText());

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-federated-'));
  policyPath = join(dir, 'policy.json');
  const config = loadConfig({
    PARLEY_INVENTORY_PORT: '0',
    PARLEY_POLICY_PATH: policyPath,
    PARLEY_CATALOGUE_RELOAD_MS: '50',
  });
  aggregator = await startFederatedAggregator({
    config,
    log: quiet,
    port: 0,
    initialWeights: baselineVector(),
    strategy: { name: 'fedavg' },
    minClients: 2,
    roundDeadlineMs: 60_000,
    maxUpdateNorm: 5,
    plan: { ...DEFAULT_PLAN, clipNorm: 1 },
    // No maxClients: central DP refuses caps (they break the Poisson sampling it charges).
    dp: { clipNorm: 1, noiseMultiplier: 0.01, expectedClients: 3, samplingRate: 0.01 },
  });
  big = await startFederatedAggregator({
    config,
    log: quiet,
    port: 0,
    publishPath: '',
    initialWeights: new Float32Array(100_000),
    strategy: { name: 'fedavg' },
    minClients: 1,
    maxClients: 1,
    plan: DEFAULT_PLAN,
  });
  inventory = await startInventoryAgent({ config, log: quiet, clock: () => NOW });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await aggregator?.close();
  await big?.close();
  await inventory?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('FederatedAggregator over gRPC', () => {
  it('serves grpc.health.v1 for the federated service', async () => {
    const require = createRequire(import.meta.url);
    const proto = join(dirname(require.resolve('grpc-health-check')), '../../proto/health/v1/health.proto');
    const pkg = grpc.loadPackageDefinition(
      protoLoader.loadSync(proto, { keepCase: true, enums: String }),
    ) as unknown as {
      grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
    };
    const health = new pkg.grpc.health.v1.Health(aggregator.address, grpc.credentials.createInsecure());
    clients.push(health);
    const reply = await new Promise<unknown>((resolve, reject) =>
      (health as unknown as { Check: (r: object, cb: (e: Error | null, r: unknown) => void) => void }).Check(
        { service: 'parley.v1.FederatedAggregator' },
        (e, r) => (e ? reject(e) : resolve(r)),
      ),
    );
    expect(reply).toEqual({ status: 'SERVING' });
  });

  it('uploads a 100k-value update in chunks under the 256 KiB message limit', async () => {
    const c = client(big.address);
    const joined = await c.join('big-1');
    expect(joined.selected).toBe(true);
    if (!joined.selected) return;
    expect(joined.weights).toHaveLength(100_000);
    const values = Float32Array.from({ length: 100_000 }, (_, i) => (i % 7) / 100);
    const reply = await c.upload({
      roundId: joined.roundId,
      clientId: 'big-1',
      modelVersion: joined.modelVersion,
      numExamples: 3,
      values,
      chunkValues: joined.chunkValues,
    });
    expect(reply).toMatchObject({ accepted: true, received_values: 100_000 });
    expect(big.coordinator.currentModel!.version).toBe(2);
    expect(big.coordinator.currentModel!.weights[99_999]).toBeCloseTo(values[99_999]!, 6);
    // one message with everything does not fit
    const err = await statusOf(
      c.upload({
        roundId: 2,
        clientId: 'big-2',
        modelVersion: 2,
        numExamples: 1,
        values,
        chunkValues: 100_000,
      }),
    );
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('refuses bad updates with clear statuses, and the round goes on', async () => {
    const before = await scrape();
    const c = client(aggregator.address);
    const joined = await c.join('bad-client');
    if (!joined.selected) throw new Error('not selected');
    const base = {
      roundId: joined.roundId,
      clientId: 'bad-client',
      modelVersion: joined.modelVersion,
      numExamples: 5,
    };
    const nan = new Float32Array(36);
    nan[4] = Number.NaN;
    expect(await statusOf(c.upload({ ...base, values: nan }))).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/values\[4\]: NaN is not finite/),
    });
    expect(await statusOf(c.upload({ ...base, values: new Float32Array(35) }))).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: "total_values: must be the model's length 36, got 35",
    });
    expect(await statusOf(c.upload({ ...base, values: new Float32Array(37) }))).toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
    });
    expect(await statusOf(c.upload({ ...base, values: new Float32Array(36).fill(10) }))).toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: expect.stringMatching(/norm/),
    });
    expect(
      await statusOf(c.upload({ ...base, clientId: 'stranger', values: new Float32Array(36) })),
    ).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
    expect(await statusOf(c.upload({ ...base, roundId: 99, values: new Float32Array(36) }))).toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: expect.stringMatching(/round 99 does not exist/),
    });
    expect(
      await statusOf(c.upload({ ...base, clientId: 'bad id!', values: new Float32Array(36) })),
    ).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^client_id/),
    });
    const ok = await c.upload({ ...base, values: new Float32Array(36).fill(0.01) });
    expect(ok).toMatchObject({ accepted: true, updates_in_round: 1 });
    expect(await statusOf(c.upload({ ...base, values: new Float32Array(36) }))).toMatchObject({
      code: grpc.status.ALREADY_EXISTS,
    });
    const status = await c.status();
    // Every refused upload counts: 5 refused by the round, and the short and oversize streams and the bad
    // client_id, refused by the transport before they reached it.
    expect(status).toMatchObject({
      round_id: joined.roundId,
      state: 'ROUND_STATE_OPEN',
      accepted: 1,
      rejected: 8,
    });
    // Uploads count in the RED histogram by status, like every RPC: the one accepted, and the eight
    // refused with a status (the 37-value stream included, refused as oversize mid-stream).
    const after = await scrape();
    const upload = { rpc_service: 'parley.v1.FederatedAggregator', rpc_method: 'UploadUpdate' };
    const count = (samples: Sample[], code?: string) =>
      samples
        .filter(
          (x) =>
            x.name === 'rpc_server_duration_seconds_count' &&
            x.labels.rpc_service === upload.rpc_service &&
            x.labels.rpc_method === upload.rpc_method &&
            (code === undefined
              ? x.labels.rpc_grpc_status_code !== '0'
              : x.labels.rpc_grpc_status_code === code),
        )
        .reduce((n, x) => n + x.value, 0);
    expect(count(after, '0') - count(before, '0')).toBe(1);
    expect(count(after) - count(before)).toBe(8);
    // The open round shows in its gauges.
    expect(after.some((x) => x.name === 'parley_federated_round_open' && x.value > 0)).toBe(true);
  });

  it('refuses bytes that are not the request message with INVALID_ARGUMENT, unary or streamed', async () => {
    const raw = new grpc.Client(aggregator.address, grpc.credentials.createInsecure());
    const junk = Buffer.from([0x7f, 0x00]); // wire type 7: no message decodes it
    const identity = (b: Buffer) => b;
    const unaryErr = await new Promise<grpc.ServiceError | null>((resolve) =>
      raw.makeUnaryRequest('/parley.v1.FederatedAggregator/JoinRound', identity, identity, junk, (err) =>
        resolve(err),
      ),
    );
    const streamErr = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = raw.makeClientStreamRequest(
        '/parley.v1.FederatedAggregator/UploadUpdate',
        identity,
        identity,
        (err) => resolve(err),
      );
      call.write(junk);
      call.end();
    });
    raw.close();
    expect(unaryErr).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^request: not a valid parley\.v1\.JoinRoundRequest message/),
    });
    expect(streamErr).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^request: not a valid parley\.v1\.UpdateChunk message/),
    });
  });

  it('learners train and upload; the new version is published and the inventory agent hot-swaps with no dropped decision', async () => {
    const link = new AgentLink('inventory', inventory.address);
    let n = 0;
    /** One propose call, as the broker makes it: the proposal, or null when it failed. */
    const decide = (): Promise<{ proposal: Proposal__Output | null; error: unknown }> => {
      const id = `d-${n++}`;
      return link
        .call(
          'propose',
          {
            request_id: id,
            round: 1,
            slot: { slot_id: 's', position: 'POSITION_MID_ROLL', max_ads: 1, max_total_duration_ms: 60_000 },
            signals: {
              session_id: 'sess',
              device: 'DEVICE_MOBILE',
              local_time: '2026-06-10T07:00:00+01:00',
              country: 'SE',
            },
            context: { scenario: 'SCENARIO_WORKOUT', focus_level: 0.3, receptiveness: 0.5, skip_risk: 0.3 },
            shortlist_size: 3,
          },
          2000,
        )
        .then(
          (proposal) => ({ proposal, error: null }),
          (error: unknown) => ({ proposal: null, error }),
        );
    };

    expect((await decide()).proposal!.model_version).toBe('inventory-baseline-v1');
    let decisions = 0;
    let failures = 0;
    const versions = new Set<string>();
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        const r = await decide();
        decisions++;
        if (r.error || !r.proposal || r.proposal.candidates.length === 0) failures++;
        else versions.add(r.proposal.model_version);
      }
    })();

    const before = aggregator.coordinator.currentModel!.version;
    const learners = ['phone-1', 'phone-2', 'phone-3'].map((id, i) => {
      const l = new ClientLearner(id);
      for (const it of syntheticLog(40, i + 1)) l.record(it);
      return l;
    });
    const outcomes = [];
    for (const [i, l] of learners.entries())
      outcomes.push(await client(aggregator.address).participate(l, seededRng(i)));
    expect(outcomes.map((o) => o.status)).toEqual(['uploaded', 'uploaded', 'uploaded']);
    await aggregator.coordinator.closeNow(); // the round's deadline, brought forward
    const after = aggregator.coordinator.currentModel!.version;
    expect(after).toBe(before + 1);
    const closed = await client(aggregator.address).status(outcomes[0]!.roundId);
    // The previous test's one good update and the three learners'.
    expect(closed).toMatchObject({ state: 'ROUND_STATE_AGGREGATED', result_version: after, accepted: 4 });
    expect(closed.privacy).toMatchObject({ enabled: true, delta: 1e-5, sampling_rate: 0.01 });
    expect(closed.privacy!.round_epsilon).toBeGreaterThan(0);
    expect(closed.privacy!.cumulative_epsilon).toBeGreaterThanOrEqual(closed.privacy!.round_epsilon);

    const deadline = Date.now() + 5000;
    while (inventory.policy.version !== `inventory-fed-${after}` && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(inventory.policy.version).toBe(`inventory-fed-${after}`);
    await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await traffic;
    link.close();
    expect(failures).toBe(0);
    expect(decisions).toBeGreaterThan(10);
    expect(versions).toEqual(new Set(['inventory-baseline-v1', `inventory-fed-${after}`]));
  });
});
