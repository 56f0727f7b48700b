import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchCatalogueYaml, DEFAULT_BENCH_CATALOGUE } from '../../../bench/catalogue';
import { ModelHolder, publishModel } from '../../../learning/artifacts';
import { deployOffer, OfferModel } from '../../../learning/offer-policy';
import { OFFER_POOL, OfferPolicy, offerFeatures } from '../../../learning/shared-rl';
import { parseCatalogue } from '../../../services/common/catalogue/load';
import { loadConfig } from '../../../services/common/config';
import type { ProposeInput } from '../../../services/common/domain/types';
import { createLogger } from '../../../services/common/log';
import { seededRng } from '../../../services/common/rng';
import { InventoryAgent, NO_OFFER, type OfferInUse } from '../../../services/inventory/agent';
import { watchOfferPolicy } from '../../../services/inventory/offer';
import { PolicyHolder } from '../../../services/inventory/policy';
import { startInventoryAgent } from '../../../services/inventory/server';
import { useCleanup } from '../../support/cleanup';
import { NOW, proposeInput, randomProposeInputs } from './fixtures';

const WEIGHTS = { listener: 1, advertiser: 1, platform: 1 };
const REVENUE_SCALE = 30_000;
const cat = parseCatalogue(benchCatalogueYaml({ ...DEFAULT_BENCH_CATALOGUE, nowMs: NOW }));

function agent(offer: ModelHolder<OfferInUse> | null, remember?: (r: string, c: string) => void) {
  return new InventoryAgent({
    catalogue: () => cat,
    policy: new PolicyHolder(),
    weights: WEIGHTS,
    revenueScaleMicros: REVENUE_SCALE,
    offer,
    ...(remember ? { remember } : {}),
  });
}

function randomInputs(seed: number, n: number): ProposeInput[] {
  const next = randomProposeInputs(seed);
  return Array.from({ length: n }, (_, i) => next(i));
}

const { tempRoot, closers } = useCleanup('parley-offer-');

describe('the inventory agent with an offer policy', () => {
  it('offers what the trained policy offers in the simulator: the pool ranked, then its greedy k', () => {
    // Short ads and fewer sponsorships than the supervised ranking would offer.
    const trained = new OfferPolicy([-2, 1, 0, 0.5, -3, -3, 1]);
    const deployed = agent(new ModelHolder<OfferInUse>(deployOffer(trained, 'offer-rl-1')));
    const plain = agent(null);
    let replaced = 0;
    for (const input of randomInputs(4, 200)) {
      const k = input.shortlistSize;
      // The simulator's parley arm: the agent ranks OFFER_POOL × k, the policy offers k of them.
      const pool = plain.propose({ ...input, shortlistSize: OFFER_POOL * k }, NOW);
      const zs = pool.candidates.map((c) => offerFeatures(c, REVENUE_SCALE));
      const picks = pool.candidates.length <= k ? pool.candidates.map((_, i) => i) : trained.greedy(zs, k);
      const expected = picks.map((i) => pool.candidates[i]!);
      const got = deployed.propose(input, NOW);
      expect(got.candidates).toEqual(expected);
      expect(got.modelVersion).toBe(`${pool.modelVersion}+offer-rl-1`);
      expect(got.eligibleTotal).toBe(pool.eligibleTotal);
      expect(got.exhausted).toBe(pool.exhausted && expected.length === pool.candidates.length);
      replaced += picks.filter((i) => i >= k).length;
    }
    // The policy does move candidates from beyond the supervised shortlist into the offer.
    expect(replaced).toBeGreaterThan(0);
  });

  it('untrained (θ = 0) offers the supervised shortlist; no policy is exactly as before', () => {
    const zero = agent(new ModelHolder<OfferInUse>(deployOffer(new OfferPolicy(), 'offer-zero')));
    const none = agent(new ModelHolder<OfferInUse>(NO_OFFER));
    const plain = agent(null);
    for (const input of randomInputs(5, 50)) {
      const before = plain.propose(input, NOW);
      expect(none.propose(input, NOW)).toEqual(before);
      expect(zero.propose(input, NOW).candidates).toEqual(before.candidates);
    }
  });

  it('tells the online learner only about the candidates it offered', () => {
    const rng = seededRng(8);
    const offer = new OfferModel(
      'offer-x',
      Array.from({ length: 7 }, () => (rng.next() * 2 - 1) * 4),
      0.5,
      2,
    );
    const remembered: string[] = [];
    const a = agent(new ModelHolder<OfferInUse>(offer), (_, c) => remembered.push(c));
    const p = a.propose(proposeInput({ shortlistSize: 3 }), NOW);
    expect(remembered).toEqual(p.candidates.map((c) => c.creativeId));
  });

  it('hot-swaps a published policy and refuses a malformed one, naming the field', async () => {
    const root = tempRoot();
    const { currentPath } = publishModel(root, 'offer', deployOffer(new OfferPolicy(), 'offer-a').toJSON());
    const lines: Array<{ msg: string; error?: string }> = [];
    const log = createLogger('test', 'debug', {}, (l) => lines.push(JSON.parse(l)));
    const { holder, close } = watchOfferPolicy(currentPath, 10, log);
    closers.push(close);
    expect(holder.version).toBe('offer-a');
    writeFileSync(
      currentPath,
      JSON.stringify({ ...deployOffer(new OfferPolicy(), 'offer-b').toJSON(), pool: 9 }),
    );
    const end = Date.now() + 3000;
    while (!lines.some((l) => l.msg === 'model file rejected; keeping the current model') && Date.now() < end)
      await new Promise((r) => setTimeout(r, 5));
    expect(lines.find((l) => l.msg === 'model file rejected; keeping the current model')?.error).toBe(
      'pool: must be an integer in [1, 4]',
    );
    expect(holder.version).toBe('offer-a');
  });

  it('is wired from PARLEY_OFFER_POLICY_PATH at start, and absent by default', async () => {
    expect(loadConfig({}).offerPolicyPath).toBe('');
    const root = tempRoot();
    const rng = seededRng(2);
    const offer = new OfferModel(
      'offer-start',
      Array.from({ length: 7 }, () => rng.next() * 4 - 2),
      0.5,
      2,
    );
    const { currentPath } = publishModel(root, 'offer', offer.toJSON());
    const cfg = loadConfig({
      PARLEY_OFFER_POLICY_PATH: currentPath,
      PARLEY_INVENTORY_PORT: '0',
      PARLEY_ONLINE_LEARNING: 'off',
    });
    const svc = await startInventoryAgent({
      config: cfg,
      log: createLogger('test', 'error', {}, () => undefined),
    });
    closers.push(() => svc.close());
    expect(svc.offer?.version).toBe('offer-start');
    const p = svc.agent.propose(proposeInput(), NOW);
    expect(p.modelVersion).toMatch(/\+offer-start$/);
  });
});
