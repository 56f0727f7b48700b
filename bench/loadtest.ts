/**
 * The load test (`npm run loadtest`): does the whole mesh keep its promises
 * at a steady load, and does it shed a spike cleanly?
 *
 * On loopback, it starts every service of the mesh (bench/mesh.ts, `parley
 * serve` per process) on embedded state, or with --redis on Redis (REDIS_URL
 * when set, else a redis-server of its own on a free port, stopped at the
 * end), with a generated catalogue in which every fourth campaign has a small
 * budget that runs dry during the run. Then:
 *  1. saturation: a closed loop at rising concurrency (bench/load.ts): the
 *     decisions/s neither degraded nor late of the best level with no failed
 *     call and its p99 within the deadline (saturationOf), unless --rate
 *     says the rate;
 *  2. one open loop (a load generator in its own process), latency measured
 *     at the client from each request's scheduled send time, outcome reports
 *     sent as an ad server would, RSS of every process sampled each second:
 *       fill      the steady rate for --fill-seconds (60), not judged: the
 *                 mesh's bounded state fills (the broker's answers kept 60 s
 *                 for idempotent Decide, the inventory agent's last 50,000
 *                 proposed candidates for online learning), so that RSS
 *                 growth in the steady stage is growth, not a window filling;
 *       steady    --share (70%) of the saturation rate for --seconds (60),
 *       spike     --spike-factor (5) times that for --spike-seconds (10),
 *       recovery  the steady rate again for --recovery-seconds (20);
 *  3. the campaigns' spend against their budgets, from the committing agent
 *     (ObjectiveAgent/CampaignStatus: spent + reserved per campaign).
 * Verdicts (see verdicts()): steady, no failed call and every answer within
 * its deadline; no campaign above its budget; RSS of every parley process
 * growing under 10% over the steady phase's second half; spike (and
 * recovery), no failed call and every answer within its deadline (degraded
 * or shed answers are fine); latency back to normal within 10 s of the
 * spike's end. Writes bench/out/loadtest.json and loadtest.svg (or under
 * --out), prints a verdict per check, and exits 1 when one fails.
 *
 *   npm run loadtest -- [--rate N] [--redis] [--fill-seconds 60] [--seconds 60] [--spike-seconds 10]
 *                       [--spike-factor 5] [--recovery-seconds 20] [--share 0.7]
 *                       [--deadline-ms 100] [--channels 4] [--concurrency 1,2,4,...]
 *                       [--level-seconds 3] [--api unary|stream] [--out bench/out]
 *
 * The load generator shares the cores with the mesh: its own queueing counts
 * as latency (as it would for an ad server on the same machine).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVICES } from '../bin/spawn';
import { lineChart, toSvg } from '../charts';
import type { CampaignStatusReply__Output } from '../proto/gen/parley/v1/CampaignStatusReply';
import type { ObjectiveAgentClient } from '../proto/gen/parley/v1/ObjectiveAgent';
import { type CommandSpec, helpText, numberFlag, parseCommand, UsageError } from '../services/common/cli';
import { DEFAULT_REGISTRY } from '../services/common/config';
import { v1 } from '../services/common/grpc/proto';
import { parsePrometheus, sumOf } from '../services/common/metrics';
import { projectPath } from '../services/common/paths';
import { agentsWithRole, loadRegistry } from '../services/common/registry';
import type { ClosedResult, OpenResult, Slice, Stage, StageResult } from './load';
import {
  API_FLAG,
  apiFlag,
  atLeast,
  benchDefaults,
  closedSpec,
  commit,
  harnessCredentials,
  levelsFlag,
  type MeshState,
  machine,
  meshPids,
  pathFlag,
  startMesh,
  stopMesh,
} from './mesh';
import { runLoad } from './procs';
import { growthOverSecondHalf, median, percentile } from './stats';

// ---------------------------------------------------------------------------
// Options

export interface LoadtestOptions {
  /** The steady rate (decisions/s); null = --share of the measured saturation rate. */
  rate: number | null;
  /** Embedded state, or Redis (REDIS_URL when set, else a redis-server of its own). */
  redis: boolean;
  /** A first stage at the steady rate, not judged: the mesh's bounded state fills (see the header). */
  fillSeconds: number;
  steadySeconds: number;
  spikeSeconds: number;
  spikeFactor: number;
  recoverySeconds: number;
  share: number;
  deadlineMs: number;
  channels: number;
  concurrency: number[];
  /** Seconds per closed-loop level. */
  levelSeconds: number;
  /** One Decide call per decision, or each channel's decisions over one DecideStream. */
  api: 'unary' | 'stream';
  /** Directory of loadtest.json and loadtest.svg. */
  out: string;
}

export const OUT_DIR = projectPath('bench', 'out');

export const LOADTEST_COMMAND: CommandSpec = {
  usage: 'npm run loadtest -- [options]',
  summary:
    'The whole mesh at a share of its measured saturation, then a spike; a verdict per promise\n(see the header of bench/loadtest.ts).',
  flags: {
    rate: {
      value: 'N',
      help: 'the steady rate in decisions/s (default: --share of the measured saturation)',
    },
    redis: { help: 'Redis state (a throwaway redis-server) instead of embedded' },
    seconds: { value: 'S', help: 'the steady stage (>= 2)', default: '60' },
    'fill-seconds': { value: 'S', help: 'a first, unjudged stage at the steady rate', default: '60' },
    'spike-seconds': { value: 'S', help: 'the spike (>= 1)', default: '10' },
    'spike-factor': { value: 'X', help: 'the spike as a multiple of the steady rate', default: '5' },
    'recovery-seconds': { value: 'S', help: 'the stage after the spike (>= 2)', default: '20' },
    share: { value: 'X', help: 'the steady rate as a share of saturation, in (0, 1]', default: '0.7' },
    'deadline-ms': { value: 'MS', help: 'deadline_ms of every request (>= 10)', default: '100' },
    channels: { value: 'N', help: 'client channels of the load generator', default: '4' },
    concurrency: { value: 'LIST', help: 'closed-loop levels of the saturation search', default: '1,2,…,128' },
    'level-seconds': { value: 'S', help: 'seconds per closed-loop level', default: '3' },
    api: API_FLAG,
    out: { value: 'DIR', help: 'where loadtest.json and loadtest.svg go', default: 'bench/out' },
  },
};

/** The load test's options, or null for --help; an error names a bad flag. */
export function parseArgs(argv: string[]): LoadtestOptions | null {
  const args = parseCommand(argv, LOADTEST_COMMAND);
  if (!args) return null;
  const v = args.values;
  return {
    rate: typeof v.rate === 'string' ? atLeast(v, 'rate', 0, 1) : null,
    redis: v.redis === true,
    fillSeconds: atLeast(v, 'fill-seconds', 60, 0),
    steadySeconds: atLeast(v, 'seconds', 60, 2),
    spikeSeconds: atLeast(v, 'spike-seconds', 10, 1),
    spikeFactor: atLeast(v, 'spike-factor', 5, 1),
    recoverySeconds: atLeast(v, 'recovery-seconds', 20, 2),
    share: numberFlag(v, 'share', 0.7, { min: 0.01, max: 1 }),
    deadlineMs: Math.floor(atLeast(v, 'deadline-ms', 100, 10)),
    channels: Math.floor(atLeast(v, 'channels', 4, 1)),
    concurrency: levelsFlag(v, 'concurrency', [1, 2, 4, 8, 16, 32, 64, 128]),
    levelSeconds: atLeast(v, 'level-seconds', 3, 1),
    api: apiFlag(v, 'unary'),
    out: pathFlag(v, 'out', OUT_DIR),
  };
}

// ---------------------------------------------------------------------------
// The result, and what it says

/** A campaign's spend (spent + reserved) against its budget, as the committing agent reports it. */
export interface CampaignSpend {
  campaignId: string;
  budgetMicros: number;
  spendMicros: number;
}

export interface LoadtestResult {
  command: string;
  date: string;
  commit: string;
  machine: string;
  /** 1-minute load average before the run (other work on the machine skews it). */
  loadBefore: number;
  state: string;
  /** How decisions were asked for: one Decide call each, or over DecideStreams. */
  api: 'unary' | 'stream';
  deadlineMs: number;
  /** The closed loop's saturation (see saturationOf; null with --rate). */
  saturation: { rate: number; concurrency: number; inTime: boolean; levels: ClosedResult['levels'] } | null;
  steadyRate: number;
  spikeRate: number;
  /** steady, spike, recovery. */
  stages: StageResult[];
  perSecond: Slice[];
  /** RSS samples [seconds into the window, KiB] per process. */
  rssKb: Record<string, Array<[number, number]>>;
  /** ReportOutcomes calls over the whole window. */
  outcomes: { batches: number; reports: number; failedBatches: number; firstError: string };
  campaigns: CampaignSpend[];
  /** The broker's parley_shed_decisions_total by reason at the end (null when it could not be read). */
  shedByReason: Record<string, number> | null;
  firstError: string;
  verdicts: Verdict[];
}

export interface Verdict {
  check: string;
  pass: boolean;
  /** The measured figure, for a person. */
  measured: string;
}

/** RSS growth limit over the steady phase's second half, as a share of the RSS then. */
export const RSS_GROWTH_LIMIT = 0.1;
/** Latency must be back to normal within this many seconds of the spike's end. */
export const RECOVERY_LIMIT_S = 10;
/** Processes whose RSS is reported but not judged: Redis holds the mesh's growing state by design. */
const RSS_NOT_JUDGED = new Set(['redis-server']);

/**
 * The saturation rate for the load test: of the closed loop's levels, the
 * best rate (decisions/s neither degraded nor late) among those that kept
 * their promises (no failed call, p99 within the deadline): the throughput
 * the mesh gives within its deadline. When no level did, the best rate of
 * all (as the benchmark counts it).
 */
export function saturationOf(
  levels: ClosedResult['levels'],
  deadlineMs: number,
): { rate: number; concurrency: number; inTime: boolean } {
  const best = (ls: ClosedResult['levels']) => ls.reduce((a, l) => (l.rate > a.rate ? l : a), ls[0]!);
  const kept = levels.filter((l) => l.errors === 0 && l.p99Ms <= deadlineMs);
  const level = kept.length > 0 ? best(kept) : best(levels);
  return { rate: level?.rate ?? 0, concurrency: level?.concurrency ?? 0, inTime: kept.length > 0 };
}

/**
 * RSS growth of each process over the second half of the samples from
 * `from` to `to` (seconds into the window), as a share of the RSS then.
 */
export function rssGrowth(
  rssKb: Record<string, Array<[number, number]>>,
  from: number,
  to: number,
): Record<string, { growthMiB: number; share: number }> {
  const out: Record<string, { growthMiB: number; share: number }> = {};
  for (const [name, samples] of Object.entries(rssKb)) {
    const steady = samples.filter(([t]) => t >= from && t <= to);
    const growth = growthOverSecondHalf(steady);
    const mid = (steady[0]?.[0] ?? 0) + ((steady.at(-1)?.[0] ?? 0) - (steady[0]?.[0] ?? 0)) / 2;
    const base = median(steady.filter(([t]) => t >= mid).map(([, kb]) => kb));
    out[name] = { growthMiB: growth / 1024, share: base > 0 ? growth / base : Number.NaN };
  }
  return out;
}

/**
 * "Normal" latency: the p99 that 9 in 10 seconds of the steady phase stayed
 * under (the 90th percentile of its per-second p99s).
 */
export function normalP99(perSecond: readonly Slice[], steady: { at: number; seconds: number }): number {
  const p99s = perSecond
    .filter((s) => s.at >= steady.at && s.at < steady.at + steady.seconds && s.answers > 0)
    .map((s) => s.p99Ms);
  return percentile(p99s, 90);
}

/**
 * Seconds from the spike's end (`spikeEnd`, seconds into the window) to the
 * first second that starts two in a row with a p99 at most `normalMs`; null
 * when it never comes.
 */
export function recoveryTime(perSecond: readonly Slice[], spikeEnd: number, normalMs: number): number | null {
  const after = perSecond.filter((s) => s.at >= spikeEnd);
  const normal = (s: Slice | undefined) => s !== undefined && s.p99Ms <= normalMs && s.errors === 0;
  for (let i = 0; i < after.length; i++) {
    if (normal(after[i]) && (normal(after[i + 1]) || i === after.length - 1)) return after[i]!.at - spikeEnd;
  }
  return null;
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');

/** Failed calls, answers after the deadline and the slowest answer of some stages together. */
function worst(stages: readonly StageResult[]): {
  sent: number;
  failed: number;
  late: number;
  maxMs: number;
  /** The largest of the stages' p99 of how late the generator sent (its own queueing, part of the latency). */
  sendDelayMs: number;
  /** Failed calls by gRPC status. */
  failures: Record<string, number>;
} {
  const failures: Record<string, number> = {};
  for (const s of stages)
    for (const [status, n] of Object.entries(s.failures ?? {}))
      failures[status] = (failures[status] ?? 0) + n;
  return {
    failures,
    sent: stages.reduce((a, s) => a + s.sent, 0),
    failed: stages.reduce((a, s) => a + s.errors + s.dropped, 0),
    late: stages.reduce((a, s) => a + s.late, 0),
    maxMs: Math.max(...stages.map((s) => (Number.isFinite(s.maxMs) ? s.maxMs : 0))),
    sendDelayMs: Math.max(...stages.map((s) => (Number.isFinite(s.sendDelayP99Ms) ? s.sendDelayP99Ms : 0))),
  };
}

/**
 * Why calls failed: each gRPC status with its count, most first, and the
 * run's first error in full ("" when none failed). A timed-out call and one
 * lost with its connection (docs/operations.md, "Errors ad servers see")
 * ask for different remedies.
 */
function failureText(failed: number, failures: Record<string, number>, firstError: string): string {
  if (failed === 0) return '';
  const byStatus = Object.entries(failures)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([status, n]) => `${status} ${n}`);
  const parts = [...byStatus, ...(firstError ? [`the run's first error: ${firstError}`] : [])];
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

/** The checks, each with its measured figure. Pure: a function of the result's data. */
export function verdicts(r: Omit<LoadtestResult, 'verdicts'>): Verdict[] {
  const steady = r.stages.filter((s) => s.name === 'steady');
  const spike = r.stages.filter((s) => s.name === 'spike' || s.name === 'recovery');
  const out: Verdict[] = [];
  const s = worst(steady);
  out.push({
    check: `steady ${f1(r.steadyRate)}/s: no failed call`,
    pass: s.sent > 0 && s.failed === 0,
    measured: `${s.failed} of ${s.sent} failed or dropped${failureText(s.failed, s.failures, r.firstError)}`,
  });
  out.push({
    check: 'steady: every answer within its deadline',
    pass: s.sent > 0 && s.late === 0,
    measured: `${s.late} after ${r.deadlineMs} ms; slowest ${f1(s.maxMs)} ms, p99 ${f1(steady[0]?.p99Ms ?? Number.NaN)} ms; the generator sent ${f1(s.sendDelayMs)} ms behind schedule (p99)`,
  });
  out.push({
    check: 'outcome reports: none failed',
    pass: r.outcomes.failedBatches === 0,
    measured: `${r.outcomes.failedBatches} of ${r.outcomes.batches} ReportOutcomes calls failed (${r.outcomes.reports} reports)${r.outcomes.firstError ? `: ${r.outcomes.firstError}` : ''}`,
  });
  const budgeted = r.campaigns.filter((c) => c.budgetMicros > 0);
  const over = budgeted.filter((c) => c.spendMicros > c.budgetMicros);
  const ratio = Math.max(0, ...budgeted.map((c) => c.spendMicros / c.budgetMicros));
  const dry = budgeted.filter((c) => c.spendMicros >= 0.9 * c.budgetMicros).length;
  out.push({
    check: 'no campaign spent above its budget',
    pass: budgeted.length > 0 && over.length === 0,
    measured: `${over.length} of ${budgeted.length} over; ${dry} spent 90% or more; the most spent ${pct(ratio)} of its budget${over.length ? ` (${over.map((c) => c.campaignId).join(', ')})` : ''}`,
  });
  const growth = Object.entries(
    rssGrowth(r.rssKb, steady[0]?.at ?? 0, (steady[0]?.at ?? 0) + (steady[0]?.seconds ?? 0)),
  ).filter(([name]) => !RSS_NOT_JUDGED.has(name));
  const grew = growth.filter(([, g]) => !(g.share < RSS_GROWTH_LIMIT));
  const top = growth.sort((a, b) => b[1].share - a[1].share)[0];
  out.push({
    check: `RSS stable: under ${pct(RSS_GROWTH_LIMIT)} growth over the steady phase's second half, every process`,
    pass: growth.length > 0 && grew.length === 0,
    measured: top
      ? `largest ${top[0]} ${pct(top[1].share)} (${f1(top[1].growthMiB)} MiB)${grew.length > 1 ? `; ${grew.length} processes over` : ''}`
      : 'no RSS samples',
  });
  const p = worst(spike);
  const shed = spike.reduce((a, x) => a + x.shed, 0);
  out.push({
    check: `spike ${f1(r.spikeRate)}/s and recovery: no failed call`,
    pass: p.sent > 0 && p.failed === 0,
    measured: `${p.failed} of ${p.sent} failed or dropped; ${shed} answered shed${failureText(p.failed, p.failures, r.firstError)}`,
  });
  out.push({
    check: 'spike and recovery: every answer within its deadline',
    pass: p.sent > 0 && p.late === 0,
    measured: `${p.late} after ${r.deadlineMs} ms; slowest ${f1(p.maxMs)} ms; the generator sent ${f1(p.sendDelayMs)} ms behind schedule (p99)`,
  });
  const spikeStage = r.stages.find((x) => x.name === 'spike');
  const spikeEnd = (spikeStage?.at ?? 0) + (spikeStage?.seconds ?? 0);
  const normal = normalP99(r.perSecond, steady[0] ?? { at: 0, seconds: 0 });
  const back = recoveryTime(r.perSecond, spikeEnd, normal);
  out.push({
    check: `latency back to normal within ${RECOVERY_LIMIT_S} s of the spike`,
    pass: back !== null && back <= RECOVERY_LIMIT_S,
    measured: `${back === null ? 'never' : `after ${back} s`} (normal: p99 of a second ≤ ${f1(normal)} ms, what 9 in 10 steady seconds stayed under)`,
  });
  return out;
}

// ---------------------------------------------------------------------------
// The chart

/** Latency (p50, p99) and answers per second over the window, the fill stage and the spike shaded. */
/** The run per second: latency at the client, and answers (shed, failed), with the fill and the spike shaded. */
export function chart(r: Omit<LoadtestResult, 'verdicts'>): Promise<string> {
  const xs = r.perSecond.map((s) => s.at);
  const spike = r.stages.find((s) => s.name === 'spike');
  const fill = r.stages.find((s) => s.name === 'fill');
  const bands = [
    ...(fill
      ? [{ from: fill.at, to: fill.at + fill.seconds, label: 'fill (not judged)', color: '#dddddd' }]
      : []),
    ...(spike
      ? [{ from: spike.at, to: spike.at + spike.seconds, label: `spike ×${f1(r.spikeRate / r.steadyRate)}` }]
      : []),
  ];
  const opts = { bands, fromZero: true, width: 680, dots: false };
  const of = (f: (s: Slice) => number) => r.perSecond.map((s, i) => ({ x: xs[i]!, y: f(s) }));
  const latency = lineChart(
    `Latency at the client per second of send time (deadline ${r.deadlineMs} ms)`,
    'time into the run (s)',
    'latency (ms)',
    [
      { name: 'p50', points: of((s) => s.p50Ms) },
      { name: 'p99', points: of((s) => s.p99Ms) },
      { name: 'deadline', points: of(() => r.deadlineMs), dashed: true },
      { name: 'generator behind (p99)', points: of((s) => s.sendDelayP99Ms) },
    ],
    opts,
  );
  const rate = lineChart(
    `Answers per second (steady ${f1(r.steadyRate)}/s, spike ${f1(r.spikeRate)}/s)`,
    'time into the run (s)',
    'answers per second (1/s)',
    [
      { name: 'answered', points: of((s) => s.answers / s.seconds) },
      { name: 'of them shed', points: of((s) => s.shed / s.seconds) },
      { name: 'failed or dropped', points: of((s) => (s.errors + s.dropped) / s.seconds) },
    ],
    opts,
  );
  return toSvg(latency, rate);
}

// ---------------------------------------------------------------------------
// Running it

const startedAt = Date.now();

function log(line: string): void {
  const s = Math.floor((Date.now() - startedAt) / 1000);
  process.stderr.write(`[${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}] ${line}\n`);
}

/** Every campaign's spend and budget, from the committing agent (CampaignStatus). */
async function campaignSpend(address: string): Promise<CampaignSpend[]> {
  const client = new v1.ObjectiveAgent(address, harnessCredentials()) as ObjectiveAgentClient;
  try {
    const reply = await new Promise<CampaignStatusReply__Output>((res, rej) =>
      client.CampaignStatus({}, { deadline: Date.now() + 10_000 }, (err, r) =>
        err || !r ? rej(err) : res(r),
      ),
    );
    return reply.campaigns.map((c) => ({
      campaignId: c.campaign_id,
      budgetMicros: c.budget_micros,
      spendMicros: c.spend_micros,
    }));
  } finally {
    client.close();
  }
}

/** The broker's shed decisions by reason, from its metrics endpoint. */
async function shedCounts(metrics: string | undefined): Promise<Record<string, number> | null> {
  if (!metrics) return null;
  try {
    const res = await fetch(`http://${metrics}/metrics`, { signal: AbortSignal.timeout(5000) });
    const samples = parsePrometheus(await res.text());
    const out: Record<string, number> = {};
    for (const reason of ['in_flight', 'event_loop_lag', 'deadline_budget'])
      out[reason] = sumOf(samples, 'parley_shed_decisions_total', { parley_reason: reason });
    return out;
  } catch {
    return null;
  }
}

const OUTCOME_BATCHING = { batchMs: 50, maxBatch: 200 };
/** Every fourth campaign has a budget of 0.5 USD (25 to 100 impressions at the generated CPMs): it runs dry. */
const SMALL_BUDGETS = { smallBudgetEvery: 4, smallBudgetMicros: 500_000 };

export async function runLoadtest(o: LoadtestOptions, command: string): Promise<LoadtestResult> {
  const loadBefore = loadavg()[0] ?? 0;
  const state: MeshState = o.redis
    ? process.env.REDIS_URL
      ? { redisUrl: process.env.REDIS_URL }
      : 'redis'
    : 'embedded';
  const stateName =
    state === 'embedded' ? 'embedded' : state === 'redis' ? 'redis (own redis-server)' : 'redis (REDIS_URL)';
  log(
    `parley load test: ${machine()}; ${stateName} state; ${o.api === 'stream' ? 'DecideStream' : 'unary Decide'}; load average ${loadBefore.toFixed(2)}`,
  );
  if (loadBefore > 1)
    log(`warn: load average ${loadBefore.toFixed(2)} before the run: other work shares the cores`);
  log(`starting the mesh (${SERVICES.join(', ')})`);
  const mesh = await startMesh('real', 0, () => [], {}, { state, catalogue: SMALL_BUDGETS });
  try {
    const tag = `lt-${Date.now().toString(36)}`;
    const bench = {
      ...benchDefaults(),
      channels: o.channels,
      deadlineMs: o.deadlineMs,
      concurrency: o.concurrency,
      api: o.api,
    };
    let saturation: LoadtestResult['saturation'] = null;
    let steadyRate = o.rate ?? 0;
    const closed = {
      ...closedSpec({ ...bench, seconds: 2 * o.levelSeconds }, mesh.broker, `${tag}-c`, 1),
      outcomes: OUTCOME_BATCHING,
    };
    if (o.rate === null) {
      log(`saturation: closed loop, ${o.levelSeconds} s per level (${o.concurrency.join(', ')})`);
      const c = await runLoad<ClosedResult>(
        closed,
        (o.concurrency.length * (o.levelSeconds + 1) + 60) * 1000,
        (l) => log(l),
      );
      saturation = { ...saturationOf(c.levels, o.deadlineMs), levels: c.levels };
      steadyRate = Math.max(1, o.share * saturation.rate);
      log(
        `saturation ${f1(saturation.rate)} decisions/s at c=${saturation.concurrency}` +
          (saturation.inTime
            ? ` (the best level with no failed call and p99 within ${o.deadlineMs} ms)`
            : `: no level kept p99 within ${o.deadlineMs} ms without failures; the best level's rate`),
      );
    } else {
      // The same warm-up the saturation search gives, so a cold mesh's first seconds do not count.
      log(`warming up: closed loop at c=8 for ${o.levelSeconds} s`);
      await runLoad<ClosedResult>({ ...closed, concurrency: [8] }, (o.levelSeconds + 60) * 1000, () => {});
    }
    const spikeRate = o.spikeFactor * steadyRate;
    const stages: Stage[] = [
      ...(o.fillSeconds > 0 ? [{ name: 'fill', rate: steadyRate, seconds: o.fillSeconds }] : []),
      { name: 'steady', rate: steadyRate, seconds: o.steadySeconds },
      { name: 'spike', rate: spikeRate, seconds: o.spikeSeconds },
      { name: 'recovery', rate: steadyRate, seconds: o.recoverySeconds },
    ];
    const seconds = stages.reduce((a, st) => a + st.seconds, 0);
    log(
      `open loop (deadline ${o.deadlineMs} ms): ${stages.map((st) => `${st.name} ${f1(st.rate)}/s for ${st.seconds} s`).join(', ')}`,
    );
    const open = await runLoad<OpenResult>(
      {
        mode: 'open',
        target: mesh.broker,
        channels: o.channels,
        seed: 2,
        tag: `${tag}-o`,
        sessions: closed.sessions,
        deadlineMs: o.deadlineMs,
        api: o.api,
        rate: steadyRate,
        seconds,
        warmupSeconds: 1,
        // Never the generator's limit: a request is dropped only when far more than the spike's second is in flight.
        maxInFlight: Math.max(256, Math.ceil(spikeRate * 2.5)),
        stages,
        perSecond: true,
        cpuPids: meshPids(mesh),
        rssSampleMs: 1000,
        outcomes: OUTCOME_BATCHING,
      },
      (seconds + 120) * 1000,
      (l) => log(l),
    );
    const committer = agentsWithRole(loadRegistry(DEFAULT_REGISTRY, {}, '127.0.0.1'), 'committer')[0]?.name;
    const address = mesh.procs.find((p) => p.name === committer)?.address;
    const campaigns = address ? await campaignSpend(address) : [];
    const shedByReason = await shedCounts(mesh.procs.find((p) => p.name === 'broker')?.metrics);
    const facts: Omit<LoadtestResult, 'verdicts'> = {
      command,
      date: new Date().toISOString(),
      commit: commit(),
      machine: machine(),
      loadBefore,
      state: stateName,
      api: o.api,
      deadlineMs: o.deadlineMs,
      saturation,
      steadyRate,
      spikeRate,
      stages: open.stages,
      perSecond: open.perSecond,
      rssKb: open.rssKb,
      outcomes: {
        batches: open.outcomes?.batches ?? 0,
        reports: open.outcomes?.reports ?? 0,
        failedBatches: open.outcomes?.failedBatches ?? 0,
        firstError: open.outcomes?.firstError ?? '',
      },
      campaigns,
      shedByReason,
      firstError: open.firstError,
    };
    return { ...facts, verdicts: verdicts(facts) };
  } finally {
    await stopMesh(mesh);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const parsed = parseArgs(argv);
  if (!parsed) {
    process.stdout.write(helpText(LOADTEST_COMMAND));
    return;
  }
  const o = parsed;
  const command = ['npm run loadtest', ...(argv.length ? ['--', ...argv] : [])].join(' ');
  const r = await runLoadtest(o, command);
  mkdirSync(o.out, { recursive: true });
  const json = join(o.out, 'loadtest.json');
  const svg = join(o.out, 'loadtest.svg');
  writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(svg, await chart(r));
  log('');
  for (const st of r.stages)
    log(
      `${st.name.padEnd(8)} ${f1(st.rate)}/s for ${st.seconds} s: ${st.answers} answered (${st.shed} shed, ${st.degraded - st.shed} otherwise degraded), ` +
        `${st.errors} failed, ${st.dropped} dropped; p50 ${f1(st.p50Ms)} ms, p99 ${f1(st.p99Ms)} ms, max ${f1(st.maxMs)} ms; ` +
        `the generator sent ${f1(st.sendDelayP99Ms)} ms behind schedule (p99)`,
    );
  if (r.shedByReason)
    log(
      `broker shed by reason: ${Object.entries(r.shedByReason)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  for (const v of r.verdicts) log(`${v.pass ? 'PASS' : 'FAIL'}  ${v.check}: ${v.measured}`);
  log(`wrote ${json} and ${svg}`);
  if (r.verdicts.some((v) => !v.pass)) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  main().catch((err) => {
    if (err instanceof UsageError) log(`loadtest: ${err.message}\n\n${helpText(LOADTEST_COMMAND)}`);
    else log(`load test failed: ${(err as Error).stack ?? err}`);
    process.exit(2);
  });
}
