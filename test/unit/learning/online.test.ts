import { describe, expect, it } from 'vitest';
import { consumeOutcomes, logLoss, OnlineLearner } from '../../../learning/online';
import { seededRng } from '../../../services/common/rng';
import {
  BASELINE_WEIGHTS,
  baselinePolicy,
  POLICY_FEATURE_COUNT,
  PolicyHolder,
} from '../../../services/inventory/policy';
import { EmbeddedLedger } from '../../../services/objective/ledger';
import { EmbeddedOutcomeLog } from '../../../services/objective/outcome-log';

const TRUE_SKIP = [0.5, -2, -0.5, 1.5, 0.5, 1, -0.5, 0.3, 0, 0.2, 0.1, 0.4];

function features(rng: { next(): number }): Float32Array {
  const x = new Float32Array(POLICY_FEATURE_COUNT);
  x[0] = 1;
  for (let i = 1; i < x.length; i++) x[i] = rng.next();
  return x;
}

const pSkip = (x: Float32Array) => 1 / (1 + Math.exp(-TRUE_SKIP.reduce((s, w, i) => s + w * x[i]!, 0)));

/** Decisions and their outcomes written to the outcome log as ReportOutcome would. */
async function fill(log: EmbeddedOutcomeLog, learner: OnlineLearner, n: number, seed: number, flip = false) {
  const rng = seededRng(seed);
  for (let i = 0; i < n; i++) {
    const x = features(rng);
    const requestId = `r${seed}-${i}`;
    learner.rememberDecision(requestId, 'cr-1', x);
    const skipped = rng.next() < pSkip(x) !== flip;
    const base = {
      idempotencyKey: '',
      requestId,
      reservationId: '',
      creativeId: 'cr-1',
      campaignId: '',
      sessionId: 's',
      skipOffsetMs: 0,
      occurredAtMs: i,
    };
    await log.record({ ...base, idempotencyKey: `${requestId}:i`, event: 'impression' }, i);
    await log.record({ ...base, idempotencyKey: `${requestId}:o`, event: skipped ? 'skip' : 'complete' }, i);
  }
}

describe('OnlineLearner', () => {
  it('learns from the outcome log consumer group and hot-swaps each accepted version', async () => {
    const log = new EmbeddedOutcomeLog(new EmbeddedLedger({ reservationTtlMs: 1000 }), {
      idempotencyTtlMs: 1e9,
      maxLen: 100_000,
    });
    const zero = new Float32Array(POLICY_FEATURE_COUNT);
    const learner = new OnlineLearner({ skip: zero, complete: zero, engage: zero }, 'inventory-online', {
      batchSize: 200,
      learningRate: 0.5,
      maxStepNorm: 0.5,
    });
    const holder = new PolicyHolder(baselinePolicy());
    const swapped: string[] = [];
    await fill(log, learner, 6000, 1);
    const before = logLoss([Float32Array.from(BASELINE_WEIGHTS.skip)], []);
    expect(before).toBe(0);
    const results = await consumeOutcomes({
      log,
      group: 'learner',
      consumer: 'c1',
      learner,
      holder,
      publish: (p) => swapped.push(p.version),
      maxIdleReads: 1,
      idleMs: 1,
    });
    const accepted = results.filter((r) => r.kind === 'accepted');
    expect(accepted.length).toBeGreaterThan(5);
    expect(holder.version).toBe(swapped.at(-1));
    expect(holder.version).toMatch(/^inventory-online-\d+$/);
    // Predicts fresh outcomes better than where it started.
    const rng = seededRng(99);
    const fresh = Array.from({ length: 3000 }, () => {
      const x = features(rng);
      return { x, y: [rng.next() < pSkip(x) ? 1 : 0, 0, 0] as [number, number, number] };
    });
    const skipLoss = (w: ArrayLike<number>) =>
      logLoss(
        [Float32Array.from(w), Float32Array.from(w), Float32Array.from(w)],
        fresh.map((e) => ({ x: e.x, y: [e.y[0], e.y[0], e.y[0]] as [number, number, number] })),
      );
    expect(skipLoss(learner.weights.skip)).toBeLessThan(skipLoss(zero) - 0.05);
    // Every step stayed within the bound.
    for (const r of accepted) if (r.kind === 'accepted') expect(r.stepNorm).toBeLessThanOrEqual(0.5 + 1e-9);
    // All read entries were acknowledged: nothing new for the group.
    expect(await log.readGroup('learner', 'c1', 10)).toHaveLength(0);
  });

  it('guards against runaway updates: poisoned labels are rejected or rolled back, the holdout loss stays bounded', async () => {
    const log = new EmbeddedOutcomeLog(new EmbeddedLedger({ reservationTtlMs: 1000 }), {
      idempotencyTtlMs: 1e9,
      maxLen: 100_000,
    });
    const learner = new OnlineLearner(BASELINE_WEIGHTS, 'inv', {
      batchSize: 200,
      learningRate: 2,
      maxStepNorm: 1,
      holdoutEvery: 2,
    });
    const holder = new PolicyHolder(baselinePolicy());
    // Good data first (fills the holdout with honest labels), then flipped labels.
    await fill(log, learner, 3000, 2);
    await consumeOutcomes({ log, group: 'g', consumer: 'c', learner, holder, maxIdleReads: 1, idleMs: 1 });
    const good = Array.from(learner.weights.skip);
    await fill(log, learner, 800, 3, true);
    const results = await consumeOutcomes({
      log,
      group: 'g',
      consumer: 'c',
      learner,
      holder,
      maxIdleReads: 1,
      idleMs: 1,
    });
    expect(results.some((r) => r.kind === 'rejected' || r.kind === 'rolled-back')).toBe(true);
    const drift = Array.from(learner.weights.skip).reduce((s, w, i) => s + Math.abs(w - good[i]!), 0);
    // Flipped labels pull the weights towards −truth; the guard keeps them near the good ones.
    expect(drift).toBeLessThan(1);
    const poisoned = results.filter((r) => r.kind === 'accepted').length;
    expect(poisoned).toBeLessThan(results.length);
  });

  it('ignores outcomes of decisions it never saw and clicks before the label', () => {
    const learner = new OnlineLearner(BASELINE_WEIGHTS, 'x');
    expect(learner.observe({ requestId: 'nope', creativeId: 'c', event: 'skip' })).toBe(false);
    learner.rememberDecision('r', 'c', new Float32Array(POLICY_FEATURE_COUNT));
    expect(learner.observe({ requestId: 'r', creativeId: 'c', event: 'click' })).toBe(false);
    expect(learner.observe({ requestId: 'r', creativeId: 'c', event: 'complete' })).toBe(true);
    expect(learner.step()).toEqual({ kind: 'waiting', examples: 1 });
    expect(() => learner.rememberDecision('r', 'c', new Float32Array(3))).toThrow(/features/);
  });
});
