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
 * send time (so a stall is not hidden by sending less); given the mesh's
 * pids, it also reads each one's CPU time (/proc) around the measured
 * window, for CPU per decision at that rate. Several grpc-js channels, each
 * on its own connection, share the load round-robin.
 *
 * Progress goes to stderr; the result is one JSON line on stdout.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import type { AdDecisionClient } from '../proto/gen/parley/v1/AdDecision';
import type { DecideResponse__Output } from '../proto/gen/parley/v1/DecideResponse';
import { v1 } from '../services/common/grpc/proto';
import { cpuMs } from './procs';
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
}

export interface ClosedSpec extends CommonSpec {
  mode: 'closed';
  concurrency: number[];
  /** Seconds per concurrency level. */
  seconds: number;
  warmupSeconds: number;
  /** Stop after this many levels in a row without >= 5% more throughput. */
  patience: number;
}

export interface OpenSpec extends CommonSpec {
  mode: 'open';
  rate: number;
  seconds: number;
  warmupSeconds: number;
  /** Sends skipped (counted as dropped) while this many are in flight. */
  maxInFlight: number;
  /**
   * Processes (name -> pid) whose CPU time (/proc) is read at the start and
   * the end of the measured window, for CPU per decision at a fixed rate.
   */
  cpuPids?: Record<string, number>;
}

export type LoadSpec = ClosedSpec | OpenSpec;

/** Outcome counts of one measured window. */
export interface Tally {
  /** OK responses not degraded: the decisions that count. */
  ok: number;
  noAd: number;
  degraded: number;
  errors: number;
  /** Sum of why.rounds over OK responses. */
  rounds: number;
  /** Of every call: answered, degraded or failed (time until it failed). */
  latenciesMs: number[];
}

export interface LevelResult {
  concurrency: number;
  seconds: number;
  rate: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
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

export interface OpenResult {
  mode: 'open';
  rate: number;
  seconds: number;
  sent: number;
  achievedRate: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  ok: number;
  noAd: number;
  degraded: number;
  errors: number;
  dropped: number;
  /** Every request sent, warm-up included. */
  requests: number;
  /**
   * CPU ms (user + system) each process of `cpuPids` used during the measured
   * window (warm-up left out; every answer of the window received); empty
   * without `cpuPids`.
   */
  cpuMs: Record<string, number>;
  firstError: string;
}

function newTally(): Tally {
  return { ok: 0, noAd: 0, degraded: 0, errors: 0, rounds: 0, latenciesMs: [] };
}

class Driver {
  private readonly clients: AdDecisionClient[] = [];
  private next = 0;
  /** Requests sent so far, warm-up included. */
  seq = 0;
  private readonly workload: Workload;
  firstError = '';

  constructor(private readonly spec: CommonSpec) {
    for (let i = 0; i < spec.channels; i++) {
      // A local subchannel pool gives every channel its own connection.
      this.clients.push(
        new v1.AdDecision(spec.target, grpc.credentials.createInsecure(), {
          'grpc.use_local_subchannel_pool': 1,
        }),
      );
    }
    this.workload = createWorkload({
      seed: spec.seed,
      tag: spec.tag,
      sessions: spec.sessions,
      deadlineMs: spec.deadlineMs,
      nowMs: Date.now(),
    });
  }

  async ready(): Promise<void> {
    const deadline = Date.now() + 10_000;
    await Promise.all(
      this.clients.map(
        (c) => new Promise<void>((res, rej) => c.waitForReady(deadline, (e) => (e ? rej(e) : res()))),
      ),
    );
  }

  /** One Decide; records into `tally` (if given) with latency from `startedAt`. */
  decide(tally: Tally | null, startedAt = performance.now()): Promise<void> {
    const client = this.clients[this.next++ % this.clients.length]!;
    const req = this.workload.request(this.seq++);
    return new Promise((resolve) => {
      client.Decide(
        req,
        { deadline: Date.now() + 2 * this.spec.deadlineMs },
        (err: grpc.ServiceError | null, res?: DecideResponse__Output) => {
          if (tally) {
            // A failed call's latency is the time until it failed (at worst its gRPC deadline).
            tally.latenciesMs.push(performance.now() - startedAt);
            if (err || !res) {
              tally.errors++;
              if (!this.firstError) this.firstError = `${err?.code} ${err?.details ?? 'no response'}`;
            } else {
              if (res.degraded.length > 0) {
                tally.degraded++;
              } else {
                tally.ok++;
                if (res.no_ad) tally.noAd++;
                tally.rounds += res.why?.rounds ?? 0;
              }
            }
          }
          resolve();
        },
      );
    });
  }

  close(): void {
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

export async function runClosed(spec: ClosedSpec): Promise<ClosedResult> {
  const driver = new Driver(spec);
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
      rate: tally.ok / seconds,
      p50Ms: percentile(tally.latenciesMs, 50),
      p99Ms: percentile(tally.latenciesMs, 99),
      ok: tally.ok,
      noAd: tally.noAd,
      degraded: tally.degraded,
      errors: tally.errors,
    };
    levels.push(level);
    okTotal += tally.ok;
    roundsTotal += tally.rounds;
    progress(
      `  c=${concurrency}: ${level.rate.toFixed(0)} decisions/s, p50 ${level.p50Ms.toFixed(1)} ms, ` +
        `p99 ${level.p99Ms.toFixed(1)} ms` +
        (tally.degraded + tally.errors > 0 ? ` (${tally.degraded} degraded, ${tally.errors} errors)` : ''),
    );
    if (!best || level.rate > best.rate * 1.05) {
      flat = 0;
    } else if (++flat >= spec.patience) {
      if (level.rate > best.rate) best = level;
      break;
    }
    if (!best || level.rate > best.rate) best = level;
  }
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

/** Sends at `rate`/s on a fixed schedule for `seconds`, recording into `tally`. */
async function openWindow(
  driver: Driver,
  rate: number,
  seconds: number,
  maxInFlight: number,
  tally: Tally | null,
): Promise<{ sent: number; dropped: number }> {
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const start = performance.now();
  let sent = 0;
  let dropped = 0;
  let inFlight = 0;
  const pending: Array<Promise<void>> = [];
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const scheduled = start + sent * interval;
        sent++;
        if (inFlight >= maxInFlight) {
          dropped++;
          continue;
        }
        inFlight++;
        pending.push(driver.decide(tally, scheduled).finally(() => inFlight--));
      }
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(1, start + sent * interval - now)));
    };
    tick();
  });
  await Promise.all(pending);
  return { sent, dropped };
}

export async function runOpen(spec: OpenSpec): Promise<OpenResult> {
  const driver = new Driver(spec);
  await driver.ready();
  if (spec.warmupSeconds > 0) await openWindow(driver, spec.rate, spec.warmupSeconds, spec.maxInFlight, null);
  const tally = newTally();
  const pids = Object.entries(spec.cpuPids ?? {});
  const cpuBefore = pids.map(([, pid]) => cpuMs(pid));
  const start = performance.now();
  const { sent, dropped } = await openWindow(driver, spec.rate, spec.seconds, spec.maxInFlight, tally);
  const elapsed = (performance.now() - start) / 1000;
  // A process that could not be read (0: gone, or no /proc) is left out, not counted as idle.
  const cpuUsed: Record<string, number> = {};
  pids.forEach(([name, pid], i) => {
    const after = cpuMs(pid);
    if (after > 0 && cpuBefore[i]! > 0) cpuUsed[name] = after - cpuBefore[i]!;
  });
  driver.close();
  const result: OpenResult = {
    mode: 'open',
    rate: spec.rate,
    seconds: elapsed,
    sent,
    achievedRate: tally.ok / elapsed,
    p50Ms: percentile(tally.latenciesMs, 50),
    p90Ms: percentile(tally.latenciesMs, 90),
    p99Ms: percentile(tally.latenciesMs, 99),
    maxMs: percentile(tally.latenciesMs, 100),
    ok: tally.ok,
    noAd: tally.noAd,
    degraded: tally.degraded,
    errors: tally.errors,
    dropped,
    requests: driver.seq,
    cpuMs: cpuUsed,
    firstError: driver.firstError,
  };
  progress(
    `  open ${spec.rate.toFixed(0)}/s: p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms` +
      (result.degraded + result.errors + dropped > 0
        ? ` (${result.degraded} degraded, ${result.errors} errors, ${dropped} dropped)`
        : ''),
  );
  return result;
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error("usage: bench/load.ts '<json LoadSpec>'");
  const spec = JSON.parse(raw) as LoadSpec;
  const result = spec.mode === 'closed' ? await runClosed(spec) : await runOpen(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    process.stderr.write(`load: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
