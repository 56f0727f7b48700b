import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelHolder, publishModel } from '../../../learning/artifacts';
import {
  CONTEXT_MODEL_FEATURES,
  ContextEstimator,
  parseContextModel,
} from '../../../learning/context-estimator';
import { loadConfig } from '../../../services/common/config';
import { ContextAgent, type ContextModel, watchContextModel } from '../../../services/context/agent';
import { assessContext, CONTEXT_MODEL_VERSION } from '../../../services/context/assess';
import { startContextAgent } from '../../../services/context/server';
import { MemorySessionStore } from '../../../services/context/session-store';
import { useCleanup } from '../../support/cleanup';
import { signals } from '../../support/signals';
import { capture, until } from '../../support/wait';

const NOW = Date.parse('2026-06-10T12:00:00Z');
const COMMITTED = join(import.meta.dirname, '../../../models/context/current.json');

/** A model that ignores the features: P(skip) = sigmoid(bias). */
const biasOnly = (version: string, bias: number) => {
  const w = new Array<number>(CONTEXT_MODEL_FEATURES.length).fill(0);
  w[0] = bias;
  return new ContextEstimator(version, w);
};

const store = () => new MemorySessionStore({ ttlMs: 60_000 });

const captured = () => capture<{ level: string; msg: string; to?: string; version?: string }>();

const { tempRoot, closers } = useCleanup('parley-ctx-model-');

describe('ContextAgent with a learned model', () => {
  it('with no model is exactly the rules', async () => {
    const plain = await new ContextAgent(store()).assess(signals(), NOW);
    expect(plain).toEqual(assessContext(signals(), null, NOW));
    expect(plain.modelVersion).toBe(CONTEXT_MODEL_VERSION);
    const cfg = loadConfig({ PARLEY_CONTEXT_PORT: '0' });
    expect(cfg.contextModelPath).toBe('');
    const svc = await startContextAgent({
      config: cfg,
      log: captured().log,
    });
    closers.push(() => svc.close());
    expect(svc.model).toBeNull();
    expect(await svc.agent.assess(signals(), NOW)).toEqual(plain);
  });

  it('moves skip risk and receptiveness the model’s way and reports its version', async () => {
    const rules = await new ContextAgent(store()).assess(signals(), NOW);
    const risky = new ModelHolder<ContextModel>(biasOnly('ctx-risky', 3));
    const high = await new ContextAgent(store(), undefined, risky).assess(signals(), NOW);
    expect(high.modelVersion).toBe('ctx-risky');
    expect(high.skipRisk).toBeCloseTo(1 / (1 + Math.exp(-3)), 5);
    expect(high.skipRisk).toBeGreaterThan(rules.skipRisk);
    expect(high.receptiveness).toBeLessThan(rules.receptiveness);
    expect(high.scenario).toBe(rules.scenario); // only the learned fields change

    const { holder, close } = watchContextModel(COMMITTED, 1000);
    closers.push(close);
    const committed = parseContextModel(readFileSync(COMMITTED, 'utf8'));
    expect(holder.version).toBe(committed.version);
    const learned = await new ContextAgent(store(), undefined, holder).assess(signals(), NOW);
    expect(learned).toEqual(committed.apply(rules));
    expect(learned.modelVersion).toBe(committed.version);
  });

  it('hot-swaps a newly published version and keeps the last good one when the file breaks', async () => {
    const root = tempRoot();
    const { currentPath } = publishModel(root, 'context', biasOnly('ctx-a', -3).toJSON());
    const { lines, log } = capture();
    const { holder, close } = watchContextModel(currentPath, 10, log);
    closers.push(close);
    const agent = new ContextAgent(store(), undefined, holder);
    const a = await agent.assess(signals(), NOW);
    expect(a.modelVersion).toBe('ctx-a');
    expect(a.skipRisk).toBeLessThan(0.1);

    publishModel(root, 'context', biasOnly('ctx-b', 3).toJSON());
    await until(() => holder.version === 'ctx-b', 'ctx-b');
    const b = await agent.assess(signals(), NOW);
    expect(b.modelVersion).toBe('ctx-b');
    expect(b.skipRisk).toBeGreaterThan(0.9);

    writeFileSync(currentPath, '{"format": "parley-context-skip/1", "version": "ctx-c", "weights": [1');
    await until(
      () => lines.some((l) => l.msg === 'model file rejected; keeping the current model'),
      'rejection',
    );
    const after = await agent.assess(signals(), NOW);
    expect(after).toEqual(b);
  });

  it('is wired from config.contextModelPath at start', async () => {
    const root = tempRoot();
    const { currentPath } = publishModel(root, 'context', biasOnly('ctx-start', 3).toJSON());
    const cfg = loadConfig({ PARLEY_CONTEXT_MODEL_PATH: currentPath, PARLEY_CONTEXT_PORT: '0' });
    expect(cfg.contextModelPath).toBe(currentPath);
    const svc = await startContextAgent({ config: { ...cfg, catalogueReloadMs: 10 }, log: captured().log });
    closers.push(() => svc.close());
    expect((await svc.agent.assess(signals(), NOW)).modelVersion).toBe('ctx-start');
    publishModel(root, 'context', biasOnly('ctx-next', -3).toJSON());
    await until(() => svc.model?.version === 'ctx-next', 'ctx-next');
    expect((await svc.agent.assess(signals(), NOW)).modelVersion).toBe('ctx-next');
  });
});
