/**
 * Renders the experiment's markdown report and its SVG charts. Every
 * sentence that states a result is built from the numbers it states (a
 * comparison word comes from comparing the two figures it prints, a verdict
 * from the confidence bound it prints): test/unit/experiments/report.test.ts
 * feeds it contrived results and checks each claim against them.
 */

import { barChart, type Chart, lineChart } from '../../charts';
import { OBJECTIVE_FEATURES } from '../../learning/objective-policy';
import { LONG_TERM_WEIGHT } from '../../learning/reward';
import {
  AD_LOAD_ACTIONS,
  AD_LOAD_DIM,
  CRITIC_DIM,
  OFFER_FEATURES,
  OFFER_POOL,
  OFFER_RANK_STEP,
} from '../../learning/shared-rl';
import { seededRng } from '../../services/common/rng';
import { bootstrap, ci95, type Interval } from '../../services/common/stats';
import type { OfferCounts } from './arms';
import { GOAL_MIN_IMPRESSIONS } from './env';
import {
  type ArmSummary,
  BANDIT_ARM,
  BRAND_SAFETY_ARM,
  BRAND_SAFETY_VETO_ARM,
  type BrandSafetyResult,
  type DecisionSetting,
  type ExperimentResult,
  experimentCommandLine,
  floorName,
  frontierArm,
  type Metric,
  ONLINE_ARM,
  type OnlineCurvePoint,
  type OnlineResult,
  type OpeResult,
  ORACLE_ARM,
  type ScenarioResult,
  type SideStudies,
  STATIC_ARM,
  settingName,
} from './run';

const LABEL: Record<Metric, string> = {
  skipRate: 'skip rate',
  completionRate: 'completion rate',
  brandLift: 'recall: brand lift of awareness campaigns (exposed − control yes-rate)',
  brandLiftAll: 'brand lift of all paid campaigns',
  liftedPerThousand: 'lifted listeners (lift × reach) per 1,000 awareness impressions',
  meanRecall: 'recall proxy per impression (a formula, not a survey)',
  revenueMicros: 'revenue (currency units)',
  goalAttainment: 'campaigns reaching their goal',
  overspendMicros: 'budget overspend (micros)',
  meanSessionMinutes: 'mean session length (min)',
  unsafeAdjacencies: 'brand-unsafe adjacencies served (per seed)',
  unsafeRate: 'brand-unsafe share of impressions',
  brandCostMicros: 'brand cost of unsafe ads (currency units)',
  jointReward: 'joint reward per request',
  continuationRate: 'breaks after which the listener listened on to the next',
};

/** The issue's targets: parley's metric / price-first's. */
export const TARGETS: Array<{ metric: Metric; op: '<=' | '>='; ratio: number }> = [
  { metric: 'skipRate', op: '<=', ratio: 0.8 },
  { metric: 'goalAttainment', op: '>=', ratio: 1.15 },
  { metric: 'brandLift', op: '>=', ratio: 1.3 },
  { metric: 'revenueMicros', op: '>=', ratio: 0.95 },
];

/**
 * A target is met only when the whole 95% interval clears it, missed when
 * the whole interval is on the wrong side, and otherwise not shown either
 * way (the interval contains the target, or is undefined).
 */
export type Verdict = 'met' | 'missed' | 'not shown';

/** Fewer test seeds than this support no verdict: a bootstrap over a handful of units gives intervals that are too narrow. */
export const MIN_SEEDS_FOR_VERDICT = 10;

export function verdictOf(i: Interval, op: '<=' | '>=', target: number): Verdict {
  if (op === '<=') return i.hi <= target ? 'met' : i.lo > target ? 'missed' : 'not shown';
  return i.lo >= target ? 'met' : i.hi < target ? 'missed' : 'not shown';
}

const verdictCell = (v: Verdict) => (v === 'met' ? 'met' : `**${v}**`);

const scaleOf = (m: Metric) => (m === 'revenueMicros' || m === 'brandCostMicros' ? 1e-6 : 1);

function fmt(v: number, m: Metric): string {
  const x = v * scaleOf(m);
  if (m === 'revenueMicros' || m === 'overspendMicros') return x.toFixed(0);
  if (m === 'meanSessionMinutes' || m === 'brandCostMicros' || m === 'unsafeAdjacencies') return x.toFixed(1);
  if (m === 'unsafeRate') return x.toFixed(4);
  return x.toFixed(3);
}

const ci = (i: Interval, m: Metric) => `${fmt(i.mean, m)} [${fmt(i.lo, m)}, ${fmt(i.hi, m)}]`;
const num = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
const signed = (x: number, digits = 3) => `${x >= 0 ? '+' : ''}${num(x, digits)}`;
const interval = (i: Interval, digits = 3) => `[${num(i.lo, digits)}, ${num(i.hi, digits)}]`;
const ratioText = (i: Interval) => `${num(i.mean)}× ${interval(i)}`;
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

/**
 * mean(a) / mean(b) over the seeds, with a 95% CI from a paired bootstrap
 * over seeds (both arms resampled with the same seeds): the seed is the unit.
 */
export function pairedRatio(a: ArmSummary, b: ArmSummary, m: Metric): Interval {
  const idx = a.runs.map((_, i) => i);
  const ratio = (sample: readonly number[]) => {
    const n = sample.reduce((s, i) => s + a.runs[i]![m], 0);
    const d = sample.reduce((s, i) => s + b.runs[i]![m], 0);
    return d === 0 ? (n === 0 ? 1 : Number.POSITIVE_INFINITY) : n / d;
  };
  return bootstrap(idx, ratio, seededRng(11), 2000);
}

/** The mean per-seed difference a − b with its Student-t 95% CI (paired by seed). */
export function pairedDiff(a: ArmSummary, b: ArmSummary, m: Metric): Interval {
  return ci95(a.runs.map((run, i) => run[m] - b.runs[i]![m]));
}

/** "more" / "less" / "as much": the word for a against b, from the figures as printed. */
export function compareWord(a: string, b: string, words: [more: string, less: string, same: string]): string {
  const x = Number(a);
  const y = Number(b);
  return x > y ? words[0] : x < y ? words[1] : words[2];
}

/** Per-arm delivery figures: revenue per impression, ads per break, breaks per seed. */
export function diag(a: ArmSummary) {
  const imp = a.runs.reduce((s, x) => s + x.impressions, 0);
  const req = a.runs.reduce((s, x) => s + x.requests, 0);
  const rev = a.runs.reduce((s, x) => s + x.revenueMicros, 0);
  return { perImp: rev / Math.max(1, imp), perReq: imp / Math.max(1, req), req: req / a.runs.length };
}

const armOf = (s: ScenarioResult, name: string) => {
  const a = s.arms.find((x) => x.arm === name);
  if (!a) throw new Error(`scenario ${s.name}: no arm ${name}`);
  return a;
};

export interface TargetVerdict {
  metric: Metric;
  op: '<=' | '>=';
  ratio: number;
  observed: Interval;
  verdict: Verdict;
}

/** A verdict over `seeds` test seeds: 'not shown' below MIN_SEEDS_FOR_VERDICT. */
const judged = (seeds: number, v: Verdict): Verdict => (seeds >= MIN_SEEDS_FOR_VERDICT ? v : 'not shown');

export function targetVerdicts(s: ScenarioResult): TargetVerdict[] {
  const parley = armOf(s, 'parley');
  const price = armOf(s, 'price-first');
  return TARGETS.map((t) => {
    const observed = pairedRatio(parley, price, t.metric);
    return { ...t, observed, verdict: judged(s.testSeeds.length, verdictOf(observed, t.op, t.ratio)) };
  });
}

/** "Ahead" by a paired difference: met only when its whole CI is above 0, missed when it is at or below 0. */
export function aheadVerdict(diff: Interval): Verdict {
  return diff.lo > 0 ? 'met' : diff.hi <= 0 ? 'missed' : 'not shown';
}

/** Parley ahead of the monolithic learner on the joint reward. */
export function monolithicVerdict(s: ScenarioResult): { diff: Interval; verdict: Verdict } {
  const diff = pairedDiff(armOf(s, 'parley'), armOf(s, 'monolithic'), 'jointReward');
  return { diff, verdict: judged(s.testSeeds.length, aheadVerdict(diff)) };
}

/** Impressions per listener reached, over an arm's surveyed paid awareness campaign-runs (those in the recall metric). */
function exposuresPerListener(a: ArmSummary): number {
  let impressions = 0;
  let reach = 0;
  for (const r of a.runs)
    for (const c of r.campaigns)
      if (c.tier !== 'house' && c.goal === 'awareness' && c.lift !== null) {
        impressions += c.impressions;
        reach += c.reach;
      }
  return reach > 0 ? impressions / reach : Number.NaN;
}

/** Paid campaign-runs (campaign × seed) that reach their goal, over all of an arm's seeds. */
function goalCount(a: ArmSummary) {
  let reached = 0;
  let paid = 0;
  let best = 0;
  for (const r of a.runs)
    for (const c of r.campaigns) {
      if (c.tier === 'house') continue;
      paid++;
      if (c.reachedGoal) reached++;
      if (c.impressions >= GOAL_MIN_IMPRESSIONS) best = Math.max(best, c.completes / c.impressions);
    }
  return { reached, paid, best };
}

/** Plain-language reading of one scenario's results: every claim computed from the figures it prints. */
export function analysis(s: ScenarioResult): string[] {
  const parley = armOf(s, 'parley');
  const price = armOf(s, 'price-first');
  const bandit = armOf(s, BANDIT_ARM);
  const oracle = armOf(s, ORACLE_ARM);
  const v = new Map(targetVerdicts(s).map((t) => [t.metric, t]));
  const out: string[] = [];

  const skip = v.get('skipRate')!;
  const oracleSkip = pairedRatio(oracle, price, 'skipRate');
  out.push(
    `- **Skips**: parley's skip rate is ${ratioText(skip.observed)} price-first's (${num(parley.metrics.skipRate.mean)} vs ${num(price.metrics.skipRate.mean)}): ` +
      `target ≤ 0.8× ${skip.verdict}. Ranking with the simulator's hidden truth about the listener (evaluation only) gives ${ratioText(oracleSkip)}: ` +
      `with that knowledge, target ≤ 0.8× ${judged(s.testSeeds.length, verdictOf(oracleSkip, '<=', 0.8))}.`,
  );

  const revenue = v.get('revenueMicros')!;
  const dp = diag(parley);
  const dq = diag(price);
  const perImp = [dp.perImp.toFixed(0), dq.perImp.toFixed(0)] as const;
  const breaks = [dp.req.toFixed(0), dq.req.toFixed(0)] as const;
  const minutes = [
    parley.metrics.meanSessionMinutes.mean.toFixed(1),
    price.metrics.meanSessionMinutes.mean.toFixed(1),
  ] as const;
  out.push(
    `- **Revenue**: ${ratioText(revenue.observed)} price-first's: target ≥ 0.95× ${revenue.verdict}. ` +
      `Parley earns ${compareWord(...perImp, ['more', 'less', 'as much'])} per impression (${perImp[0]} vs ${perImp[1]} micros), ` +
      `has ${compareWord(...breaks, ['more', 'fewer', 'as many'])} ad breaks per seed (${breaks[0]} vs ${breaks[1]}) ` +
      `and ${compareWord(...minutes, ['longer', 'shorter', 'equally long'])} sessions (${minutes[0]} vs ${minutes[1]} min).`,
  );

  const recall = v.get('brandLift')!;
  const liftOf = (a: ArmSummary) => num(a.metrics.brandLift.mean);
  const measured = (a: ArmSummary) => a.runs.reduce((t, x) => t + x.liftCampaigns, 0);
  out.push(
    `- **Recall**: ${ratioText(recall.observed)} price-first's: target ≥ 1.3× ${recall.verdict}. Recall is the brand lift the simulated surveys measure ` +
      `(exposed − control yes-rate of paid awareness campaigns over their flight): ${liftOf(parley)} under parley against ${liftOf(price)} under price-first ` +
      `(${measured(parley)} and ${measured(price)} surveyed awareness campaign-runs). ` +
      `Counted as an advertiser buys it, listeners who recall the brand because of the ads (lift × reach) per 1,000 awareness impressions, ` +
      `parley has ${ratioText(pairedRatio(parley, price, 'liftedPerThousand'))} price-first's (${num(parley.metrics.liftedPerThousand.mean, 1)} vs ${num(price.metrics.liftedPerThousand.mean, 1)}): ` +
      'the mean lift among exposed listeners also rises when the same listeners hear an ad more often, this count does not. ' +
      `A listener those campaigns reached heard them ${num(exposuresPerListener(parley), 2)} times under parley and ${num(exposuresPerListener(price), 2)} under price-first (impressions / reach). ` +
      "The surveys reach parley's objective agent as a delayed reward, not the other learners; the shared reward they all optimise does not contain the lift.",
  );

  const goal = v.get('goalAttainment')!;
  const gp = goalCount(parley);
  const gq = goalCount(price);
  const shares = s.arms.map((a) => {
    const g = goalCount(a);
    return `${shortName(a.arm)} ${pct(g.paid > 0 ? g.reached / g.paid : 0)}`;
  });
  out.push(
    `- **Campaign goals** (over whole flights): ${gp.reached} of ${gp.paid} paid campaign-runs (campaign × seed) reach their goal under parley, ${gq.reached} of ${gq.paid} under price-first; ` +
      `ratio ${ratioText(goal.observed)}: target ≥ 1.15× ${goal.verdict}. Share of paid campaign-runs reaching their goal per arm: ${shares.join(', ')}. ` +
      `The highest completion rate any paid campaign reaches is ${pct(gp.best)} under parley and ${pct(gq.best)} under price-first (campaigns with at least ${GOAL_MIN_IMPRESSIONS} impressions in a flight).`,
  );

  const m = monolithicVerdict(s);
  const b = pairedDiff(parley, bandit, 'jointReward');
  out.push(
    `- **Parley against the other learners** on the joint reward per ad break: against the monolithic learner ${signed(m.diff.mean)} ${interval(m.diff)} ` +
      `(parley ahead: ${m.verdict}); against the contextual bandit ${signed(b.mean)} ${interval(b)} (parley ahead: ${judged(s.testSeeds.length, aheadVerdict(b))}). ` +
      `Each decided with the best of ${s.decision.validation.length}, ${s.monolithicDecision.validation.length} and ${s.banditDecision.validation.length} settings on the validation seeds: ` +
      `parley ${parleySettingName(s, s.decision.chosen)}, monolithic ${floorName(s.monolithicDecision.chosen)}, bandit α ${s.banditDecision.chosen}.`,
  );

  const cp = s.curves.parley;
  const cm = s.curves.monolithic;
  if (cp.length > 1 && cm.length > 1) {
    const p0 = cp[0]!.jointReward.toFixed(3);
    const p1 = cp[cp.length - 1]!.jointReward.toFixed(3);
    const m0 = cm[0]!.jointReward.toFixed(3);
    const m1 = cm[cm.length - 1]!.jointReward.toFixed(3);
    out.push(
      `- **Learning curves** (first validation seed): from the first to the last iteration parley's joint reward ${compareWord(p1, p0, ['rose', 'fell', 'stayed'])} (${p0} → ${p1}), ` +
        `the monolithic learner's ${compareWord(m1, m0, ['rose', 'fell', 'stayed'])} (${m0} → ${m1}).`,
    );
  }
  return out;
}

/** Whether two arms' runs, paired by seed, ended with the same reward, impressions and revenue. */
const sameRuns = (a: ArmSummary, b: ArmSummary) =>
  a.runs.every((r, i) => {
    const o = b.runs[i]!;
    return (
      r.rewardTotal === o.rewardTotal &&
      r.impressions === o.impressions &&
      r.revenueMicros === o.revenueMicros
    );
  });

/** The first scenario's side-study readings. */
export function sideAnalysis(side: SideStudies): string[] {
  const out: string[] = [];
  const n = side.seeds.length;
  if (n < MIN_SEEDS_FOR_VERDICT)
    out.push(
      `- On ${n} test seeds, fewer than the ${MIN_SEEDS_FOR_VERDICT} a verdict needs: these side studies are descriptive, and every verdict below is "not shown".`,
    );
  const points = frontierPoints(side);
  const both = points.filter(
    (p) =>
      judged(n, verdictOf(p.skip, '<=', 0.8)) === 'met' &&
      judged(n, verdictOf(p.revenue, '>=', 0.95)) === 'met',
  );
  out.push(
    `- **Frontier**: ${both.length} of ${points.length} decision settings meet the skip (≤ 0.8×) and the revenue (≥ 0.95×) targets together by their 95% bounds` +
      `${both.length ? ` (${both.map((p) => p.arm.arm).join('; ')})` : ''}.`,
  );
  if (side.liftReward) {
    const [withLift, without] = side.liftReward as [ArmSummary, ArmSummary];
    const l = pairedDiff(withLift, without, 'brandLift');
    const g = pairedDiff(withLift, without, 'goalAttainment');
    const jr = pairedDiff(withLift, without, 'jointReward');
    out.push(
      `- **Brand lift as a delayed reward** (ablation: parley's objective agent ignoring the surveys): with it, parley's brand lift changes by ${signed(l.mean)} ${interval(l)} ` +
        `(better: ${judged(n, aheadVerdict(l))}), the share of campaigns reaching their goal by ${signed(g.mean)} ${interval(g)} and the joint reward by ${signed(jr.mean)} ${interval(jr)}.`,
    );
  }
  if (side.offerPolicy) {
    const [withOffer, without] = side.offerPolicy as [ArmSummary, ArmSummary];
    const d = (m: Metric) => {
      const x = pairedDiff(withOffer, without, m);
      return `${signed(x.mean)} ${interval(x)}`;
    };
    const jr = pairedDiff(withOffer, without, 'jointReward');
    out.push(
      "- **Inventory offer policy** (ablation: the same trained parley, its inventory agent offering its ranking's shortlist instead): " +
        `the offer policy changes the joint reward by ${d('jointReward')} (better: ${judged(n, aheadVerdict(jr))}), the skip rate by ${d('skipRate')}, ` +
        `the share of breaks the listener listened on after by ${d('continuationRate')}, the brand lift by ${d('brandLift')} and revenue by ${d('revenueMicros')} (micros), paired by seed` +
        `${sameRuns(withOffer, without) ? ': the two ended every seed with the same reward, impressions and revenue' : ''}.`,
    );
  }
  if (side.fixedSettings) {
    const [learned, fixed] = side.fixedSettings.arms as [ArmSummary, ArmSummary];
    const d = (m: Metric) => {
      const x = pairedDiff(learned, fixed, m);
      return `${signed(x.mean)} ${interval(x)}`;
    };
    const jr = pairedDiff(learned, fixed, 'jointReward');
    out.push(
      `- **Shared-reward policies** (ablation: parley with the previous fixed settings — no ad-load policy, the off-policy multiplier, ${settingName(side.fixedSettings.decision.chosen)} chosen from ${side.fixedSettings.decision.validation.length} hand settings on the validation seeds): ` +
        `the learned policies change the joint reward by ${d('jointReward')} (better: ${judged(n, aheadVerdict(jr))}), the skip rate by ${d('skipRate')}, ` +
        `the share of breaks the listener listened on after by ${d('continuationRate')} and revenue by ${d('revenueMicros')} (micros), paired by seed.`,
    );
  }
  const [still, learning] = side.online.arms as [ArmSummary, ArmSummary];
  const j = pairedDiff(learning, still, 'jointReward');
  out.push(
    `- **Online learning** from the baseline policy changes the joint reward by ${signed(j.mean)} per ad break ${interval(j)} within one episode ` +
      `(better: ${judged(n, aheadVerdict(j))}).`,
  );
  const covered = (k: 'ips' | 'snips' | 'dr') =>
    side.ope.filter((x) => x.report[k].lo <= x.truth && x.truth <= x.report[k].hi).length;
  out.push(
    `- **Off-policy evaluation**: of ${side.ope.length} target policies, the 95% CI covers the value the policy reaches when run for real for ` +
      `${covered('ips')} (IPS), ${covered('snips')} (SNIPS) and ${covered('dr')} (DR).`,
  );
  return out;
}

const LEARNED_FLOOR = "the context agent's learned floor per break";

/** Parley's setting as it decided: with the shared-reward policies (s.rl) its floor is the context agent's, not a setting's. */
export function parleySettingName(s: Pick<ScenarioResult, 'rl'>, p: DecisionSetting): string {
  return s.rl ? `w_listener ×${p.listener}, ${LEARNED_FLOOR}` : settingName(p);
}

/** A frontier arm's name as it decided (the same substitution). */
const shownArm = (s: Pick<ScenarioResult, 'rl'>, arm: string) =>
  s.rl ? arm.replace(/, (no floor|floor [-\d.]+)$/, `, ${LEARNED_FLOOR}`) : arm;

/** What each learner decides and learns from, with this run's counts (from the code's constants and the results). */
export function learningSection(r: ExperimentResult): string[] {
  const loads = AD_LOAD_ACTIONS.map((a) => (a === null ? 'no floor' : `floor ${a}`));
  const offerPolicy = r.scenarios.some((s) => s.rl?.offers);
  const L: string[] = ['## What learns from what', ''];
  L.push(
    '| learner | its action | decides from | learns from |',
    '|---|---|---|---|',
    `| context agent: ad-load policy | the ad load of the break: the floor on joint utility its ads must clear, ${loads.join(', ')} | its own snapshot (${AD_LOAD_DIM - 1} features and a bias) | the shared reward per break, long-term term included, by REINFORCE with a centralised critic (${CRITIC_DIM} inputs) as baseline (learning/shared-rl.ts) |`,
    ...(offerPolicy
      ? [
          `| inventory agent: offer policy | which k candidates it offers (k = the broker's shortlist size) of the ${OFFER_POOL}·k its ranking policy puts first: Plackett–Luce draws, logit θ·z − s × place in that ranking (s learned, from ${OFFER_RANK_STEP}) | its own candidates' ${OFFER_FEATURES.length} features (${OFFER_FEATURES.join(', ')}) | the shared reward per break, long-term term included, by REINFORCE with the same critic as baseline |`,
        ]
      : []),
    `| objective agent: value multiplier | × on each campaign's advertiser value, clamped to [0.5, 1.5] | the campaign's ${OBJECTIVE_FEATURES.length} pacing features | first an off-policy fit on the logged first picks' per-ad shared reward (with each ad's share of the long-term term), then REINFORCE on the break's shared reward |`,
    "| objective agent: brand-lift valuer | × on awareness campaigns' value | published surveys | the surveys (a delayed campaign-level reward, not the shared reward) |",
    '| context agent: skip-risk estimator | none (an input) | its snapshot | its own skip labels (supervised) |',
    `| inventory agent: ranking policy | ${offerPolicy ? 'the order its offer policy starts from, and p_skip, p_complete, p_engage (inputs)' : 'candidates and their order'} | creative × snapshot features | its own skip / complete / engage labels (supervised) |`,
    "| monolithic learner | each ad's predicted reward | all inputs | the per-ad shared reward plus each ad's share of its break's long-term term |",
    "| contextual bandit | each ad's optimistic score | all inputs | the per-ad shared reward as each ad is served (no long-term term) |",
    '',
  );
  for (const s of r.scenarios) {
    if (!s.rl) continue;
    const total = (s.adLoadTest ?? []).reduce((a, b) => a + b, 0);
    const shares = (s.adLoadTest ?? []).map((n, a) => `${loads[a]}: ${total > 0 ? pct(n / total) : '–'}`);
    const o = s.rl.offers;
    const t = s.offersTest;
    const offers =
      o && t
        ? ` The inventory agent's offer policy chose among its pool in ${o.proposals} proposals in training (${offerShare(o)} of what it offered from outside its ranking's shortlist); ` +
          `on the test seeds (greedy) in ${t.proposals} proposals, ${offerShare(t)} of the ${t.offered} candidates it offered from outside that shortlist.` +
          (s.rl.offerTheta
            ? ` Its learned θ: ${OFFER_FEATURES.map((f, j) => `${f} ${signed(s.rl!.offerTheta![j]!, 2)}`).join(', ')}` +
              (s.rl.offerRankStep !== undefined
                ? `; rank step ${s.rl.offerRankStep.toFixed(2)} (from ${OFFER_RANK_STEP}).`
                : '.')
            : '')
        : '';
    L.push(
      `- \`${s.name}\`: ${s.rl.episodes} training episode(s), ${s.rl.updates} policy-gradient updates over ${s.rl.breaks} breaks (batches of ${s.rl.batch}), ` +
        `mean return ${num(s.rl.meanReturn)} per break. On the test seeds parley's ad-load policy (greedy) chose, per break, ${shares.join('; ')}.${offers}`,
    );
  }
  L.push('');
  return L;
}

/** The share of offered candidates that came from outside the supervised shortlist. */
const offerShare = (o: OfferCounts) => (o.offered > 0 ? pct(o.replaced / o.offered) : '–');

const SIDES = ['parley', 'monolithic', 'bandit'] as const;

/** The training episodes each side learned from, as the run counted them, and whether they are equal. */
export function budgetText(r: Pick<ExperimentResult, 'scenarios'>): string {
  const counted = r.scenarios.filter((s) => s.budget);
  if (counted.length === 0) return "This run's results do not count the episodes each side trained on.";
  const perScenario = counted.map((s) => {
    const b = s.budget!;
    const sides = SIDES.map((k) => `${k} ${b[k].exploring} + ${b[k].further}`);
    return `\`${s.name}\` ${sides.join(', ')}`;
  });
  const equal = counted.every((s) =>
    SIDES.every(
      (k) =>
        s.budget![k].exploring === s.budget!.parley.exploring &&
        s.budget![k].further === s.budget!.parley.further,
    ),
  );
  return (
    "Training episodes each side learned from, all on the same training seeds (exploring + further: parley's on-policy episodes for its shared-reward policies, " +
    "the monolithic learner's own policy's episodes it logs and refits on, the bandit's it updates from online; the first exploring episode is parley's hand-tuned start, one log shared by all three): " +
    `${perScenario.join('; ')}. ${equal ? 'The budgets are equal.' : '**The budgets differ.**'}`
  );
}

/** The three decision-setting searches: their sizes, and that they use the same validation seeds and criterion. */
export function searchText(r: Pick<ExperimentResult, 'scenarios'>): string {
  const sizes = r.scenarios.map((s) => [
    s.decision.validation.length,
    s.monolithicDecision.validation.length,
    s.banditDecision.validation.length,
  ]);
  const equal = sizes.every((z) => z.every((n) => n === z[0]));
  const first = sizes[0] ?? [0, 0, 0];
  return (
    `Each then picks its decision setting from a search of ${first.join(', ')} settings (parley, monolithic, bandit${r.scenarios.length > 1 ? ', on every scenario' : ''}; ` +
    `${equal ? 'equal sizes' : '**unequal sizes**'}) by the same criterion, the mean joint reward on the same validation seeds: ` +
    'parley its listener weight (its ad load is learned), the monolithic learner its floor on predicted reward, the bandit its exploration width α.'
  );
}

/** Chart labels: the arms' names, shortened to fit under a bar. */
export function shortName(arm: string): string {
  if (arm === ORACLE_ARM) return 'oracle';
  if (arm === BANDIT_ARM) return 'bandit';
  if (arm === BRAND_SAFETY_ARM) return 'parley + BS';
  if (arm === BRAND_SAFETY_VETO_ARM) return 'parley + BS vetoes';
  return arm;
}

type Img = (name: string, alt: string) => string;

export function renderReport(
  r: ExperimentResult,
  chartsRel: string,
): { markdown: string; charts: Map<string, Chart> } {
  const charts = new Map<string, Chart>();
  const o = r.options;
  const L: string[] = [];
  const img: Img = (name, alt) => `![${alt}](${chartsRel}/${name})`;
  const first = r.scenarios[0]!;

  L.push('# parley — evaluation against the headline claims', '');
  L.push(
    o.quick
      ? '> **Quick mode** (`parley experiment --quick`, the CI smoke run): one training iteration, ' +
          `${o.seeds} test seed(s), ${o.validationSeeds} validation seed(s), episodes capped at ${o.maxRequests} requests. ` +
          'These figures are too few and too short to judge any target; they only show the pipeline runs end to end.'
      : `> **Full run** (\`${experimentCommandLine(o)}\`): ${o.iterations} training iteration(s), ${o.seeds} test seeds and ${o.validationSeeds} validation seeds per scenario` +
          `${o.maxRequests ? `, episodes capped at ${o.maxRequests} requests` : ', the whole simulated horizon per episode'}.`,
    '',
  );
  L.push(
    `Generated by \`${experimentCommandLine(o)}\` (sim/experiments/run.ts) in ${(r.wallMs / 60_000).toFixed(1)} min${(o.jobs ?? 1) > 1 ? ` (${Math.min(o.jobs, r.scenarios.length)} scenarios at a time, each in its own thread)` : ''} on the \`${r.backend}\` TensorFlow.js backend. ` +
      `Scenarios: ${r.scenarios.map((s) => `\`${s.scenario}\``).join(', ')}. ` +
      `Training seeds ${first.trainSeeds.join(', ')}; validation seeds ${first.validationSeeds.join(', ')}; held-out test seeds ${first.testSeeds[0]}–${first.testSeeds[first.testSeeds.length - 1]} ` +
      `(${first.testSeeds.length} per scenario); the three sets are disjoint. The seed is the unit of every interval: ` +
      'means over test seeds with Student-t 95% CIs, ratios of means with a paired percentile bootstrap over seeds (2,000 resamples), ' +
      'differences paired by seed with Student-t CIs.',
    '',
  );

  L.push('## Targets against price-first', '');
  L.push(
    'A target counts as **met** only when its 95% confidence bound clears it (for ≤ targets the upper bound is at or below it, for ≥ targets the lower bound at or above it); ' +
      '**missed** when the whole interval is on the wrong side; **not shown** when the interval contains the target, ' +
      `or when a scenario has fewer than ${MIN_SEEDS_FOR_VERDICT} test seeds (a bootstrap over so few gives intervals that are too narrow).`,
    '',
  );
  L.push(
    `| target | ${r.scenarios.map((s) => s.name).join(' | ')} |`,
    `|---|${r.scenarios.map(() => '---').join('|')}|`,
  );
  const verdicts = r.scenarios.map((s) => targetVerdicts(s));
  for (const [k, t] of TARGETS.entries())
    L.push(
      `| ${LABEL[t.metric]} ${t.op} ${t.ratio}× | ${verdicts.map((vs) => `${ratioText(vs[k]!.observed)} ${verdictCell(vs[k]!.verdict)}`).join(' | ')} |`,
    );
  const monos = r.scenarios.map(monolithicVerdict);
  L.push(
    `| joint reward: parley − monolithic > 0 | ${monos.map((m) => `${signed(m.diff.mean)} ${interval(m.diff)} ${verdictCell(m.verdict)}`).join(' | ')} |`,
  );
  const over = r.scenarios.map((s) =>
    s.arms.reduce((t, a) => t + a.runs.reduce((u, x) => u + x.overspendMicros, 0), 0),
  );
  L.push(
    `| budget overspend = 0 (every arm, every seed) | ${over.map((x) => `${x} micros ${x === 0 ? 'met' : '**missed**'}`).join(' | ')} |`,
    '',
  );
  const all = [...verdicts.flat().map((x) => x.verdict), ...monos.map((m) => m.verdict)];
  const count = (v: Verdict) => all.filter((x) => x === v).length;
  L.push(
    `Of ${all.length} target checks (${TARGETS.length + 1} targets × ${r.scenarios.length} scenarios), ${count('met')} are met, ${count('missed')} missed and ${count('not shown')} not shown either way.`,
    '',
  );

  L.push(...learningSection(r));
  for (const s of r.scenarios) L.push(...scenarioSection(s, charts, img));
  if (first.side) L.push(...sideSection(first, first.side, charts, img));

  L.push('## Slot availability forecast', '');
  L.push(
    "Slots per UTC hour learned from the training episodes' logs (per scenario and country, exponential smoothing over days), " +
      'compared with each test seed\'s actual slots under parley (weighted absolute percentage error, lower is better; "flat" spreads the same day\'s total evenly). ' +
      "Every arm's objective agent paces on this forecast.",
    '',
  );
  L.push(
    '| scenario | all slots: forecast WAPE | flat | per context: forecast WAPE | flat |',
    '|---|---|---|---|---|',
  );
  for (const s of r.scenarios)
    L.push(
      `| ${s.name} | ${num(s.forecast.total.forecast)} | ${num(s.forecast.total.flat)} | ${num(s.forecast.byContext.forecast)} | ${num(s.forecast.byContext.flat)} |`,
    );
  L.push('');

  L.push('## Limitations', '');
  L.push(
    "- **Features that mirror the simulator.** The inventory policy's `energy_fit` feature (services/inventory/policy.ts) compares a creative's energy with the agent's table of the energy each " +
      "scenario calls for (SCENARIO_ENERGY), which is nearly the simulator's own ideal energies (sim/profiles.ts: equal for workout, commute, party and chores, within 0.1 for the rest); disruptiveness × focus is likewise a term of the simulator's truth. " +
      "The agents can therefore represent this simulator's skip model almost exactly, which real listeners will not allow; so these results likely flatter the agents. The stress scenario (sim/scenarios/stress-hidden-evening.yaml) adds a term no feature expresses (local evening × ad category × ads heard in the session); compare its verdicts with the others'.",
    "- **Brand lift** comes from the simulator's own memory model (sim/lift.ts): its build-up, wear-out and decay constants are assumptions, not fitted to real survey data. " +
      'The exposed group is every listener a campaign reached, the control group every held-out listener who had an ad break (not only those the campaign would have been chosen for), ' +
      "which is unbiased here only because the simulator's baseline awareness does not depend on how much a listener listens. Only parley's objective agent receives the surveys.",
    `- **What learns from the shared reward** is the context agent's ad load, ${r.scenarios.some((s) => s.rl?.offers) ? "the inventory agent's offer (which of its ranked candidates it offers) " : ''}and the objective agent's value multiplier (above); ` +
      "the inventory agent's ranking and the context agent's skip-risk estimator still learn from their own labels. " +
      "The long-term term is one session's next break; abandonment of later sessions and return tomorrow are outside it. The contextual bandit learns from each ad's reward as it is served, without the long-term term (known only at the session's next break). " +
      "`parley experiment --models DIR` publishes the ad-load and offer policies for the running mesh's context and inventory agents (`PARLEY_AD_LOAD_POLICY_PATH`, `PARLEY_OFFER_POLICY_PATH`); there they decide greedily and do not learn: they change when a new file is published.",
    "- **Campaign goals** are judged over whole flights: generated flights are the scenario's horizon, and each campaign's KPI targets are drawn from the scenario's ranges " +
      '(supply.generate.kpi) so that the baselines reach some of them; a catalogue file keeps its own flights and targets. Quick runs cap episodes, so their flights are cut short.',
    '',
  );

  L.push('## Definitions', '');
  L.push(
    "- **skip / completion rate, revenue, session length**: the simulator's ground truth (sim/README.md).",
    '- **recall (brand lift)**: per paid awareness campaign, every survey wave of its flight pooled: the share of surveyed exposed listeners who recall the brand minus that of its ' +
      'held-out control group (a seeded 10% of listeners the campaign is never shown to); per seed the mean over the campaigns weighted by n_exposed·n_control / (n_exposed + n_control), ' +
      "0 when none could be surveyed. Answers come from each listener's hidden brand memory (exposure build-up with diminishing returns, wear-out, decay), the brand's baseline awareness and response noise (sim/lift.ts). " +
      'The recall proxy is the old per-impression formula, kept for comparison only.',
    '- **lifted listeners per 1,000 awareness impressions**: over the same campaigns, Σ lift × reach (the listeners a campaign reached over the horizon) per 1,000 of their impressions: the listeners who recall the brand because of the ads, as an advertiser buys them. ' +
      'The mean lift among exposed listeners rises when the same listeners hear an ad again (memory builds up), even when fewer listeners are reached; this count does not.',
    "- **joint reward**: the shared reward all learners optimise (learning/reward.ts) — w_listener·(completed − skipped) + w_advertiser·goal value·KPI factor + w_platform·price/revenue scale, with the broker's weights — summed over served ads, " +
      `plus the long-term term ${LONG_TERM_WEIGHT} × (1 if the listener listened on to the same session's next break, else 0: quit, session over or end of episode), per ad break.`,
    '- **campaign reaches its goal**: a paid campaign whose goal KPI (awareness: completion rate; conversion: click rate; engagement: their mean progress) is at or above its target at the end of its flight, with at least 100 impressions.',
    "- **budget overspend**: spend above a campaign's daily or lifetime budget, from the served impressions.",
    '- **The arms.** Every arm sees the same eligible candidates (targeting, budgets, frequency caps, and pacing by the objective agent on the same slot forecast, without the campaigns whose control group the listener is in) and honours priority tiers; only the choice among them differs. ' +
      "*price-first* ranks by price. *monolithic* is one MLP predicting the shared reward from all the agents' inputs together. " +
      '*contextual bandit (LinUCB)* is one ridge regression over the same inputs with an upper-confidence bonus, learning online from every served ad (learning/linucb.ts). ' +
      "*parley* runs the broker's negotiation (services/broker/negotiation.ts) over the learned agents. *oracle context* ranks by the same reward with the simulator's hidden listener state — evaluation only.",
    `- **Budgets and tuning.** ${budgetText(r)} ${searchText(r)}`,
    '',
  );
  return { markdown: `${L.join('\n')}\n`, charts };
}

const BAR_METRICS: Metric[] = ['skipRate', 'brandLift', 'revenueMicros', 'goalAttainment', 'jointReward'];

function scenarioSection(s: ScenarioResult, charts: Map<string, Chart>, img: Img): string[] {
  const price = armOf(s, 'price-first');
  const L: string[] = [`## Scenario \`${s.name}\` (${s.scenario})`, ''];
  L.push(...analysis(s), '');
  L.push(
    `| metric | ${s.arms.map((a) => a.arm).join(' | ')} |`,
    `|---|${s.arms.map(() => '---').join('|')}|`,
  );
  for (const m of Object.keys(LABEL) as Metric[])
    L.push(`| ${LABEL[m]} | ${s.arms.map((a) => ci(a.metrics[m], m)).join(' | ')} |`);
  L.push(`| requests (ad breaks) per seed | ${s.arms.map((a) => diag(a).req.toFixed(0)).join(' | ')} |`);
  L.push(`| ads per break | ${s.arms.map((a) => diag(a).perReq.toFixed(3)).join(' | ')} |`);
  L.push(
    `| revenue per impression (micros) | ${s.arms.map((a) => diag(a).perImp.toFixed(0)).join(' | ')} |`,
    '',
  );
  for (const m of BAR_METRICS) {
    const target = TARGETS.find((t) => t.metric === m);
    const name = `${s.name}-${m}.svg`;
    charts.set(
      name,
      barChart(
        `${s.name}: ${LABEL[m]}`,
        LABEL[m],
        s.arms.map((a) => ({
          label: shortName(a.arm),
          mean: a.metrics[m].mean * scaleOf(m),
          lo: a.metrics[m].lo * scaleOf(m),
          hi: a.metrics[m].hi * scaleOf(m),
        })),
        target
          ? {
              value: price.metrics[m].mean * scaleOf(m) * target.ratio,
              label: `target ${target.op} ${target.ratio}× price-first`,
            }
          : undefined,
      ),
    );
    L.push(img(name, `${s.name}: ${LABEL[m]}`));
  }
  L.push('');
  L.push('### Decision settings (validation seeds)', '');
  L.push('| learner | setting | mean validation joint reward |', '|---|---|---|');
  const row = (who: string, name: string, value: number, chosen: boolean) =>
    `| ${who} | ${name}${chosen ? ' ★' : ''} | ${num(value)} |`;
  for (const x of s.decision.validation)
    L.push(
      row(
        'parley',
        parleySettingName(s, x.setting),
        x.jointReward,
        settingName(x.setting) === settingName(s.decision.chosen),
      ),
    );
  for (const x of s.monolithicDecision.validation)
    L.push(row('monolithic', floorName(x.setting), x.jointReward, x.setting === s.monolithicDecision.chosen));
  for (const x of s.banditDecision.validation)
    L.push(row('bandit', `α ${x.setting}`, x.jointReward, x.setting === s.banditDecision.chosen));
  L.push('', '★ = chosen.', '');
  L.push('### Learning', '');
  L.push(
    `Training took ${(s.trainWallMs / 1000).toFixed(0)} s wall clock (${s.trainCpuMs === null ? 'CPU not measured: the scenarios ran side by side' : `${(s.trainCpuMs / 1000).toFixed(0)} s CPU`}). Model versions: ${Object.entries(
      s.versions,
    )
      .map(([k, v]) => `${k} \`${v}\``)
      .join(', ')}.`,
    '',
  );
  L.push(
    '| iteration | samples | parley joint reward | parley skip | monolithic joint reward | monolithic skip |',
    '|---|---|---|---|---|---|',
  );
  s.curves.parley.forEach((p, i) => {
    const m = s.curves.monolithic[i]!;
    L.push(
      `| ${p.iteration} | ${p.samples} | ${num(p.jointReward)} | ${num(p.skipRate)} | ${num(m.jointReward)} | ${num(m.skipRate)} |`,
    );
  });
  L.push('');
  return L;
}

interface FrontierPoint {
  arm: ArmSummary;
  skip: Interval;
  recall: Interval;
  revenue: Interval;
}

/** Parley's decision settings against price-first on the side studies' seeds. */
function frontierPoints(side: SideStudies): FrontierPoint[] {
  return side.frontier.map((arm) => ({
    arm,
    skip: pairedRatio(arm, side.priceFirst, 'skipRate'),
    recall: pairedRatio(arm, side.priceFirst, 'brandLift'),
    revenue: pairedRatio(arm, side.priceFirst, 'revenueMicros'),
  }));
}

function sideSection(s: ScenarioResult, side: SideStudies, charts: Map<string, Chart>, img: Img): string[] {
  const L: string[] = [`## Side studies on \`${s.name}\` (test seeds ${side.seeds.join(', ')})`, ''];
  L.push(...sideAnalysis(side), '');
  L.push(...frontierSection(s, side, charts, img));
  L.push(...brandSafetySection(side.brandSafety, charts, img));
  L.push(...onlineSection(side.online, charts, img));
  L.push(...opeSection(side.ope));
  return L;
}

function frontierSection(
  s: ScenarioResult,
  side: SideStudies,
  charts: Map<string, Chart>,
  img: Img,
): string[] {
  const points = frontierPoints(side);
  const sorted = [...points].sort((a, b) => a.revenue.mean - b.revenue.mean);
  charts.set(
    'frontier.svg',
    lineChart(
      'Skips against revenue, relative to price-first',
      'revenue / price-first',
      'skip rate / price-first',
      [
        { name: 'parley settings', points: sorted.map((p) => ({ x: p.revenue.mean, y: p.skip.mean })) },
        {
          name: 'targets (region right of and below)',
          dashed: true,
          points: [
            { x: 0.95, y: Math.min(0.7, ...points.map((p) => p.skip.mean)) },
            { x: 0.95, y: 0.8 },
            { x: Math.max(1.05, ...points.map((p) => p.revenue.mean)), y: 0.8 },
          ],
        },
      ],
    ),
  );
  return [
    '### Skips against revenue: the frontier',
    '',
    "The broker's two levers on how much listeners are asked to hear: the listener weight it decides with (× the configured one) and an " +
      "ad-load floor on joint utility (`PARLEY_MIN_UTILITY`). Each setting runs the trained agents; with the shared-reward policies the context agent's learned ad-load policy sets the floor per break, in place of any setting's. The reward is always measured with the configured weights. " +
      `Ratios against price-first on the same seeds with paired bootstrap CIs. ★ = parley's setting, chosen on the validation seeds (${parleySettingName(s, s.decision.chosen)}).`,
    '',
    '| setting | skip rate | recall (brand lift) | revenue | joint reward per request | ads per break |',
    '|---|---|---|---|---|---|',
    ...sorted.map((p) => {
      const star = frontierArm(s.decision.chosen) === p.arm.arm ? ' ★' : '';
      return `| ${shownArm(s, p.arm.arm)}${star} | ${ratioText(p.skip)} | ${ratioText(p.recall)} | ${ratioText(p.revenue)} | ${ci(p.arm.metrics.jointReward, 'jointReward')} | ${diag(p.arm).perReq.toFixed(3)} |`;
    }),
    '',
    img('frontier.svg', 'skips against revenue'),
    '',
  ];
}

/** The brand-safety critic's marginal effect (and its chart). */
function brandSafetySection(b: BrandSafetyResult, charts: Map<string, Chart>, img: Img): string[] {
  const [without, withCritic, vetoes] = b.arms as [ArmSummary, ArmSummary, ArmSummary];
  charts.set(
    'brand-safety.svg',
    barChart(
      LABEL.unsafeAdjacencies,
      LABEL.unsafeAdjacencies,
      b.arms.map((a) => ({
        label: shortName(a.arm),
        mean: a.metrics.unsafeAdjacencies.mean,
        lo: a.metrics.unsafeAdjacencies.lo,
        hi: a.metrics.unsafeAdjacencies.hi,
      })),
    ),
  );
  const rows: Metric[] = [
    'unsafeAdjacencies',
    'unsafeRate',
    'skipRate',
    'revenueMicros',
    'brandCostMicros',
    'meanSessionMinutes',
    'jointReward',
  ];
  const diff = (a: ArmSummary, m: Metric) => {
    const d = pairedDiff(a, without, m);
    return `${fmt(d.mean, m)} [${fmt(d.lo, m)}, ${fmt(d.hi, m)}]`;
  };
  const revenue = pairedRatio(withCritic, without, 'revenueMicros');
  const skips = pairedDiff(withCritic, without, 'skipRate');
  const perThousand = (a: ArmSummary) => 1000 * a.metrics.unsafeRate.mean;
  return [
    '### Brand safety: the critic’s marginal effect',
    '',
    "The same parley arm (the trained agents, parley's decision setting) without the brand-safety agent — today's negotiation — " +
      `and with it as one more critic (services/brand-safety: vetoes with \`REASON_UNSUITABLE_CONTENT\`, and its value in the joint utility with weight ${b.weight}), ` +
      'or with its vetoes only (weight 0), added as the registry adds it (`critics` in sim/experiments/arms.ts). Differences are paired by seed (mean and 95% CI).',
    '',
    `| metric | without (today's negotiation) | with the critic | vetoes only | with − without | vetoes only − without |`,
    '|---|---|---|---|---|---|',
    ...rows.map(
      (m) =>
        `| ${LABEL[m]} | ${b.arms.map((a) => ci(a.metrics[m], m)).join(' | ')} | ${diff(withCritic, m)} | ${diff(vetoes, m)} |`,
    ),
    '',
    `With the critic, ${fmt(withCritic.metrics.unsafeAdjacencies.mean, 'unsafeAdjacencies')} brand-unsafe adjacencies are served per seed against ` +
      `${fmt(without.metrics.unsafeAdjacencies.mean, 'unsafeAdjacencies')} without (per seed: ${withCritic.runs.map((x) => x.unsafeAdjacencies).join(', ')} against ` +
      `${without.runs.map((x) => x.unsafeAdjacencies).join(', ')}; ${perThousand(withCritic).toFixed(1)} vs ${perThousand(without).toFixed(1)} per 1,000 ads); ` +
      `the skip rate changes by ${signed(skips.mean)} ${interval(skips)} and revenue is ${ratioText(revenue)} today's.`,
    '',
    img('brand-safety.svg', 'brand-unsafe adjacencies served per seed'),
    '',
  ];
}

/** Online learning in the mesh path (and its two charts). */
function onlineSection(o: OnlineResult, charts: Map<string, Chart>, img: Img): string[] {
  const [still, learning] = o.arms as [ArmSummary, ArmSummary];
  const curve = (name: string, y: (p: OnlineCurvePoint) => number) => ({
    name: shortName(name),
    points: (o.curves[name] ?? []).map((p) => ({ x: p.hours, y: y(p) })),
  });
  charts.set(
    'online-skip.svg',
    lineChart('Online learning over the day: skip rate', 'simulated hours', 'skip rate', [
      curve(STATIC_ARM, (p) => p.skipRate),
      curve(ONLINE_ARM, (p) => p.skipRate),
    ]),
  );
  charts.set(
    'online-reward.svg',
    lineChart('Online learning over the day: joint reward', 'simulated hours', 'joint reward / request', [
      curve(STATIC_ARM, (p) => p.jointReward),
      curve(ONLINE_ARM, (p) => p.jointReward),
    ]),
  );
  const rows: Metric[] = ['skipRate', 'completionRate', 'brandLift', 'revenueMicros', 'jointReward'];
  const diff = (m: Metric) => {
    const d = pairedDiff(learning, still, m);
    return `${fmt(d.mean, m)} [${fmt(d.lo, m)}, ${fmt(d.hi, m)}]`;
  };
  return [
    '### Online learning in the running mesh',
    '',
    'What `npm start` does before any offline training: the baseline inventory policy, the broker exploring as configured ' +
      `(ε = ${o.exploration.epsilon}, τ = ${o.exploration.temperature}), and the inventory agent's online learner (learning/online.ts) ` +
      'reading the outcome log between decisions and hot-swapping each accepted version — against the same mesh with learning off; ' +
      'no context or objective model, flat pacing (as `npm start` runs before a forecast exists).',
    '',
    `| metric | ${shortName(STATIC_ARM)} | ${shortName(ONLINE_ARM)} | difference (online − static) |`,
    '|---|---|---|---|',
    ...rows.map(
      (m) => `| ${LABEL[m]} | ${ci(still.metrics[m], m)} | ${ci(learning.metrics[m], m)} | ${diff(m)} |`,
    ),
    '',
    `Guarded steps per episode (mean over seeds): ${o.steps.accepted.toFixed(1)} accepted, ${o.steps.rejected.toFixed(1)} rejected by the holdout check, ` +
      `${o.steps.rolledBack.toFixed(1)} rolled back. Curves: mean over seeds per ${o.blockHours} simulated hours.`,
    '',
    img('online-skip.svg', 'online learning, skip rate over the day'),
    img('online-reward.svg', 'online learning, joint reward over the day'),
    '',
  ];
}

function opeSection(ope: readonly OpeResult[]): string[] {
  const L = ['### Off-policy evaluation against ground truth', ''];
  L.push(
    'Logged with the exploring policy (softmax over the joint utility, τ = 0.4, ε = 0.1) on separate seeds; each target policy ' +
      'is estimated from the log alone (first ad of each break, reward = the shared reward) and run for real on the same seeds ' +
      "for its true value. DR uses the agents' joint utility as the reward model. 95% percentile-bootstrap CIs.",
    '',
  );
  L.push('| target policy | truth | IPS | SNIPS | DR | n | ESS |', '|---|---|---|---|---|---|---|');
  for (const x of ope) {
    const c = (i: Interval) =>
      `${num(i.mean)} ${interval(i)}${i.lo <= x.truth && x.truth <= i.hi ? ' ✓' : ''}`;
    L.push(
      `| ${x.target} | ${num(x.truth)} | ${c(x.report.ips)} | ${c(x.report.snips)} | ${c(x.report.dr)} | ${x.report.n} | ${x.report.ess.toFixed(0)} |`,
    );
  }
  L.push('', '✓ = the CI covers the true value.', '');
  return L;
}
