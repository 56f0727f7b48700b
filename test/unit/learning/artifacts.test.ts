import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryPolicyDoc, ModelHolder, publishModel, watchModelFile } from '../../../learning/artifacts';
import {
  CONTEXT_MODEL_FEATURES,
  ContextEstimator,
  parseContextModel,
} from '../../../learning/context-estimator';
import { MONOLITHIC_FEATURES, MonolithicModel, parseMonolithicModel } from '../../../learning/monolithic';
import {
  MAX_MULTIPLIER,
  MIN_MULTIPLIER,
  NEUTRAL_OBJECTIVE,
  OBJECTIVE_FEATURES,
  ObjectivePolicy,
  parseObjectiveModel,
} from '../../../learning/objective-policy';
import { seededRng } from '../../../services/common/rng';
import { assessContext } from '../../../services/context/assess';
import { BASELINE_WEIGHTS, loadPolicyFile, POLICY_FEATURE_COUNT } from '../../../services/inventory/policy';

const SIGNALS = {
  sessionId: 's',
  device: 'mobile' as const,
  localTime: { epochMs: 0, offsetMinutes: 0, hour: 8, dayOfWeek: 5 },
  trackGenre: 'edm',
  previousGenre: 'edm',
  recentSkips: 2,
  playlistKind: 'user' as const,
  activityHint: 'workout' as const,
  explicitContent: false,
  country: 'SE',
  content: null,
};

const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('model artifacts', () => {
  it('publishes versioned inventory weights the inventory agent loads as they are', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-models-'));
    const { versionPath, currentPath } = publishModel(
      dir,
      'inventory',
      inventoryPolicyDoc('inventory-learned-3', BASELINE_WEIGHTS),
    );
    expect(versionPath).toBe(join(dir, 'inventory', 'inventory-learned-3.json'));
    const p = loadPolicyFile(currentPath);
    expect(p.version).toBe('inventory-learned-3');
    const x = new Float32Array(POLICY_FEATURE_COUNT).fill(0.5);
    expect(p.predict(x).pSkip).toBeCloseTo(loadPolicyFile(versionPath).predict(x).pSkip, 12);
    expect(() => publishModel(dir, 'inventory', { version: '../escape' })).toThrow(/version/);
  });

  it('round-trips the context, objective and monolithic formats and rejects bad files by field', () => {
    const rng = seededRng(1);
    const ctx = new ContextEstimator(
      'ctx-1',
      Array.from(CONTEXT_MODEL_FEATURES, () => rng.next() - 0.5),
    );
    const back = parseContextModel(JSON.stringify(ctx.toJSON()));
    const snap = assessContext(SIGNALS, null, 0);
    expect(back.skipRisk(snap.features)).toBeCloseTo(ctx.skipRisk(snap.features), 5);
    const applied = ctx.apply(snap);
    expect(applied.skipRisk).toBeCloseTo(ctx.skipRisk(snap.features), 12);
    expect(applied.receptiveness).toBeCloseTo(Math.min(0.95, Math.max(0.05, 1 - applied.skipRisk)), 12);
    expect(applied.scenario).toBe(snap.scenario);
    expect(applied.modelVersion).toBe('ctx-1');

    const obj = new ObjectivePolicy('obj-1', [0.1, 0.5, 0.3, 0.2, -0.1]);
    expect(parseObjectiveModel(JSON.stringify(obj.toJSON())).theta).toEqual(obj.theta);

    const hidden = 4;
    const n = MONOLITHIC_FEATURES.length;
    const mono = new MonolithicModel('mono-1', {
      inputs: n,
      hidden,
      w1: Float32Array.from({ length: n * hidden }, () => rng.next() - 0.5),
      b1: new Float32Array(hidden),
      w2: Float32Array.from({ length: hidden }, () => rng.next()),
      b2: 0.1,
    });
    const x = Float32Array.from({ length: n }, () => rng.next());
    expect(parseMonolithicModel(JSON.stringify(mono.toJSON())).predict(x)).toBeCloseTo(mono.predict(x), 4);

    expect(() => parseContextModel('{')).toThrow(/JSON/);
    expect(() => parseContextModel(JSON.stringify({ ...ctx.toJSON(), format: 'x' }))).toThrow(/format/);
    expect(() => parseObjectiveModel(JSON.stringify({ ...obj.toJSON(), weights: [1, 2] }))).toThrow(
      /weights/,
    );
    expect(() => parseObjectiveModel(JSON.stringify({ ...obj.toJSON(), features: ['bias'] }))).toThrow(
      /features/,
    );
    expect(() => parseMonolithicModel(JSON.stringify({ ...mono.toJSON(), hidden: 0 }))).toThrow(/hidden/);
    expect(() => parseMonolithicModel(JSON.stringify({ ...mono.toJSON(), b1: [1] }))).toThrow(
      /^b1: expected \d+ numbers, got 1$/,
    );
    expect(() => parseContextModel('[]')).toThrow('the file: must be a JSON object');
    expect(() => parseContextModel(JSON.stringify({ ...ctx.toJSON(), version: '' }))).toThrow(
      'version: must be a string of 1..64 characters',
    );
  });

  it('hot-swaps a watched model file and keeps the current one when a bad file lands', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-models-'));
    const path = join(dir, 'objective', 'current.json');
    const holder = new ModelHolder<ObjectivePolicy>(NEUTRAL_OBJECTIVE);
    publishModel(dir, 'objective', new ObjectivePolicy('obj-a', [0.2, 0, 0, 0, 0]).toJSON());
    const w = watchModelFile(holder, path, parseObjectiveModel, 10);
    try {
      expect(holder.version).toBe('obj-a'); // loaded at start
      await new Promise((r) => setTimeout(r, 150)); // let the poller take its first look
      publishModel(dir, 'objective', new ObjectivePolicy('obj-b', [0.3, 0, 0, 0, 0]).toJSON());
      await waitFor(() => holder.version === 'obj-b');
      expect(holder.version).toBe('obj-b');
      writeFileSync(path, '{"format": "parley-objective-pacing/1", "version": "obj-c"');
      await new Promise((r) => setTimeout(r, 100));
      expect(holder.version).toBe('obj-b');
      expect(readFileSync(join(dir, 'objective', 'obj-a.json'), 'utf8')).toContain('obj-a');
    } finally {
      w.close();
    }
  });

  it('keeps the objective multiplier within its bounds; θ = 0 is neutral', () => {
    const state = {
      budgetMicros: 100,
      idealMicros: 80,
      spendMicros: 10,
      kpiProgress: 0.5,
      impressions: 3,
      dayElapsed: 0.5,
    };
    expect(NEUTRAL_OBJECTIVE.multiplier(state)).toBe(1);
    expect(new ObjectivePolicy('hi', Array(OBJECTIVE_FEATURES.length).fill(50)).multiplier(state)).toBe(
      MAX_MULTIPLIER,
    );
    expect(new ObjectivePolicy('lo', Array(OBJECTIVE_FEATURES.length).fill(-50)).multiplier(state)).toBe(
      MIN_MULTIPLIER,
    );
  });
});
