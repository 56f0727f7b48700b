/**
 * The evaluation report: markdown with SVG charts written beside it. Every
 * figure is a mean over the replicates with a 95 % Student-t interval; a
 * target is met or missed by the interval's LOWER bound, and every sentence
 * that states a result is built from the numbers it states.
 */

import { type BarGroup, type Chart, groupedBarChart, lineChart, type Series } from '../../charts';
import { ci95, type Interval } from '../../services/common/stats';
import type { Arm, ArmId, EvalResult, PolicyResult } from './experiment';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const f4 = (x: number) => x.toFixed(4);
const ciPct = (i: Interval) => `${pct(i.mean)} [${pct(i.lo)}, ${pct(i.hi)}]`;
const ciF4 = (i: Interval) => `${f4(i.mean)} [${f4(i.lo)}, ${f4(i.hi)}]`;

/** First round whose curve value reaches `target` (null if never). */
export function roundsToTarget(curve: ReadonlyArray<[number, number]>, target: number): number | null {
  for (const [round, v] of curve) if (v >= target) return round;
  return null;
}

export interface Check {
  name: string;
  value: string;
  pass: boolean;
  /** Reported, not required (see the note in the report). */
  informational?: boolean;
}

function arm(r: EvalResult, id: ArmId): Arm {
  const a = r.arms.find((x) => x.id === id);
  if (!a) throw new Error(`the evaluation has no arm ${id}`);
  return a;
}

/** Per-replicate a / b (paired by replicate), with its interval over the replicates. */
export function pairedShare(a: Arm, b: Arm): Interval {
  return ci95(a.runs.map((run, i) => run.reward / b.runs[i]!.reward));
}

/** Per-replicate share of `ref`'s gain over the baseline (default central): (a − baseline) / (ref − baseline). */
export function gainShare(a: Arm, r: EvalResult, ref: Arm = arm(r, 'central')): Interval {
  const base = arm(r, 'baseline').runs;
  return ci95(
    a.runs.map((run, i) => (run.reward - base[i]!.reward) / (ref.runs[i]!.reward - base[i]!.reward)),
  );
}

export function rewardInterval(a: Arm): Interval {
  return ci95(a.runs.map((run) => run.reward));
}

/** The largest ε any replicate of the arm spent (undefined without DP). */
export function maxEpsilon(a: Arm): number | undefined {
  const eps = a.runs.map((run) => run.epsilon).filter((e): e is number => e !== undefined);
  return eps.length ? Math.max(...eps) : undefined;
}

/** "met (lower bound 96.1 % ≥ 95 %)" or "missed (lower bound 93.0 % < 95 %)". */
function verdict(i: Interval, target: number): string {
  return i.lo >= target
    ? `met (lower bound ${pct(i.lo)} ≥ ${pct(target)})`
    : `missed (lower bound ${pct(i.lo)} < ${pct(target)})`;
}

export function checks(r: EvalResult): Check[] {
  const central = arm(r, 'central');
  const fedavg = arm(r, 'fedavg');
  const dp = arm(r, 'dp-fedavg');
  const fedShare = pairedShare(fedavg, central);
  const dpShare = pairedShare(dp, central);
  const dpEps = maxEpsilon(dp) ?? Number.POSITIVE_INFINITY;
  const minClients = Math.min(...r.replicates.map((x) => x.clients));
  const out: Check[] = [
    { name: 'replicates (≥ 10)', value: String(r.replicates.length), pass: r.replicates.length >= 10 },
    { name: 'clients in every replicate (≥ 1,000)', value: String(minClients), pass: minClients >= 1000 },
    {
      name: 'FedAvg reward ≥ 95 % of central (lower 95 % bound)',
      value: ciPct(fedShare),
      pass: fedShare.lo >= 0.95,
    },
    {
      name: `DP-FedAvg reward ≥ 90 % of central (lower 95 % bound) at ε ≤ 8, δ = ${r.options.dp.delta}`,
      value: `${ciPct(dpShare)} at ε = ${dpEps.toFixed(2)}`,
      pass: dpShare.lo >= 0.9 && dpEps <= 8 && r.options.dp.delta <= 1e-5,
    },
  ];
  for (const a of r.arms.filter((x) => x.attack && x.attack.strategy !== 'fedavg')) {
    const share = pairedShare(a, fedavg);
    out.push({
      name: `${a.attack!.strategy} with ${pct(a.attack!.fraction)} ${a.attack!.attack} attackers keeps ≥ 90 % of the clean FedAvg reward (lower bound)`,
      value: ciPct(share),
      pass: share.lo >= 0.9,
      informational: a.attack!.strategy === 'median',
    });
  }
  return out;
}

export interface RenderedReport {
  markdown: string;
  /** file name (relative to the report's chart folder) → the chart (charts/: toSvg draws it) */
  charts: Record<string, Chart>;
}

const meanOf = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

function first(a: Arm): PolicyResult {
  return a.runs[0]!;
}

export function renderReport(r: EvalResult, chartDir: string, command: string): RenderedReport {
  const o = r.options;
  const n = r.replicates.length;
  const baseline = arm(r, 'baseline');
  const central = arm(r, 'central');
  const fedavg = arm(r, 'fedavg');
  const dp = arm(r, 'dp-fedavg');
  const centralDp = arm(r, 'central-dp');
  const plain = r.arms.filter((a) => !a.attack);
  const attacks = r.arms.filter((a) => a.attack);
  const centralFirst = first(central).reward;
  const rows = plain.map((a) => {
    const curve = first(a).curve;
    const federated = a.id !== 'baseline' && a.id !== 'central' && a.id !== 'central-dp';
    const toTarget =
      federated && curve && curve.length > 0 ? roundsToTarget(curve, 0.95 * centralFirst) : null;
    const eps = maxEpsilon(a);
    const share = a === central ? '100.0 %' : ciPct(pairedShare(a, central));
    const gain = a === central ? '100.0 %' : a === baseline ? '0.0 %' : ciPct(gainShare(a, r));
    return `| ${a.name} | ${ciF4(rewardInterval(a))} | ${share} | ${gain} | ${f4(meanOf(a.runs.map((x) => x.completionRate)))} | ${f4(meanOf(a.runs.map((x) => x.clickRate)))} | ${f4(meanOf(a.runs.map((x) => x.offPolicy)))} | ${toTarget ?? '—'} | ${eps === undefined ? '—' : eps.toFixed(2)} |`;
  });
  const curves = plain
    .filter((a) => a.id !== 'central' && (first(a).curve?.length ?? 0) > 1)
    .map((a) => ({ name: a.name, points: first(a).curve!.map(([x, y]) => ({ x, y })) }));
  const lastRound = Math.max(1, ...curves.flatMap((c) => c.points.map((p) => p.x)));
  /** A reference level drawn dashed across every round. */
  const level = (name: string, y: number): Series => ({
    name,
    points: [
      { x: 0, y },
      { x: lastRound, y },
    ],
    dashed: true,
  });
  const series: Series[] = [
    level('central (final)', centralFirst),
    level('baseline', first(baseline).reward),
    ...curves,
  ];
  const charts: Record<string, Chart> = {
    'curves.svg': lineChart(
      'Reward of the global model by round (held-out simulation, replicate 1)',
      'round',
      'reward per decision',
      series,
      { dots: false },
    ),
  };
  const label = (a: Arm) => `${a.attack!.attack} ${Math.round(a.attack!.fraction * 100)}%`;
  const labels = [...new Set(attacks.map(label))];
  const groups: BarGroup[] = labels.map((l) => ({
    label: l,
    bars: attacks
      .filter((a) => label(a) === l)
      .map((a) => ({ name: a.attack!.strategy, value: rewardInterval(a).mean })),
  }));
  if (groups.length > 0) {
    charts['attacks.svg'] = groupedBarChart(
      `Reward with malicious clients (mean of ${n} replicates)`,
      'reward per decision (simulated)',
      groups,
      { label: 'clean FedAvg', value: rewardInterval(fedavg).mean },
    );
  }
  const attackRows = attacks.map(
    (a) =>
      `| ${pct(a.attack!.fraction)} | ${a.attack!.attack} | ${a.attack!.strategy} | ${ciF4(rewardInterval(a))} | ${ciPct(pairedShare(a, fedavg))} | ${ciPct(gainShare(a, r, fedavg))} |`,
  );
  const belowBaseline = attacks.filter((a) => gainShare(a, r, fedavg).hi < 0).map((a) => a.name);
  const keepsHalf = attacks
    .filter((a) => a.attack!.strategy !== 'fedavg' && gainShare(a, r, fedavg).lo >= 0.5)
    .map((a) => a.name);
  const cs = checks(r);
  const baseShare = pairedShare(baseline, central);
  const fedShare = pairedShare(fedavg, central);
  const dpShare = pairedShare(dp, central);
  const cdpShare = pairedShare(centralDp, central);
  const dpEps = maxEpsilon(dp);
  const cdpEps = maxEpsilon(centralDp);
  const clients = r.replicates.map((x) => x.clients);
  const decisions = r.replicates.map((x) => x.decisions);
  const room = 1 - baseShare.mean;
  const dpMet = checks(r).find((c) => c.name.startsWith('DP-FedAvg'))!.pass;
  const dpVsCentralDp = ci95(dp.runs.map((run, i) => run.reward / centralDp.runs[i]!.reward));
  const md = `# Federated learning — evaluation report

Generated by \`${command}\` in ${r.seconds.toFixed(0)} s wall-clock (${r.cpuSeconds.toFixed(0)} CPU-seconds; one thread).
Everything is seeded: the same command gives the same numbers.

## Setup

- Scenario \`${r.scenarioName}\` (${o.scenarioPath.split('/').slice(-2).join('/')}) over ${o.days} simulated day(s). **${n} replicates**: replicate i logs with seed ${o.seed} + 101·i, trains with its own client sampling, minibatch and noise draws, and is evaluated on a fresh simulation with seed ${o.evalSeed} + 101·i (same ad supply, new listeners' sessions and responses).
- **Clients:** every listener is one client that keeps its own interaction log: ${Math.min(...clients).toLocaleString('en')}–${Math.max(...clients).toLocaleString('en')} clients per replicate, ${Math.min(...decisions).toLocaleString('en')}–${Math.max(...decisions).toLocaleString('en')} logged decisions (replicate 1: ${r.replicates[0]!.clients.toLocaleString('en')} clients, median ${r.replicates[0]!.medianDecisionsPerClient} decisions per client).
- **Non-IID** (replicate 1): on average ${pct(r.replicates[0]!.clientDominantShare)} of a client's decisions fall in its own most frequent (inferred) scenario, against ${pct(r.replicates[0]!.globalDominantShare)} for the most frequent scenario overall.
- **Model:** the inventory policy's three logistic heads (36 parameters). **Action policy:** softmax over the listener score p_complete·(1 − p_skip) + p_engage of ${o.candidates} random candidates per break, temperature ${o.temperature}. **Reward:** completed + clicked.
- **Learning:** off-policy REINFORCE with the logged propensities, a mean-reward baseline and importance weights capped at ${o.plan.maxImportanceWeight} (\`federated/client/reinforce.ts\`). Central: ${o.centralEpochs} epochs of minibatch (64) gradient ascent on the pooled data, learning rate 1. **Every federated arm runs ${o.rounds} rounds**, sampling fraction q = ${o.samplingFraction}, local plan: ${o.plan.localEpochs} epochs, batch ${o.plan.batchSize}, learning rate ${o.plan.learningRate}, update clipped to L2 ≤ ${o.plan.clipNorm}; rounds run through the real \`Coordinator\` (embedded store, simulated clock).
- **DP** (user-level: one client is one listener): the target is ε = ${o.dp.targetEpsilon} at δ = ${o.dp.delta} over ${o.rounds} rounds at q = ${o.samplingFraction}, which the accountant (\`noiseMultiplierFor\`, \`federated/privacy/rdp.ts\`) meets with noise multiplier z = ${r.noiseMultiplier.toFixed(4)}. DP-FedAvg clips each update at C = ${o.plan.clipNorm} and adds N(0, (z·C)²) to the sum, divided by the expected q·N clients. **Central DP-SGD** (\`trainCentralDp\`) is the central arm at the same budget: ${o.rounds} steps, each drawing users at the same q, clipping each drawn user's step (learning rate ${o.centralDp.learningRate} × its mean gradient) at C = ${o.centralDp.clipNorm}, the same z, charged to the same accountant. Its learning rate was picked among 1, 3 and 10 by its reward on replicate 1.
- **Intervals:** every figure is the mean over the ${n} replicates with a 95 % Student-t interval; shares of central (or of clean FedAvg) are taken per replicate (paired: same data, same evaluation simulation) and the interval is over those ${n} ratios. Targets are judged by the lower bound.

## Results

| policy | reward | of central | of central's gain over baseline | completion | click | off-policy value | rounds to 95 % of central (replicate 1) | ε (δ = ${o.dp.delta}) |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

![curves](${chartDir}/curves.svg)

**Scale.** The logging policy alone earns ${ciPct(baseShare)} of central's reward, so the whole room that learning can win is about ${pct(room)} of central; "of central" shares near 100 % are therefore easy, and the "of central's gain" column (how much of that room an arm wins) is the stricter reading.

- FedAvg earns ${ciPct(fedShare)} of central: the ≥ 95 % target is ${verdict(fedShare, 0.95)}. Of central's gain over the baseline it wins ${ciPct(gainShare(fedavg, r))}.
- DP-FedAvg earns ${ciPct(dpShare)} of central at ε = ${dpEps === undefined ? 'n/a' : dpEps.toFixed(2)} (δ = ${o.dp.delta}): the target (≥ 90 % at ε ≤ 8) is ${dpMet ? 'met' : 'missed'} (lower bound ${pct(dpShare.lo)} ${dpShare.lo >= 0.9 ? '≥' : '<'} 90.0 %, ε ${dpEps !== undefined && dpEps <= 8 ? '≤' : '>'} 8). Of central's gain it wins ${ciPct(gainShare(dp, r))}.
- Central DP-SGD at ε = ${cdpEps === undefined ? 'n/a' : cdpEps.toFixed(2)} earns ${ciPct(cdpShare)} of central (${ciPct(gainShare(centralDp, r))} of its gain); DP-FedAvg earns ${ciPct(dpVsCentralDp)} of central DP-SGD's reward at the same budget, ${dpVsCentralDp.lo > 1 ? 'more, by its lower bound' : dpVsCentralDp.hi < 1 ? 'less, by its upper bound' : 'an interval that contains 100 %: no difference is resolved'}.

## Malicious clients (${o.attackFractions.map((f) => pct(f)).join(' and ')} of clients)

Attackers train on their own data and then send: **sign-flip** −Δ; **scaled** −10·Δ; **alie** ("a little is enough", Baruch et al. 2019) μ − z·σ of the round's honest updates per coordinate. Attackers do not clip; the server's norm bound (\`maxUpdateNorm\`) is left off here so that only the aggregation rule defends. Trimmed mean trims β = (share of attackers + 0.05) from each end; Multi-Krum assumes f = (share of attackers + 0.05) × the round's expected clients (the defender knows a bound, not the exact number). The same clients are malicious in every round of a replicate.

| malicious | attack | strategy | reward | of clean FedAvg | of clean FedAvg's gain over baseline |
|---|---|---|---|---|---|
${attackRows.join('\n') || '| — | — | — | — | — | — |'}

Because the logging policy already earns ${ciPct(pairedShare(baseline, fedavg))} of clean FedAvg's reward, "keeps ≥ 90 % of the clean reward" is a weak bar on its own; the last column says how much of what federated learning adds survives the attack. ${belowBaseline.length > 0 ? `Below the logging policy (that share's whole interval under 0): ${belowBaseline.join('; ')}.` : 'No attacked arm is below the logging policy by its upper bound.'} ${keepsHalf.length > 0 ? `Robust arms keeping at least half of the gain by the lower bound: ${keepsHalf.join('; ')}.` : 'No robust arm keeps half of the gain by its lower bound.'}

${groups.length > 0 ? `![attacks](${chartDir}/attacks.svg)\n` : ''}
## Checks

| requirement | measured (mean [95 % interval]) | |
|---|---|---|
${cs.map((c) => `| ${c.name} | ${c.value} | ${c.pass ? 'pass' : c.informational ? 'below (informational)' : '**FAIL**'} |`).join('\n')}

The coordinate-wise median's attack rows are reported but not counted: "a little is enough" is built to sit inside the honest spread the median selects from (Baruch et al. 2019).
`;
  return { markdown: md, charts };
}
