/**
 * The inventory agent over real gRPC on loopback (port 0), driven through
 * its Agent.Negotiate stream as the broker drives it (AgentLink).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Proposal__Output } from '../../proto/gen/parley/v1/Proposal';
import type { ProposeRequest } from '../../proto/gen/parley/v1/ProposeRequest';
import { DEFAULT_CATALOGUE, loadConfig } from '../../services/common/config';
import { AgentLink } from '../../services/common/grpc/agent-stream';
import { messageOf, statusOf } from '../../services/common/grpc/errors';
import { createLogger } from '../../services/common/log';
import { type InventoryAgentService, startInventoryAgent } from '../../services/inventory/server';

const NOW = Date.parse('2026-06-10T06:00:00Z');
const quiet = createLogger('test', 'error', {}, () => undefined);

let dir: string;
let cataloguePath: string;
let service: InventoryAgentService;
let link: AgentLink;

/** One propose call on the agent's Negotiate stream: its proposal, or the error it answered with. */
async function call(
  request: ProposeRequest | null,
): Promise<{ proposal: Proposal__Output | null; error: { code: number; message: string } | null }> {
  try {
    return { proposal: await link.call('propose', request as ProposeRequest, 5000), error: null };
  } catch (err) {
    return { proposal: null, error: { code: statusOf(err), message: messageOf(err) } };
  }
}

function request(o: Partial<ProposeRequest> = {}): ProposeRequest {
  return {
    request_id: 'req-1',
    round: 1,
    slot: { slot_id: 'slot-1', position: 'POSITION_MID_ROLL', max_ads: 1, max_total_duration_ms: 60_000 },
    signals: {
      session_id: 'session-1',
      device: 'DEVICE_MOBILE',
      local_time: '2026-06-10T07:00:00+01:00',
      track_genre: 'edm',
      previous_genre: 'edm',
      playlist_kind: 'PLAYLIST_KIND_EDITORIAL',
      country: 'SE',
    },
    context: {
      scenario: 'SCENARIO_WORKOUT',
      focus_level: 0.35,
      receptiveness: 0.5,
      skip_risk: 0.3,
      model_version: 'context-rules-v1',
    },
    shortlist_size: 5,
    ...o,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-inventory-'));
  cataloguePath = join(dir, 'catalogue.yaml');
  copyFileSync(DEFAULT_CATALOGUE, cataloguePath);
  const config = loadConfig({
    PARLEY_INVENTORY_PORT: '0',
    PARLEY_CATALOGUE: cataloguePath,
    PARLEY_CATALOGUE_RELOAD_MS: '50',
  });
  service = await startInventoryAgent({ config, log: quiet, clock: () => NOW });
  link = new AgentLink('inventory', service.address);
});

afterAll(async () => {
  link?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the inventory agent on Agent/Negotiate (role proposer)', () => {
  it('listens on a real port', () => {
    expect(service.port).toBeGreaterThan(0);
    expect(service.address).toBe(`127.0.0.1:${service.port}`);
  });

  it('proposes a ranked shortlist with predictions', async () => {
    const reply = await call(request());
    expect(reply.error).toBeNull();
    const p = reply.proposal!;
    expect(p.candidates).toHaveLength(5);
    expect(p.candidates[0]).toMatchObject({
      campaign_id: 'stride-run-club',
      tier: 'sponsorship',
      price_micros: 32_000, // CPM 32.00 -> 0.032 per impression
      advertiser_id: 'stride',
      separation_categories: ['sportswear', 'apparel'],
    });
    expect(p.model_version).toBe('inventory-baseline-v1');
    expect(p.eligible_total).toBeGreaterThan(5);
    expect(p.exhausted).toBe(false);
    for (const c of p.candidates) {
      expect(c.p_skip).toBeGreaterThan(0);
      expect(c.p_skip).toBeLessThan(1);
    }
    const reasons = new Set(p.removed.map((r) => r.reason));
    expect(reasons).toContain('REASON_CAMPAIGN_PAUSED');
    expect(reasons).toContain('REASON_TARGETING_SCENARIO');
  });

  it('brings new candidates in the next round', async () => {
    const first = (await call(request())).proposal!;
    const seen = first.candidates.map((c) => c.creative_id);
    const second = (await call(request({ round: 2, exclude_creatives: seen }))).proposal!;
    expect(second.candidates.length).toBeGreaterThan(0);
    for (const c of second.candidates) expect(seen).not.toContain(c.creative_id);
    expect(second.eligible_total).toBe(first.eligible_total - seen.length);
  });

  it.each([
    ['missing signals', request({ signals: null }), 'propose.signals: required'],
    [
      'a bad country',
      request({ signals: { ...request().signals, country: 'se' } }),
      'propose.signals.country',
    ],
    [
      'an unknown enum number',
      request({ signals: { ...request().signals, device: 99 as never } }),
      'propose.signals.device',
    ],
    ['a missing context', request({ context: null }), 'propose.context: required'],
    ['round 0', request({ round: 0 }), 'propose.round'],
    ['a bad slot', request({ slot: { ...request().slot, max_ads: 9 } }), 'propose.slot.max_ads'],
    ['a missing request', null, 'kind: one of'],
  ])('answers %s with INVALID_ARGUMENT naming the field', async (_name, req, field) => {
    const reply = await call(req);
    expect(reply.proposal).toBeNull();
    expect(reply.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(reply.error?.message).toContain(field);
  });
});

describe('catalogue hot reload', () => {
  const polka = () =>
    request({
      signals: { ...request().signals, track_genre: 'polka' },
      context: { ...request().context, scenario: 'SCENARIO_RELAX' },
    });
  const until = async (cond: () => Promise<boolean>, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('proposes a creative added to the file without a restart, and survives a broken edit', async () => {
    const original = readFileSync(cataloguePath, 'utf8');
    // polka-15 is sponsorship, so once it exists it is always in the top 5
    const proposed = async () => (await call(polka())).proposal?.candidates.map((c) => c.creative_id) ?? [];
    const hasPolka = async () => (await proposed()).includes('polka-15');
    expect(await proposed()).toHaveLength(5);
    expect(await hasPolka()).toBe(false);

    const edited = original
      .replace(
        'campaigns:\n',
        `campaigns:
  - id: polka-sponsor
    advertiser: kaffa
    goal: awareness
    tier: sponsorship
    cpm_micros: 40000000
    budget: { total_micros: 1000000000 }
    flight: { start: 2026-01-01T00:00:00Z, end: 2027-12-31T23:59:59Z }
    targeting: { genres: [polka] }
`,
      )
      .replace(
        'creatives:\n',
        'creatives:\n  - { id: polka-15, campaign: polka-sponsor, duration_ms: 15000, energy: 0.6 }\n',
      );
    writeFileSync(cataloguePath, edited);
    await until(hasPolka);

    writeFileSync(cataloguePath, `${edited}\n  - { id: broken, campaign: nowhere }\n`);
    await new Promise((r) => setTimeout(r, 300));
    expect(await hasPolka()).toBe(true);
  });
});
