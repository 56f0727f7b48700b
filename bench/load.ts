/**
 * The benchmark's load generator, run in its own process so its CPU is not
 * the broker's:
 *
 *   node --import tsx bench/load.ts '<json LoadSpec>'
 *
 * `closed`: a closed loop at rising concurrency (each worker sends its next
 * Decide when the previous one returns) until throughput stops rising; the
 * best level is the saturation rate. `open`: requests at a fixed rate on a
 * schedule, whatever the responses do; latency counts from the scheduled
 * send time (so a stall is not hidden by sending less). Around an open
 * loop's measured window it can probe the mesh's processes: CPU time and
 * bytes written (/proc) at its start and end, loopback bytes, each
 * process's event-loop delay over the window (its Prometheus endpoint,
 * scraped at the start and the end), RSS sampled during it; and it can
 * report the outcomes of the decisions it gets (an impression, then a skip
 * or a completion per ad), batched through ReportOutcomes as an ad server
 * would. Several grpc-js channels, each on its own connection, share the
 * load round-robin.
 *
 * An answer counts as a decision (`ok`) when it is OK and not degraded; of
 * those, one slower than the request's deadline_ms is also counted `late`.
 * Throughput (`rate`) counts decisions that are neither degraded nor late.
 *
 * Progress goes to stderr; the result is one JSON line on stdout.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { DecisionStream, OutcomeBatcher } from '../bin/client';
import type { AdDecisionClient } from '../proto/gen/parley/v1/AdDecision';
import type { DecideResponse__Output } from '../proto/gen/parley/v1/DecideResponse';
import type { OutcomeReport } from '../proto/gen/parley/v1/OutcomeReport';
import { SHED } from '../services/broker/admission';
import { v1 } from '../services/common/grpc/proto';
import { channelCredentials, setDefaultIdentity } from '../services/common/grpc/tls';
import { bytesWritten, cpuMs, type EventLoopDelay, loopbackBytes, rssKb, scrapeEventLoop } from './procs';
import { percentile } from './stats';
import { createWorkload, type Workload } from './workload';

interface CommonSpec {
  target: string;
  channels: number;
  seed: number;
  /** Request-id prefix; unique per phase. */
  tag: string;
  sessions: number;
  /** deadline_ms in each request; the gRPC deadline is twice this. */
  deadlineMs: number;
  /** One Decide call per request (default), or every request of a channel over its one DecideStream. */
  api?: 'unary' | 'stream';
  /** How long the client waits for each answer before counting it failed (default twice deadlineMs). */
  clientTimeoutMs?: number;
}

export interface ClosedSpec extends CommonSpec {
  mode: 'closed';
  concurrency: number[];
  /** Seconds per concurrency level. */
  seconds: number;
  warmupSeconds: number;
  /** Stop after this many levels in a row without >= 5% more throughput. */
  patience: number;
  /** Report each decision's outcomes through ReportOutcomes, batched (the traffic an ad server sends). */
  outcomes?: OutcomeSpec;
}

export interface OpenSpec extends CommonSpec {
  mode: 'open';
  rate: number;
  seconds: number;
  warmupSeconds: number;
  /** Sends skipped (counted as dropped) while this many are in flight. */
  maxInFlight: number;
  /**
   * Processes (name -> pid) whose CPU time and bytes written (/proc) are
   * read at the start and the end of the measured window.
   */
  cpuPids?: Record<string, number>;
  /**
   * Prometheus endpoints (name -> host:port) scraped at the start and the
   * end of the window for the event-loop delay over it.
   */
  metrics?: Record<string, string>;
  /** Sample the RSS of each of `cpuPids` every this many ms during the window. */
  rssSampleMs?: number;
  /** Report each decision's outcomes through ReportOutcomes, batched. */
  outcomes?: OutcomeSpec;
  /**
   * The window as stages one after the other, each at its own rate (e.g. a
   * steady rate, then a spike); absent = one stage at `rate` for `seconds`.
   * The warm-up runs at the first stage's rate.
   */
  stages?: Stage[];
  /** Also summarise the answers per second of send time (OpenResult.perSecond) and print them as they come. */
  perSecond?: boolean;
  /**
   * Count the window's answers also per this many ms of wall-clock time
   * (OpenResult.timeline; npm run chaos reads when a fault began to show and
   * when it stopped showing).
   */
  timelineMs?: number;
}

/** One stage of an open loop: `rate` requests/s for `seconds`. */
export interface Stage {
  name: string;
  rate: number;
  seconds: number;
}

/**
 * The answers to the requests scheduled in one slice of the window (a
 * second, or a stage), by when they were scheduled: a late answer counts in
 * the slice it was sent in.
 */
export interface Slice {
  /** Seconds from the window's start to the slice's start, and its length. */
  at: number;
  seconds: number;
  sent: number;
  /** OK answers, degraded or not. */
  answers: number;
  /** Of `answers`: degraded ones, and of those the ones the broker shed (degraded by "shed"). */
  degraded: number;
  shed: number;
  errors: number;
  /** Of `errors`, how many ended with each gRPC status (by name, e.g. DEADLINE_EXCEEDED). */
  failures: Record<string, number>;
  /** Not sent: too many in flight at the generator. */
  dropped: number;
  /** Answers (degraded or not) after the request's deadline_ms. */
  late: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** p99 of how late the generator sent the slice's requests (its own queueing; part of the latency). */
  sendDelayP99Ms: number;
}

/** A stage's slice, with its name and rate. */
export interface StageResult extends Slice {
  name: string;
  rate: number;
}

export interface OutcomeSpec {
  /** A batch goes out this long after its first report at the latest... */
  batchMs: number;
  /** ...or as soon as it holds this many reports (the RPC takes at most 500). */
  maxBatch: number;
  /**
   * Send a report whose batch failed again (the same idempotency key, as an
   * ad server must) until it is acknowledged or this long after its first
   * try; 0 or absent: no retries.
   */
  retryForMs?: number;
}

export type LoadSpec = ClosedSpec | OpenSpec;

/** Outcome counts of one measured window. */
export interface Tally {
  /** OK responses not degraded: the decisions (late ones included). */
  ok: number;
  /** Of `ok`, those answered after the request's deadline_ms. */
  late: number;
  noAd: number;
  degraded: number;
  errors: number;
  /** Sum of why.rounds over OK responses. */
  rounds: number;
  /** Of every call: answered, degraded or failed (time until it failed). */
  latenciesMs: number[];
  /** Per agent (registry name, as the answers name it): the time the broker waited for it, per answer. */
  agentMs: Record<string, number[]>;
  /** Per agent: how many answers it was degraded in. */
  degradedBy: Record<string, number>;
  /** Every answer (degraded ones included) after the request's deadline_ms. */
  anyLate: number;
  /** With OpenSpec.timelineMs: the answers per stretch of wall-clock time, by the time each call ended. */
  timeline: Map<number, TimelineBucket>;
  timelineMs: number;
}

/** The calls that ended in one stretch of wall-clock time. */
export interface TimelineBucket {
  /** Date.now() at the stretch's start. */
  at: number;
  /** Calls answered (degraded ones included). */
  answers: number;
  degraded: number;
  /** Answers after the deadline (degraded ones included). */
  late: number;
  errors: number;
  /** Per agent: the answers it was degraded in. */
  degradedBy: Record<string, number>;
}

export interface LevelResult {
  concurrency: number;
  seconds: number;
  /** Decisions per second neither degraded nor late. */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  late: number;
  noAd: number;
  degraded: number;
  errors: number;
}

export interface ClosedResult {
  mode: 'closed';
  levels: LevelResult[];
  saturation: { rate: number; concurrency: number };
  /** Mean why.rounds over every OK response of the measured levels. */
  meanRounds: number;
  /** Every request sent, warm-up included (for CPU per decision). */
  requests: number;
  firstError: string;
}

/** The outcome reports of an open loop's window. */
export interface OutcomeResult {
  /** ReportOutcomes calls made, and the reports they carried. */
  batches: number;
  reports: number;
  /** Reports acknowledged as accepted (a duplicate is acknowledged, not accepted). */
  accepted: number;
  duplicates: number;
  failedBatches: number;
  /** Reports sent again after their batch failed (OutcomeSpec.retryForMs). */
  retries: number;
  /** Reports never acknowledged (no retries, or they ran out of time). */
  unacked: number;
  /** Impression reports of ads with a reservation, and what those ads cost (their price_micros). */
  impressions: number;
  impressionMicros: number;
  /** Acknowledgements by settlement: SETTLED (with their charged_micros), NOT_CHARGED. */
  settled: number;
  chargedMicros: number;
  notCharged: number;
  /** Latency of the ReportOutcomes calls. */
  p50Ms: number;
  p99Ms: number;
  firstError: string;
}

export interface OpenResult {
  mode: 'open';
  rate: number;
  seconds: number;
  sent: number;
  /** Decisions per second neither degraded nor late. */
  achievedRate: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  ok: number;
  late: number;
  noAd: number;
  degraded: number;
  errors: number;
  dropped: number;
  /** Every request sent, warm-up included. */
  requests: number;
  /**
   * CPU ms (user + system) each process of `cpuPids` used during the measured
   * window (warm-up left out; every answer of the window received, and its
   * outcome reports); empty without `cpuPids`.
   */
  cpuMs: Record<string, number>;
  /** Bytes each process of `cpuPids` wrote during the window (/proc/<pid>/io wchar). */
  bytesWritten: Record<string, number>;
  /** Bytes over the loopback interface during the window (the whole machine's). */
  loopbackBytes: number;
  /** Event-loop delay over the window per process of `metrics`; null when its endpoint could not be read. */
  eventLoop: Record<string, EventLoopDelay | null>;
  /** RSS samples [seconds into the window, KiB] per process of `cpuPids`, with `rssSampleMs`. */
  rssKb: Record<string, Array<[number, number]>>;
  /** With `outcomes`. */
  outcomes: OutcomeResult | null;
  /** Per agent: p50 / p99 of the time the broker waited for it in an answer (ms), from the answers' why.agents. */
  agentMs: Record<string, { p50: number; p99: number }>;
  /** Per agent: the share of answers it was degraded in. */
  degradedBy: Record<string, number>;
  /** Each stage's answers (one stage when the spec has no `stages`). */
  stages: StageResult[];
  /** Each second's answers, with `perSecond`; else empty. */
  perSecond: Slice[];
  /** Every answer (degraded ones included) after its deadline_ms. */
  anyLate: number;
  /** With OpenSpec.timelineMs: the window's calls per stretch of time, in order. */
  timeline: TimelineBucket[];
  firstError: string;
}

export function newTally(): Tally {
  return {
    ok: 0,
    late: 0,
    noAd: 0,
    degraded: 0,
    errors: 0,
    rounds: 0,
    latenciesMs: [],
    agentMs: {},
    degradedBy: {},
    anyLate: 0,
    timeline: new Map(),
    timelineMs: 0,
  };
}

/** The tally's bucket for a call that ends now (null without a timeline). */
function bucketNow(tally: Tally): TimelineBucket | null {
  if (tally.timelineMs <= 0) return null;
  const at = Math.floor(Date.now() / tally.timelineMs) * tally.timelineMs;
  let b = tally.timeline.get(at);
  if (!b) {
    b = { at, answers: 0, degraded: 0, late: 0, errors: 0, degradedBy: {} };
    tally.timeline.set(at, b);
  }
  return b;
}

/**
 * Counts one call into `tally`: failed, degraded, or a decision (late when
 * answered after `deadlineMs`). `ms` is its latency (for a failed call, the
 * time until it failed). Returns the error's description for a failed call.
 */
export function record(
  tally: Tally,
  err: grpc.ServiceError | null,
  res: DecideResponse__Output | undefined,
  ms: number,
  deadlineMs: number,
): string | null {
  tally.latenciesMs.push(ms);
  const bucket = bucketNow(tally);
  if (err || !res) {
    tally.errors++;
    if (bucket) bucket.errors++;
    return `${err?.code} ${err?.details ?? 'no response'}`;
  }
  if (ms > deadlineMs) tally.anyLate++;
  if (bucket) {
    bucket.answers++;
    if (res.degraded.length > 0) bucket.degraded++;
    if (ms > deadlineMs) bucket.late++;
    for (const name of res.degraded) bucket.degradedBy[name] = (bucket.degradedBy[name] ?? 0) + 1;
  }
  for (const [name, a] of Object.entries(res.why?.agents ?? {})) {
    if (a.calls === 0) continue;
    const waits = tally.agentMs[name] ?? [];
    waits.push(a.elapsed_ms);
    tally.agentMs[name] = waits;
  }
  for (const name of res.degraded) tally.degradedBy[name] = (tally.degradedBy[name] ?? 0) + 1;
  if (res.degraded.length > 0) {
    tally.degraded++;
  } else {
    tally.ok++;
    if (ms > deadlineMs) tally.late++;
    if (res.no_ad) tally.noAd++;
    tally.rounds += res.why?.rounds ?? 0;
  }
  return null;
}

/** What one Decide got: an answer (degraded, and shed, or not) or an error. */
export interface Answer {
  ms: number;
  kind: 'ok' | 'degraded' | 'shed' | 'error';
  /** A failed call's gRPC status, by name. */
  status?: string;
  /** How late the generator sent it after its scheduled time (its own queueing, part of `ms`). */
  sendDelayMs: number;
}

/** A failed call's status by name (a call that ended with no response and no error: UNKNOWN). */
function statusName(err: grpc.ServiceError | null): string {
  return (err && grpc.status[err.code]) || 'UNKNOWN';
}

function answerKind(err: grpc.ServiceError | null, res: DecideResponse__Output | undefined): Answer['kind'] {
  if (err || !res) return 'error';
  if (res.degraded.includes(SHED)) return 'shed';
  return res.degraded.length > 0 ? 'degraded' : 'ok';
}

type Counts = Pick<Slice, 'sent' | 'answers' | 'degraded' | 'shed' | 'errors' | 'dropped' | 'late'>;
const NO_COUNTS: Counts = { sent: 0, answers: 0, degraded: 0, shed: 0, errors: 0, dropped: 0, late: 0 };
const emptyBin = () => ({
  ...NO_COUNTS,
  failures: {} as Record<string, number>,
  ms: [] as number[],
  delays: [] as number[],
});

/** Answers gathered into numbered slices (seconds, or stages) of an open loop. */
export class Slices {
  private readonly bins: Array<ReturnType<typeof emptyBin>> = [];

  constructor(private readonly deadlineMs: number) {}

  get length(): number {
    return this.bins.length;
  }

  /** Counts one request of slice `i`: its answer, or null when it was dropped (not sent). */
  add(i: number, a: Answer | null): void {
    while (this.bins.length <= i) this.bins.push(emptyBin());
    const b = this.bins[i]!;
    b.sent++;
    if (!a) {
      b.dropped++;
      return;
    }
    b.ms.push(a.ms);
    b.delays.push(a.sendDelayMs);
    if (a.kind === 'error') {
      b.errors++;
      const status = a.status ?? 'UNKNOWN';
      b.failures[status] = (b.failures[status] ?? 0) + 1;
      return;
    }
    b.answers++;
    if (a.kind !== 'ok') b.degraded++;
    if (a.kind === 'shed') b.shed++;
    if (a.ms > this.deadlineMs) b.late++;
  }

  /** Slice `i`, starting `at` s into the window and `seconds` long (empty when nothing was sent in it). */
  slice(i: number, at: number, seconds: number): Slice {
    const { ms, delays, ...counts } = this.bins[i] ?? emptyBin();
    return {
      at,
      seconds,
      ...counts,
      p50Ms: percentile(ms, 50),
      p99Ms: percentile(ms, 99),
      maxMs: percentile(ms, 100),
      sendDelayP99Ms: percentile(delays, 99),
    };
  }
}

const OUTCOME_TIMEOUT_MS = 2000;
/** How long a report whose batch failed waits before it is sent again. */
const RETRY_PAUSE_MS = 250;

/** Sends each decision's outcome reports through an OutcomeBatcher and keeps the tally. */
class OutcomeReporter {
  private readonly batcher: OutcomeBatcher;
  private readonly latenciesMs: number[] = [];
  private readonly result: OutcomeResult = {
    batches: 0,
    reports: 0,
    accepted: 0,
    duplicates: 0,
    failedBatches: 0,
    retries: 0,
    unacked: 0,
    impressions: 0,
    impressionMicros: 0,
    settled: 0,
    chargedMicros: 0,
    notCharged: 0,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    firstError: '',
  };

  /** Reports sent and not yet acknowledged or given up on (retries waiting included). */
  private readonly open = new Set<Promise<void>>();
  private readonly retryForMs: number;

  constructor(client: () => AdDecisionClient, spec: OutcomeSpec) {
    const r = this.result;
    this.retryForMs = spec.retryForMs ?? 0;
    this.batcher = new OutcomeBatcher(client, {
      maxBatch: spec.maxBatch,
      batchMs: spec.batchMs,
      timeoutMs: OUTCOME_TIMEOUT_MS,
      onBatch: (reports, ms, err) => {
        this.latenciesMs.push(ms);
        r.batches++;
        r.reports += reports;
        if (!err) return;
        r.failedBatches++;
        if (!r.firstError) r.firstError = `${err.code} ${err.details}`;
      },
    });
  }

  /** The reports of one answer; `res` says what its ads cost. */
  add(reports: OutcomeReport[], res: DecideResponse__Output): void {
    const r = this.result;
    for (const report of reports) {
      if (report.event !== 'OUTCOME_EVENT_IMPRESSION' || !report.reservation_id) continue;
      r.impressions++;
      r.impressionMicros +=
        res.ads.find((a) => a.reservation_id === report.reservation_id)?.price_micros ?? 0;
    }
    for (const report of reports) this.track(this.send(report, Date.now()));
  }

  private track(p: Promise<void>): void {
    this.open.add(p);
    void p.finally(() => this.open.delete(p));
  }

  private async send(report: OutcomeReport, firstTry: number): Promise<void> {
    const r = this.result;
    for (;;) {
      try {
        const ack = await this.batcher.report(report);
        if (ack.accepted) r.accepted++;
        if (ack.duplicate) r.duplicates++;
        if (ack.settlement === 'SETTLEMENT_SETTLED') {
          r.settled++;
          r.chargedMicros += Number(ack.charged_micros);
        }
        if (ack.settlement === 'SETTLEMENT_NOT_CHARGED') r.notCharged++;
        return;
      } catch {
        // counted per batch in onBatch
        if (Date.now() - firstTry >= this.retryForMs) {
          r.unacked++;
          return;
        }
        r.retries++;
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    }
  }

  /** Sends what is pending, waits for every call (and retry), and returns the tally. */
  async drain(): Promise<OutcomeResult> {
    while (this.open.size > 0) {
      await this.batcher.drain();
      await Promise.race([...this.open, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
    return {
      ...this.result,
      p50Ms: percentile(this.latenciesMs, 50),
      p99Ms: percentile(this.latenciesMs, 99),
    };
  }
}

class Driver {
  private readonly clients: AdDecisionClient[] = [];
  /** With api 'stream': each channel's DecideStream. */
  private readonly streams: DecisionStream[] = [];
  private next = 0;
  /** Requests sent so far, warm-up included. */
  seq = 0;
  private readonly workload: Workload;
  readonly reporter: OutcomeReporter | null;
  firstError = '';

  constructor(
    private readonly spec: CommonSpec,
    outcomes?: OutcomeSpec,
  ) {
    for (let i = 0; i < spec.channels; i++) {
      // A local subchannel pool gives every channel its own connection.
      this.clients.push(
        new v1.AdDecision(spec.target, channelCredentials(), {
          'grpc.use_local_subchannel_pool': 1,
        }),
      );
    }
    if (spec.api === 'stream') for (const c of this.clients) this.streams.push(new DecisionStream(c));
    this.workload = createWorkload({
      seed: spec.seed,
      tag: spec.tag,
      sessions: spec.sessions,
      deadlineMs: spec.deadlineMs,
      nowMs: Date.now(),
    });
    this.reporter = outcomes ? new OutcomeReporter(() => this.client(), outcomes) : null;
  }

  private client(): AdDecisionClient {
    return this.clients[this.next++ % this.clients.length]!;
  }

  async ready(): Promise<void> {
    const deadline = Date.now() + 10_000;
    await Promise.all(
      this.clients.map(
        (c) => new Promise<void>((res, rej) => c.waitForReady(deadline, (e) => (e ? rej(e) : res()))),
      ),
    );
  }

  /**
   * One Decide; records into `tally` (if given) with latency from
   * `startedAt`, and then reports its outcomes (if asked to). Resolves with
   * what came back and when.
   */
  decide(tally: Tally | null, startedAt = performance.now()): Promise<Answer> {
    const i = this.next++ % this.clients.length;
    const req = this.workload.request(this.seq++);
    const sendDelayMs = performance.now() - startedAt;
    const timeoutMs = this.spec.clientTimeoutMs ?? 2 * this.spec.deadlineMs;
    return new Promise((resolve) => {
      const done = (err: grpc.ServiceError | null, res?: DecideResponse__Output) => {
        const ms = performance.now() - startedAt;
        if (tally) {
          const error = record(tally, err, res, ms, this.spec.deadlineMs);
          if (error && !this.firstError) this.firstError = error;
          if (res && this.reporter) this.reporter.add(this.workload.outcomes(req, res), res);
        }
        const kind = answerKind(err, res);
        resolve({ ms, kind, sendDelayMs, ...(kind === 'error' ? { status: statusName(err) } : {}) });
      };
      const stream = this.streams[i];
      if (stream) stream.decide(req, { timeoutMs }).then((res) => done(null, res), done);
      else this.clients[i]!.Decide(req, { deadline: Date.now() + timeoutMs }, done);
    });
  }

  close(): void {
    for (const s of this.streams) s.close();
    for (const c of this.clients) c.close();
  }
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Runs `concurrency` workers in a closed loop for `seconds`. */
async function closedLevel(
  driver: Driver,
  concurrency: number,
  seconds: number,
  tally: Tally | null,
): Promise<number> {
  const start = performance.now();
  const end = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) await driver.decide(tally);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (performance.now() - start) / 1000;
}

/** "(3 late, 2 degraded, 1 errors)", or '' when all is well. */
function trouble(t: { late: number; degraded: number; errors: number; dropped?: number }): string {
  const parts = [
    t.late ? `${t.late} late` : '',
    t.degraded ? `${t.degraded} degraded` : '',
    t.errors ? `${t.errors} errors` : '',
    t.dropped ? `${t.dropped} dropped` : '',
  ].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

export async function runClosed(spec: ClosedSpec): Promise<ClosedResult> {
  const driver = new Driver(spec, spec.outcomes);
  await driver.ready();
  if (spec.warmupSeconds > 0)
    await closedLevel(driver, Math.min(8, Math.max(...spec.concurrency)), spec.warmupSeconds, null);
  const levels: LevelResult[] = [];
  let best: LevelResult | null = null;
  let flat = 0;
  let okTotal = 0;
  let roundsTotal = 0;
  for (const concurrency of spec.concurrency) {
    const tally = newTally();
    const seconds = await closedLevel(driver, concurrency, spec.seconds, tally);
    const level: LevelResult = {
      concurrency,
      seconds,
      rate: (tally.ok - tally.late) / seconds,
      p50Ms: percentile(tally.latenciesMs, 50),
      p99Ms: percentile(tally.latenciesMs, 99),
      ok: tally.ok,
      late: tally.late,
      noAd: tally.noAd,
      degraded: tally.degraded,
      errors: tally.errors,
    };
    levels.push(level);
    okTotal += tally.ok;
    roundsTotal += tally.rounds;
    progress(
      `  c=${concurrency}: ${level.rate.toFixed(0)} decisions/s, p50 ${level.p50Ms.toFixed(1)} ms, ` +
        `p99 ${level.p99Ms.toFixed(1)} ms${trouble(tally)}`,
    );
    if (!best || level.rate > best.rate * 1.05) {
      flat = 0;
    } else if (++flat >= spec.patience) {
      if (level.rate > best.rate) best = level;
      break;
    }
    if (!best || level.rate > best.rate) best = level;
  }
  await driver.reporter?.drain();
  driver.close();
  return {
    mode: 'closed',
    levels,
    saturation: { rate: best?.rate ?? 0, concurrency: best?.concurrency ?? 0 },
    meanRounds: okTotal > 0 ? roundsTotal / okTotal : 0,
    requests: driver.seq,
    firstError: driver.firstError,
  };
}

/**
 * Sends on a fixed schedule, stage after stage (each at its own rate),
 * recording into `tally`; `onAnswer` hears of each request by its scheduled
 * time (ms into the window) and stage: its answer, or null when dropped.
 */
async function openWindow(
  driver: Driver,
  stages: readonly Stage[],
  maxInFlight: number,
  tally: Tally | null,
  onAnswer: (atMs: number, stage: number, a: Answer | null) => void = () => {},
): Promise<{ sent: number; dropped: number }> {
  let offset = 0;
  const plan = stages.map((st) => {
    const p = {
      start: offset,
      interval: 1000 / st.rate,
      total: Math.max(1, Math.round(st.rate * st.seconds)),
    };
    offset += st.seconds * 1000;
    return p;
  });
  // The next request: the j-th of stage k.
  let k = 0;
  let j = 0;
  const nextAt = () => plan[k]!.start + j * plan[k]!.interval;
  const start = performance.now();
  let sent = 0;
  let dropped = 0;
  let inFlight = 0;
  const pending: Array<Promise<void>> = [];
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (k < plan.length && start + nextAt() <= now) {
        const at = nextAt();
        const stage = k;
        if (++j >= plan[k]!.total) {
          k++;
          j = 0;
        }
        sent++;
        if (inFlight >= maxInFlight) {
          dropped++;
          onAnswer(at, stage, null);
          continue;
        }
        inFlight++;
        pending.push(
          driver.decide(tally, start + at).then((a) => {
            inFlight--;
            onAnswer(at, stage, a);
          }),
        );
      }
      if (k >= plan.length) resolve();
      else setTimeout(tick, Math.max(0, Math.min(1, start + nextAt() - now)));
    };
    tick();
  });
  await Promise.all(pending);
  return { sent, dropped };
}

/**
 * What the window probes read at one instant: CPU ms and bytes written per
 * process, loopback bytes. 0 where a process could not be read.
 */
interface ProcSnapshot {
  cpuMs: Record<string, number>;
  bytesWritten: Record<string, number>;
  loopbackBytes: number;
}

function snapshot(pids: Record<string, number>): ProcSnapshot {
  const cpu: Record<string, number> = {};
  const written: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    cpu[name] = cpuMs(pid);
    written[name] = bytesWritten(pid);
  }
  return { cpuMs: cpu, bytesWritten: written, loopbackBytes: loopbackBytes() };
}

/** after - before per key; a process that could not be read (0: gone, or no /proc) is left out, not counted as idle. */
function used(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, a] of Object.entries(after)) {
    const b = before[name] ?? 0;
    if (a > 0 && b > 0) out[name] = a - b;
  }
  return out;
}

/** Scrapes every endpoint; the gauges reset at each scrape, so the second scrape covers the window. */
async function scrapeAll(metrics: Record<string, string>): Promise<Record<string, EventLoopDelay | null>> {
  const entries = await Promise.all(
    Object.entries(metrics).map(async ([name, addr]) => [name, await scrapeEventLoop(addr)] as const),
  );
  return Object.fromEntries(entries);
}

function stageResults(byStage: Slices, stages: readonly Stage[]): StageResult[] {
  let at = 0;
  return stages.map((st, i) => {
    const r = { ...byStage.slice(i, at, st.seconds), name: st.name, rate: st.rate };
    at += st.seconds;
    return r;
  });
}

/**
 * Prints each second of the window once, two seconds after its end (its
 * answers are in by then: they come within the gRPC deadline), naming its
 * stage. Returns the function to call every second.
 */
function secondPrinter(bySecond: Slices, stages: readonly Stage[], start: number): () => void {
  let printed = 0;
  return () => {
    const upTo = Math.floor((performance.now() - start) / 1000) - 2;
    for (; printed <= upTo; printed++) printSecond(bySecond, stages, printed);
  };
}

function printSecond(bySecond: Slices, stages: readonly Stage[], second: number): void {
  let stage = '';
  let end = 0;
  for (const st of stages) {
    end += st.seconds;
    if (second < end) {
      stage = st.name;
      break;
    }
  }
  const s = bySecond.slice(second, second, 1);
  progress(
    `  ${String(second).padStart(3)} s ${stage}: ${s.answers}/s answered, p50 ${s.p50Ms.toFixed(1)} ms, ` +
      `p99 ${s.p99Ms.toFixed(1)} ms${s.shed ? `, ${s.shed} shed` : ''}${trouble({ ...s, degraded: s.degraded - s.shed })}` +
      (s.sendDelayP99Ms > 5 ? `; generator ${s.sendDelayP99Ms.toFixed(1)} ms behind (p99)` : ''),
  );
}

export async function runOpen(spec: OpenSpec): Promise<OpenResult> {
  const driver = new Driver(spec, spec.outcomes);
  await driver.ready();
  const stages = spec.stages ?? [{ name: 'window', rate: spec.rate, seconds: spec.seconds }];
  if (spec.warmupSeconds > 0)
    await openWindow(
      driver,
      [{ name: 'warm-up', rate: stages[0]!.rate, seconds: spec.warmupSeconds }],
      spec.maxInFlight,
      null,
    );
  const tally = newTally();
  tally.timelineMs = spec.timelineMs ?? 0;
  const pids = spec.cpuPids ?? {};
  await scrapeAll(spec.metrics ?? {});
  const before = snapshot(pids);
  const start = performance.now();
  const rss: Record<string, Array<[number, number]>> = {};
  const sampleRss = () => {
    const at = (performance.now() - start) / 1000;
    for (const [name, pid] of Object.entries(pids)) {
      const kb = rssKb(pid);
      if (kb === 0) continue;
      const samples = rss[name] ?? [];
      samples.push([at, kb]);
      rss[name] = samples;
    }
  };
  const sampler = spec.rssSampleMs ? setInterval(sampleRss, spec.rssSampleMs) : null;
  if (sampler) sampleRss();
  const byStage = new Slices(spec.deadlineMs);
  const bySecond = new Slices(spec.deadlineMs);
  const progressTimer = spec.perSecond ? setInterval(secondPrinter(bySecond, stages, start), 1000) : null;
  const { sent, dropped } = await openWindow(driver, stages, spec.maxInFlight, tally, (at, stage, a) => {
    byStage.add(stage, a);
    if (spec.perSecond) bySecond.add(Math.floor(at / 1000), a);
  });
  if (progressTimer) clearInterval(progressTimer);
  const elapsed = (performance.now() - start) / 1000;
  const outcomes = driver.reporter ? await driver.reporter.drain() : null;
  if (sampler) {
    clearInterval(sampler);
    sampleRss();
  }
  const after = snapshot(pids);
  const eventLoop = await scrapeAll(spec.metrics ?? {});
  driver.close();
  const result: OpenResult = {
    mode: 'open',
    rate: spec.rate,
    seconds: elapsed,
    sent,
    achievedRate: (tally.ok - tally.late) / elapsed,
    p50Ms: percentile(tally.latenciesMs, 50),
    agentMs: Object.fromEntries(
      Object.entries(tally.agentMs).map(([name, xs]) => [
        name,
        { p50: percentile(xs, 50), p99: percentile(xs, 99) },
      ]),
    ),
    degradedBy: Object.fromEntries(
      Object.entries(tally.degradedBy).map(([name, n]) => [name, n / Math.max(1, tally.latenciesMs.length)]),
    ),
    p90Ms: percentile(tally.latenciesMs, 90),
    p99Ms: percentile(tally.latenciesMs, 99),
    maxMs: percentile(tally.latenciesMs, 100),
    anyLate: tally.anyLate,
    timeline: [...tally.timeline.values()].sort((a, b) => a.at - b.at),
    ok: tally.ok,
    late: tally.late,
    noAd: tally.noAd,
    degraded: tally.degraded,
    errors: tally.errors,
    dropped,
    requests: driver.seq,
    cpuMs: used(before.cpuMs, after.cpuMs),
    bytesWritten: used(before.bytesWritten, after.bytesWritten),
    loopbackBytes: after.loopbackBytes - before.loopbackBytes,
    eventLoop,
    rssKb: rss,
    outcomes,
    stages: stageResults(byStage, stages),
    perSecond: Array.from({ length: bySecond.length }, (_, i) => bySecond.slice(i, i, 1)),
    firstError: driver.firstError,
  };
  progress(
    `  open ${spec.rate.toFixed(0)}/s for ${elapsed.toFixed(0)} s: p50 ${result.p50Ms.toFixed(1)} ms, ` +
      `p99 ${result.p99Ms.toFixed(1)} ms${trouble({ ...tally, dropped })}` +
      (outcomes
        ? `; ${outcomes.reports} outcome reports in ${outcomes.batches} batches` +
          (outcomes.failedBatches ? ` (${outcomes.failedBatches} failed: ${outcomes.firstError})` : '')
        : ''),
  );
  return result;
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error("usage: bench/load.ts '<json LoadSpec>'");
  const spec = JSON.parse(raw) as LoadSpec;
  // The load is an ad server's: ad-server.crt (mTLS, as npm start) unless PARLEY_PLAINTEXT=1.
  setDefaultIdentity('ad-server');
  const result = spec.mode === 'closed' ? await runClosed(spec) : await runOpen(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    process.stderr.write(`load: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
