import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AdLoadPolicy, deployAdLoad } from '../../../learning/ad-load-policy';
import { ModelHolder, publishModel } from '../../../learning/artifacts';
import { ContextEstimator } from '../../../learning/context-estimator';
import { AD_LOAD_ACTIONS, AD_LOAD_DIM, adLoadFeatures, adLoadPolicy } from '../../../learning/shared-rl';
import { loadConfig } from '../../../services/common/config';
import { seededRng } from '../../../services/common/rng';
import { localTime } from '../../../services/common/wire/validate';
import {
  type AdLoadModel,
  ContextAgent,
  type ContextModel,
  watchAdLoadPolicy,
} from '../../../services/context/agent';
import { CONTEXT_FEATURES } from '../../../services/context/assess';
import { startContextAgent } from '../../../services/context/server';
import { MemorySessionStore } from '../../../services/context/session-store';
import { useCleanup } from '../../support/cleanup';
import { signals } from '../../support/signals';
import { capture, until } from '../../support/wait';

const NOW = Date.parse('2026-06-10T12:00:00Z');
const GENRES = ['rock', 'edm', 'classical', 'podcast', 'jazz', 'hip-hop'];
const DEVICES = ['desktop', 'mobile', 'smart_speaker', 'car'] as const;

const store = () => new MemorySessionStore({ ttlMs: 60_000 });

/** A policy that always picks the floor at `action` (its bias dominates). */
const always = (version: string, action: number) => {
  const theta = new Float64Array(AD_LOAD_ACTIONS.length * AD_LOAD_DIM);
  theta[action * AD_LOAD_DIM] = 10;
  return new AdLoadPolicy(version, AD_LOAD_ACTIONS, theta);
};

const captured = () => capture<{ level: string; msg: string; error?: string }>();

const { tempRoot, closers } = useCleanup('parley-ad-load-');

describe('the context agent with an ad-load policy', () => {
  it("puts the policy's floor on the snapshot and names the policy in its model version", async () => {
    const plain = await new ContextAgent(store()).assess(signals(), NOW);
    expect('adLoad' in plain).toBe(false);
    const half = new ModelHolder<AdLoadModel>(always('ad-load-half', 2));
    const s = await new ContextAgent(store(), undefined, null, half).assess(signals(), NOW);
    expect(s.adLoad).toEqual({ minUtility: 0.5 });
    expect(s.modelVersion).toBe(`${plain.modelVersion}+ad-load-half`);
    // Everything else is the snapshot as before.
    const { adLoad: _, modelVersion: __, ...rest } = s;
    const { modelVersion: ___, ...plainRest } = plain;
    expect(rest).toEqual(plainRest);
    // "No floor" is a decision too: the broker then sets none for this break.
    const none = new ModelHolder<AdLoadModel>(always('ad-load-none-1', 0));
    expect((await new ContextAgent(store(), undefined, null, none).assess(signals(), NOW)).adLoad).toEqual({
      minUtility: null,
    });
  });

  it('decides from the snapshot the learned context model made, as the trained policy does in the simulator', async () => {
    const rng = seededRng(17);
    const trained = adLoadPolicy();
    for (let i = 0; i < trained.theta.length; i++) trained.theta[i] = (rng.next() * 2 - 1) * 4;
    const estimator = new ModelHolder<ContextModel>(
      new ContextEstimator(
        'ctx-learned',
        Array.from({ length: 1 + CONTEXT_FEATURES.length }, () => rng.next() - 0.5),
      ),
    );
    const policy = new ModelHolder<AdLoadModel>(deployAdLoad(trained, 'ad-load-rl-1'));
    const withPolicy = new ContextAgent(store(), undefined, estimator, policy);
    const without = new ContextAgent(store(), undefined, estimator);
    const seen = new Set<number | null>();
    for (let i = 0; i < 300; i++) {
      const sig = signals({
        sessionId: `s${i}`,
        trackGenre: GENRES[i % GENRES.length]!,
        previousGenre: GENRES[(i * 7) % GENRES.length]!,
        device: DEVICES[i % DEVICES.length]!,
        recentSkips: i % 5,
        localTime: localTime(`2026-06-10T${String(i % 24).padStart(2, '0')}:15:00+02:00`, 'local_time'),
      });
      const snap = await without.assess(sig, NOW);
      const got = await withPolicy.assess(sig, NOW);
      const expected = AD_LOAD_ACTIONS[trained.greedy(adLoadFeatures(snap))]!;
      expect(got.adLoad?.minUtility).toBe(expected);
      expect(got.modelVersion).toBe('ctx-learned+ad-load-rl-1');
      seen.add(expected);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('hot-swaps a published policy and refuses a malformed one, naming the field', async () => {
    const root = tempRoot();
    const { currentPath } = publishModel(root, 'ad-load', always('ad-load-a', 3).toJSON());
    const { lines, log } = capture();
    const { holder, close } = watchAdLoadPolicy(currentPath, 10, log);
    closers.push(close);
    const agent = new ContextAgent(store(), undefined, null, holder);
    expect((await agent.assess(signals(), NOW)).adLoad).toEqual({ minUtility: 1 });

    publishModel(root, 'ad-load', always('ad-load-b', 1).toJSON());
    await until(() => holder.version === 'ad-load-b', 'ad-load-b');
    expect((await agent.assess(signals(), NOW)).adLoad).toEqual({ minUtility: 0 });

    const bad = always('ad-load-c', 2).toJSON();
    writeFileSync(currentPath, JSON.stringify({ ...bad, actions: [null, 0, 0.5] }));
    await until(
      () => lines.some((l) => l.msg === 'model file rejected; keeping the current model'),
      'rejection',
    );
    const rejected = lines.find((l) => l.msg === 'model file rejected; keeping the current model');
    expect(rejected?.error).toBe('weights: expected 3 rows (one per action), got 4');
    expect(holder.version).toBe('ad-load-b');
  });

  it('is wired from PARLEY_AD_LOAD_POLICY_PATH at start, and absent by default', async () => {
    expect(loadConfig({}).adLoadPolicyPath).toBe('');
    const root = tempRoot();
    const { currentPath } = publishModel(root, 'ad-load', always('ad-load-start', 2).toJSON());
    const cfg = loadConfig({ PARLEY_AD_LOAD_POLICY_PATH: currentPath, PARLEY_CONTEXT_PORT: '0' });
    expect(cfg.adLoadPolicyPath).toBe(currentPath);
    const svc = await startContextAgent({ config: cfg, log: captured().log });
    closers.push(() => svc.close());
    expect(svc.adLoad?.version).toBe('ad-load-start');
    const s = await svc.agent.assess(signals(), NOW);
    expect(s.adLoad).toEqual({ minUtility: 0.5 });
    expect(s.modelVersion).toMatch(/\+ad-load-start$/);
  });
});
