/**
 * `npm run chaos` end to end, small, so the command cannot rot: the
 * baseline and the broker drain against a real mesh (durable redis-server,
 * the aggregator, an agent behind the proxy), the table on stdout and the
 * JSON and markdown reports. Its checks of time are the run's own (this
 * test asserts what happened, not how fast): the broker told to stop with a
 * burst in flight exits 0 and fails none of them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StepResult } from '../../../bench/chaos';
import { projectPath } from '../../../services/common/paths';

describe('npm run chaos -- --only drain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-chaos-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the baseline and the broker drain, prints the table and writes the reports', async () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'bench/chaos.ts',
          '--only',
          'drain',
          '--seconds',
          '6',
          '--rate',
          '20',
          '--out',
          dir,
        ],
        { cwd: projectPath(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout.on('data', (d: Buffer) => stdout.push(d.toString()));
      child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
      child.once('exit', resolve);
    });
    const log = stderr.join('').slice(-3000);
    expect([0, 1], log).toContain(code); // 1: a check failed (e.g. late answers on a busy machine)
    const { steps } = JSON.parse(readFileSync(join(dir, 'chaos.json'), 'utf8')) as { steps: StepResult[] };
    expect(steps.map((s) => s.name)).toEqual(['no fault (baseline)', 'SIGTERM broker (drain)']);
    const [baseline, drain] = steps;
    expect(baseline!.answers + baseline!.failed, log).toBeGreaterThan(0);
    expect(baseline!.money?.ledgerDeltaMicros).toBe(baseline!.money?.impressionMicros);
    expect(drain!.exit).toEqual({ code: 0, signal: null });
    expect(drain!.failed, log).toBe(0);
    expect(code === 0).toBe(steps.every((s) => s.failures.length === 0));
    expect(stdout.join('')).toMatch(/^fault\s+answers\s+degraded\s+late\s+failed\s+recovery s/m);
    expect(readFileSync(join(dir, 'chaos.md'), 'utf8')).toContain('| SIGTERM broker (drain) |');
  }, 300_000);
});
