/**
 * The shared-reward policies in the running mesh (learning/README.md): the
 * context agent's ad load and the inventory agent's offer, published as an
 * operator would and loaded from their files at start, over loopback gRPC.
 * The floor the context agent sends is the broker's floor for the decision,
 * the explanation says what it removed, and the per-agent model versions
 * name the policies that decided.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, decide } from '../../bin/client';
import { AdLoadPolicy } from '../../learning/ad-load-policy';
import { publishModel } from '../../learning/artifacts';
import { OfferModel } from '../../learning/offer-policy';
import { AD_LOAD_DIM } from '../../learning/shared-rl';
import { createLogger } from '../../services/common/log';
import { startLocalMesh } from '../support/local-mesh';

const log = createLogger('shared-rl-policies', 'error');
const root = mkdtempSync(join(tmpdir(), 'parley-rl-mesh-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An ad-load policy whose only floor is `floor`. */
const onlyFloor = (version: string, floor: number | null) =>
  new AdLoadPolicy(version, [floor], new Float64Array(AD_LOAD_DIM));

async function decisions(env: Record<string, string>, n: number) {
  const mesh = await startLocalMesh(log, { PARLEY_ONLINE_LEARNING: 'off', ...env });
  const client = connect(mesh.broker.address);
  try {
    for (let i = 0; ; i++) {
      const res = await decide(client, request(-1 - i), { timeoutMs: 5000 });
      if (res.degraded.length === 0) break;
      if (i > 100) throw new Error(`the mesh stays degraded: ${res.degraded.join(', ')}`);
    }
    const out = [];
    for (let i = 0; i < n; i++) out.push(await decide(client, request(i), { timeoutMs: 5000 }));
    return out;
  } finally {
    client.close();
    await mesh.close();
  }
}

const request = (i: number) => ({
  request_id: `rl-${i}`,
  slot: {
    slot_id: `slot-${i}`,
    position: 'POSITION_MID_ROLL' as const,
    max_ads: 2,
    max_total_duration_ms: 60_000,
  },
  signals: {
    session_id: `rl-session-${i}`,
    device: 'DEVICE_MOBILE' as const,
    local_time: '2026-11-27T08:15:00+01:00',
    track_genre: 'pop',
    activity_hint: 'SCENARIO_COMMUTE' as const,
    country: 'SE',
  },
  deadline_ms: 2000,
});

describe('the shared-reward policies in the running mesh', () => {
  it("the context agent's floor is the decision's, and the versions name the policies", async () => {
    const adLoad = publishModel(root, 'ad-load', onlyFloor('ad-load-it-high', 50).toJSON()).currentPath;
    const offer = publishModel(
      root,
      'offer',
      new OfferModel('offer-it', [0, 0, 0, 0, -1, 0, 0], 0.5, 2).toJSON(),
    ).currentPath;
    const high = await decisions({ PARLEY_AD_LOAD_POLICY_PATH: adLoad, PARLEY_OFFER_POLICY_PATH: offer }, 3);
    for (const r of high) {
      expect(r.degraded).toEqual([]);
      expect(r.why?.agents.context?.model_version).toMatch(/\+ad-load-it-high$/);
      expect(r.why?.agents.inventory?.model_version).toMatch(/\+offer-it$/);
      // A floor of 50 leaves nothing worth the break (no campaign is pinned).
      expect(r.no_ad).toBe(true);
      expect(r.no_ad_reasons).toContain('REASON_BELOW_MIN_UTILITY');
      expect(r.why?.summary).toMatch(/the context agent's ad-load floor 50 removed \d+/);
    }

    // Without the policies: ads are served and the versions are the agents' own.
    const plain = await decisions({}, 3);
    for (const r of plain) {
      expect(r.ads.length).toBeGreaterThan(0);
      expect(r.why?.agents.context?.model_version).not.toContain('+');
      expect(r.why?.agents.inventory?.model_version).not.toContain('+');
      expect(r.why?.summary).not.toContain('ad-load floor');
    }
  }, 120_000);
});
