/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per
 * function and per area of the code (gRPC, protobuf, telemetry, Redis, parley
 * services, Node internals, GC, idle).
 *
 *   tsx bench/profile.ts <file.cpuprofile> [--top 20]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type CommandSpec, numberFlag, optionsOrExit, UsageError } from '../services/common/cli';

export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }>;
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** Sampled time inside the window. */
  totalMs: number;
  /** Share of the window not idle. */
  busyShare: number;
  /** Shares of functions and areas are of the busy (non-idle) time. */
  functions: SelfTime[];
  areas: SelfTime[];
}

/** The area a source URL belongs to. */
export function areaOf(url: string, functionName: string): string {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(program)' || functionName === '(root)') return 'V8 / native (program)';
  if (url.includes('/node_modules/@grpc/')) return 'grpc-js';
  if (url.includes('/node_modules/protobufjs/') || url.includes('/node_modules/@protobufjs/'))
    return 'protobufjs';
  if (url.includes('/node_modules/@opentelemetry/')) return 'opentelemetry';
  if (url.includes('/node_modules/ioredis/') || url.includes('/node_modules/redis-')) return 'ioredis';
  if (url.includes('/node_modules/')) return `other deps (${url.split('/node_modules/')[1]?.split('/')[0]})`;
  const m = /\/(services\/[^/]+|federated|bin|bench)\//.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:internal/')) return `node ${url.slice('node:internal/'.length).split('/')[0]}`;
  if (url.startsWith('node:') || url === '') return 'node (native / other)';
  return 'other';
}

function shortUrl(url: string): string {
  const i = url.lastIndexOf('/node_modules/');
  if (i >= 0) return url.slice(i + '/node_modules/'.length);
  const j = url.search(/\/(services|bench|bin|federated)\//);
  return j >= 0 ? url.slice(j + 1) : url.replace(/^file:\/\//, '');
}

/**
 * Self time per function and area. `window` (ms since the profile started)
 * keeps only the samples inside it, e.g. to leave out start-up and shutdown.
 */
export function summariseProfile(
  p: CpuProfile,
  top = 20,
  window: { fromMs: number; toMs: number } = { fromMs: 0, toMs: Number.POSITIVE_INFINITY },
): ProfileSummary {
  const selfUs = new Map<number, number>();
  if (p.samples && p.timeDeltas && p.samples.length === p.timeDeltas.length) {
    let atUs = 0;
    p.samples.forEach((id, i) => {
      atUs += p.timeDeltas![i]!;
      if (atUs < window.fromMs * 1000 || atUs > window.toMs * 1000) return;
      // A sample's time is the gap to the next one (V8's own convention).
      const dt = p.timeDeltas![i + 1] ?? 0;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
    });
  } else {
    const hits = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
    const per = (p.endTime - p.startTime) / hits;
    for (const n of p.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * per);
  }
  const byFn = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const n of p.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (us === 0) continue;
    total += us;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') idle += us;
    const fn = `${functionName || '(anonymous)'}${url ? ` ${shortUrl(url)}:${lineNumber + 1}` : ''}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    const area = areaOf(url, functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  byFn.delete('(idle)');
  byArea.delete('idle');
  const busy = total - idle;
  const rank = (m: Map<string, number>, n: number): SelfTime[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busy > 0 ? us / busy : 0 }));
  return {
    totalMs: total / 1000,
    busyShare: total > 0 ? 1 - idle / total : 0,
    functions: rank(byFn, top),
    areas: rank(byArea, 100),
  };
}

/** The summary as Markdown tables. */
export function profileMarkdown(s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `${(s.totalMs / 1000).toFixed(1)} s sampled, ${pct(s.busyShare)} busy; shares below are of the busy time.`,
    '',
    '| area | self time | share |',
    '|---|---:|---:|',
    ...s.areas.map((a) => `| ${a.name} | ${a.ms.toFixed(0)} ms | ${pct(a.share)} |`),
    '',
    '| top self-time functions | self time | share |',
    '|---|---:|---:|',
    ...s.functions.map(
      (f) => `| \`${f.name.replace(/\|/g, '\\|')}\` | ${f.ms.toFixed(0)} ms | ${pct(f.share)} |`,
    ),
  ];
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const spec: CommandSpec = {
    usage: 'tsx bench/profile.ts <file.cpuprofile> [--top N]',
    summary: 'Where a CPU profile spends its time, as markdown.',
    flags: { top: { value: 'N', help: 'functions listed', default: '20' } },
    positionals: 1,
  };
  const { file, top } = optionsOrExit(process.argv.slice(2), spec, ({ values, positionals }) => {
    if (!positionals[0]) throw new UsageError('name the .cpuprofile file');
    return { file: positionals[0], top: numberFlag(values, 'top', 20, { min: 1, integer: true }) };
  });
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  process.stdout.write(`${profileMarkdown(summariseProfile(profile, top))}\n`);
}
