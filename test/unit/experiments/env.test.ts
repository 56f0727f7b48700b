import { describe, expect, it } from 'vitest';
import { LinUcb } from '../../../learning/linucb';
import { MONOLITHIC_FEATURES } from '../../../learning/monolithic';
import { OnlineLearner } from '../../../learning/online';
import { SharedRl } from '../../../learning/shared-rl';
import type { Candidate, Slot } from '../../../services/common/domain/types';
import { seededRng } from '../../../services/common/rng';
import {
  BASELINE_POLICY_VERSION,
  BASELINE_WEIGHTS,
  baselinePolicy,
  PolicyHolder,
} from '../../../services/inventory/policy';
import {
  BanditArm,
  brandSafetyCritic,
  ExploreArm,
  fillPod,
  OracleContextArm,
  ParleyArm,
  PriceFirstArm,
  RandomArm,
  samplePod,
} from '../../../sim/experiments/arms';
import { type Arm, Env, liftedPerThousand, pooledLift } from '../../../sim/experiments/env';
import {
  BANDIT_ALPHAS,
  experimentCommandLine,
  FRONTIER,
  MONOLITHIC_FLOORS,
  PARLEY_SETTINGS,
  parseExperimentArgs,
  plannedSteps,
  seedsOf,
} from '../../../sim/experiments/run';
import type { SurveyResult } from '../../../sim/lift';
import { loadScenarioFile } from '../../../sim/scenario';

const scenario = loadScenarioFile('sim/scenarios/default-day.yaml');
const settings = {
  weights: { listener: 1, advertiser: 1, platform: 1 },
  revenueScaleMicros: 30_000,
  priceFloorMicros: 2_000,
  maxRounds: 3,
  shortlistSize: 8,
};
const env = (seed: number) => new Env({ scenario, seed, settings, maxRequests: 180, collect: true });
const baseline = () => ({ inventory: new PolicyHolder(baselinePolicy()), context: null, objective: null });

const cand = (id: string, advertiserId: string, durationMs: number, priceMicros = 10_000): Candidate => ({
  creativeId: id,
  campaignId: `c-${id}`,
  advertiserId,
  category: 'x',
  durationMs,
  priceMicros,
  tier: 'standard',
  pSkip: 0.3,
  pComplete: 0.7,
  pEngage: 0.01,
  policyScore: 0,
  audioUrl: '',
  separationCategories: [advertiserId],
});

describe('experiment harness', () => {
  it('is deterministic for a seed, never overspends, and logs what the learners need', async () => {
    const a = await env(5).run(new ParleyArm(baseline()));
    const b = await env(5).run(new ParleyArm(baseline()));
    expect({ ...a, wallMs: 0 }).toEqual({ ...b, wallMs: 0 });
    expect(a.requests).toBe(180);
    expect(a.overspendMicros).toBe(0);
    expect(a.impressions).toBeGreaterThan(150);

    const e = env(6);
    const r = await e.run(new ExploreArm(baseline(), 1));
    expect(r.overspendMicros).toBe(0);
    const first = e.samples.filter((s) => s.podIndex === 0 && s.firstOptions);
    expect(first.length).toBeGreaterThan(100);
    for (const s of first.slice(0, 50)) {
      const total = s.firstOptions!.reduce((t, o) => t + o.p, 0);
      expect(total).toBeCloseTo(1, 9);
      expect(s.propensity).toBe(s.firstOptions!.find((o) => o.creativeId === s.creativeId)!.p);
      expect(s.policyX).toHaveLength(12);
    }
  });

  it('runs the online learner as the inventory agent does: steps from the episode outcome log, swaps, deterministic', async () => {
    const run = async () => {
      const models = baseline();
      const online = new OnlineLearner(BASELINE_WEIGHTS, BASELINE_POLICY_VERSION, { batchSize: 64 });
      const arm = new ParleyArm(models, { online, exploration: { epsilon: 0.1, temperature: 0 } });
      const e = new Env({ scenario, seed: 8, settings, maxRequests: 600 });
      const r = await e.run(arm);
      return {
        r: { ...r, wallMs: 0 },
        steps: arm.steps,
        version: models.inventory.version,
        seen: online.examplesSeen,
      };
    };
    const a = await run();
    expect(a.seen).toBeGreaterThan(300);
    expect(a.steps.accepted + a.steps.rejected + a.steps.rolledBack).toBeGreaterThan(2);
    expect(a.version).toBe(`${BASELINE_POLICY_VERSION}+online-${a.steps.accepted}`);
    expect(a.r.overspendMicros).toBe(0);
    expect(await run()).toEqual(a);
  });

  it('price-first earns more per impression than random on the same requests', async () => {
    const random = await env(7).run(new RandomArm(1));
    const price = await env(7).run(new PriceFirstArm());
    expect(price.revenueMicros / price.impressions).toBeGreaterThan(
      (random.revenueMicros / random.impressions) * 1.2,
    );
    expect(random.overspendMicros + price.overspendMicros).toBe(0);
  });

  it('with the brand-safety critic, parley serves no ad next to content its advertiser avoids', async () => {
    const run = (weight?: number) =>
      new Env({ scenario, seed: 1002, settings, maxRequests: 600 }).run(
        new ParleyArm(
          baseline(),
          weight === undefined
            ? {}
            : { critics: [brandSafetyCritic], weights: { ...settings.weights, brand_safety: weight } },
        ),
      );
    const today = await run();
    const vetoes = await run(0);
    const critic = await run(1);
    expect(today.unsafeAdjacencies).toBeGreaterThan(30);
    expect(vetoes.unsafeAdjacencies).toBe(0);
    expect(critic.unsafeAdjacencies).toBe(0);
    expect(critic.impressions).toBeGreaterThan(today.impressions * 0.8);
  });

  it('no arm shows a campaign to its held-out listeners, though they would often have been eligible', async () => {
    const arms = () => [
      new PriceFirstArm(),
      new RandomArm(3),
      new ParleyArm(baseline()),
      new ExploreArm(baseline(), 5),
      new BanditArm(new LinUcb(MONOLITHIC_FEATURES.length), 0.1),
      new OracleContextArm(),
    ];
    for (const arm of arms()) {
      const e = new Env({ scenario, seed: 1003, settings, maxRequests: 300 });
      await e.run(arm); // throws if an ad was played to a held-out listener
      expect(e.sim.metrics().holdoutViolations, arm.name).toBe(0);
    }
    // The exclusion matters: without it, price-first would have served held-out listeners.
    const e = new Env({ scenario, seed: 1003, settings, maxRequests: 300 });
    let wouldHave = 0;
    for (let r = e.sim.nextRequest(), n = 0; r && n < 300; r = e.sim.nextRequest(), n++) {
      e.now = r.nowMs;
      e.heldOut = new Set();
      const snapshot = await e.context.assess(r.signals, r.nowMs);
      const all = await e.eligibleCandidates(r, snapshot);
      wouldHave += all.filter((x) => r!.heldOutCampaigns.includes(x.candidate.campaignId)).length;
      e.sim.respond(r.handle, []);
    }
    expect(wouldHave).toBeGreaterThan(20);
  });

  it('fails an episode whose arm plays a campaign to its held-out listeners', async () => {
    const careless: Arm = {
      name: 'careless',
      async choose(req, e) {
        e.heldOut = new Set(); // forgets the exclusion
        const snapshot = await e.context.assess(req.signals, req.nowMs);
        const elig = await e.eligibleCandidates(req, snapshot);
        const held = elig.filter((x) => req.heldOutCampaigns.includes(x.candidate.campaignId));
        const ads = await e.commit(
          req,
          fillPod(
            held.map((x) => x.candidate),
            req.slot,
          ),
        );
        return { ads, snapshot, contextX: snapshot.features };
      },
    };
    await expect(new Env({ scenario, seed: 1003, settings, maxRequests: 300 }).run(careless)).rejects.toThrow(
      /control group/,
    );
  });

  it('measures brand lift per campaign and hands parley the surveys as they are published', async () => {
    const fast = { ...scenario, lift: { ...scenario.lift, surveyEveryHours: 0.25, surveyDelayHours: 0.25 } };
    const arm = new ParleyArm(baseline());
    const r = await new Env({ scenario: fast, seed: 1004, settings, maxRequests: 700 }).run(arm);
    expect(r.surveysPublished).toBeGreaterThan(0);
    expect(arm.lift!.received).toBe(r.surveysPublished);
    const surveyed = r.campaigns.filter((c) => c.lift !== null);
    expect(surveyed.length).toBeGreaterThan(0);
    for (const c of surveyed) expect(c.surveyedExposed + c.surveyedControl).toBeGreaterThan(0);
    expect(Number.isFinite(r.brandLift)).toBe(true);
    // The ablation receives nothing and values nothing by lift; the same seed without it is deterministic too.
    const off = new ParleyArm(baseline(), { liftReward: false });
    expect(off.lift).toBeNull();
    const again = await new Env({ scenario: fast, seed: 1004, settings, maxRequests: 700 }).run(
      new ParleyArm(baseline()),
    );
    expect({ ...again, wallMs: 0 }).toEqual({ ...r, wallMs: 0 });
  });

  it('fills pods within count, length and separation; samples with the logged probabilities', () => {
    const slot: Slot = { slotId: 's', position: 'mid', maxAds: 2, maxTotalDurationMs: 45_000 };
    const cs = [
      cand('a', 'A', 30_000),
      cand('b', 'A', 15_000),
      cand('c', 'C', 30_000),
      cand('d', 'D', 15_000),
    ];
    expect(fillPod(cs, slot).map((c) => c.creativeId)).toEqual(['a', 'd']);
    const counts = new Map<string, number>();
    const rng = seededRng(3);
    for (let i = 0; i < 4000; i++) {
      const s = samplePod(cs, [2, 0, 0, 1], slot, rng, 0.5, 0.1);
      const id = cs[s.firstIndex]!.creativeId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
      if (i === 0) {
        const pa = s.first.find((f) => f.index === 0)!.p;
        expect(pa).toBeGreaterThan(0.7);
        expect(s.pod.length).toBeLessThanOrEqual(2);
      }
    }
    const pa = samplePod(cs, [2, 0, 0, 1], slot, seededRng(1), 0.5, 0.1).first.find((f) => f.index === 0)!.p;
    expect((counts.get('a') ?? 0) / 4000).toBeCloseTo(pa, 1);
  });

  it('parses the experiment options; --quick is small', () => {
    const q = parseExperimentArgs(['--quick'])!;
    expect(q.quick).toBe(true);
    expect(q.seeds).toBeLessThanOrEqual(2);
    expect(q.maxRequests).toBeGreaterThan(0);
    expect(q.models).toBe('');
    expect(parseExperimentArgs(['--seeds', '7', '--iterations', '3'])?.seeds).toBe(7);
    expect(() => parseExperimentArgs(['--seeds', '0'])).toThrow(/--seeds/);
    expect(() => parseExperimentArgs(['--seeds'])).toThrow('--seeds: expected a value');
    expect(() => parseExperimentArgs(['--bogus'])).toThrow(/unknown/);
    expect(parseExperimentArgs(['--help'])).toBeNull();
    expect(parseExperimentArgs(['--render', 'r.json'])?.render).toBe('r.json');
    expect(parseExperimentArgs(['--scenario', 'a.yaml', '--scenario', 'b.yaml'])?.scenarios).toEqual([
      'a.yaml',
      'b.yaml',
    ]);
  });

  it('names the command that gives the same figures: the flags that change them, none that do not', () => {
    const line = (...argv: string[]) => experimentCommandLine(parseExperimentArgs(argv)!);
    expect(line()).toBe('parley experiment');
    expect(line('--out', '/tmp/r.md', '--models', '/tmp/m', '--jobs', '1', '--seeds', '20')).toBe(
      'parley experiment',
    );
    expect(line('--seeds', '40')).toBe('parley experiment --seeds 40');
    expect(line('--seeds', '3')).toBe('parley experiment --seeds 3');
    expect(line('--seeds', '3', '--side-seeds', '2', '--iterations', '4', '--max-requests', '500')).toBe(
      'parley experiment --seeds 3 --side-seeds 2 --iterations 4 --max-requests 500',
    );
    expect(line('--quick')).toBe('parley experiment --quick');
    expect(line('--quick', '--seeds', '1')).toBe('parley experiment --quick --seeds 1');
    expect(line('--scenario', 'a.yaml', '--backend', 'cpu')).toBe(
      'parley experiment --scenario a.yaml --backend cpu',
    );
  });

  it('a full run is one a sceptic accepts: ≥ 20 test seeds on ≥ 3 scenarios, validation seeds apart, equal searches', () => {
    const o = parseExperimentArgs([])!;
    expect(o.seeds).toBeGreaterThanOrEqual(20);
    expect(o.scenarios.length).toBeGreaterThanOrEqual(3);
    for (const f of o.scenarios) expect(() => loadScenarioFile(f)).not.toThrow();
    const seeds = seedsOf(o);
    expect(seeds.validation.length).toBeGreaterThanOrEqual(2);
    const all = [...seeds.train, ...seeds.validation, ...seeds.test];
    expect(new Set(all).size).toBe(all.length);
    expect(PARLEY_SETTINGS.length).toBe(MONOLITHIC_FLOORS.length);
    expect(MONOLITHIC_FLOORS.length).toBe(FRONTIER.length);
    expect(BANDIT_ALPHAS.length).toBe(FRONTIER.length);
    // Every planned step is an episode or a training step; the quick run plans fewer.
    expect(plannedSteps(parseExperimentArgs(['--quick'])!)).toBeLessThan(plannedSteps(o));
  });

  it('the bandit arm learns online from every served ad, deterministically and within budgets', async () => {
    const run = async () => {
      const bandit = new LinUcb(MONOLITHIC_FEATURES.length);
      const r = await env(9).run(new BanditArm(bandit, 0.5));
      return { r: { ...r, wallMs: 0 }, seen: bandit.observations };
    };
    const a = await run();
    expect(a.seen).toBe(a.r.impressions);
    expect(a.r.overspendMicros).toBe(0);
    expect(await run()).toEqual(a);
  });

  it("the score-based arms' ad-load floor leaves out ads scored below it", async () => {
    const none = await env(10).run(new BanditArm(new LinUcb(MONOLITHIC_FEATURES.length), 0, 1e9));
    expect(none.impressions).toBe(0);
    const all = await env(10).run(new BanditArm(new LinUcb(MONOLITHIC_FEATURES.length), 0, null));
    expect(all.impressions).toBeGreaterThan(150);
  });

  it("assigns each break's long-term term once, to the break before the same session's next one", async () => {
    const e = env(7);
    const inner = new PriceFirstArm();
    const order: Array<{ requestId: string; sessionId: string }> = [];
    const got = new Map<string, number>();
    const arm: Arm = {
      name: 'price-first',
      choose: (req, x) => {
        order.push({ requestId: req.requestId, sessionId: req.signals.sessionId });
        return inner.choose(req, x);
      },
      observeBreak: (id, reward) => {
        expect(got.has(id)).toBe(false);
        got.set(id, reward);
      },
    };
    const r = await e.run(arm);
    expect(got.size).toBe(r.requests);
    const adReward = new Map<string, number>();
    const share = new Map<string, number>();
    for (const s of e.samples) {
      adReward.set(s.requestId, (adReward.get(s.requestId) ?? 0) + s.terms.reward);
      share.set(s.requestId, (share.get(s.requestId) ?? 0) + (s.longTerm ?? Number.NaN));
    }
    let continued = 0;
    order.forEach(({ requestId, sessionId }, i) => {
      const expected = order.slice(i + 1).some((o) => o.sessionId === sessionId) ? 1 : 0;
      const lt = got.get(requestId)! - (adReward.get(requestId) ?? 0);
      expect(lt).toBeCloseTo(expected, 9);
      if (adReward.has(requestId)) expect(share.get(requestId)!).toBeCloseTo(expected, 9);
      continued += expected;
    });
    expect(continued).toBeGreaterThan(0);
    expect(continued).toBeLessThan(r.requests);
    expect(r.continuationRate).toBeCloseTo(continued / r.requests, 12);
    expect(r.rewardTotal).toBeCloseTo(
      [...got.values()].reduce((a, b) => a + b, 0),
      6,
    );
  });

  it('trains the shared-reward policies on an episode, the same for the same seed; greedy play leaves them alone', async () => {
    const play = async (seed: number, train: boolean, rl = new SharedRl(null, { batch: 40 })) => {
      const arm = new ParleyArm({ ...baseline(), rl }, train ? { trainRl: { seed } } : {});
      await env(5).run(arm);
      arm.flush();
      return { rl, arm };
    };
    const a = await play(1, true);
    const b = await play(1, true);
    const c = await play(2, true);
    expect(a.rl.learner.stats.updates).toBeGreaterThan(2);
    expect(Array.from(a.rl.adLoad.theta)).toEqual(Array.from(b.rl.adLoad.theta));
    expect(Array.from(a.rl.value.theta)).toEqual(Array.from(b.rl.value.theta));
    expect(Array.from(a.rl.offer.theta)).toEqual(Array.from(b.rl.offer.theta));
    expect(Array.from(a.rl.adLoad.theta)).not.toEqual(Array.from(c.rl.adLoad.theta));
    // The inventory agent chose its offer in most breaks (its pool is larger than the shortlist), and learned.
    expect(a.arm.offers.proposals).toBeGreaterThan(100);
    expect(a.arm.offers.replaced).toBeGreaterThan(0);
    expect(a.rl.offer.theta.some((v) => v !== 0)).toBe(true);
    expect(a.arm.adLoad.reduce((x, y) => x + y, 0)).toBe(180);
    expect(a.arm.adLoad.filter((n) => n > 0).length).toBeGreaterThan(1);
    const before = Array.from(a.rl.adLoad.theta);
    const offerBefore = Array.from(a.rl.offer.theta);
    const g = await play(1, false, a.rl);
    expect(Array.from(a.rl.adLoad.theta)).toEqual(before);
    expect(Array.from(a.rl.offer.theta)).toEqual(offerBefore);
    expect(g.arm.adLoad.filter((n) => n > 0).length).toBeGreaterThanOrEqual(1);
  });

  it("untrained, the inventory's offer policy offers its ranking's shortlist: the same episode as without it", async () => {
    const rl = new SharedRl(null);
    const greedy = new ParleyArm({ ...baseline(), rl });
    const r = await env(5).run(greedy);
    expect(greedy.offers.proposals).toBeGreaterThan(100);
    expect(greedy.offers.offered).toBe(8 * greedy.offers.proposals);
    expect(greedy.offers.replaced).toBe(0);
    const off = new ParleyArm({ ...baseline(), rl }, { offerPolicy: false });
    expect({ ...(await env(5).run(off)), wallMs: 0 }).toEqual({ ...r, wallMs: 0 });
    // A policy that prefers cheap candidates offers others, and the episode differs.
    rl.offer.theta[3] = -3;
    const cheap = new ParleyArm({ ...baseline(), rl });
    const c = await env(5).run(cheap);
    expect(cheap.offers.replaced).toBeGreaterThan(0);
    expect(c.revenueMicros).not.toBe(r.revenueMicros);
    expect(off.offers.proposals).toBe(0);
  });
});

describe('recall as brand lift, two ways', () => {
  const wave = (campaignId: string, wave: number, o: Partial<SurveyResult>): SurveyResult => ({
    campaignId,
    wave,
    fieldedAtMs: wave,
    publishedAtMs: wave + 1,
    exposedN: 0,
    exposedYes: 0,
    controlN: 0,
    controlYes: 0,
    exposedRate: Number.NaN,
    controlRate: Number.NaN,
    lift: Number.NaN,
    windowStartMs: 0,
    impressions: 0,
    reach: 0,
    ...o,
  });

  it("pools a campaign's waves per group and keeps its latest reach (every window starts at the horizon's start)", () => {
    const pooled = pooledLift([
      wave('a', 1, { exposedN: 50, exposedYes: 20, controlN: 50, controlYes: 10, reach: 40 }),
      wave('a', 2, { exposedN: 50, exposedYes: 30, controlN: 50, controlYes: 10, reach: 90 }),
      wave('b', 1, { exposedN: 10, exposedYes: 5, reach: 12 }),
    ]);
    expect(pooled.get('a')).toEqual({
      lift: 0.5 - 0.2,
      surveyedExposed: 100,
      surveyedControl: 100,
      reach: 90,
    });
    // No control group surveyed: no lift, but the reach is known.
    expect(pooled.get('b')).toEqual({ lift: null, surveyedExposed: 10, surveyedControl: 0, reach: 12 });
  });

  it('counts listeners lifted per 1,000 impressions, which concentrating impressions on fewer listeners does not raise', () => {
    expect(
      liftedPerThousand([
        { lift: 0.2, reach: 100, impressions: 200 },
        { lift: null, reach: 50, impressions: 80 },
        { lift: 0.1, reach: 300, impressions: 300 },
      ]),
    ).toBeCloseTo((1000 * (0.2 * 100 + 0.1 * 300)) / 500, 9);
    expect(liftedPerThousand([{ lift: null, reach: 5, impressions: 9 }])).toBe(0);
    // 600 impressions: to 600 listeners once (lift 0.1 among them), or to 200 listeners three times (lift 0.2):
    // the mean lift among exposed doubles, the listeners lifted fall from 60 to 40.
    const spread = liftedPerThousand([{ lift: 0.1, reach: 600, impressions: 600 }]);
    const concentrated = liftedPerThousand([{ lift: 0.2, reach: 200, impressions: 600 }]);
    expect(concentrated).toBeLessThan(spread);
  });
});
