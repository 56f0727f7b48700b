/**
 * measure(name, fn, opts): the median cost of one call of `fn` after a
 * warm-up, in µs of wall time and of this process's CPU time. A local
 * stand-in for bench/micro/harness.ts's measure until that lands (then this
 * file goes). Calls run one after another, so for an adapter that talks to
 * Redis the wall time includes the round trip and the CPU time does not.
 */
import { type Redis, singleNode } from '../../services/common/state/redis';
import { median } from '../stats';

export interface MeasureOptions {
  /** Calls before measuring (JIT, caches). */
  warmup?: number;
  /** Calls per run. */
  iterations?: number;
  /** Runs; the median run is reported. */
  runs?: number;
}

export interface Measurement {
  name: string;
  /** Median over runs of wall µs per call. */
  us: number;
  /** Median over runs of this process's CPU µs (user + system) per call. */
  cpuUs: number;
  runs: number;
}

export async function measure(
  name: string,
  fn: (i: number) => unknown,
  opts: MeasureOptions = {},
): Promise<Measurement> {
  const { warmup = 2_000, iterations = 5_000, runs = 5 } = opts;
  let i = 0;
  for (let k = 0; k < warmup; k++) await fn(i++);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < iterations; k++) await fn(i++);
    const t1 = process.hrtime.bigint();
    const c = process.cpuUsage(c0);
    wall.push(Number(t1 - t0) / 1000 / iterations);
    cpu.push((c.user + c.system) / iterations);
  }
  return { name, us: median(wall), cpuUs: median(cpu), runs };
}

/** A markdown table of measurements. */
export function measurementTable(rows: Measurement[]): string {
  return [
    '| call | wall µs/call | CPU µs/call |',
    '|---|---:|---:|',
    ...rows.map((m) => `| ${m.name} | ${m.us.toFixed(1)} | ${m.cpuUs.toFixed(1)} |`),
  ].join('\n');
}

/** What a Redis did for `calls` calls: commands by name (scripts' inner commands included) and its CPU. */
export interface RedisCost {
  commands: Map<string, number>;
  total: number;
  /** redis-server CPU µs (user + system). */
  cpuUs: number;
  /** This process's CPU µs (user + system) meanwhile. */
  nodeCpuUs: number;
  calls: number;
  /** What the counted clients sent: commands (a script call is one) and socket writes (round trips when calls run one after another). */
  sent: { commands: number; writes: number };
}

/** Counts, from now on, the commands a client sends and its socket writes (patches the instance). */
export async function countSent(client: Redis): Promise<{ commands: number; writes: number }> {
  const redis = singleNode(client);
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  const sent = { commands: 0, writes: 0 };
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((...args: Parameters<typeof redis.sendCommand>) => {
    sent.commands++;
    return send(...args);
  }) as typeof redis.sendCommand;
  const stream = redis.stream;
  const write = stream.write.bind(stream);
  stream.write = ((...args: Parameters<typeof stream.write>) => {
    sent.writes++;
    return write(...(args as [never]));
  }) as typeof stream.write;
  return sent;
}

interface StatsClient {
  info(section: string): Promise<string>;
  config(op: 'RESETSTAT'): Promise<unknown>;
}

async function redisCpuUs(redis: StatsClient): Promise<number> {
  const info = await redis.info('cpu');
  const num = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (num('used_cpu_user') + num('used_cpu_sys')) * 1e6;
}

/**
 * Runs `fn` `calls` times one after another and reports what the Redis
 * behind `redis` did for it (per call: divide by `calls`; a call that runs
 * several operations can say so with `perCall`).
 */
export async function redisCost(
  redis: StatsClient,
  calls: number,
  fn: (i: number) => unknown,
  counted: ReadonlyArray<{ commands: number; writes: number }> = [],
  perCall = 1,
): Promise<RedisCost> {
  const sentBefore = sumSent(counted);
  await redis.config('RESETSTAT');
  const cpu0 = await redisCpuUs(redis);
  const node0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) await fn(i);
  const node = process.cpuUsage(node0);
  const cpuUs = (await redisCpuUs(redis)) - cpu0;
  const info = await redis.info('commandstats');
  const commands = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (m[1] !== 'info' && !m[1]!.startsWith('config')) commands.set(m[1]!, Number(m[2]));
  }
  let total = 0;
  for (const n of commands.values()) total += n;
  const sentAfter = sumSent(counted);
  const sent = {
    commands: sentAfter.commands - sentBefore.commands,
    writes: sentAfter.writes - sentBefore.writes,
  };
  return { commands, total, cpuUs, nodeCpuUs: node.user + node.system, calls: calls * perCall, sent };
}

function sumSent(counted: ReadonlyArray<{ commands: number; writes: number }>) {
  return counted.reduce((a, c) => ({ commands: a.commands + c.commands, writes: a.writes + c.writes }), {
    commands: 0,
    writes: 0,
  });
}

/** One line: commands per call in total and by name, most frequent first. */
export function describeRedisCost(c: RedisCost): string {
  const per = (n: number) => (n / c.calls).toFixed(2).replace(/\.?0+$/, '');
  const byName = [...c.commands.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${per(n)}`)
    .join(', ');
  const sent =
    c.sent.commands > 0 ? `; sent ${per(c.sent.commands)} commands in ${per(c.sent.writes)} writes` : '';
  const cpu = (us: number) => `${(us / c.calls).toFixed(1)} µs`;
  return `${per(c.total)} commands run (${byName})${sent}; CPU: redis-server ${cpu(c.cpuUs)}, this process ${cpu(c.nodeCpuUs)}`;
}
