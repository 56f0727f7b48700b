/**
 * Training parley's three learners, the monolithic baseline and the
 * contextual bandit on the same budget: each iteration plays one exploring
 * episode per side on the same training seed (the first one is parley's
 * hand-tuned start, shared by all three), refits the models from everything
 * logged so far, then RL_EPISODES more episodes per side on the same seed,
 * each side learning from them its own way (parley's shared-reward policies
 * by policy gradient, the monolithic learner by logging them and refitting,
 * the bandit online as it plays); and measures the greedy policy on a
 * validation seed (the learning curves). Every episode a side learns from
 * is counted (TrainingBudget). Held-out test seeds are never seen here.
 */

import { deployAdLoad } from '../../learning/ad-load-policy';
import { inventoryPolicyDoc, ModelHolder, publishModel } from '../../learning/artifacts';
import type { ContextEstimator } from '../../learning/context-estimator';
import { SlotForecaster } from '../../learning/forecast';
import {
  fitContext,
  fitInventory,
  fitMonolithic,
  fitObjective,
  type LoggedDecision,
  type ServedAd,
} from '../../learning/learners';
import { LinUcb } from '../../learning/linucb';
import { MONOLITHIC_FEATURES, type MonolithicModel } from '../../learning/monolithic';
import type { ObjectivePolicy } from '../../learning/objective-policy';
import { deployOffer } from '../../learning/offer-policy';
import { SharedRl } from '../../learning/shared-rl';
import type { Tf } from '../../learning/tf';
import type { Campaign } from '../../services/common/catalogue/types';
import type { Logger } from '../../services/common/log';
import { baselinePolicy, LogisticPolicy, PolicyHolder } from '../../services/inventory/policy';
import type { TrafficProfile } from '../../services/objective/pacing';
import type { SimScenario } from '../scenario';
import { BanditArm, ExploreArm, MonolithicArm, type OfferCounts, ParleyArm, type ParleyModels } from './arms';
import { Env, type EnvOptions, type EpisodeResult, type Sample } from './env';

/** The bandit's exploration while it trains (its deployed one is chosen on validation, run.ts). */
export const BANDIT_TRAIN_ALPHA = 1;

/**
 * Episodes per iteration, per side, after the exploring one: parley's
 * on-policy episodes that train its shared-reward policies
 * (learning/shared-rl.ts), and as many for the monolithic learner (it logs
 * them, exploring with its current model, and refits) and the bandit (it
 * updates online as it plays).
 */
export const RL_EPISODES = 2;

export interface TrainOptions {
  tf: Tf;
  scenario: SimScenario;
  settings: EnvOptions['settings'];
  trainSeeds: number[];
  validationSeed: number;
  iterations: number;
  /** Cap on requests per episode (quick mode); 0 = whole horizon. */
  maxRequests: number;
  temperature: number;
  epsilon: number;
  /** Where versioned artifacts go ('' = do not write). */
  modelsDir: string;
  log?: Logger;
  onStep?: (what: string) => void;
}

export interface CurvePoint {
  iteration: number;
  /** Served ads logged so far (the training budget spent). */
  samples: number;
  jointReward: number;
  skipRate: number;
}

/** What the shared-reward learners did in training (counted, for the report). */
export interface RlTraining {
  episodes: number;
  /** Policy-gradient updates (one per batch of breaks) and the breaks they used. */
  updates: number;
  breaks: number;
  batch: number;
  /** Mean shared return per break over the training episodes. */
  meanReturn: number;
  /** Breaks per ad-load action over the training episodes (sampled). */
  adLoad: number[];
  /** What the inventory agent's offer policy did over the training episodes (sampled). */
  offers?: OfferCounts;
  /** The offer policy's learned θ, one weight per OFFER_FEATURES. */
  offerTheta?: number[];
  /** The offer policy's learned rank step (the logit lost per place down the supervised ranking). */
  offerRankStep?: number;
}

/** Training episodes one side played and learned from, counted as they were played. */
export interface SideBudget {
  /** Exploring episodes (the first iteration's is parley's hand-tuned start, one log shared by all three sides). */
  exploring: number;
  /** The further episodes of RL_EPISODES per iteration. */
  further: number;
}

export interface TrainingBudget {
  parley: SideBudget;
  monolithic: SideBudget;
  bandit: SideBudget;
}

export interface Trained {
  /** Parley with its shared-reward policies (the context agent's ad load, the objective agent's multiplier). */
  parley: ParleyModels;
  /** Parley as before them: the same inventory and context models, the off-policy objective multiplier, no ad-load policy. */
  parleyFixed: ParleyModels;
  rl: RlTraining;
  /** The episodes each side learned from. */
  budget: TrainingBudget;
  monolithic: ModelHolder<MonolithicModel>;
  /** The contextual bandit after its training episodes (clone it per episode). */
  bandit: LinUcb;
  forecaster: SlotForecaster;
  curves: { parley: CurvePoint[]; monolithic: CurvePoint[] };
  /** The logged exploration samples (for OPE). */
  exploreSamples: Sample[];
  wallMs: number;
  versions: { inventory: string; context: string; objective: string; monolithic: string };
}

const toServed = (s: Sample): ServedAd => ({
  contextX: s.contextX,
  ...(s.policyX ? { policyX: s.policyX } : {}),
  ...(s.monoX ? { monoX: s.monoX } : {}),
  skipped: s.skipped,
  completed: s.completed,
  clicked: s.clicked,
  reward: sampleReward(s),
});

/** An ad's shared reward: its per-ad terms plus its share of its break's long-term term. */
export const sampleReward = (s: Sample) => s.terms.reward + (s.longTerm ?? 0);

export function loggedDecisions(samples: readonly Sample[]): LoggedDecision[] {
  const out: LoggedDecision[] = [];
  for (const s of samples) {
    if (!s.firstOptions || s.podIndex !== 0) continue;
    const chosen = s.firstOptions.findIndex((o) => o.creativeId === s.creativeId);
    if (chosen < 0) continue;
    out.push({ chosen, reward: sampleReward(s), options: s.firstOptions });
  }
  return out;
}

export async function train(o: TrainOptions): Promise<Trained> {
  const t0 = performance.now();
  const { tf } = o;
  const inventory = new PolicyHolder(baselinePolicy());
  let context: ModelHolder<ContextEstimator> | null = null;
  let objective: ModelHolder<ObjectivePolicy> | null = null;
  let mono: ModelHolder<MonolithicModel> | null = null;
  const forecaster = new SlotForecaster(0.5);
  let invWeights: { skip: Float32Array; complete: Float32Array; engage: Float32Array } | null = null;
  const parleySamples: Sample[] = [];
  const monoSamples: Sample[] = [];
  const curves: Trained['curves'] = { parley: [], monolithic: [] };
  const bandit = new LinUcb(MONOLITHIC_FEATURES.length);
  const versions = {
    inventory: inventory.version,
    context: 'context-rules-v1',
    objective: 'pacing-rules-v1',
    monolithic: '',
  };
  const env = (seed: number, collect: boolean, forecast: boolean) => {
    const profiles = new Map<string, TrafficProfile>();
    const profile = (c: Campaign) => {
      let p = profiles.get(c.id);
      if (!p) {
        p = forecaster.profileFor(c);
        profiles.set(c.id, p);
      }
      return p;
    };
    return new Env({
      scenario: o.scenario,
      seed,
      settings: o.settings,
      maxRequests: o.maxRequests,
      collect,
      ...(forecast && forecaster.daysObserved > 0 ? { trafficProfile: profile } : {}),
    });
  };
  let rl: SharedRl | null = null;
  let rlObjective: ModelHolder<ObjectivePolicy> | null = null;
  const rlTraining: RlTraining = {
    episodes: 0,
    updates: 0,
    breaks: 0,
    batch: 0,
    meanReturn: 0,
    adLoad: [],
    offers: { proposals: 0, offered: 0, replaced: 0 },
  };
  const budget: TrainingBudget = {
    parley: { exploring: 0, further: 0 },
    monolithic: { exploring: 0, further: 0 },
    bandit: { exploring: 0, further: 0 },
  };
  const models = (): ParleyModels => ({ inventory, context, objective: rlObjective ?? objective, rl });
  const fixedModels = (): ParleyModels => ({ inventory, context, objective });

  for (let it = 1; it <= o.iterations; it++) {
    const seed = o.trainSeeds[(it - 1) % o.trainSeeds.length]!;
    // Parley: explore, log, refit each agent's model on its own.
    o.onStep?.(`iteration ${it}: parley explores (seed ${seed})`);
    const e1 = env(seed, true, true);
    const explored = await e1.run(new ExploreArm(fixedModels(), seed * 7 + it, o.temperature, o.epsilon));
    parleySamples.push(...e1.samples);
    budget.parley.exploring++;
    for (const s of e1.samples)
      if (s.podIndex === 0) forecaster.observe({ atMs: s.nowMs, scenario: s.scenario, country: s.country });
    forecaster.endDay(Math.max(1 / 24, (e1.sim.now() - o.scenario.startMs) / 86_400_000));
    const served = parleySamples.map(toServed);
    const ctx = await fitContext(tf, served, `context-learned-${it}`, context?.current() ?? null);
    context = new ModelHolder(ctx);
    const inv = await fitInventory(tf, served, invWeights);
    invWeights = inv;
    inventory.swap(new LogisticPolicy(`inventory-learned-${it}`, inv));
    const obj = await fitObjective(
      tf,
      loggedDecisions(parleySamples),
      `objective-learned-${it}`,
      {
        temperature: o.temperature,
        epsilon: o.epsilon,
      },
      objective?.current() ?? null,
    );
    objective = new ModelHolder(obj.policy);
    // The shared-reward policies: on-policy episodes of the negotiation, the objective's multiplier
    // starting from its first off-policy fit, then its own.
    rl ??= new SharedRl(obj.policy.theta);
    for (let k = 0; k < RL_EPISODES; k++) {
      o.onStep?.(`iteration ${it}: parley learns from the shared reward (seed ${seed}, episode ${k + 1})`);
      const arm = new ParleyArm(models(), { trainRl: { seed: seed * 13 + it * 101 + k } });
      await env(seed, false, true).run(arm);
      arm.flush();
      rlTraining.episodes++;
      budget.parley.further++;
      rlTraining.adLoad = arm.adLoad.map((n, a) => n + (rlTraining.adLoad[a] ?? 0));
      addOffers(rlTraining.offers!, arm.offers);
      rlObjective = new ModelHolder(rl.value.policy(`objective-shared-rl-${it}.${k + 1}`));
    }
    o.log?.debug('parley refit', {
      it,
      explored: explored.jointReward,
      objectiveBefore: obj.before,
      objectiveAfter: obj.estimate,
    });

    // Monolithic and bandit: the same budget (one exploring episode on the same seed and a refit, then
    // RL_EPISODES more on it), the same pacing, and the same start: the first iteration's data is
    // parley's own log, played by the hand-tuned baseline agents (ExploreArm logs the monolithic rows too).
    o.onStep?.(`iteration ${it}: monolithic explores (seed ${seed})`);
    if (it === 1) monoSamples.push(...e1.samples);
    else {
      const e2 = env(seed, true, true);
      await e2.run(
        new MonolithicArm(mono, { seed: seed * 11 + it, temperature: o.temperature, epsilon: o.epsilon }),
      );
      monoSamples.push(...e2.samples);
    }
    budget.monolithic.exploring++;
    const fitMono = async (version: string) =>
      new ModelHolder(await fitMonolithic(tf, monoSamples.map(toServed), version, 400, it));
    mono = await fitMono(`monolithic-${it}.0`);
    for (let k = 0; k < RL_EPISODES; k++) {
      o.onStep?.(`iteration ${it}: monolithic plays its policy (seed ${seed}, episode ${k + 1})`);
      const e = env(seed, true, true);
      const explore = { seed: seed * 13 + it * 101 + k, temperature: o.temperature, epsilon: o.epsilon };
      await e.run(new MonolithicArm(mono, explore));
      monoSamples.push(...e.samples);
      budget.monolithic.further++;
    }
    if (RL_EPISODES > 0) mono = await fitMono(`monolithic-${it}`);
    o.onStep?.(`iteration ${it}: bandit explores (seed ${seed})`);
    if (it === 1) {
      for (const x of e1.samples) if (x.monoX) bandit.update(x.monoX, x.terms.reward);
    } else await env(seed, false, true).run(new BanditArm(bandit, BANDIT_TRAIN_ALPHA));
    budget.bandit.exploring++;
    for (let k = 0; k < RL_EPISODES; k++) {
      o.onStep?.(`iteration ${it}: bandit plays its policy (seed ${seed}, episode ${k + 1})`);
      await env(seed, false, true).run(new BanditArm(bandit, BANDIT_TRAIN_ALPHA));
      budget.bandit.further++;
    }

    // Learning curves: greedy policies on the (first) validation seed.
    o.onStep?.(`iteration ${it}: validation`);
    const vp = await env(o.validationSeed, false, true).run(new ParleyArm(models()));
    const vm = await env(o.validationSeed, false, true).run(new MonolithicArm(mono, null));
    curves.parley.push(point(it, parleySamples.length, vp));
    curves.monolithic.push(point(it, monoSamples.length, vm));
  }
  versions.inventory = inventory.version;
  versions.context = context?.version ?? versions.context;
  versions.objective = (rlObjective ?? objective)?.version ?? versions.objective;
  versions.monolithic = mono?.version ?? '';
  if (o.modelsDir && invWeights && context && objective && mono) {
    publishModel(o.modelsDir, 'inventory', inventoryPolicyDoc(inventory.version, invWeights));
    publishModel(o.modelsDir, 'context', context.current().toJSON());
    publishModel(o.modelsDir, 'objective', (rlObjective ?? objective).current().toJSON());
    publishModel(o.modelsDir, 'monolithic', mono.current().toJSON());
    publishModel(o.modelsDir, 'forecast', forecaster.toJSON(`forecast-${o.iterations}`));
    // The shared-reward policies of the context and inventory agents, in the forms they deploy
    // (the objective agent's is the objective model above, ValueScalePolicy's mean).
    if (rl) {
      publishModel(
        o.modelsDir,
        'ad-load',
        deployAdLoad(rl.adLoad, `ad-load-shared-rl-${o.iterations}`).toJSON(),
      );
      publishModel(o.modelsDir, 'offer', deployOffer(rl.offer, `offer-shared-rl-${o.iterations}`).toJSON());
    }
  }
  if (rl) {
    rlTraining.updates = rl.learner.stats.updates;
    rlTraining.breaks = rl.learner.stats.steps;
    rlTraining.batch = rl.batch;
    rlTraining.meanReturn = rl.learner.stats.meanReturn;
    rlTraining.offerTheta = Array.from(rl.offer.theta);
    rlTraining.offerRankStep = rl.offer.rankStep;
  }
  return {
    parley: models(),
    parleyFixed: fixedModels(),
    rl: rlTraining,
    budget,
    monolithic: mono!,
    bandit,
    forecaster,
    curves,
    exploreSamples: parleySamples,
    wallMs: performance.now() - t0,
    versions,
  };
}

/** Adds `b`'s counts into `a`. */
export function addOffers(a: OfferCounts, b: OfferCounts): void {
  a.proposals += b.proposals;
  a.offered += b.offered;
  a.replaced += b.replaced;
}

function point(iteration: number, samples: number, r: EpisodeResult): CurvePoint {
  return { iteration, samples, jointReward: r.jointReward, skipRate: r.skipRate };
}
