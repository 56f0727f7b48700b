import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../../../services/common/domain/types';
import { createLogger } from '../../../services/common/log';
import { seededRng } from '../../../services/common/rng';
import { InventoryAgent } from '../../../services/inventory/agent';
import {
  BASELINE_WEIGHTS,
  baselinePolicy,
  LogisticPolicy,
  POLICY_FEATURE_COUNT,
  POLICY_FEATURES,
  POLICY_FILE_FORMAT,
  type Policy,
  PolicyHolder,
  parsePolicyWeights,
  policyFeatures,
  watchPolicyFile,
} from '../../../services/inventory/policy';
import { catalogueOf, creative, NOW, proposeInput, slot, snapshot } from './fixtures';

const quiet = createLogger('test', 'error', {}, () => undefined);

function predictFor(energy: number, voice: 'energetic' | 'calm', scenario: Scenario) {
  const c = creative({ energy, voiceStyle: voice, disruptiveness: 0.4 });
  const x = policyFeatures(
    c,
    snapshot({ scenario, focusLevel: 0.3, receptiveness: 0.5, skipRisk: 0.3 }),
    slot(),
  );
  return baselinePolicy().predict(x);
}

/** A policy whose predictions reveal which version made them. */
function marked(version: string, pSkip: number, onPredict: () => void = () => undefined): Policy {
  return {
    version,
    predict: () => {
      onPredict();
      return { pSkip, pComplete: 1 - pSkip, pEngage: 0.05 };
    },
  };
}

function weightsFile(version: string, heads = BASELINE_WEIGHTS): string {
  return JSON.stringify({
    format: POLICY_FILE_FORMAT,
    version,
    features: POLICY_FEATURES,
    heads: {
      skip: Array.from(heads.skip),
      complete: Array.from(heads.complete),
      engage: Array.from(heads.engage),
    },
  });
}

describe('baseline policy', () => {
  it('predicts probabilities in [0, 1] for any features', () => {
    const rng = seededRng(7);
    const policy = baselinePolicy();
    for (let i = 0; i < 2000; i++) {
      const x = Float32Array.from({ length: POLICY_FEATURE_COUNT }, () => rng.next() * 4 - 1);
      const p = policy.predict(x);
      for (const v of [p.pSkip, p.pComplete, p.pEngage]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
  });

  it('likes an energetic creative in a workout more than while falling asleep', () => {
    const workout = predictFor(0.95, 'energetic', 'workout');
    const sleep = predictFor(0.95, 'energetic', 'sleep');
    expect(workout.pSkip).toBeLessThan(sleep.pSkip - 0.1);
    expect(workout.pComplete).toBeGreaterThan(sleep.pComplete + 0.1);
  });

  it('likes a calm creative at bedtime more than in a workout', () => {
    expect(predictFor(0.05, 'calm', 'sleep').pSkip).toBeLessThan(predictFor(0.05, 'calm', 'workout').pSkip);
  });

  it('predicts more skips for a long jarring ad when the listener focuses and is not receptive', () => {
    const calmShort = creative({ durationMs: 15_000, disruptiveness: 0.1 });
    const loudLong = creative({ durationMs: 60_000, disruptiveness: 0.9 });
    const ctx = snapshot({ scenario: 'focus', focusLevel: 0.9, receptiveness: 0.2 });
    const p = baselinePolicy();
    expect(p.predict(policyFeatures(loudLong, ctx, slot())).pSkip).toBeGreaterThan(
      p.predict(policyFeatures(calmShort, ctx, slot())).pSkip,
    );
  });
});

describe('policy weights file', () => {
  it('parses a valid file', () => {
    const p = parsePolicyWeights(weightsFile('fed-3'));
    expect(p.version).toBe('fed-3');
    const x = policyFeatures(creative(), snapshot(), slot());
    expect(p.predict(x)).toEqual(baselinePolicy().predict(x));
  });

  it.each([
    ['not json', '{', /JSON/],
    ['wrong format', JSON.stringify({ format: 'x' }), /format/],
    [
      'features out of order',
      weightsFile('v').replace('"bias","energy_fit"', '"energy_fit","bias"'),
      /features/,
    ],
    [
      'short head',
      JSON.stringify({ ...JSON.parse(weightsFile('v')), heads: { skip: [1], complete: [], engage: [] } }),
      /heads\.skip/,
    ],
    ['missing version', weightsFile('').replace('"version":""', '"version":1'), /version/],
  ])('rejects %s naming the problem', (_name, text, message) => {
    expect(() => parsePolicyWeights(text)).toThrow(message);
  });

  it('rejects non-finite weights', () => {
    const skip = Array.from(BASELINE_WEIGHTS.skip);
    skip[3] = Number.NaN;
    expect(() => new LogisticPolicy('v', { ...BASELINE_WEIGHTS, skip })).toThrow(/heads\.skip\[3\]/);
  });
});

describe('PolicyHolder', () => {
  const cat = catalogueOf({
    creatives: Array.from({ length: 20 }, (_, i) => creative({ id: `cr-${i}` })),
  });

  it('a proposal uses one version even when a swap lands mid-decision', () => {
    const holder = new PolicyHolder(marked('v1', 0.1));
    let swapped = false;
    holder.swap(
      marked('v1', 0.1, () => {
        if (!swapped) {
          swapped = true;
          holder.swap(marked('v2', 0.9));
        }
      }),
    );
    const agent = new InventoryAgent({
      catalogue: () => cat,
      policy: holder,
      weights: { listener: 1, advertiser: 1, platform: 1 },
      revenueScaleMicros: 30_000,
    });
    const first = agent.propose(proposeInput({ shortlistSize: 20 }), NOW);
    expect(swapped).toBe(true);
    expect(first.modelVersion).toBe('v1');
    expect(first.candidates.every((c) => c.pSkip === 0.1)).toBe(true);
    const next = agent.propose(proposeInput({ shortlistSize: 20 }), NOW);
    expect(next.modelVersion).toBe('v2');
    expect(next.candidates.every((c) => c.pSkip === 0.9)).toBe(true);
  });

  it('drops no proposal while versions are swapped under load', async () => {
    const holder = new PolicyHolder(marked('v0', 0));
    const agent = new InventoryAgent({
      catalogue: () => cat,
      policy: holder,
      weights: { listener: 1, advertiser: 1, platform: 1 },
      revenueScaleMicros: 30_000,
    });
    const rng = seededRng(42);
    let version = 0;
    const swapper = setInterval(() => {
      version++;
      holder.swap(marked(`v${version}`, version / 1000));
    }, 1);
    const results = await Promise.all(
      Array.from(
        { length: 400 },
        (_, i) =>
          new Promise<ReturnType<InventoryAgent['propose']>>((resolve) =>
            setTimeout(
              () => resolve(agent.propose(proposeInput({ requestId: `r-${i}`, shortlistSize: 5 }), NOW)),
              Math.floor(rng.next() * 40),
            ),
          ),
      ),
    );
    clearInterval(swapper);
    expect(results).toHaveLength(400);
    for (const r of results) {
      expect(r.candidates).toHaveLength(5);
      const v = Number(r.modelVersion.slice(1));
      // every candidate carries the predictions of the version the proposal reports
      expect(r.candidates.every((c) => c.pSkip === v / 1000)).toBe(true);
    }
    expect(new Set(results.map((r) => r.modelVersion)).size).toBeGreaterThan(1);
  });
});

describe('watchPolicyFile', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const until = async (cond: () => boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('loads, hot-swaps a new version and ignores a bad file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-policy-'));
    dirs.push(dir);
    const path = join(dir, 'policy.json');
    const holder = new PolicyHolder();
    const watch = watchPolicyFile(holder, path, 20, quiet);
    try {
      expect(holder.version).toBe('inventory-baseline-v1'); // no file yet
      const publish = (text: string) => {
        writeFileSync(`${path}.tmp`, text);
        renameSync(`${path}.tmp`, path);
      };
      publish(weightsFile('fed-1'));
      await until(() => holder.version === 'fed-1');
      publish('{"format": "broken"');
      await new Promise((r) => setTimeout(r, 200));
      expect(holder.version).toBe('fed-1');
      publish(weightsFile('fed-2'));
      await until(() => holder.version === 'fed-2');
    } finally {
      watch.close();
    }
  });
});
