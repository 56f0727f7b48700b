/**
 * The federated-learning evaluation on the listener simulator.
 *
 * 1. Logging: the baseline policy (stochastic, softmax at temperature T)
 *    serves the scenario; every listener is a client and keeps its own log
 *    (non-IID by construction: each listener has its own sessions, hours,
 *    devices and activities).
 * 2. Central reference: the same REINFORCE objective trained on all clients'
 *    data pooled in one place.
 * 3. Federated: the same objective through the Coordinator (FedAvg, FedAdam,
 *    robust strategies), with DP-FedAvg, and with 20 % malicious clients.
 * 4. Every trained policy is then run on a fresh simulation (another seed,
 *    same supply); the headline reward is its mean reward per ad decision.
 *    Curves use the self-normalised off-policy value on the logged data.
 */

import type { Scenario } from '../../services/common/domain/types';
import { loadScenarioFile, type SimScenario } from '../../sim';
import type { StrategySpec } from '../aggregator/strategy-config';
import { DEFAULT_PLAN, type TrainingPlan } from '../client/learner';
import { baselineVector } from '../client/model';
import { type Interaction, offPolicyValue } from '../client/reinforce';
import { runPolicy } from './simulate';
import { type AttackName, trainCentral, trainFederated } from './train';

export interface EvalOptions {
  scenarioPath: string;
  days: number;
  seed: number;
  evalSeed: number;
  rounds: number;
  samplingFraction: number;
  temperature: number;
  candidates: number;
  plan: TrainingPlan;
  centralEpochs: number;
  dp: { noiseMultiplier: number; delta: number; rounds: number };
  /** Shares of malicious clients to try (each attack × each share). */
  attackFractions: number[];
  attacks: AttackName[];
  robust: StrategySpecName[];
  /** Also run FedAdam and the robust strategies on clean data. */
  extras: boolean;
  curveEvery: number;
}

export type StrategySpecName = 'median' | 'trimmed-mean' | 'multi-krum';

export const FULL: Omit<EvalOptions, 'scenarioPath'> = {
  days: 3,
  seed: 42,
  evalSeed: 4242,
  rounds: 100,
  samplingFraction: 0.1,
  temperature: 0.1,
  candidates: 6,
  plan: { ...DEFAULT_PLAN, learningRate: 3, localEpochs: 3, clipNorm: 0.5 },
  centralEpochs: 20,
  dp: { noiseMultiplier: 1.2, delta: 1e-5, rounds: 150 },
  attackFractions: [0.1, 0.2],
  attacks: ['sign-flip', 'scaled', 'alie'],
  robust: ['median', 'trimmed-mean', 'multi-krum'],
  extras: true,
  curveEvery: 10,
};

export const QUICK: Omit<EvalOptions, 'scenarioPath'> = {
  ...FULL,
  days: 1,
  rounds: 20,
  centralEpochs: 5,
  dp: { noiseMultiplier: 1.2, delta: 1e-5, rounds: 20 },
  attackFractions: [0.2],
  attacks: ['scaled'],
  robust: ['median'],
  extras: false,
  curveEvery: 10,
};

export interface PolicyResult {
  name: string;
  /** Mean reward per decision on the held-out simulation. */
  reward: number;
  completionRate: number;
  clickRate: number;
  /** Off-policy value on the logged data. */
  offPolicy: number;
  /** [round, simulated reward] points (federated) or [epoch, simulated reward] (central). */
  epsilon?: number;
  curve?: Array<[number, number]>;
  roundsAggregated?: number;
  clientsPerRound?: number;
}

export interface AttackResult {
  attack: AttackName;
  fraction: number;
  strategy: string;
  reward: number;
}

export interface EvalResult {
  options: EvalOptions;
  scenarioName: string;
  clients: number;
  decisions: number;
  medianDecisionsPerClient: number;
  /** Mean over clients of the share of their decisions in their most frequent scenario. */
  clientDominantShare: number;
  /** Share of the most frequent scenario over all decisions. */
  globalDominantShare: number;
  baseline: PolicyResult;
  central: PolicyResult;
  federated: PolicyResult[];
  attacks: AttackResult[];
  /** Wall-clock seconds. */
  seconds: number;
  /** CPU seconds of this process (user + system). */
  cpuSeconds: number;
}

export interface Progress {
  start(total: number): void;
  step(label: string): void;
}

function robustSpec(name: StrategySpecName, expectedClients: number, fraction: number): StrategySpec {
  if (name === 'median') return { name };
  if (name === 'trimmed-mean') return { name, beta: Math.min(0.45, fraction + 0.05) };
  return { name, byzantine: Math.floor((fraction + 0.05) * expectedClients) };
}

function dominance(scenarios: Map<string, Map<Scenario, number>>): { client: number; global: number } {
  let shareSum = 0;
  const total = new Map<Scenario, number>();
  let n = 0;
  for (const counts of scenarios.values()) {
    let max = 0;
    let sum = 0;
    for (const [s, c] of counts) {
      sum += c;
      if (c > max) max = c;
      total.set(s, (total.get(s) ?? 0) + c);
    }
    if (sum > 0) {
      shareSum += max / sum;
      n++;
    }
  }
  const all = [...total.values()].reduce((a, b) => a + b, 0);
  return { client: n ? shareSum / n : 0, global: all ? Math.max(...total.values()) / all : 0 };
}

export async function runEvaluation(options: EvalOptions, progress: Progress): Promise<EvalResult> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const scenario: SimScenario = { ...loadScenarioFile(options.scenarioPath), days: options.days };
  const policy = { temperature: options.temperature, candidates: options.candidates };
  const baselineTheta = baselineVector();
  const fedCount =
    1 +
    1 +
    (options.extras ? 1 + options.robust.length : 0) +
    options.attacks.length * options.attackFractions.length * (1 + options.robust.length);
  progress.start(2 + fedCount + 1);

  progress.step('logging with the baseline policy');
  const logged = runPolicy(baselineTheta, { scenario, seed: options.seed, collect: true, ...policy });
  const clients = logged.logs;
  const pooled: Interaction[] = [...clients.values()].flat();
  const sizes = [...clients.values()].map((l) => l.length).sort((a, b) => a - b);
  const dom = dominance(logged.scenarios);
  const simulate = (theta: Float32Array) =>
    runPolicy(theta, { scenario, seed: options.evalSeed, catalogue: logged.catalogue, ...policy });
  const evaluate = (name: string, theta: Float32Array, extra: Partial<PolicyResult> = {}): PolicyResult => {
    const run = simulate(theta);
    return {
      name,
      reward: run.meanReward,
      completionRate: run.completionRate,
      clickRate: run.clickRate,
      offPolicy: offPolicyValue(theta, pooled, policy),
      ...extra,
    };
  };
  const baseline = evaluate('baseline (logging policy)', baselineTheta);

  progress.step('central training on the pooled data');
  const centralCurve: Array<[number, number]> = [];
  const centralTheta = trainCentral(baselineTheta, pooled, {
    epochs: options.centralEpochs,
    learningRate: 1,
    batchSize: 64,
    temperature: options.temperature,
    maxImportanceWeight: options.plan.maxImportanceWeight,
    seed: options.seed,
    onEpoch: (e, th) => {
      if (e % 5 === 0 || e === options.centralEpochs) centralCurve.push([e, simulate(th).meanReward]);
    },
  });
  const central = evaluate('central (pooled data)', centralTheta, { curve: centralCurve });

  const clientCount = clients.size;
  const expectedClients = options.samplingFraction * clientCount;
  const federated: PolicyResult[] = [];
  const fed = async (
    name: string,
    strategy: StrategySpec,
    extra: { dp?: EvalOptions['dp']; attack?: AttackName; fraction?: number; curve?: boolean } = {},
  ): Promise<PolicyResult> => {
    progress.step(name);
    const run = await trainFederated(baselineTheta, clients, {
      rounds: extra.dp?.rounds ?? options.rounds,
      samplingFraction: options.samplingFraction,
      strategy,
      plan: options.plan,
      dp: extra.dp,
      attack: extra.attack ? { kind: extra.attack, fraction: extra.fraction ?? 0 } : undefined,
      seed: options.seed + 1,
      curve: extra.curve ? { every: options.curveEvery, value: (th) => simulate(th).meanReward } : undefined,
    });
    return evaluate(name, run.theta, {
      epsilon: run.epsilon,
      curve: run.curve,
      roundsAggregated: run.roundsAggregated,
      clientsPerRound: run.meanClientsPerRound,
    });
  };

  const maxFraction = Math.max(0, ...options.attackFractions);
  federated.push(await fed('FedAvg', { name: 'fedavg' }, { curve: true }));
  federated.push(
    await fed(
      `DP-FedAvg (z = ${options.dp.noiseMultiplier})`,
      { name: 'fedavg' },
      { dp: options.dp, curve: true },
    ),
  );
  if (options.extras) {
    federated.push(await fed('FedAdam', { name: 'fedadam', eta: 0.05 }, { curve: true }));
    for (const r of options.robust) {
      federated.push(await fed(`${r} (no attack)`, robustSpec(r, expectedClients, maxFraction)));
    }
  }
  const attacks: AttackResult[] = [];
  for (const fraction of options.attackFractions) {
    for (const attack of options.attacks) {
      for (const s of ['fedavg', ...options.robust] as const) {
        const spec =
          s === 'fedavg' ? ({ name: 'fedavg' } as const) : robustSpec(s, expectedClients, fraction);
        const r = await fed(`${attack} ${Math.round(fraction * 100)} % vs ${s}`, spec, { attack, fraction });
        attacks.push({ attack, fraction, strategy: s, reward: r.reward });
      }
    }
  }
  progress.step('report');
  return {
    options,
    scenarioName: scenario.name,
    clients: clientCount,
    decisions: logged.decisions,
    medianDecisionsPerClient: sizes[sizes.length >> 1] ?? 0,
    clientDominantShare: dom.client,
    globalDominantShare: dom.global,
    baseline,
    central,
    federated,
    attacks,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (() => {
      const c = process.cpuUsage(cpu0);
      return (c.user + c.system) / 1e6;
    })(),
  };
}
