/**
 * A tiny in-process micro-benchmark harness: how many microseconds of CPU
 * one call of a hot-path function costs, as the median over repeated timed
 * runs after a warm-up (so the JIT has settled and one GC or one noisy
 * neighbour does not decide the figure).
 *
 *   import { measure, printTable } from './harness';
 *   const rows = [
 *     measure('propose', (i) => agent.propose(inputs[i % inputs.length]!, NOW)),
 *     measure('remember', (i) => learner.rememberDecision(`r${i}`, 'cr', x), { runs: 15 }),
 *   ];
 *   printTable('inventory agent', rows);
 *
 * `fn` gets a running call index (0, 1, 2, … across warm-up and runs) to
 * cycle through prepared inputs. Whatever it returns is kept in a sink so the
 * call cannot be optimised away.
 *
 * For event-loop stalls, `pieces` times synchronous pieces of work one by
 * one and `loopDelay` watches the event loop (perf_hooks.
 * monitorEventLoopDelay) while an async scenario runs:
 *
 *   printPieces('stalls', [
 *     ['learning step', pieces(() => learner.step(), 40, { before: (i) => feed(learner, i) })],
 *     ['decisions + learning: loop delay', { ...NO_CPU, maxWallMs: (await loopDelay(run)).maxMs }],
 *   ]);
 *
 * Times are CPU time of this process (process.cpuUsage), which a busy
 * machine inflates far less than wall-clock time; wall-clock is shown beside.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface MeasureOptions {
  /** CPU time spent calling `fn` before measuring (default 300 ms). */
  warmupMs?: number;
  /** Timed runs; the median of them is reported (default 9). */
  runs?: number;
  /** CPU time of one timed run (default 200 ms); calls per run are set from the warm-up. */
  runMs?: number;
}

export interface Measurement {
  name: string;
  /** Median over the runs of the CPU µs per call within a run. */
  medianUs: number;
  minUs: number;
  maxUs: number;
  /** Median wall-clock µs per call (higher than CPU when the machine is shared). */
  wallUs: number;
  runs: number;
  callsPerRun: number;
}

let sink: unknown;

/** This process's CPU time (user + system, all threads), in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Median µs per call of `fn` (see MeasureOptions). Time is the process's CPU
 * time, so other processes on a shared machine change the figure little;
 * the wall-clock figure is reported beside it.
 */
export function measure(name: string, fn: (i: number) => unknown, opts: MeasureOptions = {}): Measurement {
  const { warmupMs = 300, runs = 9, runMs = 200 } = opts;
  let i = 0;
  const warmStart = cpuMs();
  let warmCalls = 0;
  while (cpuMs() - warmStart < warmupMs) {
    for (let k = 0; k < 16; k++) sink = fn(i++);
    warmCalls += 16;
  }
  const perCallMs = (cpuMs() - warmStart) / warmCalls;
  const callsPerRun = Math.max(1, Math.round(runMs / perCallMs));
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    for (let k = 0; k < callsPerRun; k++) sink = fn(i++);
    wall.push(((performance.now() - t0) * 1000) / callsPerRun);
    cpu.push(((cpuMs() - c0) * 1000) / callsPerRun);
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return {
    name,
    medianUs: median(cpu),
    minUs: Math.min(...cpu),
    maxUs: Math.max(...cpu),
    wallUs: median(wall),
    runs,
    callsPerRun,
  };
}

/** Prints measurements as a table under `title`. */
export function printTable(title: string, rows: readonly Measurement[]): void {
  const fmt = (us: number) => (us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2));
  const width = Math.max(4, ...rows.map((r) => r.name.length));
  console.log(`\n${title}`);
  console.log(`${'what'.padEnd(width)}  CPU µs median      min      max  wall µs  runs × calls`);
  for (const r of rows) {
    const cells = [r.medianUs, r.minUs, r.maxUs, r.wallUs].map((v, k) => fmt(v).padStart(k === 0 ? 13 : 8));
    console.log(`${r.name.padEnd(width)}  ${cells.join(' ')}  ${r.runs} × ${r.callsPerRun}`);
  }
}

/** How long pieces of synchronous work took, in ms (see `pieces`). */
export interface PieceTimes {
  /** Median and longest CPU time of a piece: what the work costs when it has a core. */
  medianCpuMs: number;
  maxCpuMs: number;
  /** Longest wall-clock time: on a shared machine it also holds time spent waiting for a core. */
  maxWallMs: number;
}

export interface PiecesOptions {
  /** Untimed preparation before each call (e.g. feed a learner the examples of its next step). */
  before?: (i: number) => void;
}

/**
 * Times `times` synchronous calls of `fn` one by one (for "no piece stalls
 * the event loop"). CPU time is the process's, so a garbage collector thread
 * working meanwhile counts too: the longest piece is an upper bound.
 */
export function pieces(fn: (i: number) => unknown, times: number, opts: PiecesOptions = {}): PieceTimes {
  const { before } = opts;
  const cpu: number[] = [];
  let wall = 0;
  for (let i = 0; i < times; i++) {
    before?.(i);
    const c0 = cpuMs();
    const t0 = performance.now();
    sink = fn(i);
    wall = Math.max(wall, performance.now() - t0);
    cpu.push(cpuMs() - c0);
  }
  return { medianCpuMs: median(cpu), maxCpuMs: Math.max(...cpu), maxWallMs: wall };
}

/** A row with no CPU figures, for printPieces (e.g. a loop delay: wall-clock only). */
export const NO_CPU = { medianCpuMs: Number.NaN, maxCpuMs: Number.NaN } as const;

/** Prints piece times (and loop delays, as wall-only rows) as a table under `title`. */
export function printPieces(title: string, rows: ReadonlyArray<[string, PieceTimes]>): void {
  const width = Math.max(5, ...rows.map(([n]) => n.length));
  const ms = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(2)).padStart(9);
  console.log(`\n${title}`);
  console.log(`${'piece'.padEnd(width)}  CPU median  CPU max  wall max (ms)`);
  for (const [name, p] of rows) {
    console.log(
      `${name.padEnd(width)}  ${ms(p.medianCpuMs)}  ${ms(p.maxCpuMs).slice(1)}  ${ms(p.maxWallMs)}`,
    );
  }
}

/**
 * Runs `scenario` while watching the event loop; returns the largest delay
 * (ms) a timer saw, i.e. the longest time the loop was blocked, and its p99.
 * The monitor's resolution is 1 ms, so figures below ~1 ms read as ~1 ms.
 */
export async function loopDelay(scenario: () => Promise<void>): Promise<{ maxMs: number; p99Ms: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  try {
    // The monitor records from its second tick on: let it start before the scenario.
    await new Promise((r) => setTimeout(r, 10));
    await scenario();
    // A stall at the very end (e.g. a chain of microtasks) is recorded when the next timer runs.
    await new Promise((r) => setTimeout(r, 2));
  } finally {
    h.disable();
  }
  return { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6 };
}
