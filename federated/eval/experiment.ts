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
 * 5. All of it is repeated for `seeds` replicates (replicate i logs with
 *    seed + 101·i, trains with its own sampling and noise draws and is
 *    evaluated on evalSeed + 101·i), so that every arm has one reward per
 *    replicate and the report can give intervals over them. Every federated
 *    arm runs the same number of rounds; the DP arms share one noise
 *    multiplier, the least that keeps those rounds within the target ε.
 */

import type { Scenario } from '../../services/common/domain/types';
import { loadScenarioFile, type SimScenario } from '../../sim';
import type { StrategySpec } from '../aggregator/strategy-config';
import { DEFAULT_PLAN, type TrainingPlan } from '../client/learner';
import { baselineVector } from '../client/model';
import { type Interaction, offPolicyValue } from '../client/reinforce';
import { noiseMultiplierFor } from '../privacy/rdp';
import { runPolicy } from './simulate';
import { type AttackName, trainCentral, trainCentralDp, trainFederated } from './train';

export interface EvalOptions {
  scenarioPath: string;
  days: number;
  seed: number;
  evalSeed: number;
  /** Replicates: every arm is trained and evaluated once per replicate. */
  seeds: number;
  /** Rounds of every federated arm (and steps of central DP-SGD). */
  rounds: number;
  samplingFraction: number;
  temperature: number;
  candidates: number;
  plan: TrainingPlan;
  centralEpochs: number;
  /** DP target for DP-FedAvg and central DP-SGD: z is calibrated to spend at most ε over `rounds`. */
  dp: { targetEpsilon: number; delta: number };
  /** Central DP-SGD's step: learning rate × a user's mean gradient, clipped to clipNorm. */
  centralDp: { learningRate: number; clipNorm: number };
  /** Shares of malicious clients to try (each attack × each share). */
  attackFractions: number[];
  attacks: AttackName[];
  robust: StrategySpecName[];
  /** Also run FedAdam and the robust strategies on clean data. */
  extras: boolean;
  /** Curve points every this many rounds (first replicate only). */
  curveEvery: number;
}

export type StrategySpecName = 'median' | 'trimmed-mean' | 'multi-krum';

export const FULL: Omit<EvalOptions, 'scenarioPath'> = {
  days: 3,
  seed: 42,
  evalSeed: 4242,
  seeds: 10,
  rounds: 100,
  samplingFraction: 0.1,
  temperature: 0.1,
  candidates: 6,
  plan: { ...DEFAULT_PLAN, learningRate: 3, localEpochs: 3, clipNorm: 0.5 },
  centralEpochs: 20,
  dp: { targetEpsilon: 8, delta: 1e-5 },
  centralDp: { learningRate: 10, clipNorm: 0.5 },
  attackFractions: [0.2],
  attacks: ['sign-flip', 'scaled', 'alie'],
  robust: ['median', 'trimmed-mean', 'multi-krum'],
  extras: true,
  curveEvery: 10,
};

export const QUICK: Omit<EvalOptions, 'scenarioPath'> = {
  ...FULL,
  days: 0.5,
  seeds: 3,
  rounds: 10,
  centralEpochs: 3,
  attackFractions: [0.2],
  attacks: ['scaled'],
  robust: ['median'],
  extras: false,
  curveEvery: 5,
};

/** What an arm is, for the checks (names are for people). */
export type ArmId =
  | 'baseline'
  | 'central'
  | 'central-dp'
  | 'fedavg'
  | 'dp-fedavg'
  | 'fedadam'
  | `clean:${StrategySpecName}`
  | `attack:${AttackName}:${number}:${'fedavg' | StrategySpecName}`;

export interface PolicyResult {
  /** Mean reward per decision on the held-out simulation. */
  reward: number;
  completionRate: number;
  clickRate: number;
  /** Off-policy value on the logged data. */
  offPolicy: number;
  /** Cumulative ε at δ (DP arms). */
  epsilon?: number;
  /** [round, simulated reward] points (federated) or [epoch, simulated reward] (central); first replicate only. */
  curve?: Array<[number, number]>;
  roundsAggregated?: number;
  clientsPerRound?: number;
}

export interface Arm {
  id: ArmId;
  name: string;
  /** One result per replicate, in replicate order. */
  runs: PolicyResult[];
  attack?: { attack: AttackName; fraction: number; strategy: 'fedavg' | StrategySpecName };
}

export interface ReplicateData {
  loggingSeed: number;
  evalSeed: number;
  clients: number;
  decisions: number;
  medianDecisionsPerClient: number;
  /** Mean over clients of the share of their decisions in their most frequent scenario. */
  clientDominantShare: number;
  /** Share of the most frequent scenario over all decisions. */
  globalDominantShare: number;
}

export interface EvalResult {
  options: EvalOptions;
  scenarioName: string;
  replicates: ReplicateData[];
  /** The noise multiplier both DP arms use (calibrated to options.dp over options.rounds at q). */
  noiseMultiplier: number;
  arms: Arm[];
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

/** The arms of one replicate, in report order, with how to train each (null: not trained). */
interface ArmPlan {
  id: ArmId;
  name: string;
  strategy?: StrategySpec;
  dp?: boolean;
  curve?: boolean;
  attack?: Arm['attack'];
}

function armPlans(o: EvalOptions, z: number, expectedClients: number): ArmPlan[] {
  const plans: ArmPlan[] = [
    { id: 'baseline', name: 'baseline (logging policy)' },
    { id: 'central', name: 'central (pooled data)' },
    { id: 'central-dp', name: `central DP-SGD (z = ${z.toFixed(3)})` },
    { id: 'fedavg', name: 'FedAvg', strategy: { name: 'fedavg' }, curve: true },
    {
      id: 'dp-fedavg',
      name: `DP-FedAvg (z = ${z.toFixed(3)})`,
      strategy: { name: 'fedavg' },
      dp: true,
      curve: true,
    },
  ];
  const maxFraction = Math.max(0, ...o.attackFractions);
  if (o.extras) {
    plans.push({ id: 'fedadam', name: 'FedAdam', strategy: { name: 'fedadam', eta: 0.05 }, curve: true });
    for (const r of o.robust) {
      plans.push({
        id: `clean:${r}`,
        name: `${r} (no attack)`,
        strategy: robustSpec(r, expectedClients, maxFraction),
      });
    }
  }
  for (const fraction of o.attackFractions) {
    for (const attack of o.attacks) {
      for (const s of ['fedavg', ...o.robust] as const) {
        plans.push({
          id: `attack:${attack}:${fraction}:${s}`,
          name: `${attack} ${Math.round(fraction * 100)} % vs ${s}`,
          strategy: s === 'fedavg' ? { name: 'fedavg' } : robustSpec(s, expectedClients, fraction),
          attack: { attack, fraction, strategy: s },
        });
      }
    }
  }
  return plans;
}

export async function runEvaluation(options: EvalOptions, progress: Progress): Promise<EvalResult> {
  if (!Number.isInteger(options.seeds) || options.seeds < 2) {
    throw new RangeError(
      `seeds must be an integer >= 2 (intervals need two replicates), got ${options.seeds}`,
    );
  }
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const scenario: SimScenario = { ...loadScenarioFile(options.scenarioPath), days: options.days };
  const policy = { temperature: options.temperature, candidates: options.candidates };
  const baselineTheta = baselineVector();
  const z = noiseMultiplierFor({
    targetEpsilon: options.dp.targetEpsilon,
    delta: options.dp.delta,
    samplingRate: options.samplingFraction,
    rounds: options.rounds,
  });
  let arms: Arm[] = [];
  const replicates: ReplicateData[] = [];
  for (let rep = 0; rep < options.seeds; rep++) {
    const loggingSeed = options.seed + 101 * rep;
    const evalSeed = options.evalSeed + 101 * rep;
    const trainSeed = loggingSeed + 1;
    const logged = runPolicy(baselineTheta, { scenario, seed: loggingSeed, collect: true, ...policy });
    const clients = logged.logs;
    const pooled: Interaction[] = [...clients.values()].flat();
    const sizes = [...clients.values()].map((l) => l.length).sort((a, b) => a - b);
    const dom = dominance(logged.scenarios);
    replicates.push({
      loggingSeed,
      evalSeed,
      clients: clients.size,
      decisions: logged.decisions,
      medianDecisionsPerClient: sizes[sizes.length >> 1] ?? 0,
      clientDominantShare: dom.client,
      globalDominantShare: dom.global,
    });
    const expectedClients = options.samplingFraction * clients.size;
    const plans = armPlans(options, z, expectedClients);
    if (rep === 0) {
      arms = plans.map((p) => ({
        id: p.id,
        name: p.name,
        runs: [],
        ...(p.attack ? { attack: p.attack } : {}),
      }));
      progress.start(options.seeds * plans.length);
    }
    const simulate = (theta: Float32Array) =>
      runPolicy(theta, { scenario, seed: evalSeed, catalogue: logged.catalogue, ...policy });
    const evaluate = (theta: Float32Array, extra: Partial<PolicyResult> = {}): PolicyResult => {
      const run = simulate(theta);
      return {
        reward: run.meanReward,
        completionRate: run.completionRate,
        clickRate: run.clickRate,
        offPolicy: offPolicyValue(theta, pooled, policy),
        ...extra,
      };
    };
    const curves = rep === 0;
    for (const [k, plan] of plans.entries()) {
      progress.step(`replicate ${rep + 1}/${options.seeds}: ${plan.name}`);
      let result: PolicyResult;
      if (plan.id === 'baseline') {
        result = evaluate(baselineTheta);
      } else if (plan.id === 'central') {
        const curve: Array<[number, number]> = [];
        const theta = trainCentral(baselineTheta, pooled, {
          epochs: options.centralEpochs,
          learningRate: 1,
          batchSize: 64,
          temperature: options.temperature,
          maxImportanceWeight: options.plan.maxImportanceWeight,
          seed: trainSeed,
          onEpoch: (e, th) => {
            if (curves && (e % 5 === 0 || e === options.centralEpochs))
              curve.push([e, simulate(th).meanReward]);
          },
        });
        result = evaluate(theta, curves ? { curve } : {});
      } else if (plan.id === 'central-dp') {
        const run = trainCentralDp(baselineTheta, clients, {
          steps: options.rounds,
          samplingRate: options.samplingFraction,
          noiseMultiplier: z,
          clipNorm: options.centralDp.clipNorm,
          learningRate: options.centralDp.learningRate,
          temperature: options.temperature,
          maxImportanceWeight: options.plan.maxImportanceWeight,
          delta: options.dp.delta,
          seed: trainSeed,
        });
        result = evaluate(run.theta, { epsilon: run.epsilon });
      } else {
        const run = await trainFederated(baselineTheta, clients, {
          rounds: options.rounds,
          samplingFraction: options.samplingFraction,
          strategy: plan.strategy!,
          plan: options.plan,
          dp: plan.dp ? { noiseMultiplier: z, delta: options.dp.delta } : undefined,
          attack: plan.attack ? { kind: plan.attack.attack, fraction: plan.attack.fraction } : undefined,
          seed: trainSeed,
          curve:
            curves && plan.curve
              ? { every: options.curveEvery, value: (th) => simulate(th).meanReward }
              : undefined,
        });
        result = evaluate(run.theta, {
          ...(plan.dp ? { epsilon: run.epsilon } : {}),
          ...(curves && plan.curve ? { curve: run.curve } : {}),
          roundsAggregated: run.roundsAggregated,
          clientsPerRound: run.meanClientsPerRound,
        });
      }
      arms[k]!.runs.push(result);
    }
  }
  return {
    options,
    scenarioName: scenario.name,
    replicates,
    noiseMultiplier: z,
    arms,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (() => {
      const c = process.cpuUsage(cpu0);
      return (c.user + c.system) / 1e6;
    })(),
  };
}
