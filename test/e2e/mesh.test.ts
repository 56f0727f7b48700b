/**
 * The full mesh, four processes on a real Redis: a decision with a paid ad,
 * its impression settling the reserved spend exactly once, and fail-small
 * when each agent in turn crashes or hangs: every decision still answers
 * within its deadline, says which part was degraded, never buys a paid ad
 * without the objective agent, and the mesh recovers when the agent is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdDecisionClient,
  connect,
  type DecideResponse__Output,
  decide,
  reportOutcome,
} from '../../bin/client';
import { AGENTS } from '../../bin/spawn';
import type { Redis } from '../../services/common/state/redis';
import { objectiveKeys } from '../../services/objective/redis-state';
import type { TestMesh } from '../support/mesh';
import { startRedis, type TestRedis } from '../support/redis';
import { E2E_PREFIX, startE2eMesh, validDecide, validOutcome } from './fixtures';

const DEADLINE_MS = 150;
/** Loopback transport and scheduling slack on a busy 2-core machine. */
const SLACK_MS = 100;
const keys = objectiveKeys(E2E_PREFIX);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the full mesh (four processes, Redis state)', () => {
  let redis: TestRedis;
  let db: Redis;
  let mesh: TestMesh;
  let client: AdDecisionClient;

  beforeAll(async () => {
    redis = await startRedis();
    db = redis.client();
    mesh = await startE2eMesh(redis.url);
    client = connect(mesh.broker);
    // Warm up connections, the broker's agent streams and the JIT.
    for (let i = 0; i < 5; i++) await decide(client, validDecide(), { timeoutMs: 5000 });
  });

  afterAll(async () => {
    client?.close();
    await mesh?.stop();
    await redis?.stop();
  });

  async function money(campaignId: string): Promise<{ spent: number; reserved: number }> {
    const [spent, reserved] = await db.hmget(keys.lifetime(campaignId), 'spent', 'reserved');
    return { spent: Number(spent ?? 0), reserved: Number(reserved ?? 0) };
  }

  /** One decision, timed from the client's side. */
  async function timedDecide(deadlineMs = DEADLINE_MS): Promise<{ res: DecideResponse__Output; ms: number }> {
    const t0 = performance.now();
    const res = await decide(client, validDecide({ deadline_ms: deadlineMs }), {
      timeoutMs: deadlineMs + 2000,
    });
    return { res, ms: performance.now() - t0 };
  }

  /**
   * Polls until a decision is not degraded (the broker reconnects with
   * backoff). A generous deadline here, so a busy machine is not mistaken
   * for a missing agent.
   */
  async function recovered(timeoutMs = 15_000): Promise<DecideResponse__Output> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { res } = await timedDecide(1000);
      if (res.degraded.length === 0 || Date.now() > until) return res;
      await sleep(200);
    }
  }

  it('answers Decide with a paid ad; its impression settles the spend once; a replay is a duplicate', async () => {
    const req = validDecide({ deadline_ms: 2000 }); // generous: this test is about money, not time
    const res = await decide(client, req, { timeoutMs: 5000 });
    expect(res.request_id).toBe(req.request_id);
    expect(res.degraded, mesh.logs()).toEqual([]);
    expect(res.no_ad).toBe(false);
    expect(res.ads).toHaveLength(1);
    const ad = res.ads[0]!;
    // The workout sponsorship outranks the standard campaigns.
    expect(ad).toMatchObject({ campaign_id: 'e2e-sport-sponsor', tier: 'sponsorship', price_micros: 30_000 });
    expect(ad.reservation_id).not.toBe('');
    expect(res.why?.summary).not.toBe('');
    expect(res.why?.rounds).toBeGreaterThanOrEqual(1);

    const reserved = await money(ad.campaign_id);
    expect(reserved.reserved).toBeGreaterThanOrEqual(ad.price_micros);
    const report = validOutcome({
      request_id: req.request_id,
      reservation_id: ad.reservation_id,
      creative_id: ad.creative_id,
      session_id: req.signals?.session_id,
      event: 'OUTCOME_EVENT_IMPRESSION',
    });
    expect(await reportOutcome(client, report)).toEqual({
      accepted: true,
      duplicate: false,
      settlement: 'SETTLEMENT_SETTLED',
      charged_micros: ad.price_micros,
      refusal: 'CHARGE_REFUSAL_UNSPECIFIED',
    });
    const settled = await money(ad.campaign_id);
    expect(settled.spent - reserved.spent).toBe(ad.price_micros);
    expect(reserved.reserved - settled.reserved).toBe(ad.price_micros);

    // The ad server retries: nothing moves, nothing is logged twice.
    expect(await reportOutcome(client, report)).toMatchObject({
      duplicate: true,
      settlement: 'SETTLEMENT_DUPLICATE',
      charged_micros: 0,
    });
    expect(await money(ad.campaign_id)).toEqual(settled);
    const log = await db.xrange(keys.log, '-', '+');
    expect(log.filter(([, fields]) => fields.includes(report.idempotency_key!))).toHaveLength(1);
  });

  it.each(AGENTS)(
    'the %s agent crashes: decisions answer within the deadline, degraded; a restart recovers',
    async (agent) => {
      await mesh.kill(agent);
      const paidBefore = await money('e2e-sport-sponsor');
      let served = 0;
      for (let i = 0; i < 5; i++) {
        const { res, ms } = await timedDecide();
        if (res.ads.length > 0) served++;
        expect(ms, `decision ${i} took ${ms.toFixed(0)} ms`).toBeLessThan(DEADLINE_MS + SLACK_MS);
        // (On a busy machine another part may time out too; the dead one always shows.)
        expect(res.degraded).toContain(agent);
        if (agent === 'objective') {
          // The conservative guard: house ads only, never a paid commit.
          for (const ad of res.ads) expect(ad).toMatchObject({ tier: 'house', price_micros: 0 });
        }
      }
      // Failing small still fills the slot (cached ranking, default context, house ads).
      expect(served, mesh.logs('broker')).toBeGreaterThan(0);
      if (agent === 'objective') expect(await money('e2e-sport-sponsor')).toEqual(paidBefore);

      await mesh.restart(agent);
      const res = await recovered();
      expect(res.degraded, mesh.logs('broker')).toEqual([]);
      expect(res.ads[0]?.tier).toBe('sponsorship');
    },
  );

  it('a hung objective agent (frozen, connections open): still within the deadline, house only', async () => {
    const paidBefore = await money('e2e-sport-sponsor');
    mesh.freeze('objective');
    try {
      for (let i = 0; i < 3; i++) {
        const { res, ms } = await timedDecide();
        expect(ms, `decision ${i} took ${ms.toFixed(0)} ms`).toBeLessThan(DEADLINE_MS + SLACK_MS);
        expect(res.degraded).toContain('objective');
        for (const ad of res.ads) expect(ad).toMatchObject({ tier: 'house', price_micros: 0 });
      }
    } finally {
      mesh.thaw('objective');
    }
    expect(await money('e2e-sport-sponsor')).toEqual(paidBefore);
    expect((await recovered()).degraded).toEqual([]);
  });
});
