import { describe, expect, it } from 'vitest';
import { loadCatalogueFile } from '../../../services/common/catalogue/load';
import type { Campaign } from '../../../services/common/catalogue/types';
import { DEFAULT_CATALOGUE } from '../../../services/common/config';
import { isHeldOut } from '../../../services/common/domain/brand-lift';
import type { ProposeInput, ReasonCode } from '../../../services/common/domain/types';
import { filterEligible, STAGES } from '../../../services/inventory/eligibility';
import {
  advertiser,
  campaign,
  catalogueOf,
  creative,
  NOW,
  proposeInput,
  signals,
  slot,
  snapshot,
} from './fixtures';

const targeting = (t: Partial<Campaign['targeting']>): Campaign['targeting'] => ({
  ...campaign().targeting,
  ...t,
});

describe('hard eligibility', () => {
  it('keeps a creative with no restrictions', () => {
    const r = filterEligible(catalogueOf({}), proposeInput(), NOW);
    expect(r.eligible.map((s) => s.creative.id)).toEqual(['cr']);
    expect(r.removed).toEqual([]);
  });

  const cases: Array<[string, Partial<Campaign>, Partial<ProposeInput>, ReasonCode]> = [
    ['flight not started', { flightStartMs: NOW + 1 }, {}, 'REASON_OUTSIDE_FLIGHT'],
    ['flight over', { flightEndMs: NOW }, {}, 'REASON_OUTSIDE_FLIGHT'],
    ['paused', { paused: true }, {}, 'REASON_CAMPAIGN_PAUSED'],
    ['country', { targeting: targeting({ countries: ['DE', 'GB'] }) }, {}, 'REASON_TARGETING_COUNTRY'],
    ['device', { targeting: targeting({ devices: ['desktop'] }) }, {}, 'REASON_TARGETING_DEVICE'],
    [
      'scenario (from the context snapshot)',
      { targeting: targeting({ scenarios: ['workout'] }) },
      { context: snapshot({ scenario: 'sleep' }) },
      'REASON_TARGETING_SCENARIO',
    ],
    ['genre', { targeting: targeting({ genres: ['jazz'] }) }, {}, 'REASON_TARGETING_GENRE'],
    ['explicit content', {}, { signals: signals({ explicitContent: true }) }, 'REASON_EXPLICIT_CONTENT'],
    ['excluded advertiser', {}, { excludedAdvertisers: ['adv'] }, 'REASON_EXCLUDED_ADVERTISER'],
    ['excluded category', {}, { excludedCategories: ['Coffee'] }, 'REASON_EXCLUDED_CATEGORY'],
    ['longer than the slot', {}, { slot: slot({ maxTotalDurationMs: 29_999 }) }, 'REASON_DURATION_TOO_LONG'],
  ];

  it.each(cases)('removes on %s with its reason code', (_name, camp, input, reason) => {
    const r = filterEligible(catalogueOf({ campaigns: [campaign(camp)] }), proposeInput(input), NOW);
    expect(r.eligible).toEqual([]);
    expect(r.removed).toHaveLength(1);
    expect(r.removed[0]).toMatchObject({ creativeId: 'cr', reason });
    expect(r.removed[0]!.detail.length).toBeGreaterThan(0);
  });

  it("leaves out a brand-lift study's control group, as the objective agent would veto it", () => {
    const studied = catalogueOf({ campaigns: [campaign({ brandLift: { holdoutShare: 0.5 } })] });
    const heldOut: string[] = [];
    for (let i = 0; i < 400; i++) {
      const listenerId = `listener-${i}`;
      const r = filterEligible(studied, proposeInput({ signals: signals({ listenerId }) }), NOW);
      const held = isHeldOut(0.5, listenerId, 'camp');
      // The same draw as the objective agent's, for the listener (not the session).
      expect(r.eligible.length, listenerId).toBe(held ? 0 : 1);
      if (held) {
        heldOut.push(listenerId);
        expect(r.removed[0]).toMatchObject({ reason: 'REASON_BRAND_LIFT_HOLDOUT' });
        expect(r.removed[0]!.detail).toContain('brand-lift control group (50% held out)');
      }
    }
    expect(heldOut.length).toBeGreaterThan(150);
    expect(heldOut.length).toBeLessThan(250);
    // Without a study nobody is held out.
    const none = filterEligible(
      catalogueOf({}),
      proposeInput({ signals: signals({ listenerId: heldOut[0]! }) }),
      NOW,
    );
    expect(none.eligible).toHaveLength(1);
  });

  it('keeps a creative whose targeting matches', () => {
    const camp = campaign({
      targeting: {
        countries: ['SE'],
        devices: ['mobile'],
        scenarios: ['commute'],
        genres: ['pop'],
        explicitOk: true,
      },
    });
    const input = proposeInput({ signals: signals({ explicitContent: true, trackGenre: 'pop' }) });
    expect(filterEligible(catalogueOf({ campaigns: [camp] }), input, NOW).eligible).toHaveLength(1);
  });

  it('excludes a category through the advertiser separation keys too', () => {
    const adv = advertiser({ category: 'alcohol', separationCategories: ['alcohol', 'beverages'] });
    const r = filterEligible(
      catalogueOf({ advertisers: [adv] }),
      proposeInput({ excludedCategories: ['beverages'] }),
      NOW,
    );
    expect(r.removed[0]?.reason).toBe('REASON_EXCLUDED_CATEGORY');
  });

  it('reports the first failing stage only', () => {
    const camp = campaign({ paused: true, flightEndMs: NOW, targeting: targeting({ countries: ['US'] }) });
    const r = filterEligible(catalogueOf({ campaigns: [camp] }), proposeInput(), NOW);
    expect(r.removed.map((x) => x.reason)).toEqual(['REASON_OUTSIDE_FLIGHT']);
    expect(STAGES.map((s) => s.name)[0]).toBe('flight');
  });

  it('skips already proposed creatives silently', () => {
    const cat = catalogueOf({ creatives: [creative({ id: 'a' }), creative({ id: 'b' })] });
    const r = filterEligible(cat, proposeInput({ excludeCreatives: ['a'] }), NOW);
    expect(r.eligible.map((s) => s.creative.id)).toEqual(['b']);
    expect(r.removed).toEqual([]);
  });

  it('removes the sample catalogue expired and paused campaigns with their reasons', () => {
    const cat = loadCatalogueFile(DEFAULT_CATALOGUE);
    const r = filterEligible(cat, proposeInput({ slot: slot({ maxTotalDurationMs: 180_000 }) }), NOW);
    const reasonOf = (id: string) => r.removed.find((x) => x.creativeId === id)?.reason;
    expect(reasonOf('northbound-winter-30')).toBe('REASON_OUTSIDE_FLIGHT');
    expect(reasonOf('nordlink-family-30')).toBe('REASON_CAMPAIGN_PAUSED');
    expect(r.eligible.length + r.removed.length).toBe(cat.creatives.size);
  });
});
