/**
 * `npm run loadtest` end to end at a tiny scale, so the command cannot rot:
 * it starts the whole mesh, measures the saturation with two short
 * closed-loop levels, runs the steady, spike and recovery stages for a few
 * seconds at a low rate, and writes its JSON result and SVG chart. The
 * checks' outcomes are not asserted (a loaded machine may fail any of them
 * at this scale), only that each is computed from the run's data; so the
 * exit code may be 0 or 1, never a crash.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type LoadtestResult, verdicts } from '../../bench/loadtest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run loadtest (tiny)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-loadtest-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every stage against the mesh and writes the result, the chart and a verdict per check', async () => {
    const stderr: string[] = [];
    const args = [
      ...['--concurrency', '1,2', '--level-seconds', '1', '--share', '0.1'],
      ...['--fill-seconds', '1', '--seconds', '3', '--spike-seconds', '1', '--spike-factor', '2'],
      ...['--recovery-seconds', '2'],
      ...['--out', dir],
    ];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/loadtest.ts', ...args], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
      child.once('exit', resolve);
    });
    const log = stderr.join('');
    // 0: every check passed, 1: one failed; anything else is the command failing.
    expect([0, 1], log.slice(-3000)).toContain(code);
    const r = JSON.parse(readFileSync(join(dir, 'loadtest.json'), 'utf8')) as LoadtestResult;
    expect(r.saturation?.levels.map((l) => l.concurrency)).toEqual([1, 2]);
    expect(r.stages.map((s) => s.name)).toEqual(['fill', 'steady', 'spike', 'recovery']);
    expect(r.spikeRate).toBeCloseTo(2 * r.steadyRate);
    expect(r.stages.every((s) => s.sent > 0)).toBe(true);
    // Every request sent is in the slice of its second. (One slice per second that had a request:
    // on a slow machine the saturation, and so these tiny rates, can leave the last second without one.)
    expect(r.perSecond.length).toBeGreaterThanOrEqual(1);
    expect(r.perSecond.length).toBeLessThanOrEqual(7);
    expect(r.perSecond.reduce((a, s) => a + s.sent, 0)).toBe(r.stages.reduce((a, s) => a + s.sent, 0));
    // Every mesh process had its RSS sampled; the committing agent reported the campaigns.
    expect(Object.keys(r.rssKb)).toEqual(expect.arrayContaining(['broker', 'objective', 'admin']));
    expect(r.campaigns.some((c) => c.budgetMicros === 500_000)).toBe(true);
    // The verdicts are the ones the data gives, and the exit code follows them.
    expect(r.verdicts).toEqual(verdicts({ ...r, verdicts: undefined } as unknown as LoadtestResult));
    expect(code).toBe(r.verdicts.every((v) => v.pass) ? 0 : 1);
    for (const v of r.verdicts)
      expect(log).toContain(`${v.pass ? 'PASS' : 'FAIL'}  ${v.check}: ${v.measured}`);
    const svg = readFileSync(join(dir, 'loadtest.svg'), 'utf8');
    expect(svg).toContain('latency (ms)');
    expect(svg).toContain('spike ×2.0');
  }, 300_000);
});
