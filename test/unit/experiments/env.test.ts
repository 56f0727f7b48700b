import { describe, expect, it } from 'vitest';
import { OnlineLearner } from '../../../learning/online';
import type { ObjectivePort } from '../../../services/broker/ports';
import type { Catalogue } from '../../../services/common/catalogue/types';
import type { Candidate, CandidateValue, Slot } from '../../../services/common/domain/types';
import { seededRng } from '../../../services/common/rng';
import {
  BASELINE_POLICY_VERSION,
  BASELINE_WEIGHTS,
  baselinePolicy,
  PolicyHolder,
} from '../../../services/inventory/policy';
import {
  type ArmCritic,
  brandSafetyCritic,
  ExploreArm,
  fillPod,
  ParleyArm,
  PriceFirstArm,
  RandomArm,
  samplePod,
  withCritic,
} from '../../../sim/experiments/arms';
import { Env } from '../../../sim/experiments/env';
import { parseExperimentArgs } from '../../../sim/experiments/run';
import { barChart, lineChart } from '../../../sim/experiments/svg';
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

  it('adds a critic after the counter: its veto removes a candidate, its value joins the utility with its weight', async () => {
    const value = (id: string, advertiserValue: number, eligible = true): CandidateValue => ({
      creativeId: id,
      eligible,
      reason: eligible ? null : 'REASON_FREQUENCY_CAP',
      detail: '',
      advertiserValue,
      pacingMultiplier: 1,
      goal: 'awareness',
    });
    const objective: ObjectivePort = {
      evaluate: async () => ({
        modelVersion: 'o',
        values: [value('a', 1), value('b', 1), value('c', 1), value('d', 1, false)],
      }),
      commit: async () => [],
      recordOutcome: async () => ({ accepted: true, duplicate: false, settledMicros: 0 }),
    };
    const critic: ArmCritic = {
      name: 'judge',
      weight: 0.5,
      critique: (input) => ({
        modelVersion: 'j',
        verdicts: input.candidates
          .filter((c) => c.creativeId !== 'c')
          .map((c) => ({
            creativeId: c.creativeId,
            eligible: c.creativeId !== 'b',
            reason: c.creativeId === 'b' ? 'REASON_UNSUITABLE_CONTENT' : null,
            detail: c.creativeId === 'b' ? 'too dark' : '',
            value: -1,
            pacingMultiplier: 0,
            goal: '',
          })),
      }),
    };
    const weights = { listener: 1, advertiser: 2, platform: 1 };
    const port = withCritic(objective, critic, env(1).sim.nextRequest()!.signals, {} as Catalogue, weights);
    const counter = await port.evaluate(
      {
        requestId: 'r',
        round: 1,
        sessionId: 's',
        context: {
          scenario: 'commute',
          focusLevel: 0,
          receptiveness: 0,
          skipRisk: 0,
          features: [],
          modelVersion: '',
          sessionAdsHeard: 0,
          isDefault: false,
        },
        candidates: ['a', 'b', 'c', 'd'].map((id) => cand(id, id.toUpperCase(), 15_000)),
      },
      100,
    );
    expect(
      counter.values.map((v) => [v.creativeId, v.eligible, v.reason, v.detail, v.advertiserValue]),
    ).toEqual([
      ['a', true, null, '', 1 - (0.5 / 2) * 1], // w_advertiser · value + w_critic · (−1)
      ['b', false, 'REASON_UNSUITABLE_CONTENT', 'too dark', 1],
      ['c', false, 'REASON_UNSPECIFIED', 'no verdict from judge', 1],
      ['d', false, 'REASON_FREQUENCY_CAP', '', 1], // the objective agent's own veto stays
    ]);
  });

  it('with the brand-safety critic, parley serves no ad next to content its advertiser avoids', async () => {
    const run = (critic?: ArmCritic) =>
      new Env({ scenario, seed: 1002, settings, maxRequests: 600 }).run(
        new ParleyArm(baseline(), critic ? { critic } : {}),
      );
    const today = await run();
    const vetoes = await run(brandSafetyCritic(0));
    const critic = await run(brandSafetyCritic(1));
    expect(today.unsafeAdjacencies).toBeGreaterThan(30);
    expect(vetoes.unsafeAdjacencies).toBe(0);
    expect(critic.unsafeAdjacencies).toBe(0);
    expect(critic.impressions).toBeGreaterThan(today.impressions * 0.8);
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
    const q = parseExperimentArgs(['--quick']);
    expect(q.quick).toBe(true);
    expect(q.seeds).toBeLessThanOrEqual(2);
    expect(q.maxRequests).toBeGreaterThan(0);
    expect(q.models).toBe('');
    expect(parseExperimentArgs(['--seeds', '7', '--iterations', '3']).seeds).toBe(7);
    expect(() => parseExperimentArgs(['--seeds', '0'])).toThrow(/--seeds/);
    expect(() => parseExperimentArgs(['--bogus'])).toThrow(/unknown/);
  });

  it('draws SVG charts', () => {
    const l = lineChart('t', 'x', 'y', [
      {
        name: 'a<b',
        points: [
          { x: 1, y: 2 },
          { x: 2, y: 3 },
        ],
      },
    ]);
    expect(l).toMatch(/^<svg[\s\S]*<path d="M[\d.]+,[\d.]+ L[\d.]+,[\d.]+"[\s\S]*a&lt;b[\s\S]*<\/svg>$/);
    const b = barChart('t', 'y', [{ label: 'p', mean: 1, lo: 0.5, hi: 1.5 }], {
      value: 0.8,
      label: 'target',
    });
    expect(b).toContain('stroke-dasharray');
    expect(b.match(/<rect/g)).toHaveLength(2);
    expect(b).toContain('<title>t</title>');
  });
});
