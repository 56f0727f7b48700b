/**
 * The experiment end to end at its smallest (--quick on two scenarios, one
 * test seed): it runs every scenario, and running them side by side in
 * worker threads (--jobs 2) gives exactly the results of one after the
 * other: each scenario is seeded as it would be alone.
 */
import { describe, expect, it } from 'vitest';
import { parseExperimentArgs, runExperiment } from '../../../sim/experiments/run';

/** The results without what depends on the clock or on how they were run. */
function comparable(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v) => (/wallMs$|CpuMs$/i.test(key) || key === 'jobs' ? undefined : v)),
  );
}

describe('parley experiment', () => {
  it('--quick runs each scenario; side by side in threads the results are the same', async () => {
    const o = parseExperimentArgs([
      '--quick',
      '--seeds',
      '1',
      '--scenario',
      'sim/scenarios/default-day.yaml',
      '--scenario',
      'sim/scenarios/skewed.yaml',
      '--jobs',
      '1',
    ])!;
    const steps: string[] = [];
    const alone = await runExperiment(o);
    const threads = await runExperiment({ ...o, jobs: 2 }, { step: (label) => steps.push(label) });
    expect(alone.scenarios.map((s) => s.name)).toEqual(['default-day', 'skewed']);
    expect(comparable(threads)).toEqual(comparable(alone));
    // Each worker reported its progress to this thread.
    for (const name of ['default-day', 'skewed'])
      expect(steps.some((s) => s.startsWith(`${name}: `))).toBe(true);
    // In a worker a scenario's own CPU is not measurable (process.cpuUsage counts every thread).
    expect(threads.scenarios.map((s) => s.trainCpuMs)).toEqual([null, null]);
    expect(alone.scenarios.every((s) => (s.trainCpuMs ?? 0) > 0)).toBe(true);
  }, 600_000);
});
