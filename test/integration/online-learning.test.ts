/**
 * Online learning in a running mesh (four services over loopback gRPC,
 * embedded state): decisions go through the broker, their outcomes come back
 * through ReportOutcome, and the inventory agent — reading the objective
 * agent's outcome log through its consumer group — hot-swaps guarded updates
 * of its policy that follow what listeners did.
 *
 * The listeners here skip every ad of 30 s or more and hear shorter ones out,
 * so the learned policy must come to predict more skips for long creatives
 * and fewer for short ones than the baseline it started from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdDecisionClient, connect, decide, reportOutcome } from '../../bin/client';
import { TrafficModel } from '../../bin/traffic';
import { loadCatalogueFile } from '../../services/common/catalogue/load';
import { DEFAULT_CATALOGUE } from '../../services/common/config';
import type { Snapshot } from '../../services/common/domain/types';
import { createLogger } from '../../services/common/log';
import {
  BASELINE_POLICY_VERSION,
  type LogisticPolicy,
  type Policy,
  policyFeatures,
} from '../../services/inventory/policy';
import type { InventoryAgentService } from '../../services/inventory/server';
import { type LocalMesh, startLocalMesh } from '../support/local-mesh';

const log = createLogger('online-it', 'error');

let mesh: LocalMesh;
let inventory: InventoryAgentService;
let client: AdDecisionClient;

const creative = [...loadCatalogueFile(DEFAULT_CATALOGUE).creatives.values()][0]!;
const context: Snapshot = {
  scenario: 'commute',
  focusLevel: 0.4,
  receptiveness: 0.5,
  skipRisk: 0.4,
  features: [],
  modelVersion: '',
  sessionAdsHeard: 1,
  isDefault: false,
};
const slot = { slotId: 's', position: 'mid' as const, maxAds: 2, maxTotalDurationMs: 120_000 };
/** p_skip of the same creative cut to 15 s and to 60 s. */
const skipOf = (p: Policy, durationMs: number) =>
  p.predict(policyFeatures({ ...creative, durationMs }, context, slot)).pSkip;

beforeAll(async () => {
  mesh = await startLocalMesh(log);
  inventory = mesh.inventory;
  client = connect(mesh.broker.address);
}, 30_000);

afterAll(async () => {
  client?.close();
  await mesh?.close();
});

describe('online learning in the running mesh', () => {
  it('learns from ReportOutcome events and hot-swaps guarded versions of the inventory policy', async () => {
    expect(inventory.online).not.toBeNull();
    const start = inventory.policy.current();
    expect(start.version).toBe(BASELINE_POLICY_VERSION);
    const model = new TrafficModel(7, 'online-it', 1000);
    const served: boolean[] = []; // long ad?
    const oneDecision = async () => {
      const { request, session } = model.next();
      const res = await decide(client, request, { timeoutMs: 5000 });
      for (const ad of res.ads) {
        const long = ad.duration_ms >= 30_000;
        served.push(long);
        const report = {
          request_id: res.request_id,
          reservation_id: ad.reservation_id,
          creative_id: ad.creative_id,
          session_id: session.id,
        };
        const key = `${res.request_id}:${ad.pod_position}`;
        await reportOutcome(client, {
          ...report,
          idempotency_key: `${key}:i`,
          event: 'OUTCOME_EVENT_IMPRESSION',
        });
        await reportOutcome(client, {
          ...report,
          idempotency_key: `${key}:o`,
          event: long ? 'OUTCOME_EVENT_SKIP' : 'OUTCOME_EVENT_COMPLETE',
          skip_offset_ms: long ? 2000 : 0,
        });
        if (long) break; // a skip ends the pod
      }
    };
    // Until enough guarded steps have landed (each needs a batch of fresh outcomes).
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && served.length < 4000) {
      await Promise.all(Array.from({ length: 8 }, oneDecision));
    }
    const learned = inventory.policy.current();
    const learner = inventory.online!.learner;
    expect(learned.version, `${served.length} ads served`).toMatch(/^inventory-baseline-v1\+online-\d+$/);
    expect(learner.examplesSeen).toBeGreaterThan(0.9 * served.length);
    // Better predictions of outcomes it never trained on than the baseline it started from.
    const startWeights = (start as LogisticPolicy).weights;
    expect(learner.holdoutLoss()).toBeLessThan(learner.holdoutLoss(startWeights) - 0.02);
    // The listeners' rule, learned: a long creative's skip risk over a short one's grew.
    const gap = (p: Policy) => skipOf(p, 30_000) - skipOf(p, 15_000);
    expect(gap(learned)).toBeGreaterThan(gap(start));
    // And the mesh acts on it: fewer long ads (all skipped) in the last thousand than in the first.
    const share = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;
    expect(share(served.slice(-1000))).toBeLessThan(share(served.slice(0, 1000)) - 0.03);
    // The broker's decisions name the version in use.
    const res = await decide(client, model.next().request, { timeoutMs: 5000 });
    expect(res.why?.agents.inventory?.model_version ?? '').toMatch(/\+online-\d+$/);
  }, 120_000);
});
