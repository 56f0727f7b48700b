/**
 * What one decision and one outcome report cost Redis (docs/SCALING.md):
 * commands and bytes per decision and per outcome, measured on the real mesh
 * (bench/mesh.ts startMesh: every service as its own process, a throwaway
 * redis-server on a free loopback port, stopped at the end).
 *
 * Three windows of --seconds each, with Redis's counters (INFO commandstats,
 * INFO stats, INFO memory) read before and after each:
 *   idle       no traffic: what the mesh sends by itself (pub/sub, the online
 *              learner polling the outcome log, the dashboard's sampler);
 *   decisions  --rate decisions/s open-loop (bench/load.ts), no outcomes;
 *   outcomes   the same with each answer's outcome reports (impression, then
 *              skip or complete, per ad) through AdDecision/ReportOutcomes.
 * A window's cost less the idle rate over its length, divided by the
 * decisions sent (warm-up included: Redis saw those too), is the cost per
 * decision; the outcome window's extra over the decision window, divided by
 * the reports sent, the cost per outcome report.
 *
 *   npm run build && node dist/bench/redis-cost.js [--rate 100] [--seconds 10] [--deadline-ms 100] [--out FILE.json]
 *
 * Keep it short and slow on a shared machine: the defaults take under a
 * minute. On a busy machine give the decisions a longer --deadline-ms so that
 * they complete rather than degrade: a degraded decision skips agents and
 * their Redis work, and would make the cost per decision look smaller. The
 * result says how many were degraded or failed.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type CommandSpec, numberFlag, optionsOrExit, stringFlag } from '../services/common/cli';
import { createRedis } from '../services/common/state/redis';
import type { OpenResult } from './load';
import { benchDefaults, meshPids, OUTCOME_BATCHING, openSpec, startMesh, stopMesh } from './mesh';
import { runLoad } from './procs';

/** Redis's counters at one moment. */
export interface RedisCounters {
  at: number;
  /** Top-level commands processed (a script is one), INFO stats total_commands_processed. */
  commands: number;
  /** Calls per command, INFO commandstats (commands run inside scripts included). */
  calls: Record<string, number>;
  netInputBytes: number;
  netOutputBytes: number;
  usedMemory: number;
  keys: number;
}

/** `key:value` lines of an INFO section. */
export function infoFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

/** INFO commandstats → calls per command (`cmdstat_get:calls=3,usec=…` → get: 3). */
export function commandCalls(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of infoFields(text)) {
    const m = /^cmdstat_(.+)$/.exec(k);
    const calls = /(?:^|,)calls=(\d+)/.exec(v);
    if (m && calls) out[m[1]!] = Number(calls[1]);
  }
  return out;
}

/** What a window cost: the counters' differences, less `idle`'s rate over the window's length. */
export interface Cost extends Omit<RedisCounters, 'at'> {
  seconds: number;
}

/** Our own INFO calls are not the mesh's. */
const OURS = new Set(['info', 'dbsize']);

export function costOf(a: RedisCounters, b: RedisCounters, idle?: Cost): Cost {
  const seconds = (b.at - a.at) / 1000;
  const share = idle && idle.seconds > 0 ? seconds / idle.seconds : 0;
  const calls: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a.calls), ...Object.keys(b.calls)])) {
    if (OURS.has(k)) continue;
    const d = (b.calls[k] ?? 0) - (a.calls[k] ?? 0) - share * (idle?.calls[k] ?? 0);
    if (Math.abs(d) >= 0.5) calls[k] = d;
  }
  const ours = [...OURS].reduce((s, k) => s + (b.calls[k] ?? 0) - (a.calls[k] ?? 0), 0);
  return {
    seconds,
    commands: b.commands - a.commands - ours - share * (idle?.commands ?? 0),
    calls,
    netInputBytes: b.netInputBytes - a.netInputBytes - share * (idle?.netInputBytes ?? 0),
    netOutputBytes: b.netOutputBytes - a.netOutputBytes - share * (idle?.netOutputBytes ?? 0),
    usedMemory: b.usedMemory - a.usedMemory - share * (idle?.usedMemory ?? 0),
    keys: b.keys - a.keys - share * (idle?.keys ?? 0),
  };
}

/** `cost` per unit (per decision, per outcome report). */
export function per(cost: Cost, n: number): Omit<Cost, 'seconds'> {
  const d = (x: number) => (n > 0 ? x / n : Number.NaN);
  return {
    commands: d(cost.commands),
    calls: Object.fromEntries(Object.entries(cost.calls).map(([k, v]) => [k, d(v)])),
    netInputBytes: d(cost.netInputBytes),
    netOutputBytes: d(cost.netOutputBytes),
    usedMemory: d(cost.usedMemory),
    keys: d(cost.keys),
  };
}

/** The difference of two costs (the outcome window's extra over the decision window's). */
function minus(a: Omit<Cost, 'seconds'>, b: Omit<Cost, 'seconds'>): Omit<Cost, 'seconds'> {
  const calls: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a.calls), ...Object.keys(b.calls)])) {
    const d = (a.calls[k] ?? 0) - (b.calls[k] ?? 0);
    if (Math.abs(d) >= 0.005) calls[k] = d;
  }
  return {
    commands: a.commands - b.commands,
    calls,
    netInputBytes: a.netInputBytes - b.netInputBytes,
    netOutputBytes: a.netOutputBytes - b.netOutputBytes,
    usedMemory: a.usedMemory - b.usedMemory,
    keys: a.keys - b.keys,
  };
}

interface Options {
  rate: number;
  seconds: number;
  deadlineMs: number;
  out: string;
}

export const REDIS_COST_COMMAND: CommandSpec = {
  usage: 'tsx bench/redis-cost.ts [options]',
  summary:
    'Redis commands, bytes and memory per decision and per outcome report (see the header of bench/redis-cost.ts).',
  flags: {
    rate: { value: 'N', help: 'decisions/s of the open loop (>= 1)', default: '100' },
    seconds: { value: 'S', help: 'each load window (>= 1)', default: '10' },
    'deadline-ms': { value: 'MS', help: 'deadline_ms of every request (>= 1)', default: '100' },
    out: { value: 'FILE', help: 'also write the figures as JSON here' },
  },
};

function parseFlags(argv: string[]): Options {
  return optionsOrExit(argv, REDIS_COST_COMMAND, ({ values: v }) => ({
    rate: numberFlag(v, 'rate', 100, { min: 1 }),
    seconds: numberFlag(v, 'seconds', 10, { min: 1 }),
    deadlineMs: numberFlag(v, 'deadline-ms', 100, { min: 1, integer: true }),
    out: stringFlag(v, 'out', ''),
  }));
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function main(argv: string[]): Promise<number> {
  const o = parseFlags(argv);
  const bench = { ...benchDefaults(), seconds: o.seconds, deadlineMs: o.deadlineMs };
  say(`starting the real mesh on a throwaway redis-server`);
  const mesh = await startMesh('real', 1);
  const redis = createRedis(mesh.redis!.url);
  try {
    const read = async (): Promise<RedisCounters> => {
      const [stats, cmds, mem, keys] = await Promise.all([
        redis.info('stats'),
        redis.info('commandstats'),
        redis.info('memory'),
        redis.dbsize(),
      ]);
      const s = infoFields(stats);
      return {
        at: Date.now(),
        commands: Number(s.get('total_commands_processed')),
        calls: commandCalls(cmds),
        netInputBytes: Number(s.get('total_net_input_bytes')),
        netOutputBytes: Number(s.get('total_net_output_bytes')),
        usedMemory: Number(infoFields(mem).get('used_memory')),
        keys,
      };
    };
    const window = async (what: string, outcomes: boolean) => {
      const spec = {
        ...openSpec(bench, mesh.broker, `redis-cost-${what}`, 1, o.rate),
        cpuPids: meshPids(mesh),
        ...(outcomes ? { outcomes: OUTCOME_BATCHING } : {}),
      };
      say(`${what}: ${o.rate}/s for ${o.seconds} s`);
      const before = await read();
      const open = await runLoad<OpenResult>(spec, (o.seconds + 60) * 1000, say);
      await sleep(500); // the last outcome reports' settlement
      return { before, after: await read(), open };
    };

    say(`idle: ${o.seconds} s`);
    const idleA = await read();
    await sleep(o.seconds * 1000);
    const idle = costOf(idleA, await read());
    const dec = await window('decisions', false);
    const out = await window('outcomes', true);
    const decisions = dec.open.requests;
    const perDecision = per(costOf(dec.before, dec.after, idle), decisions);
    const outcomeWindow = per(costOf(out.before, out.after, idle), out.open.requests);
    const reports = out.open.outcomes?.reports ?? 0;
    // The outcome window's extra per decision, spread over its reports.
    const extra = minus(outcomeWindow, perDecision);
    const perOutcome = per({ ...extra, seconds: 0 }, reports / out.open.requests);
    const result = {
      rate: o.rate,
      seconds: o.seconds,
      deadlineMs: o.deadlineMs,
      idlePerSecond: per(idle, idle.seconds),
      decisions: {
        sent: decisions,
        ok: dec.open.ok,
        degraded: dec.open.degraded,
        errors: dec.open.errors,
        p99Ms: dec.open.p99Ms,
      },
      outcomeWindow: {
        sent: out.open.requests,
        ok: out.open.ok,
        degraded: out.open.degraded,
        errors: out.open.errors,
        reports,
        accepted: out.open.outcomes?.accepted ?? 0,
      },
      perDecision,
      perOutcome,
    };
    if (o.out) writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    redis.disconnect();
    await stopMesh(mesh);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
