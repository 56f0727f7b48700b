import { describe, expect, it } from 'vitest';
import { loadCatalogueFile } from '../../../services/common/catalogue/load';
import type { Catalogue } from '../../../services/common/catalogue/types';
import { DEFAULT_CATALOGUE } from '../../../services/common/config';
import type { Tier } from '../../../services/common/domain/types';
import { InventoryAgent, REMOVED_CAP } from '../../../services/inventory/agent';
import { PolicyHolder } from '../../../services/inventory/policy';
import {
  advertiser,
  campaign,
  catalogueOf,
  creative,
  NOW,
  proposeInput,
  signals,
  snapshot,
} from './fixtures';

const WEIGHTS = { listener: 1, advertiser: 1, platform: 1 };

function agentFor(cat: Catalogue, policy = new PolicyHolder()): InventoryAgent {
  return new InventoryAgent({ catalogue: () => cat, policy, weights: WEIGHTS, revenueScaleMicros: 30_000 });
}

/** One campaign per tier, `n` creatives each; house priced highest to prove tiers win. */
function tieredCatalogue(n: number): Catalogue {
  const tiers: Array<[Tier, number]> = [
    ['house', 90_000_000],
    ['standard', 20_000_000],
    ['sponsorship', 5_000_000],
  ];
  return catalogueOf({
    advertisers: [advertiser()],
    campaigns: tiers.map(([tier, cpm]) => campaign({ id: tier, tier, cpmMicros: cpm })),
    creatives: tiers.flatMap(([tier]) =>
      Array.from({ length: n }, (_, i) => creative({ id: `${tier}-${i}`, campaignId: tier, energy: i / n })),
    ),
  });
}

describe('InventoryAgent.propose', () => {
  it('ranks sponsorship before standard before house, then by score', () => {
    const p = agentFor(tieredCatalogue(3)).propose(proposeInput({ shortlistSize: 9 }), NOW);
    expect(p.candidates.map((c) => c.tier)).toEqual([
      ...Array(3).fill('sponsorship'),
      ...Array(3).fill('standard'),
      ...Array(3).fill('house'),
    ]);
    for (let i = 1; i < p.candidates.length; i++) {
      const [a, b] = [p.candidates[i - 1]!, p.candidates[i]!];
      if (a.tier === b.tier) expect(a.policyScore).toBeGreaterThanOrEqual(b.policyScore);
    }
  });

  it('cuts to K and says whether more exist', () => {
    const agent = agentFor(tieredCatalogue(2));
    const cut = agent.propose(proposeInput({ shortlistSize: 4 }), NOW);
    expect(cut.candidates).toHaveLength(4);
    expect(cut.eligibleTotal).toBe(6);
    expect(cut.exhausted).toBe(false);
    const all = agent.propose(proposeInput({ shortlistSize: 6 }), NOW);
    expect(all.candidates).toHaveLength(6);
    expect(all.exhausted).toBe(true);
  });

  it('brings new candidates each round until exhausted', () => {
    const agent = agentFor(tieredCatalogue(3));
    const seen: string[] = [];
    let round = 0;
    let last = agent.propose(proposeInput({ shortlistSize: 4 }), NOW);
    for (;;) {
      round++;
      const ids = last.candidates.map((c) => c.creativeId);
      expect(ids.some((id) => seen.includes(id))).toBe(false);
      seen.push(...ids);
      if (last.exhausted) break;
      last = agent.propose(
        proposeInput({ round: round + 1, shortlistSize: 4, excludeCreatives: [...seen] }),
        NOW,
      );
    }
    expect(round).toBe(3);
    expect(new Set(seen).size).toBe(9);
    const after = agent.propose(proposeInput({ shortlistSize: 4, excludeCreatives: seen }), NOW);
    expect(after).toMatchObject({ candidates: [], eligibleTotal: 0, exhausted: true });
  });

  it('fills a candidate from its creative, campaign and advertiser', () => {
    const cat = catalogueOf({
      advertisers: [
        advertiser({ id: 'kaffa', category: 'coffee', separationCategories: ['coffee', 'beverages'] }),
      ],
      campaigns: [campaign({ id: 'c1', advertiserId: 'kaffa', cpmMicros: 14_999_999, tier: 'sponsorship' })],
      creatives: [
        creative({ id: 'k15', campaignId: 'c1', durationMs: 15_000, audioUrl: 'https://x/k15.mp3' }),
      ],
    });
    const [c] = agentFor(cat).propose(proposeInput(), NOW).candidates;
    expect(c).toMatchObject({
      creativeId: 'k15',
      campaignId: 'c1',
      advertiserId: 'kaffa',
      category: 'coffee',
      durationMs: 15_000,
      priceMicros: 14_999, // cpm / 1000, rounded down
      tier: 'sponsorship',
      audioUrl: 'https://x/k15.mp3',
      separationCategories: ['coffee', 'beverages'],
    });
    for (const p of [c!.pSkip, c!.pComplete, c!.pEngage]) expect(p).toBeGreaterThan(0);
  });

  it('caps the removed list but counts every removal', () => {
    const cat = catalogueOf({
      campaigns: [campaign({ paused: true })],
      creatives: Array.from({ length: REMOVED_CAP + 20 }, (_, i) => creative({ id: `cr-${i}` })),
    });
    const p = agentFor(cat).propose(proposeInput(), NOW);
    expect(p.removed).toHaveLength(REMOVED_CAP);
    expect(p.removedTotal).toBe(REMOVED_CAP + 20);
    expect(p.candidates).toEqual([]);
    expect(p.exhausted).toBe(true);
  });

  it('puts the running sponsorship first for a workout in the sample catalogue', () => {
    const agent = agentFor(loadCatalogueFile(DEFAULT_CATALOGUE));
    const p = agent.propose(
      proposeInput({
        signals: signals({ device: 'mobile', country: 'SE', trackGenre: 'edm' }),
        context: snapshot({ scenario: 'workout', focusLevel: 0.35, receptiveness: 0.5 }),
      }),
      NOW,
    );
    expect(p.candidates[0]?.campaignId).toBe('stride-run-club');
    expect(p.candidates.at(-1)?.tier).not.toBe('sponsorship');
    expect(p.modelVersion).toBe('inventory-baseline-v1');
  });
});
