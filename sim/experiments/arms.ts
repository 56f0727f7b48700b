/**
 * The arms the evaluation compares. All of them see the same eligible
 * candidates (hard eligibility, budgets, caps, pacing) and commit through
 * the objective agent; they differ in how they pick:
 *
 *   random       uniformly among the eligible
 *   price-first  highest eCPM first (what a price-first ad server does)
 *   monolithic   one MLP predicting the shared reward from all inputs
 *   bandit       LinUCB over the same inputs, learning online from the shared reward
 *   parley       the three agents negotiating through the broker's decide(),
 *                optionally with more critics (ParleyArmOptions.critics: the brand-safety agent)
 *   explore      parley's agents with softmax exploration and logged
 *                propensities (the training / OPE logging policy)
 */

import type { ModelHolder } from '../../learning/artifacts';
import { LiftValuer } from '../../learning/brand-lift';
import type { ContextEstimator } from '../../learning/context-estimator';
import type { LinUcb } from '../../learning/linucb';
import { type MonolithicModel, monolithicFeatures } from '../../learning/monolithic';
import { type CampaignState, type ObjectivePolicy, objectiveFeatures } from '../../learning/objective-policy';
import { type ConsumeSummary, consumeOnce, type OnlineLearner } from '../../learning/online';
import {
  AD_LOAD_ACTIONS,
  adLoadFeatures,
  criticFeatures,
  OFFER_POOL,
  offerFeatures,
  type SharedRl,
  type Step,
} from '../../learning/shared-rl';
import { critique as brandSafetyCritique } from '../../services/brand-safety/critique';
import type { ExplorationSettings } from '../../services/broker/explore';
import { FallbackCache } from '../../services/broker/fallbacks';
import { decide, type NegotiationDeps } from '../../services/broker/negotiation';
import { type CriticPort, type NegotiationAgents, specOf } from '../../services/broker/ports';
import { utilityOf } from '../../services/broker/utility';
import type { UtilityWeights } from '../../services/common/config';
import { DEFAULT_REGISTRY } from '../../services/common/config';
import type { Candidate, CandidateValue, Slot, Snapshot } from '../../services/common/domain/types';
import { agentNamed, loadRegistry } from '../../services/common/registry';
import { type Rng, seededRng } from '../../services/common/rng';
import type { InventoryAgentOptions } from '../../services/inventory/agent';
import { type PolicyHolder, policyFeatures } from '../../services/inventory/policy';
import { critiqueOf } from '../../services/objective/agent';
import type { SurveyResult } from '../lift';
import { skipProbability } from '../response';
import type { SimRequest } from '../simulator';
import type { AdLog, Arm, Choice, Env } from './env';

const TIER_RANK = { sponsorship: 0, standard: 1, house: 2 } as const;

/** Sorts by priority tier (sponsorship, standard, house), then by score (high first), then id. */
export function tierThenScore<T extends { c: Candidate; s: number }>(xs: T[]): T[] {
  return xs.sort(
    (a, b) =>
      TIER_RANK[a.c.tier] - TIER_RANK[b.c.tier] || b.s - a.s || (a.c.creativeId < b.c.creativeId ? -1 : 1),
  );
}

/** Greedy pod fill in the given order: max ads, total length, one ad per advertiser / separation key. */
export function fillPod(ordered: readonly Candidate[], slot: Slot): Candidate[] {
  const pod: Candidate[] = [];
  let used = 0;
  for (const c of ordered) {
    if (pod.length >= slot.maxAds) break;
    if (used + c.durationMs > slot.maxTotalDurationMs) continue;
    if (pod.some((p) => clash(p, c))) continue;
    pod.push(c);
    used += c.durationMs;
  }
  return pod;
}

function clash(a: Candidate, b: Candidate): boolean {
  if (a.advertiserId === b.advertiserId) return true;
  const keys = new Set(a.separationCategories.map((k) => k.toLowerCase()));
  return b.separationCategories.some((k) => keys.has(k.toLowerCase()));
}

/**
 * Samples a pod ad by ad: each pick among the candidates that still fit, with
 * probability ∝ (1 − ε) · softmax(score / τ) + ε / n. Returns the pod and the
 * first pick's distribution (its propensity is that of the chosen one).
 */
export function samplePod(
  cands: readonly Candidate[],
  scores: readonly number[],
  slot: Slot,
  rng: Rng,
  temperature: number,
  epsilon: number,
): { pod: Candidate[]; first: Array<{ index: number; p: number }>; firstIndex: number } {
  const pod: Candidate[] = [];
  let used = 0;
  let first: Array<{ index: number; p: number }> = [];
  let firstIndex = -1;
  const taken = new Set<number>();
  while (pod.length < slot.maxAds) {
    const open: number[] = [];
    cands.forEach((c, i) => {
      if (!taken.has(i) && used + c.durationMs <= slot.maxTotalDurationMs && !pod.some((p) => clash(p, c)))
        open.push(i);
    });
    if (open.length === 0) break;
    const top = Math.max(...open.map((i) => scores[i]!));
    const soft = open.map((i) => Math.exp((scores[i]! - top) / temperature));
    const sum = soft.reduce((a, b) => a + b, 0);
    const probs = soft.map((s) => (1 - epsilon) * (s / sum) + epsilon / open.length);
    let u = rng.next();
    let k = 0;
    while (k < probs.length - 1 && u >= probs[k]!) u -= probs[k++]!;
    const pick = open[k]!;
    if (pod.length === 0) {
      first = open.map((index, j) => ({ index, p: probs[j]! }));
      firstIndex = pick;
    }
    taken.add(pick);
    pod.push(cands[pick]!);
    used += cands[pick]!.durationMs;
  }
  return { pod, first, firstIndex };
}

async function rulesSnapshot(req: SimRequest, env: Env): Promise<Snapshot> {
  return env.context.assess(req.signals, req.nowMs);
}

export class RandomArm implements Arm {
  readonly name = 'random';
  private readonly rng: Rng;
  constructor(seed: number) {
    this.rng = seededRng(seed);
  }
  async choose(req: SimRequest, env: Env): Promise<Choice> {
    const snapshot = await rulesSnapshot(req, env);
    const elig = await env.eligibleCandidates(req, snapshot);
    const keyed = tierThenScore(elig.map((e) => ({ c: e.candidate, s: this.rng.next() })));
    const ads = await env.commit(
      req,
      fillPod(
        keyed.map((x) => x.c),
        req.slot,
      ),
    );
    return { ads, snapshot, contextX: snapshot.features };
  }
}

export class PriceFirstArm implements Arm {
  readonly name = 'price-first';
  async choose(req: SimRequest, env: Env): Promise<Choice> {
    const snapshot = await rulesSnapshot(req, env);
    const elig = await env.eligibleCandidates(req, snapshot);
    const ordered = tierThenScore(elig.map((e) => ({ c: e.candidate, s: e.candidate.priceMicros })));
    const ads = await env.commit(
      req,
      fillPod(
        ordered.map((x) => x.c),
        req.slot,
      ),
    );
    return { ads, snapshot, contextX: snapshot.features };
  }
}

/** The learned models parley's agents run with (null = the agent's rules). */
export interface ParleyModels {
  inventory: PolicyHolder;
  context: ModelHolder<ContextEstimator> | null;
  objective: ModelHolder<ObjectivePolicy> | null;
  /**
   * The policies learned from the shared reward (learning/shared-rl.ts): the
   * context agent's ad load per break; the objective agent's value multiplier
   * (deployed as `objective`, its mean). Null = the ad load is not decided (as many as fit).
   */
  rl?: SharedRl | null;
}

/** Per break while training: the objective agent's sampled multiplier per campaign. */
type Sampler = (campaignId: string, phi: Float32Array) => number;

/**
 * The inventory agent's offer policy on one proposal: from its pool (its
 * supervised ranking's first OFFER_POOL × k, held-out campaigns removed) the
 * k candidates it offers.
 */
type Offer = (pool: Candidate[], k: number, round: number) => Promise<Candidate[]>;

/** What the inventory agent's offer policy did: proposals it chose in (pool larger than k), candidates offered, of them from outside the supervised shortlist. */
export interface OfferCounts {
  proposals: number;
  offered: number;
  replaced: number;
}

/**
 * Applies the learned bid multiplier, and the brand-lift multiplier of
 * awareness campaigns (learning/brand-lift.ts), on top of the objective agent's values.
 */
async function adjustValues(
  env: Env,
  values: CandidateValue[],
  candidates: Candidate[],
  policy: ObjectivePolicy | null,
  lift: LiftValuer | null = null,
  sampler: Sampler | null = null,
) {
  if (!policy && !lift && !sampler) return values;
  const states = new Map<string, CampaignState>();
  const out: CandidateValue[] = [];
  for (const v of values) {
    const c = candidates.find((x) => x.creativeId === v.creativeId);
    if (!v.eligible || !c) {
      out.push(v);
      continue;
    }
    const campaign = env.catalogue.campaigns.get(c.campaignId)!;
    let m = lift ? lift.multiplier(campaign.id, campaign.goal) : 1;
    if (policy || sampler) {
      let s = states.get(c.campaignId);
      if (!s) {
        s = await env.campaignState(campaign);
        states.set(c.campaignId, s);
      }
      m *= sampler ? sampler(c.campaignId, objectiveFeatures(s)) : policy!.multiplier(s);
    }
    out.push({ ...v, advertiserValue: Math.min(2, Math.max(0, v.advertiserValue * m)) });
  }
  return out;
}

/** The registry's agents (services/agents.yaml) as the negotiation knows them. */
const REGISTRY = loadRegistry(DEFAULT_REGISTRY, {}, '127.0.0.1');
const spec = (name: string) => specOf(agentNamed(REGISTRY, name));

/** The agents as the broker's ports, in-process. */
export function parleyPorts(
  env: Env,
  models: ParleyModels,
  seen: { rules: Snapshot | null },
  weights: UtilityWeights = env.settings.weights,
  remember?: InventoryAgentOptions['remember'],
  lift: LiftValuer | null = null,
  sampler: Sampler | null = null,
  offer: Offer | null = null,
): NegotiationAgents {
  const inventory = env.inventoryAgent(models.inventory, weights, remember);
  const objective = spec('objective');
  return {
    context: {
      spec: spec('context'),
      assess: async (signals) => {
        // Assessed once per break: the context agent may have assessed it already (its ad-load decision).
        const rules = seen.rules ?? (await env.context.assess(signals, env.now));
        seen.rules = rules;
        return models.context ? models.context.current().apply(rules) : rules;
      },
    },
    proposers: [
      {
        spec: spec('inventory'),
        // The listener's held-out campaigns are out, as the ad server's hold-out assignment says (env.heldOut).
        // With an offer policy the agent ranks a pool OFFER_POOL times the shortlist and offers k of it.
        propose: async (input) => {
          const k = input.shortlistSize;
          const proposal = inventory.propose(
            offer ? { ...input, shortlistSize: OFFER_POOL * k } : input,
            env.now,
          );
          const pool =
            env.heldOut.size === 0
              ? proposal.candidates
              : proposal.candidates.filter((c) => !env.heldOut.has(c.campaignId));
          if (!offer) return { ...proposal, candidates: pool };
          const offered = await offer(pool, k, input.round);
          return {
            ...proposal,
            candidates: offered,
            exhausted: proposal.exhausted && offered.length === pool.length,
          };
        },
      },
    ],
    critics: [
      {
        spec: objective,
        critique: async (input) => {
          const counter = await env.objective.evaluate({
            requestId: input.requestId,
            round: input.round,
            sessionId: input.signals.sessionId,
            context: input.context,
            candidates: input.candidates,
          });
          const values = await adjustValues(
            env,
            counter.values,
            input.candidates,
            models.objective?.current() ?? null,
            lift,
            sampler,
          );
          return critiqueOf({ ...counter, values });
        },
      },
    ],
    committer: {
      spec: objective,
      commit: async (input) => env.objective.commit(input),
      release: async (requestId, ids) => env.objective.release(requestId, ids),
    },
  };
}

/** One more critic of the negotiation, in process: built for an episode's environment. */
export type ArmCritic = (env: Env) => CriticPort;

/**
 * The brand-safety agent (services/brand-safety) as a critic of the
 * negotiation, as its registry entry describes it (share, fail-small
 * default, term); its weight is the utility term's (ParleyArmOptions.weights).
 */
export const brandSafetyCritic: ArmCritic = (env) => ({
  spec: spec('brand-safety'),
  critique: async (input) => brandSafetyCritique(input, env.catalogue),
});

function policyLogs(env: Env, pod: readonly Candidate[], snapshot: Snapshot, slot: Slot): AdLog[] {
  return pod.map((c) => ({
    policyX: policyFeatures(env.catalogue.creatives.get(c.creativeId)!, snapshot, slot),
  }));
}

export interface ParleyArmOptions {
  /** Overrides the utility weights the agents decide with (a sensitivity check). */
  weights?: UtilityWeights;
  name?: string;
  /** The broker's exploration, as in production (services/broker/explore.ts). */
  exploration?: ExplorationSettings;
  /** The broker's ad-load floor on joint utility (NegotiationSettings.minUtility). */
  minUtility?: number;
  /** More critics of the negotiation than the objective agent, e.g. [brandSafetyCritic]. */
  critics?: ArmCritic[];
  /**
   * The inventory agent's online learner, as `npm start` runs it: it reads
   * the outcome log (consumer group ONLINE_GROUP) before each decision,
   * takes guarded steps and hot-swaps models.inventory.
   */
  online?: OnlineLearner;
  /** The objective agent values awareness campaigns by their published brand lift (default true; false = the ablation without it). */
  liftReward?: boolean;
  /** The inventory agent's offer policy (with models.rl; default true; false = its ranking's first k of the same pool, the ablation). */
  offerPolicy?: boolean;
  /**
   * Train models.rl on this episode (learning/shared-rl.ts): the agents
   * sample their actions and update every `rl.batch` breaks from the shared
   * reward, this seed for their draws. Without it they act greedily.
   */
  trainRl?: { seed: number };
}

/** The consumer group the online learner reads the episode's outcome log with. */
const ONLINE_GROUP = 'inventory-online';

/**
 * Parley's agents negotiating through the broker's decide(). The reward is
 * always measured with the environment's weights.
 */
export class ParleyArm implements Arm {
  readonly name: string;
  /** Online learning steps taken (with `online`). */
  readonly steps: ConsumeSummary = { accepted: 0, rejected: 0, rolledBack: 0 };
  /** The objective agent's brand-lift valuation, learned within the episode from the published surveys (null = off). */
  readonly lift: LiftValuer | null;
  /** Breaks per ad-load action (AD_LOAD_ACTIONS), with models.rl. */
  readonly adLoad: number[] = AD_LOAD_ACTIONS.map(() => 0);
  /** What the inventory agent's offer policy did, with models.rl. */
  readonly offers: OfferCounts = { proposals: 0, offered: 0, replaced: 0 };
  private readonly rng: Rng;
  /** Breaks played while training, waiting for their long-term term. */
  private readonly pending = new Map<string, Omit<Step, 'reward'>>();
  private batch: Step[] = [];
  constructor(
    private readonly models: ParleyModels,
    private readonly opts: ParleyArmOptions = {},
  ) {
    this.name = opts.name ?? 'parley';
    this.lift = opts.liftReward === false ? null : new LiftValuer();
    this.rng = seededRng(opts.trainRl?.seed ?? 1);
  }

  observeBreak(requestId: string, reward: number): void {
    const rl = this.models.rl;
    const p = this.pending.get(requestId);
    if (!rl || !p) return;
    this.pending.delete(requestId);
    this.batch.push({ ...p, reward });
    if (this.batch.length >= rl.batch) this.flush();
  }

  /** Updates the policies from the breaks collected since the last update (the end of a training episode). */
  flush(): void {
    if (this.models.rl && this.batch.length > 0) this.models.rl.learner.update(this.batch);
    this.batch = [];
  }

  observeSurvey(result: SurveyResult): void {
    this.lift?.observe(result);
  }

  /** What the inventory agent's online loop does between decisions (learning/online.ts). */
  private async learn(env: Env, learner: OnlineLearner): Promise<void> {
    const holder = this.models.inventory;
    await consumeOnce(
      { feed: env.outcomes, group: ONLINE_GROUP, consumer: 'sim', learner, holder, batch: 10_000 },
      this.steps,
    );
  }

  async choose(req: SimRequest, env: Env): Promise<Choice> {
    const online = this.opts.online;
    if (online) await this.learn(env, online);
    const seen: { rules: Snapshot | null } = { rules: null };
    const weights = this.opts.weights ?? env.settings.weights;
    const remember = online ? online.rememberDecision.bind(online) : undefined;
    // The context agent's ad load for this break, from its own snapshot only.
    const rl = this.models.rl ?? null;
    const training = rl && this.opts.trainRl ? rl : null;
    // undefined = not decided here (the arm's minUtility option); null = no floor.
    let floor: number | null | undefined;
    let finish: (() => Omit<Step, 'reward'>) | null = null;
    let sampler: Sampler | null = null;
    let offer: Offer | null = null;
    if (rl) {
      seen.rules = await env.context.assess(req.signals, env.now);
      const snap = this.models.context ? this.models.context.current().apply(seen.rules) : seen.rules;
      const x = adLoadFeatures(snap);
      const a = training ? rl.adLoad.sample(x, this.rng) : rl.adLoad.greedy(x);
      floor = AD_LOAD_ACTIONS[a]!;
      this.adLoad[a]!++;
      const gInv = new Float64Array(rl.offer.theta.length);
      const gRank = new Float64Array(1);
      let invChose = false;
      // The critic's state: the campaigns of the inventory's first pool, before any agent acts in the break.
      const poolPhis: Float32Array[] = [];
      offer = async (pool, k, round) => {
        if (training && round === 1) poolPhis.push(...(await campaignPhis(env, pool)));
        // Without the offer policy (the ablation): the ranking's first k, as the shortlist would be.
        if (this.opts.offerPolicy === false) return pool.slice(0, k);
        if (pool.length <= k) return pool;
        const zs = pool.map((c) => offerFeatures(c, env.settings.revenueScaleMicros));
        const picks = training ? rl.offer.sample(zs, k, this.rng, gInv, gRank) : rl.offer.greedy(zs, k);
        invChose ||= training !== null;
        this.offers.proposals++;
        this.offers.offered += picks.length;
        this.offers.replaced += picks.filter((i) => i >= k).length;
        return picks.map((i) => pool[i]!);
      };
      if (training) {
        const gCtx = new Float64Array(rl.adLoad.theta.length);
        rl.adLoad.addGradLogP(x, a, gCtx);
        const gObj = new Float64Array(rl.value.theta.length);
        const phis: Float32Array[] = [];
        const drawn = new Map<string, number>();
        sampler = (campaignId, phi) => {
          let m = drawn.get(campaignId);
          if (m === undefined) {
            m = rl.value.sample(phi, this.rng, gObj);
            drawn.set(campaignId, m);
            phis.push(phi);
          }
          return m;
        };
        // Completed after the negotiation: the agents' draws and the critic's state.
        finish = () => {
          const grads: Record<string, Float64Array> = { context: gCtx };
          if (phis.length > 0) grads.objective = gObj;
          if (invChose) {
            grads.inventory = gInv;
            grads.inventory_rank = gRank;
          }
          return { psi: criticFeatures(x, poolPhis), grads };
        };
      }
    }
    const agents = parleyPorts(env, this.models, seen, weights, remember, this.lift, sampler, offer);
    for (const critic of this.opts.critics ?? []) agents.critics.push(critic(env));
    const deps: NegotiationDeps = {
      agents,
      fallbacks: new FallbackCache(),
      settings: {
        ...env.settings,
        weights,
        ...(this.opts.exploration ? { exploration: this.opts.exploration } : {}),
        ...(this.opts.minUtility !== undefined ? { minUtility: this.opts.minUtility } : {}),
      },
      clock: { now: () => env.now },
    };
    // The context agent's floor replaces any other for this break.
    if (floor !== undefined) {
      const { minUtility: _, ...rest } = deps.settings;
      deps.settings = floor === null ? rest : { ...rest, minUtility: floor };
    }
    const d = await decide(
      {
        requestId: req.requestId,
        slot: req.slot,
        signals: req.signals,
        excludedAdvertisers: [],
        excludedCategories: [],
        deadline: env.now + 1000,
      },
      deps,
    );
    if (finish) this.pending.set(req.requestId, finish());
    const placements = d.placements;
    const ads = placements.map((p) => ({
      creativeId: p.candidate.creativeId,
      campaignId: p.candidate.campaignId,
      reservationId: p.reservationId,
    }));
    const rules = seen.rules ?? (await rulesSnapshot(req, env));
    const snapshot = this.models.context ? this.models.context.current().apply(rules) : rules;
    return {
      ads,
      snapshot,
      contextX: rules.features,
      logs: policyLogs(
        env,
        placements.map((p) => p.candidate),
        snapshot,
        req.slot,
      ),
    };
  }
}

/** The objective features of each distinct campaign among `cands`. */
async function campaignPhis(env: Env, cands: readonly Candidate[]): Promise<Float32Array[]> {
  const ids = [...new Set(cands.map((c) => c.campaignId))];
  return Promise.all(
    ids.map(async (id) => objectiveFeatures(await env.campaignState(env.catalogue.campaigns.get(id)!))),
  );
}

/** Parley's agents with exploration: softmax over the joint utility, logged propensities. */
export class ExploreArm implements Arm {
  readonly name = 'explore';
  private readonly rng: Rng;
  constructor(
    private readonly models: ParleyModels,
    seed: number,
    readonly temperature = 0.4,
    readonly epsilon = 0.1,
  ) {
    this.rng = seededRng(seed);
  }
  async choose(req: SimRequest, env: Env): Promise<Choice> {
    const seen: { rules: Snapshot | null } = { rules: null };
    const ports = parleyPorts(env, this.models, seen);
    const snapshot = await ports.context!.assess(req.signals, 1000, null);
    const inventory = env.inventoryAgent(this.models.inventory);
    const elig = await env.eligibleCandidates(req, snapshot, inventory);
    const policy = this.models.objective?.current() ?? null;
    const states = new Map<string, Float32Array>();
    const cands = elig.map((e) => e.candidate);
    const w = env.settings.weights;
    const base: number[] = [];
    const adv: number[] = [];
    const phis: Float32Array[] = [];
    for (const { candidate: c, value } of elig) {
      let phi = states.get(c.campaignId);
      if (!phi) {
        phi = objectiveFeatures(await env.campaignState(env.catalogue.campaigns.get(c.campaignId)!));
        states.set(c.campaignId, phi);
      }
      const t = utilityOf(c, 'listener', [], env.settings);
      base.push(t.utility);
      adv.push(w.advertiser * value.advertiserValue);
      phis.push(phi);
    }
    const scores = cands.map(
      (_, i) => base[i]! + Math.min(2 * w.advertiser, adv[i]! * (policy ? policy.multiplierOf(phis[i]!) : 1)),
    );
    const { pod, first, firstIndex } = samplePod(
      cands,
      scores,
      req.slot,
      this.rng,
      this.temperature,
      this.epsilon,
    );
    const ads = await env.commit(req, pod);
    const firstChoice = first.find((f) => f.index === firstIndex);
    // The monolithic model's rows too, so its learner can start from this same log (train.ts).
    const placed = ads.map((a) => cands.find((c) => c.creativeId === a.creativeId)!);
    const monoX = await monolithicRows(req, env, seen.rules!, placed);
    return {
      ads,
      snapshot,
      contextX: seen.rules!.features,
      logs: ads.map((a, i) => ({
        policyX: policyFeatures(env.catalogue.creatives.get(a.creativeId)!, snapshot, req.slot),
        monoX: monoX[i]!,
      })),
      ...(firstChoice && ads[0]?.creativeId === cands[firstIndex]?.creativeId
        ? {
            propensity: firstChoice.p,
            firstOptions: first.map((f) => ({
              creativeId: cands[f.index]!.creativeId,
              p: f.p,
              base: base[f.index]!,
              adv: adv[f.index]!,
              phi: phis[f.index]!,
            })),
          }
        : {}),
    };
  }
}

/** The rules snapshot, the eligible candidates and their monolithic feature rows (the score-based arms' inputs). */
async function monolithicCandidates(req: SimRequest, env: Env) {
  const snapshot = await rulesSnapshot(req, env);
  const cands = (await env.eligibleCandidates(req, snapshot)).map((e) => e.candidate);
  return { snapshot, cands, xs: await monolithicRows(req, env, snapshot, cands) };
}

/** The monolithic model's feature row of each candidate (the same inputs the bandit arm uses). */
async function monolithicRows(
  req: SimRequest,
  env: Env,
  snapshot: Snapshot,
  cands: readonly Candidate[],
): Promise<Float32Array[]> {
  const states = new Map<string, CampaignState>();
  const xs: Float32Array[] = [];
  for (const c of cands) {
    const campaign = env.catalogue.campaigns.get(c.campaignId)!;
    let s = states.get(c.campaignId);
    if (!s) {
      s = await env.campaignState(campaign);
      states.set(c.campaignId, s);
    }
    xs.push(
      monolithicFeatures(
        snapshot.features,
        env.catalogue.creatives.get(c.creativeId)!,
        campaign,
        s,
        req.slot,
        env.settings.revenueScaleMicros,
      ),
    );
  }
  return xs;
}

/**
 * Greedy pod in priority-tier order by score, leaving out candidates scored
 * below `floor` (null = none): the ad-load floor of the score-based arms.
 */
function greedyPod(cands: readonly Candidate[], scores: readonly number[], slot: Slot, floor: number | null) {
  const kept = cands.flatMap((c, i) => (floor === null || scores[i]! >= floor ? [{ c, s: scores[i]! }] : []));
  return fillPod(
    tierThenScore(kept).map((o) => o.c),
    slot,
  );
}

/** The single monolithic policy: greedy on its predicted reward, or softmax-exploring while it trains. */
export class MonolithicArm implements Arm {
  readonly name: string;
  private readonly rng: Rng;
  constructor(
    private readonly model: ModelHolder<MonolithicModel> | null,
    private readonly explore: { seed: number; temperature: number; epsilon: number } | null,
    /** Its decision setting: ads predicted to be worth less than this are not served (null = none). */
    private readonly floor: number | null = null,
    name = 'monolithic',
  ) {
    this.rng = seededRng(explore?.seed ?? 1);
    this.name = name;
  }
  async choose(req: SimRequest, env: Env): Promise<Choice> {
    const { snapshot, cands, xs } = await monolithicCandidates(req, env);
    const model = this.model?.current() ?? null;
    const scores = xs.map((x) => (model ? model.predict(x) : 0));
    const pod = this.explore
      ? samplePod(cands, scores, req.slot, this.rng, this.explore.temperature, this.explore.epsilon).pod
      : greedyPod(cands, scores, req.slot, this.floor);
    const ads = await env.commit(req, pod);
    return {
      ads,
      snapshot,
      contextX: snapshot.features,
      logs: ads.map((a) => ({ monoX: xs[cands.findIndex((c) => c.creativeId === a.creativeId)]! })),
    };
  }
}

/**
 * The contextual-bandit baseline a team would otherwise adopt: LinUCB over
 * the candidates' feature rows (learning/linucb.ts; Vowpal Wabbit's
 * `cb_explore_adf` in spirit), with the monolithic model's inputs, the
 * shared reward of each served ad as its reward, learning online from every
 * outcome. Greedy pod fill by the optimistic score within priority tiers.
 */
export class BanditArm implements Arm {
  readonly name: string;
  constructor(
    readonly bandit: LinUcb,
    /** Exploration: the width of the confidence bound added to the estimate. */
    readonly alpha: number,
    /** Ads whose estimated reward (without the bonus) is below this are not served (null = none). */
    readonly floor: number | null = null,
    name = 'contextual bandit (LinUCB)',
  ) {
    this.name = name;
  }
  async choose(req: SimRequest, env: Env): Promise<Choice> {
    const { snapshot, cands, xs } = await monolithicCandidates(req, env);
    const kept: Candidate[] = [];
    const scores: number[] = [];
    cands.forEach((c, i) => {
      if (this.floor !== null && this.bandit.mean(xs[i]!) < this.floor) return;
      kept.push(c);
      scores.push(this.bandit.score(xs[i]!, this.alpha));
    });
    const ads = await env.commit(req, greedyPod(kept, scores, req.slot, null));
    return {
      ads,
      snapshot,
      contextX: snapshot.features,
      logs: ads.map((a) => ({ monoX: xs[cands.findIndex((c) => c.creativeId === a.creativeId)]! })),
    };
  }
  observe(log: AdLog | undefined, reward: number): void {
    if (log?.monoX) this.bandit.update(log.monoX, reward);
  }
}

/**
 * An upper bound for the evaluation only: ranks like parley's utility but
 * with the simulator's HIDDEN truth about the listener (true activity,
 * focus, annoyance, ad tolerance) for the skip probability. No agent can
 * have this; it shows how far better context knowledge could go.
 */
export class OracleContextArm implements Arm {
  readonly name = 'oracle context (upper bound)';
  async choose(req: SimRequest, env: Env): Promise<Choice> {
    const snapshot = await rulesSnapshot(req, env);
    const elig = await env.eligibleCandidates(req, snapshot);
    const truth = env.sim.groundTruth(req.handle);
    const sc = env.opts.scenario;
    const params = sc.response;
    const w = env.settings.weights;
    const scored = elig.map(({ candidate: c, value }) => {
      const creative = env.catalogue.creatives.get(c.creativeId)!;
      const pSkip = skipProbability(params, creative, {
        idealEnergy: sc.activities[truth.activity].idealEnergy,
        focus: truth.focus,
        device: req.signals.device,
        podIndex: 0,
        earlierSkipInPod: false,
        sameCreativeRecent: 0,
        sameCampaignRecent: 0,
        annoyance: truth.annoyance,
        adTolerance: truth.adTolerance,
        affinity: 0,
        clickPropensity: 1,
        unsafeAdjacency: false, // the oracle knows the listener, not the brands' preferences
      });
      const advertiser = c.pComplete > 0 ? value.advertiserValue * ((1 - pSkip) / c.pComplete) : 0;
      const s =
        w.listener * (1 - 2 * pSkip) +
        w.advertiser * Math.min(2, advertiser) +
        w.platform * (c.tier === 'house' ? 0 : c.priceMicros / env.settings.revenueScaleMicros);
      return { c, s };
    });
    const ads = await env.commit(
      req,
      fillPod(
        tierThenScore(scored).map((x) => x.c),
        req.slot,
      ),
    );
    return { ads, snapshot, contextX: snapshot.features };
  }
}
