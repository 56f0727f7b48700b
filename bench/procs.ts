/**
 * The benchmark's processes: the real mesh through `parley serve` (bin/spawn.ts),
 * the bare mesh through bench/bare/serve.ts and the no-op server through
 * bench/noop.ts (same ready-line contract), a real service with extra node
 * flags (profiling), the load generator; and what the benchmark reads about
 * processes: CPU time, RSS and bytes written from /proc, loopback bytes from
 * /proc/net/dev, event-loop delay from a service's Prometheus endpoint.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import {
  parleyArgv,
  RUNTIME,
  type ServiceName,
  type ServiceProcess,
  type SpawnOptions,
  spawnReady,
  spawnService,
} from '../bin/spawn';
import { projectPath } from '../services/common/paths';
import type { LoadSpec } from './load';

/**
 * Node's arguments to run a script of bench/ (`bare/serve`, `load`, `noop`):
 * compiled (dist/bench/<script>.js, as `npm run bench` builds and runs it)
 * when this process runs compiled, else the TypeScript through tsx.
 */
function scriptArgv(script: string, args: string[]): string[] {
  if (RUNTIME === 'compiled') return [projectPath('dist', 'bench', `${script}.js`), ...args];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', tsx, projectPath('bench', `${script}.ts`), ...args];
}

/** Peak resident set size (VmHWM) of a live process, in KiB; 0 when unknown. */
export function peakRssKb(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident set size (VmRSS) of a live process now, in KiB; 0 when unknown. */
export function rssKb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Bytes a live process has written so far through write-like system calls
 * (/proc/<pid>/io `wchar`: sockets, pipes and files alike); 0 when unknown.
 * A mesh process writes almost only to its sockets while it serves.
 */
export function bytesWritten(pid: number): number {
  try {
    const m = /^wchar:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Bytes received on the loopback interface so far (/proc/net/dev `lo`;
 * every loopback byte is sent and received once): the whole machine's
 * loopback traffic, not only the mesh's. 0 when unknown.
 */
export function loopbackBytes(): number {
  try {
    const m = /^\s*lo:\s*(\d+)/m.exec(readFileSync('/proc/net/dev', 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Event-loop delay of one process over a window (ms); NaN where the endpoint has no such gauge. */
export interface EventLoopDelay {
  p99Ms: number;
  maxMs: number;
}

/** The gauges a service's Prometheus endpoint exports, reset at every scrape. */
export const EVENT_LOOP_GAUGES = {
  p99: 'nodejs_eventloop_delay_p99_seconds',
  max: 'nodejs_eventloop_delay_max_seconds',
} as const;

/** The value of an unlabelled or labelled sample of `name` in Prometheus text; NaN when absent. */
export function gaugeValue(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

/** The event-loop delay gauges in Prometheus text, in ms (NaN when absent). */
export function eventLoopFromMetrics(text: string): EventLoopDelay {
  return {
    p99Ms: gaugeValue(text, EVENT_LOOP_GAUGES.p99) * 1000,
    maxMs: gaugeValue(text, EVENT_LOOP_GAUGES.max) * 1000,
  };
}

/**
 * Scrapes `http://<address>/metrics` for the event-loop delay since the
 * previous scrape (the gauges reset at every scrape); null when the endpoint
 * cannot be read.
 */
export async function scrapeEventLoop(address: string, timeoutMs = 2000): Promise<EventLoopDelay | null> {
  try {
    const res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    return eventLoopFromMetrics(await res.text());
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system) a live process has used so far, in ms; 0 when
 * unknown. /proc/<pid>/stat counts in clock ticks of 1/100 s on Linux.
 */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Starts `bench/bare/serve.ts <name> ...args`; resolves once it prints its ready line. */
export function spawnBare(name: ServiceName, args: string[], opts: SpawnOptions): Promise<ServiceProcess> {
  return spawnReady(name, scriptArgv('bare/serve', [name, ...args]), opts);
}

/**
 * Starts the no-op server (bench/noop.ts): it answers Decide as the broker
 * would be asked, so its ready line names the broker.
 */
export function spawnNoop(opts: SpawnOptions): Promise<ServiceProcess> {
  return spawnReady('broker', scriptArgv('noop', []), opts);
}

/**
 * Starts `parley serve <name>` with extra node flags (e.g. --cpu-prof, which
 * NODE_OPTIONS does not allow, so bin/spawn.ts cannot pass it).
 */
export function spawnServiceWithFlags(
  name: ServiceName,
  nodeFlags: string[],
  opts: SpawnOptions,
): Promise<ServiceProcess> {
  return spawnReady(name, [...nodeFlags, ...parleyArgv(['serve', name])], opts);
}

export { spawnService };

/**
 * Runs the load generator in its own process; its progress lines go to
 * `onProgress`; resolves with its JSON result. Killed after `timeoutMs`.
 */
export function runLoad<R>(
  spec: LoadSpec,
  timeoutMs: number,
  onProgress: (line: string) => void,
): Promise<R> {
  const child = spawn(process.execPath, scriptArgv('load', [JSON.stringify(spec)]), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const errTail: string[] = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    errTail.push(line);
    if (errTail.length > 50) errTail.shift();
    onProgress(line);
  });
  return new Promise<R>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last) resolve(JSON.parse(last) as R);
      else reject(new Error(`load generator failed (${signal ?? `code ${code}`})\n${errTail.join('\n')}`));
    });
  });
}

/**
 * The child's side of the ready-line contract, for the bench's own servers
 * (bare mesh, no-op): prints {"service","address","pid"} on stdout, then
 * closes the service and telemetry on SIGTERM or SIGINT and exits.
 */
export function announceAndServe(
  name: string,
  service: { address: string; close(): Promise<void> },
  telemetry: { shutdown(): Promise<void> },
): void {
  process.stdout.write(`${JSON.stringify({ service: name, address: service.address, pid: process.pid })}\n`);
  const stop = () => {
    service
      .close()
      .then(() => telemetry.shutdown())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
