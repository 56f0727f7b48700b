/**
 * A late impression end to end: the mesh in this process (embedded state,
 * the sample catalogue) with a short reservation TTL. An ad server reports
 * the impression of a paid ad after its reservation expired: the broker's
 * acknowledgement says it was charged late, for the ad's price, once; the
 * impression of an ad whose request was released (never served) is refused,
 * and says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdDecisionClient, connect, decide, reportOutcome } from '../../bin/client';
import { TrafficModel } from '../../bin/traffic';
import type { AdPlacement__Output } from '../../proto/gen/parley/v1/AdPlacement';
import type { OutcomeReport } from '../../proto/gen/parley/v1/OutcomeReport';
import { createLogger } from '../../services/common/log';
import {
  type MetricsEndpoint,
  parsePrometheus,
  type Sample,
  serveMetrics,
  sumOf,
} from '../../services/common/metrics';
import { type LocalMesh, startLocalMesh } from '../support/local-mesh';

/** Long enough that a release right after a decision comes before its expiry, even on a busy machine. */
const TTL_MS = 3000;

let mesh: LocalMesh;
let client: AdDecisionClient;
let endpoint: MetricsEndpoint;

async function scrape(): Promise<Sample[]> {
  return parsePrometheus(await (await fetch(endpoint.url)).text());
}

beforeAll(async () => {
  mesh = await startLocalMesh(createLogger('late-impression-it', 'error'), {
    PARLEY_RESERVATION_TTL_MS: String(TTL_MS),
  });
  client = connect(mesh.broker.address);
  endpoint = await serveMetrics({ host: '127.0.0.1', port: 0 });
}, 30_000);

afterAll(async () => {
  client?.close();
  await endpoint?.close();
  await mesh?.close();
});

const model = new TrafficModel(20261206, 'late-it', 1000);

/** The next decision with a paid ad (the first ones may come before the agents' streams are up). */
async function paidImpression(key: string): Promise<{ report: OutcomeReport; ad: AdPlacement__Output }> {
  for (let i = 0; i < 200; i++) {
    const { request, session } = model.next();
    const res = await decide(client, request, { timeoutMs: 5000 });
    const ad = res.ads.find((a) => a.price_micros > 0 && a.reservation_id !== '');
    if (!ad) continue;
    const report: OutcomeReport = {
      idempotency_key: key,
      request_id: request.request_id,
      reservation_id: ad.reservation_id,
      creative_id: ad.creative_id,
      session_id: session.id,
      event: 'OUTCOME_EVENT_IMPRESSION',
    };
    return { report, ad };
  }
  throw new Error('no paid ad in 200 decisions');
}

describe('an impression reported after its reservation expired', () => {
  it('is charged late, once; one of a released request is refused, visibly', async () => {
    const late = await paidImpression('late-imp');
    const given = await paidImpression('released-imp');
    // The broker gives the second decision up (as when it stopped waiting for it): its ads were never served.
    expect(await mesh.objective.agent.release(given.report.request_id!)).toBeGreaterThan(0);
    // Past the first reservation's expiry, and swept (the agent's own sweeper may have done it already).
    await new Promise((r) => setTimeout(r, TTL_MS));
    await mesh.objective.agent.sweep();

    const before = await scrape();
    expect(await reportOutcome(client, late.report)).toEqual({
      accepted: true,
      duplicate: false,
      settlement: 'SETTLEMENT_CHARGED_LATE',
      charged_micros: late.ad.price_micros,
      refusal: 'CHARGE_REFUSAL_UNSPECIFIED',
    });
    // The ad server retries: nothing more is charged.
    expect(await reportOutcome(client, late.report)).toMatchObject({
      duplicate: true,
      settlement: 'SETTLEMENT_DUPLICATE',
      charged_micros: 0,
    });
    // Another report of the same impression under a new key: already charged.
    expect(await reportOutcome(client, { ...late.report, idempotency_key: 'late-imp-again' })).toMatchObject({
      settlement: 'SETTLEMENT_NOT_CHARGED',
      charged_micros: 0,
      refusal: 'CHARGE_REFUSAL_UNKNOWN_RESERVATION',
    });
    expect(await reportOutcome(client, given.report)).toMatchObject({
      accepted: true,
      settlement: 'SETTLEMENT_NOT_CHARGED',
      charged_micros: 0,
      refusal: 'CHARGE_REFUSAL_RELEASED',
    });
    // Operators see the same on the objective agent's metrics.
    const after = await scrape();
    const counted = (charge: string) =>
      sumOf(after, 'parley_impression_charges_total', { parley_charge: charge }) -
      sumOf(before, 'parley_impression_charges_total', { parley_charge: charge });
    expect(['late', 'unknown', 'released'].map(counted)).toEqual([1, 1, 1]);
  });
});
