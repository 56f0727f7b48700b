/**
 * Brand lift in the objective agent: a campaign's hold-out vetoes its ads
 * for the listeners of its control group (REASON_BRAND_LIFT_HOLDOUT), keyed
 * on the listener id (else the session), the same answer in every session.
 */
import { describe, expect, it } from 'vitest';
import { staticCatalogue } from '../../../services/common/catalogue/load';
import type { Catalogue } from '../../../services/common/catalogue/types';
import { holdoutDraw } from '../../../services/common/domain/brand-lift';
import { ObjectiveAgent } from '../../../services/objective/agent';
import { EmbeddedLedger } from '../../../services/objective/ledger';
import { EmbeddedOutcomeLog } from '../../../services/objective/outcome-log';
import { campaign, candidate, catalogueOf, DAY, DAY0, evaluateInput, HOUR } from './fixtures';

const NOW = DAY0 + 12 * HOUR;

const CATALOGUE: Catalogue = catalogueOf([
  campaign({ id: 'plain', goal: 'awareness' }),
  campaign({ id: 'study', goal: 'awareness', brandLift: { holdoutShare: 0.5 } }),
]);

function agentOn() {
  const ledger = new EmbeddedLedger({ reservationTtlMs: 60_000 });
  return new ObjectiveAgent({
    catalogue: staticCatalogue(CATALOGUE),
    ledger,
    outcomes: new EmbeddedOutcomeLog(ledger, { idempotencyTtlMs: DAY, maxLen: 100 }),
    clock: () => NOW,
  });
}

/** Listener ids in and out of the 'study' campaign's control group (share 0.5). */
const listeners = Array.from({ length: 200 }, (_, i) => `lst-${i}`);
const heldOut = listeners.filter((l) => holdoutDraw(l, 'study') < 0.5);
const exposed = listeners.filter((l) => holdoutDraw(l, 'study') >= 0.5);

describe('brand-lift hold-out in the objective agent', () => {
  it('vetoes a held-out listener with REASON_BRAND_LIFT_HOLDOUT, and only them', async () => {
    expect(heldOut.length).toBeGreaterThan(50);
    expect(exposed.length).toBeGreaterThan(50);
    const agent = agentOn();
    const verdict = async (listenerId: string, campaignId = 'study', sessionId = 'session-1') =>
      (
        await agent.evaluate({
          ...evaluateInput([candidate(campaignId)], sessionId),
          listenerId,
        })
      ).values[0]!;
    for (const l of heldOut.slice(0, 20)) {
      const v = await verdict(l);
      expect(v).toMatchObject({ eligible: false, reason: 'REASON_BRAND_LIFT_HOLDOUT', advertiserValue: 0 });
      expect(v.detail).toContain('study');
      expect(v.detail).toContain('50% held out');
      // The same listener in another session: still held out.
      expect((await verdict(l, 'study', 'session-2')).eligible).toBe(false);
      // A campaign without a study never holds anyone out.
      expect((await verdict(l, 'plain')).eligible).toBe(true);
    }
    for (const l of exposed.slice(0, 20)) expect((await verdict(l)).eligible).toBe(true);
  });

  it('keys on the session when the ad server sends no listener id', async () => {
    const agent = agentOn();
    const bySession = async (sessionId: string) =>
      (await agent.evaluate(evaluateInput([candidate('study')], sessionId))).values[0]!;
    expect(await bySession(heldOut[0]!)).toMatchObject({ reason: 'REASON_BRAND_LIFT_HOLDOUT' });
    expect((await bySession(exposed[0]!)).eligible).toBe(true);
  });
});
