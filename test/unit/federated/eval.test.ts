import { describe, expect, it } from 'vitest';
import { toSvg } from '../../../charts';
import { DEFAULT_PLAN } from '../../../federated/client/learner';
import { baselineVector } from '../../../federated/client/model';
import { offPolicyValue } from '../../../federated/client/reinforce';
import {
  type Arm,
  type ArmId,
  type EvalResult,
  FULL,
  type PolicyResult,
} from '../../../federated/eval/experiment';
import { checks, renderReport, roundsToTarget } from '../../../federated/eval/report';
import { clientOf, runPolicy } from '../../../federated/eval/simulate';
import { alieUpdate, trainCentral, trainCentralDp, trainFederated } from '../../../federated/eval/train';
import { noiseMultiplierFor } from '../../../federated/privacy/rdp';
import { parseScenario } from '../../../sim';

// Brand-unsafe adjacency has no effect on listeners here: these tests are about federated learning, and
// their thresholds were set on the simulator before it had one (the attack test's ratio moves with it).
const scenario = parseScenario(
  'seed: 5\ndays: 0.5\npopulation:\n  size: 150\nresponse: { unsafe_skip_weight: 0, annoyance_per_unsafe: 0 }\n',
);

describe('running a policy on the simulator', () => {
  const run = runPolicy(baselineVector(), { scenario, seed: 5, collect: true });

  it('keeps one log per listener, with valid propensities, and is deterministic', () => {
    expect(run.decisions).toBeGreaterThan(100);
    const logged = [...run.logs.values()].reduce((s, l) => s + l.length, 0);
    expect(logged).toBe(run.decisions);
    for (const id of run.logs.keys()) expect(id).toMatch(/^l\d+$/);
    for (const it of [...run.logs.values()].flat()) {
      expect(it.propensity).toBeGreaterThan(0);
      expect(it.propensity).toBeLessThanOrEqual(1);
      expect(it.features.length % 12).toBe(0);
    }
    const again = runPolicy(baselineVector(), { scenario, seed: 5 });
    expect(again.meanReward).toBe(run.meanReward);
    expect(clientOf('l17-s2')).toBe('l17');
  });

  it('central and federated training both improve the logged objective; DP reports ε', async () => {
    const pooled = [...run.logs.values()].flat();
    const central = trainCentral(baselineVector(), pooled, {
      epochs: 3,
      learningRate: 1,
      batchSize: 32,
      temperature: 0.1,
      maxImportanceWeight: 5,
      seed: 1,
    });
    expect(offPolicyValue(central, pooled)).toBeGreaterThan(offPolicyValue(baselineVector(), pooled));
    const fed = await trainFederated(baselineVector(), run.logs, {
      rounds: 4,
      samplingFraction: 0.5,
      strategy: { name: 'fedavg' },
      plan: DEFAULT_PLAN,
      dp: { noiseMultiplier: 1, delta: 1e-5 },
      seed: 2,
      curve: { every: 2, value: (theta) => offPolicyValue(theta, pooled) },
    });
    expect(fed.roundsAggregated).toBe(4);
    expect(fed.epsilon).toBeGreaterThan(0);
    expect(fed.curve.map((p) => p[0])).toEqual([0, 2, 4]);
    expect(fed.curve[2]![1]).toBeGreaterThan(fed.curve[0]![1]);
    expect(fed.meanClientsPerRound).toBeGreaterThan(20);
  });

  it('central DP-SGD spends the ε its (q, z, steps) are calibrated to and still improves the objective', () => {
    const pooled = [...run.logs.values()].flat();
    const z = noiseMultiplierFor({ targetEpsilon: 8, delta: 1e-5, samplingRate: 0.5, rounds: 20 });
    const dp = trainCentralDp(baselineVector(), run.logs, {
      steps: 20,
      samplingRate: 0.5,
      noiseMultiplier: z,
      clipNorm: 0.5,
      learningRate: 10,
      temperature: 0.1,
      maxImportanceWeight: 5,
      delta: 1e-5,
      seed: 4,
    });
    expect(dp.epsilon).toBeLessThanOrEqual(8);
    expect(dp.epsilon).toBeGreaterThan(7.9);
    expect(offPolicyValue(dp.theta, pooled)).toBeGreaterThan(offPolicyValue(baselineVector(), pooled));
  });

  it('a scaled attack drags FedAvg away from where clean FedAvg goes; the median resists', async () => {
    const base = { rounds: 3, samplingFraction: 1, plan: DEFAULT_PLAN, seed: 3 };
    const clean = await trainFederated(baselineVector(), run.logs, { ...base, strategy: { name: 'fedavg' } });
    const attacked = await trainFederated(baselineVector(), run.logs, {
      ...base,
      strategy: { name: 'fedavg' },
      attack: { kind: 'scaled', fraction: 0.2 },
    });
    const robust = await trainFederated(baselineVector(), run.logs, {
      ...base,
      strategy: { name: 'median' },
      attack: { kind: 'scaled', fraction: 0.2 },
    });
    const dist = (a: Float32Array) => Math.hypot(...a.map((v, i) => v - clean.theta[i]!));
    expect(dist(attacked.theta)).toBeGreaterThan(5 * dist(robust.theta));
  });
});

describe('attacks and report', () => {
  it('"a little is enough" sits z standard deviations below the honest mean', () => {
    const honest = [Float32Array.from([1, 0]), Float32Array.from([3, 0]), Float32Array.from([2, 0])];
    const a = alieUpdate(honest, 10, 2); // s = 4, z = Φ⁻¹(0.6) ≈ 0.2533
    expect(a[0]).toBeCloseTo(2 - 0.2533, 3);
    expect(a[1]).toBe(0);
  });

  it('rounds to target is the first curve point at or above it', () => {
    expect(
      roundsToTarget(
        [
          [0, 0.5],
          [5, 0.6],
          [10, 0.7],
        ],
        0.6,
      ),
    ).toBe(5);
    expect(roundsToTarget([[0, 0.5]], 0.6)).toBeNull();
  });

  /** An evaluation result of three replicates whose rewards are given per arm (central is 0.64 in each). */
  function result(rewards: Partial<Record<ArmId, number[]>>): EvalResult {
    const run = (reward: number, extra = {}): PolicyResult => ({
      reward,
      completionRate: reward,
      clickRate: 0.01,
      offPolicy: reward,
      ...extra,
    });
    const arms: Arm[] = [
      { id: 'baseline', name: 'baseline', runs: [0.58, 0.59, 0.57].map((r) => run(r)) },
      { id: 'central', name: 'central', runs: [0.64, 0.64, 0.64].map((r) => run(r)) },
      {
        id: 'central-dp',
        name: 'central DP-SGD',
        runs: [0.62, 0.62, 0.62].map((r) => run(r, { epsilon: 7.99 })),
      },
      {
        id: 'fedavg',
        name: 'FedAvg',
        runs: (rewards.fedavg ?? [0.635, 0.636, 0.634]).map((r, i) =>
          run(
            r,
            i === 0
              ? {
                  curve: [
                    [0, 0.58],
                    [10, 0.63],
                  ],
                }
              : {},
          ),
        ),
      },
      {
        id: 'dp-fedavg',
        name: 'DP-FedAvg',
        runs: (rewards['dp-fedavg'] ?? [0.56, 0.56, 0.56]).map((r) => run(r, { epsilon: 7.99 })),
      },
      {
        id: 'attack:scaled:0.2:fedavg',
        name: 'scaled 20 % vs fedavg',
        runs: [0.45, 0.46, 0.44].map((r) => run(r)),
        attack: { attack: 'scaled', fraction: 0.2, strategy: 'fedavg' },
      },
      {
        id: 'attack:alie:0.2:median',
        name: 'alie 20 % vs median',
        runs: [0.55, 0.55, 0.55].map((r) => run(r)),
        attack: { attack: 'alie', fraction: 0.2, strategy: 'median' },
      },
    ];
    const replicate = {
      loggingSeed: 42,
      evalSeed: 4242,
      clients: 1500,
      decisions: 30_000,
      medianDecisionsPerClient: 15,
      clientDominantShare: 0.6,
      globalDominantShare: 0.2,
    };
    return {
      options: { ...FULL, scenarioPath: 'sim/scenarios/default-day.yaml' },
      scenarioName: 'default-day',
      replicates: [replicate, replicate, replicate],
      noiseMultiplier: 1,
      arms,
      seconds: 100,
      cpuSeconds: 90,
    };
  }

  it('judges targets by the lower bound of the per-replicate shares, and says so in the prose', () => {
    const tight = result({});
    const cs = checks(tight);
    expect(cs.find((c) => c.name.startsWith('FedAvg'))!.pass).toBe(true); // 99.2 % ± 0.4 %
    expect(cs.find((c) => c.name.startsWith('DP-FedAvg'))!.pass).toBe(false); // 0.56 / 0.64 = 87.5 %
    expect(cs.find((c) => c.name.startsWith('replicates'))!.pass).toBe(false); // 3 < 10
    expect(cs.find((c) => c.name.startsWith('median'))).toMatchObject({ pass: false, informational: true });
    // The same mean share (≈ 97 %) spread widely: the lower bound falls below 95 %.
    const wide = result({ fedavg: [0.58, 0.64, 0.64] });
    const fed = checks(wide).find((c) => c.name.startsWith('FedAvg'))!;
    expect(fed.pass).toBe(false);
    const { markdown } = renderReport(wide, 'REPORT-charts', 'parley federated-eval');
    expect(markdown).toContain('the ≥ 95 % target is missed (lower bound');
    expect(markdown).not.toContain('the ≥ 95 % target is met');
    expect(renderReport(tight, 'c', 'x').markdown).toContain('the ≥ 95 % target is met (lower bound');
  });

  it('renders the markdown report with intervals and well-formed SVG charts', async () => {
    const { markdown, charts } = renderReport(result({}), 'REPORT-charts', 'parley federated-eval');
    // FedAvg's shares of central per replicate: 0.635/0.64, 0.636/0.64, 0.634/0.64 → 99.2 % [98.8 %, 99.6 %].
    expect(markdown).toContain('| FedAvg | 0.6350 [0.6325, 0.6375] | 99.2 % [98.8 %, 99.6 %] |');
    expect(markdown).toContain('| 20.0 % | scaled | fedavg | 0.4500 [');
    // Judged against the logging policy too: the attacked FedAvg (0.45) is below the baseline (≈ 0.58).
    expect(markdown).toContain(
      "Below the logging policy (that share's whole interval under 0): scaled 20 % vs fedavg.",
    );
    expect(markdown).toContain('**FAIL**');
    expect(Object.keys(charts).sort()).toEqual(['attacks.svg', 'curves.svg']);
    for (const [name, title] of [
      ['curves.svg', 'Reward of the global model by round'],
      ['attacks.svg', 'Reward with malicious clients'],
    ] as const) {
      const svg = await toSvg(charts[name]!);
      expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
      expect(svg).toContain(title);
      expect(svg).toContain('reward per decision');
      expect(svg).not.toContain('NaN');
    }
  });
});
