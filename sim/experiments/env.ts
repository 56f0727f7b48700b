/**
 * The experiment harness: one simulated day served by the agents' domain
 * code in-process (no sockets) — context agent, inventory agent, objective
 * agent with its embedded budget ledger and outcome log — with a pluggable
 * "arm" choosing the ads. Every arm goes through the same hard eligibility,
 * budgets, frequency caps and pacing (objective evaluate + atomic commit),
 * so arms differ only in which eligible ads they pick; outcomes flow back as
 * ReportOutcome would (objective recordOutcome, context observe).
 */

import type { CampaignState } from '../../learning/objective-policy';
import {
  BreakCredit,
  LONG_TERM_WEIGHT,
  type ResolvedBreak,
  type RewardTerms,
  sharedReward,
} from '../../learning/reward';
import type { UtilitySettings } from '../../services/broker/utility';
import { staticCatalogue } from '../../services/common/catalogue/load';
import type { Campaign, Catalogue } from '../../services/common/catalogue/types';
import type { Candidate, CandidateValue, Scenario, Snapshot } from '../../services/common/domain/types';
import { ContextAgent } from '../../services/context/agent';
import { MemorySessionStore } from '../../services/context/session-store';
import { InventoryAgent, type InventoryAgentOptions } from '../../services/inventory/agent';
import { baselinePolicy, PolicyHolder } from '../../services/inventory/policy';
import { ObjectiveAgent } from '../../services/objective/agent';
import { EmbeddedLedger } from '../../services/objective/ledger';
import { EmbeddedOutcomeLog, type OutcomeCounters } from '../../services/objective/outcome-log';
import { FLAT_PROFILE, type TrafficProfile, utcDay } from '../../services/objective/pacing';
import { kpiFactor } from '../../services/objective/valuation';
import type { SurveyResult } from '../lift';
import type { SimScenario } from '../scenario';
import { type SimOutcome, type SimRequest, Simulator } from '../simulator';

export interface PlacedAd {
  creativeId: string;
  campaignId: string;
  reservationId: string;
}

/** What a logged decision carries for learning (per placed ad, in pod order). */
export interface AdLog {
  /** The inventory policy's features (POLICY_FEATURES) under the snapshot used. */
  policyX?: Float32Array;
  /** The monolithic model's features. */
  monoX?: Float32Array;
}

export interface Choice {
  ads: PlacedAd[];
  /** The snapshot the decision used (its rules features feed the context learner). */
  snapshot: Snapshot;
  /** Rules snapshot features (the context estimator's input). */
  contextX: readonly number[];
  /** Per placed ad. */
  logs?: AdLog[];
  /** Probability that the logging policy picked the first ad (exploration arms). */
  propensity?: number;
  /** The first ad's candidate set and each one's probability under the logging policy (OPE). */
  firstOptions?: FirstOption[];
}

/** One option of an exploring decision's first pick. */
export interface FirstOption {
  creativeId: string;
  /** Its probability under the logging policy. */
  p: number;
  /** Joint utility without the advertiser term, and the weighted advertiser term before the learned multiplier. */
  base: number;
  adv: number;
  /** Its campaign's objective-policy features. */
  phi: Float32Array;
}

export interface Arm {
  readonly name: string;
  choose(req: SimRequest, env: Env): Promise<Choice>;
  /** Learns from each served ad's shared reward as it comes in (online learners, e.g. the bandit arm). */
  observe?(log: AdLog | undefined, reward: number): void;
  /** Receives each brand-lift survey result when it is published (the delayed, campaign-level reward). */
  observeSurvey?(result: SurveyResult): void;
  /**
   * Receives an ad break's whole shared reward once its long-term term is
   * known (reward.ts BreakCredit): its ads' sharedReward plus
   * LONG_TERM_WEIGHT × whether the listener listened on to the session's next break.
   */
  observeBreak?(requestId: string, reward: number): void;
}

/** One served ad with what happened, for the learners. */
export interface Sample {
  requestId: string;
  nowMs: number;
  scenario: Scenario;
  country: string;
  podIndex: number;
  creativeId: string;
  campaignId: string;
  skipped: boolean;
  completed: boolean;
  clicked: boolean;
  recall: number;
  terms: RewardTerms;
  /** This ad's share of its break's long-term term (LONG_TERM_WEIGHT × continued / ads in the break), once known. */
  longTerm?: number;
  contextX: readonly number[];
  policyX?: Float32Array;
  monoX?: Float32Array;
  propensity?: number;
  firstOptions?: Choice['firstOptions'];
}

export interface CampaignResult {
  id: string;
  goal: Campaign['goal'];
  tier: Campaign['tier'];
  impressions: number;
  completes: number;
  clicks: number;
  spendMicros: number;
  kpiProgress: number;
  reachedGoal: boolean;
  overspendMicros: number;
  /** Brand lift over the flight: every survey wave's answers pooled per group (exposed − control yes-rate); null if a group was never sampled. */
  lift: number | null;
  surveyedExposed: number;
  surveyedControl: number;
  /** Distinct listeners the campaign reached over the horizon (its last survey wave's reach; 0 if never surveyed). */
  reach: number;
}

export interface EpisodeResult {
  arm: string;
  seed: number;
  requests: number;
  impressions: number;
  skipRate: number;
  completionRate: number;
  /** The recall proxy per impression (a formula of the simulator, not a survey). */
  meanRecall: number;
  /**
   * Recall as brand lift: the mean over paid awareness campaigns of their
   * lift over the flight, weighted by survey precision (n_exposed·n_control /
   * (n_exposed + n_control)); 0 when no campaign could be surveyed.
   */
  brandLift: number;
  /** The same over every paid campaign, whatever its goal. */
  brandLiftAll: number;
  /** Awareness campaigns in brandLift. */
  liftCampaigns: number;
  /**
   * Listeners who recall the brand because of the ads (lift × reach, summed
   * over the paid awareness campaigns in brandLift) per 1,000 of those
   * campaigns' impressions: what an advertiser buys. Unlike the mean lift
   * among exposed listeners it does not rise when the same listeners hear an
   * ad more often instead of new ones hearing it.
   */
  liftedPerThousand: number;
  /** Survey results the arm received during the episode (published within it). */
  surveysPublished: number;
  revenueMicros: number;
  goalAttainment: number;
  overspendMicros: number;
  meanSessionMinutes: number;
  /** Ads served next to content that breaks their advertiser's brand-safety preferences, their share of impressions, and their cost to the brands. */
  unsafeAdjacencies: number;
  unsafeRate: number;
  brandCostMicros: number;
  /** Mean shared reward per request (the joint reward): its ads' per-ad terms plus the break's long-term term. */
  jointReward: number;
  /** Share of ad breaks after which the listener listened on to the session's next break (the long-term term). */
  continuationRate: number;
  rewardTotal: number;
  campaigns: CampaignResult[];
  wallMs: number;
}

export interface EnvOptions {
  scenario: SimScenario;
  seed: number;
  settings: UtilitySettings & { maxRounds: number; shortlistSize: number };
  /** Pacing profile per campaign (e.g. the slot forecast); flat by default. */
  trafficProfile?: (c: Campaign) => TrafficProfile;
  /** Stop after this many requests (quick runs); 0 = the whole horizon. */
  maxRequests?: number;
  /** Keep per-ad samples for learning. */
  collect?: boolean;
}

/** A campaign "reaches its goal" with its KPI on target after at least this many impressions. */
export const GOAL_MIN_IMPRESSIONS = 100;

export class Env {
  readonly sim: Simulator;
  readonly catalogue: Catalogue;
  readonly ledger = new EmbeddedLedger({ reservationTtlMs: 120_000 });
  readonly outcomes: EmbeddedOutcomeLog;
  readonly objective: ObjectiveAgent;
  readonly context = new ContextAgent(new MemorySessionStore({ ttlMs: 1_800_000 }));
  /** The baseline-policy inventory agent the non-parley arms use for eligibility. */
  readonly eligibility: InventoryAgent;
  readonly samples: Sample[] = [];
  /** Every request's time and assessed context (the slot-availability log). */
  readonly slots: Array<{ atMs: number; scenario: Scenario; country: string }> = [];
  now = 0;
  /** The campaigns whose control group the current request's listener is in (excluded for every arm). */
  heldOut: ReadonlySet<string> = new Set();
  private surveysPublished = 0;
  private nextReservation = 0;
  private readonly profileOf: (c: Campaign) => TrafficProfile;
  /** campaign → UTC day → spend (for the overspend check). */
  private readonly spendByDay = new Map<string, Map<number, number>>();

  constructor(readonly opts: EnvOptions) {
    this.sim = new Simulator({ scenario: opts.scenario, seed: opts.seed });
    this.catalogue = this.sim.catalogue;
    const source = staticCatalogue(this.catalogue);
    this.outcomes = new EmbeddedOutcomeLog(this.ledger, { idempotencyTtlMs: 86_400_000, maxLen: 1000 });
    this.profileOf = opts.trafficProfile ?? (() => FLAT_PROFILE);
    this.objective = new ObjectiveAgent({
      catalogue: source,
      ledger: this.ledger,
      outcomes: this.outcomes,
      clock: () => this.now,
      trafficProfile: this.profileOf,
      newReservationId: () => `rsv-${++this.nextReservation}`,
    });
    this.eligibility = this.inventoryAgent(new PolicyHolder(baselinePolicy()));
  }

  get settings() {
    return this.opts.settings;
  }

  inventoryAgent(
    policy: PolicyHolder,
    weights: UtilitySettings['weights'] = this.opts.settings.weights,
    remember?: InventoryAgentOptions['remember'],
  ): InventoryAgent {
    return new InventoryAgent({
      catalogue: () => this.catalogue,
      policy,
      weights,
      revenueScaleMicros: this.opts.settings.revenueScaleMicros,
      remember,
    });
  }

  /** Every eligible candidate (hard eligibility, then budgets, caps and pacing) with its value. */
  async eligibleCandidates(
    req: SimRequest,
    snapshot: Snapshot,
    inventory: InventoryAgent = this.eligibility,
  ): Promise<Array<{ candidate: Candidate; value: CandidateValue }>> {
    const proposal = inventory.propose(
      {
        requestId: req.requestId,
        round: 1,
        slot: req.slot,
        signals: req.signals,
        context: snapshot,
        excludedAdvertisers: [],
        excludedCategories: [],
        shortlistSize: 10_000,
        excludeCreatives: [],
      },
      this.now,
    );
    const floor = this.opts.settings.priceFloorMicros;
    const offered = proposal.candidates.filter(
      (c) =>
        c.durationMs <= req.slot.maxTotalDurationMs &&
        (c.tier === 'house' || c.priceMicros >= floor) &&
        !this.heldOut.has(c.campaignId),
    );
    if (offered.length === 0) return [];
    const counter = await this.objective.evaluate({
      requestId: req.requestId,
      round: 1,
      sessionId: req.signals.sessionId,
      context: snapshot,
      candidates: offered,
    });
    const values = new Map(counter.values.map((v) => [v.creativeId, v]));
    return offered.flatMap((candidate) => {
      const value = values.get(candidate.creativeId);
      return value?.eligible ? [{ candidate, value }] : [];
    });
  }

  /** Reserves spend for the pod; returns the ads that were reserved, in order. */
  async commit(req: SimRequest, pod: readonly Candidate[]): Promise<PlacedAd[]> {
    if (pod.length === 0) return [];
    const results = await this.objective.commit({
      requestId: req.requestId,
      sessionId: req.signals.sessionId,
      reservations: pod.map((c) => ({
        creativeId: c.creativeId,
        campaignId: c.campaignId,
        amountMicros: c.tier === 'house' ? 0 : c.priceMicros,
      })),
    });
    const byId = new Map(results.map((r) => [r.creativeId, r]));
    return pod.flatMap((c) => {
      const r = byId.get(c.creativeId);
      return r?.reserved
        ? [{ creativeId: c.creativeId, campaignId: c.campaignId, reservationId: r.reservationId }]
        : [];
    });
  }

  /** The state the objective policy sees for one campaign now (the objective agent's own view). */
  campaignState(campaign: Campaign): Promise<CampaignState> {
    return this.objective.campaignState(campaign);
  }

  /** Plays the whole horizon (or maxRequests) with `arm`. */
  async run(arm: Arm, onProgress?: (done: number) => void): Promise<EpisodeResult> {
    const t0 = performance.now();
    let rewardTotal = 0;
    let n = 0;
    let continued = 0;
    const max = this.opts.maxRequests ?? 0;
    // The long-term term: each break's is known when its session's next break arrives, or it quits / ends.
    const credit = new BreakCredit();
    const open = new Map<string, { reward: number; samples: Sample[] }>();
    const resolve = (done: readonly ResolvedBreak[]) => {
      for (const d of done) {
        const b = open.get(d.requestId);
        if (!b) continue;
        open.delete(d.requestId);
        const lt = LONG_TERM_WEIGHT * d.continued;
        continued += d.continued;
        rewardTotal += lt;
        for (const s of b.samples) s.longTerm = lt / b.samples.length;
        arm.observeBreak?.(d.requestId, b.reward + lt);
      }
    };
    for (let req = this.sim.nextRequest(); req; req = this.sim.nextRequest()) {
      this.now = req.nowMs;
      this.heldOut = new Set(req.heldOutCampaigns);
      resolve(credit.arrive(req.signals.sessionId));
      const choice = await arm.choose(req, this);
      this.slots.push({ atMs: req.nowMs, scenario: choice.snapshot.scenario, country: req.signals.country });
      const outcome = this.sim.respond(
        req.handle,
        choice.ads.map((a) => a.creativeId),
      );
      const before = this.samples.length;
      const adReward = await this.feedback(req, choice, outcome, arm);
      rewardTotal += adReward;
      open.set(req.requestId, { reward: adReward, samples: this.samples.slice(before) });
      resolve(credit.played(req.signals.sessionId, req.requestId, outcome.quit));
      for (const survey of this.sim.takeSurveys()) {
        this.surveysPublished++;
        arm.observeSurvey?.(survey);
      }
      n++;
      if (onProgress && n % 500 === 0) onProgress(n);
      if (max > 0 && n >= max) break;
    }
    resolve(credit.close());
    return this.result(arm.name, rewardTotal, continued, performance.now() - t0);
  }

  /** Records the outcomes as the broker's ReportOutcome would; returns the request's shared reward. */
  private async feedback(req: SimRequest, choice: Choice, outcome: SimOutcome, arm: Arm): Promise<number> {
    let total = 0;
    for (let i = 0; i < outcome.ads.length; i++) {
      const ad = outcome.ads[i]!;
      const placed = choice.ads[i]!;
      const campaign = this.catalogue.campaigns.get(ad.campaignId)!;
      const counters: OutcomeCounters = await this.outcomes.counters(campaign.id);
      const terms = sharedReward(
        {
          skipped: ad.skipped,
          completed: ad.completed,
          clicked: ad.clicked,
          priceMicros: ad.priceMicros,
          tier: campaign.tier,
          goal: campaign.goal,
          kpiFactor: kpiFactor(campaign.goal, counters, campaign.kpi),
        },
        this.opts.settings,
      );
      total += terms.reward;
      arm.observe?.(choice.logs?.[i], terms.reward);
      const cost = campaign.tier === 'house' ? 0 : ad.priceMicros;
      const days = this.spendByDay.get(campaign.id) ?? new Map<number, number>();
      days.set(utcDay(ad.startedAtMs), (days.get(utcDay(ad.startedAtMs)) ?? 0) + cost);
      this.spendByDay.set(campaign.id, days);
      for (const e of ad.events) {
        await this.objective.recordOutcome({
          idempotencyKey: `${req.requestId}:${ad.creativeId}:${e.kind}`,
          requestId: req.requestId,
          reservationId: e.kind === 'impression' ? placed.reservationId : '',
          creativeId: ad.creativeId,
          sessionId: req.signals.sessionId,
          event: e.kind,
          skipOffsetMs: e.skipOffsetMs,
          occurredAtMs: e.occurredAtMs,
        });
      }
      await this.context.observe(
        {
          sessionId: req.signals.sessionId,
          adServed: true,
          adSkipped: ad.skipped,
          adCompleted: ad.completed,
        },
        req.nowMs,
      );
      if (this.opts.collect) {
        const log = choice.logs?.[i];
        this.samples.push({
          requestId: req.requestId,
          nowMs: req.nowMs,
          scenario: choice.snapshot.scenario,
          country: req.signals.country,
          podIndex: i,
          creativeId: ad.creativeId,
          campaignId: ad.campaignId,
          skipped: ad.skipped,
          completed: ad.completed,
          clicked: ad.clicked,
          recall: ad.recall,
          terms,
          contextX: choice.contextX,
          ...(log?.policyX ? { policyX: log.policyX } : {}),
          ...(log?.monoX ? { monoX: log.monoX } : {}),
          ...(i === 0 && choice.propensity !== undefined ? { propensity: choice.propensity } : {}),
          ...(i === 0 && choice.firstOptions ? { firstOptions: choice.firstOptions } : {}),
        });
      }
    }
    return total;
  }

  private result(arm: string, rewardTotal: number, continued: number, wallMs: number): EpisodeResult {
    const m = this.sim.metrics();
    if (m.holdoutViolations > 0)
      throw new Error(
        `arm ${arm}: ${m.holdoutViolations} ads played to listeners in their campaign's control group`,
      );
    const surveyed = pooledLift(this.sim.closeSurveys());
    const campaigns: CampaignResult[] = [];
    let overspend = 0;
    for (const c of this.catalogue.campaigns.values()) {
      const k = m.byCampaign[c.id] ?? { impressions: 0, skips: 0, clicks: 0, spendMicros: 0 };
      const counters: OutcomeCounters = {
        impressions: k.impressions,
        completes: k.impressions - k.skips,
        clicks: k.clicks,
        skips: k.skips,
      };
      let over = 0;
      let spend = 0;
      for (const s of this.spendByDay.get(c.id)?.values() ?? []) {
        spend += s;
        if (c.dailyBudgetMicros > 0) over += Math.max(0, s - c.dailyBudgetMicros);
      }
      if (c.totalBudgetMicros > 0) over = Math.max(over, spend - c.totalBudgetMicros);
      overspend += over;
      // Progress without the valuation's prior: the campaign's actual rates against its targets.
      const rate = (x: number, target: number) =>
        target > 0 && k.impressions > 0 ? x / k.impressions / target : 0;
      const completion = rate(counters.completes, c.kpi.completionRate);
      const click = rate(counters.clicks, c.kpi.clickRate);
      const progress =
        c.goal === 'awareness' ? completion : c.goal === 'conversion' ? click : (completion + click) / 2;
      campaigns.push({
        id: c.id,
        goal: c.goal,
        tier: c.tier,
        impressions: k.impressions,
        completes: counters.completes,
        clicks: k.clicks,
        spendMicros: k.spendMicros,
        kpiProgress: progress,
        reachedGoal: k.impressions >= GOAL_MIN_IMPRESSIONS && progress >= 1,
        overspendMicros: over,
        ...(surveyed.get(c.id) ?? { lift: null, surveyedExposed: 0, surveyedControl: 0, reach: 0 }),
      });
    }
    const paid = campaigns.filter((c) => c.tier !== 'house');
    const aware = paid.filter((c) => c.goal === 'awareness');
    const awareness = meanLift(aware);
    return {
      arm,
      seed: this.opts.seed,
      requests: m.requests,
      impressions: m.impressions,
      skipRate: m.skipRate,
      completionRate: m.completionRate,
      meanRecall: m.meanRecall,
      brandLift: awareness.lift,
      brandLiftAll: meanLift(paid).lift,
      liftCampaigns: awareness.campaigns,
      liftedPerThousand: liftedPerThousand(aware),
      surveysPublished: this.surveysPublished,
      revenueMicros: m.revenueMicros,
      goalAttainment: paid.length > 0 ? paid.filter((c) => c.reachedGoal).length / paid.length : 0,
      overspendMicros: overspend,
      meanSessionMinutes: m.meanSessionMinutes,
      unsafeAdjacencies: m.unsafeAdjacencies,
      unsafeRate: m.unsafeRate,
      brandCostMicros: m.brandCostMicros,
      jointReward: m.requests > 0 ? rewardTotal / m.requests : 0,
      continuationRate: m.requests > 0 ? continued / m.requests : 0,
      rewardTotal,
      campaigns,
      wallMs,
    };
  }
}

/** Every wave's answers pooled per campaign and group: the campaign's lift over the flight. */
export function pooledLift(
  results: readonly SurveyResult[],
): Map<string, { lift: number | null; surveyedExposed: number; surveyedControl: number; reach: number }> {
  const acc = new Map<string, { en: number; ey: number; cn: number; cy: number; reach: number }>();
  for (const r of results) {
    const a = acc.get(r.campaignId) ?? { en: 0, ey: 0, cn: 0, cy: 0, reach: 0 };
    a.en += r.exposedN;
    a.ey += r.exposedYes;
    a.cn += r.controlN;
    a.cy += r.controlYes;
    // Every wave's window starts at the horizon's start: the latest wave's reach is the flight's.
    a.reach = Math.max(a.reach, r.reach);
    acc.set(r.campaignId, a);
  }
  return new Map(
    [...acc].map(([id, a]) => [
      id,
      {
        lift: a.en > 0 && a.cn > 0 ? a.ey / a.en - a.cy / a.cn : null,
        surveyedExposed: a.en,
        surveyedControl: a.cn,
        reach: a.reach,
      },
    ]),
  );
}

/** Σ lift × reach per 1,000 impressions over the campaigns with a measured lift (0 with none). */
export function liftedPerThousand(
  campaigns: readonly Pick<CampaignResult, 'lift' | 'reach' | 'impressions'>[],
): number {
  let lifted = 0;
  let impressions = 0;
  for (const c of campaigns) {
    if (c.lift === null) continue;
    lifted += c.lift * c.reach;
    impressions += c.impressions;
  }
  return impressions > 0 ? (1000 * lifted) / impressions : 0;
}

/** The precision-weighted mean lift of campaigns (weight n_e·n_c / (n_e + n_c)); 0 with none surveyed. */
export function meanLift(
  campaigns: readonly Pick<CampaignResult, 'lift' | 'surveyedExposed' | 'surveyedControl'>[],
) {
  let sum = 0;
  let weight = 0;
  let n = 0;
  for (const c of campaigns) {
    if (c.lift === null) continue;
    const w = (c.surveyedExposed * c.surveyedControl) / (c.surveyedExposed + c.surveyedControl);
    sum += w * c.lift;
    weight += w;
    n++;
  }
  return { lift: weight > 0 ? sum / weight : 0, campaigns: n };
}
