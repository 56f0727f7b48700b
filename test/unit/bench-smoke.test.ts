/**
 * `npm run bench -- --smoke` end to end, so the benchmark cannot rot: it
 * starts the real mesh (twice: compression off and gzip), the bare mesh and
 * the no-op server, runs every phase for about a second, and writes a
 * report that keeps the History it found. No timing thresholds: a loaded
 * machine may make every number bad, never the run fail.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { keptHistory } from '../../bench/mesh';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run bench -- --smoke', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every phase against every mesh and writes the report, keeping the History', async () => {
    const out = join(dir, 'RESULTS.md');
    const earlier =
      '| 2026-12-01 | abc1234 | `npm run bench` | 3 | 1.0 | 1000 | 567 | 1552 | 0.37 | – | 283 | 171.4 | 1.00% | 4.99 (2.51) | – | 300 / 190 | – | – | – | baseline |';
    writeFileSync(out, `# old results\n\n## History\n\n| header |\n|---|\n${earlier}\n`);
    const stderr: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/mesh.ts', '--smoke', '--out', out], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
      child.once('exit', resolve);
    });
    expect(code, stderr.join('').slice(-3000)).toBe(0);
    const md = readFileSync(out, 'utf8');
    for (const section of [
      '## Targets (medians of 1 run)',
      '## Findings',
      '### Equal load',
      '### Decisions with outcome reports',
      '### Soak',
      '### gRPC compression',
      '### Peak RSS per process',
      '### Event-loop delay under load',
      '### Closed-loop levels',
    ])
      expect(md).toContain(section);
    for (const mesh of ['real', 'bare', 'no-op']) expect(md).toMatch(new RegExp(`- run 1 ${mesh}: c=1: `));
    expect(md).toMatch(/\| 1 \| gzip \| /);
    // Every target has a row with a result.
    expect(md.match(/\| (PASS|FAIL \(.+\)|not measured) \|$/gm)?.length).toBe(11);
    const history = keptHistory(md);
    expect(history).toHaveLength(2);
    expect(history[0]).toBe(earlier);
    expect(history[1]).toContain('`npm run bench -- --smoke --out ');
    // The closed loop drawn beside the report, linked from it: every mesh, with axes and units.
    expect(md).toContain('![closed loop](RESULTS-closed-loop.svg)');
    const svg = readFileSync(join(dir, 'RESULTS-closed-loop.svg'), 'utf8');
    for (const label of [
      'good decisions per second (1/s, log scale)',
      'p99 latency (ms)',
      'requests in flight (closed loop, log scale)',
      'bare (no work)',
      'no-op server',
      'target 1000/s',
    ])
      expect(svg).toContain(label);
  }, 300_000);
});
