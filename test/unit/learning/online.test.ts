import { describe, expect, it } from 'vitest';
import {
  consumeOnce,
  consumeOutcomes,
  logLoss,
  OnlineLearner,
  RecentPairs,
  type StepResult,
} from '../../../learning/online';
import { seededRng } from '../../../services/common/rng';
import {
  BASELINE_POLICY_VERSION,
  BASELINE_WEIGHTS,
  baselinePolicy,
  LogisticPolicy,
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

const newLog = () =>
  new EmbeddedOutcomeLog(new EmbeddedLedger({ reservationTtlMs: 1000 }), {
    idempotencyTtlMs: 1e9,
    maxLen: 100_000,
  });

/** Runs the consumer over everything in the log now (group g), as the agent's loop would. */
const drain = (
  log: EmbeddedOutcomeLog,
  learner: OnlineLearner,
  holder: PolicyHolder,
  extra: Partial<Parameters<typeof consumeOutcomes>[0]> = {},
) =>
  consumeOutcomes({
    feed: log,
    group: 'g',
    consumer: 'c',
    learner,
    holder,
    maxIdleReads: 1,
    idleMs: 1,
    ...extra,
  });

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
    const log = newLog();
    const zero = new Float32Array(POLICY_FEATURE_COUNT);
    const learner = new OnlineLearner({ skip: zero, complete: zero, engage: zero }, 'inventory-zero', {
      batchSize: 200,
      learningRate: 0.5,
      maxStepNorm: 0.5,
    });
    const holder = new PolicyHolder(
      new LogisticPolicy('inventory-zero', { skip: zero, complete: zero, engage: zero }),
    );
    const swapped: string[] = [];
    await fill(log, learner, 6000, 1);
    const before = logLoss([Float32Array.from(BASELINE_WEIGHTS.skip)], []);
    expect(before).toBe(0);
    const results: StepResult[] = [];
    const summary = await consumeOutcomes({
      feed: log,
      group: 'learner',
      consumer: 'c1',
      learner,
      holder,
      publish: (p) => swapped.push(p.version),
      onStep: (r) => results.push(r),
      maxIdleReads: 1,
      idleMs: 1,
    });
    const accepted = results.filter((r) => r.kind === 'accepted');
    expect(accepted.length).toBeGreaterThan(5);
    expect(summary.accepted).toBe(accepted.length);
    expect(holder.version).toBe(swapped.at(-1));
    expect(holder.version).toMatch(/^inventory-zero\+online-\d+$/);
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
    const log = newLog();
    const learner = new OnlineLearner(BASELINE_WEIGHTS, BASELINE_POLICY_VERSION, {
      batchSize: 200,
      holdoutEvery: 2,
      maxDrift: 1.5,
    });
    const holder = new PolicyHolder(baselinePolicy());
    // Good data first (fills the holdout with honest labels), then flipped labels.
    await fill(log, learner, 3000, 2);
    const holderVersion = holder.version;
    await drain(log, learner, holder);
    expect(holder.version).not.toBe(holderVersion);
    await fill(log, learner, 3000, 3, true);
    const results: StepResult[] = [];
    await drain(log, learner, holder, { onStep: (r) => results.push(r) });
    // The first poisoned steps make the holdout (still mostly honest) worse: refused.
    expect(results.some((r) => r.kind === 'rejected' || r.kind === 'rolled-back')).toBe(true);
    // As poisoned examples fill the holdout too, some steps pass; the trust region caps
    // how far a sustained attack (or shift) can take the policy from its base.
    expect(learner.drift).toBeLessThanOrEqual(1.5 + 1e-6);
    expect(results.some((r) => r.kind === 'accepted' && r.atDriftLimit)).toBe(true);
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

  it('continues from a policy swapped in meanwhile (e.g. a federated round) and names it in its versions', async () => {
    const log = newLog();
    const learner = new OnlineLearner(BASELINE_WEIGHTS, BASELINE_POLICY_VERSION, { batchSize: 200 });
    const holder = new PolicyHolder(baselinePolicy());
    const fed = new LogisticPolicy('inventory-fed-7', {
      skip: TRUE_SKIP,
      complete: BASELINE_WEIGHTS.complete,
      engage: BASELINE_WEIGHTS.engage,
    });
    holder.swap(fed);
    await fill(log, learner, 1000, 5);
    await drain(log, learner, holder);
    expect(holder.version).toMatch(/^inventory-fed-7(\+online-\d+)?$/);
    // It started from the federated weights, not from where it was built.
    const fromFed = Array.from(learner.weights.skip).reduce((s, w, i) => s + Math.abs(w - TRUE_SKIP[i]!), 0);
    expect(fromFed).toBeLessThan(1);
  });

  it('continues from a policy swapped in while its step waits for its turn of the event loop', async () => {
    const log = newLog();
    const learner = new OnlineLearner(BASELINE_WEIGHTS, BASELINE_POLICY_VERSION, { batchSize: 200 });
    const holder = new PolicyHolder(baselinePolicy());
    const fed = new LogisticPolicy('inventory-fed-8', { ...BASELINE_WEIGHTS, skip: TRUE_SKIP });
    await fill(log, learner, 1000, 7);
    // The swap lands after the outcomes are read and acknowledged, before the step runs.
    const feed = {
      readGroup: (g: string, c: string, n: number) => log.readGroup(g, c, n),
      ack: async (g: string, ids: string[]) => {
        setImmediate(() => holder.swap(fed));
        return log.ack(g, ids);
      },
      leaveGroup: (g: string) => log.leaveGroup(g),
    };
    const steps: StepResult[] = [];
    await consumeOnce(
      { feed, group: 'g', consumer: 'c', learner, holder, batch: 5000, onStep: (r) => steps.push(r) },
      { accepted: 0, rejected: 0, rolledBack: 0 },
    );
    expect(steps.length).toBeGreaterThan(0);
    expect(holder.version).toMatch(/^inventory-fed-8(\+online-\d+)?$/);
  });

  it('survives a failing feed: errors are reported, retried, and nothing is lost', async () => {
    const log = newLog();
    const learner = new OnlineLearner(BASELINE_WEIGHTS, BASELINE_POLICY_VERSION, { batchSize: 100 });
    await fill(log, learner, 500, 6);
    let calls = 0;
    const flaky = {
      readGroup: (g: string, c: string, n: number) => {
        calls++;
        if (calls % 2 === 1) return Promise.reject(new Error('objective agent unavailable'));
        return log.readGroup(g, c, n);
      },
      ack: (g: string, ids: string[]) => log.ack(g, ids),
      leaveGroup: (g: string) => log.leaveGroup(g),
    };
    const errors: string[] = [];
    const recovered: number[] = [];
    const summary = await consumeOutcomes({
      feed: flaky,
      group: 'g',
      consumer: 'c',
      learner,
      holder: new PolicyHolder(baselinePolicy()),
      onError: (e, failures) => {
        errors.push((e as Error).message);
        expect(failures).toBe(1); // every other read fails: never two in a row
      },
      onRecovered: (failures) => recovered.push(failures),
      batch: 200,
      maxIdleReads: 1,
      idleMs: 1,
    });
    expect(errors.length).toBeGreaterThan(1);
    expect(errors[0]).toMatch(/unavailable/);
    expect(recovered.length).toBeGreaterThanOrEqual(errors.length - 1);
    // Every decision's outcome arrived once, every entry was acknowledged.
    expect(learner.examplesSeen).toBe(500);
    expect(summary.accepted + summary.rejected + summary.rolledBack).toBeGreaterThan(0);
    expect(await log.readGroup('g', 'c', 10)).toHaveLength(0);
  });
});

describe("RecentPairs (the learner's bounded memory of decisions)", () => {
  it('keeps exactly the last `capacity` pairs put and not forgotten, finding the newest of a repeated pair', () => {
    const rng = seededRng(17);
    const capacity = 7;
    const pairs = new RecentPairs(capacity);
    // Reference: every put numbered; a pair is kept while its put is among the last `capacity`.
    const puts: Array<{ key: string; slot: number; live: boolean }> = [];
    const kept = (key: string) => {
      const recent = puts.slice(-capacity).filter((p) => p.live && p.key === key);
      return recent.at(-1)?.slot ?? -1;
    };
    for (let op = 0; op < 5000; op++) {
      const request = `r${Math.floor(rng.next() * 4)}`;
      const creative = `c${Math.floor(rng.next() * 3)}`;
      const key = `${request}|${creative}`;
      const r = rng.next();
      if (r < 0.5) {
        const slot = pairs.put(request, creative);
        const evicted = puts.length >= capacity ? puts[puts.length - capacity]! : undefined;
        if (evicted) evicted.live = false;
        puts.push({ key, slot, live: true });
      } else if (r < 0.8) {
        expect(pairs.find(request, creative)).toBe(kept(key));
      } else {
        const slot = pairs.find(request, creative);
        if (slot >= 0) {
          pairs.forget(slot);
          puts.find((p) => p.live && p.slot === slot)!.live = false;
        }
        expect(pairs.find(request, creative)).toBe(kept(key));
      }
    }
  });

  it('the learner joins only outcomes of the last maxPending remembered candidates, with the features as they were', () => {
    const learner = new OnlineLearner(BASELINE_WEIGHTS, 'x', { maxPending: 100, holdoutEvery: 1 });
    const x = new Float32Array(POLICY_FEATURE_COUNT);
    for (let i = 0; i < 250; i++) {
      x.fill(i / 250);
      learner.rememberDecision(`r${i}`, 'c', x); // one scratch vector, as the agent passes it
    }
    x.fill(Number.NaN);
    const joined = Array.from({ length: 250 }, (_, i) =>
      learner.observe({ requestId: `r${i}`, creativeId: 'c', event: 'skip' }),
    );
    expect(joined.indexOf(true)).toBe(150);
    expect(joined.filter(Boolean)).toHaveLength(100);
    // Every example is held out; each kept its own copy of the features (NaN ones would make the loss NaN).
    expect(Number.isFinite(learner.holdoutLoss())).toBe(true);
  });
});
