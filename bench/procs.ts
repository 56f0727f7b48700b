/**
 * The benchmark's processes: the real mesh through `parley serve` (bin/spawn.ts),
 * the bare mesh through bench/bare/serve.ts (same ready-line contract), a
 * real service with extra node flags (profiling), the load generator, and
 * peak RSS from /proc.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type Exit,
  PARLEY_BIN,
  parseReadyLine,
  type ServiceName,
  type ServiceProcess,
  type SpawnOptions,
  spawnService,
} from '../bin/spawn';
import type { LoadSpec } from './load';

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const BARE_SERVE = fileURLToPath(new URL('./bare/serve.ts', import.meta.url));
const LOAD = fileURLToPath(new URL('./load.ts', import.meta.url));

/** Peak resident set size (VmHWM) of a live process, in KiB; 0 when unknown. */
export function peakRssKb(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
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
  return spawnReady(name, [], [BARE_SERVE, name, ...args], opts);
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
  return spawnReady(name, nodeFlags, [PARLEY_BIN, 'serve', name], opts);
}

/** Spawns `node <nodeFlags> --import tsx <args>`; resolves once it prints the ready line of `name`. */
function spawnReady(
  name: ServiceName,
  nodeFlags: string[],
  args: string[],
  opts: SpawnOptions,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', TSX_LOADER, ...args], {
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > (opts.keepLines ?? 100)) tail.shift();
    opts.onStderrLine?.(line);
  });
  const stderrTail = () => tail.join('\n');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start\n${stderrTail()}`));
    }, opts.startTimeoutMs ?? 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const r = parseReadyLine(line, name);
      if (!r) return;
      clearTimeout(timer);
      const port = Number(r.address.slice(r.address.lastIndexOf(':') + 1));
      resolve({ name, address: r.address, port, pid: r.pid, child, exited, stderrTail });
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      setImmediate(() => reject(new Error(`${name} exited (${signal ?? code})\n${stderrTail()}`)));
    });
  });
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
  const child = spawn(process.execPath, ['--import', TSX_LOADER, LOAD, JSON.stringify(spec)], {
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
