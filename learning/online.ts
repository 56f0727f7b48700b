/**
 * Online learning in the running mesh from ReportOutcome events: a consumer
 * of the outcome log's consumer group turns outcomes into labelled examples
 * (the decision's policy features are remembered when the ad is proposed),
 * takes small SGD steps on the inventory policy's logistic heads and
 * publishes each accepted version through the PolicyHolder (hot swap).
 *
 * Guard against runaway updates:
 *  - bounded step: the update's L2 norm is clipped to `maxStepNorm`;
 *  - holdout check: every `holdoutEvery`-th example is held out, never
 *    trained on; a step is accepted only if the holdout log-loss does not get
 *    worse by more than `tolerance`;
 *  - rollback: non-finite weights, or a holdout loss `rollbackMargin` above
 *    the best version seen, restore the best version;
 *  - trust region: never further than `maxDrift` from the version it
 *    started from, however long a shift (or an attack) lasts.
 *
 * Versions read `<base>+online-<n>`: the version the learner started from
 * (or was rebased on when another policy was swapped in, e.g. a federated
 * round's) and the number of accepted steps since.
 */

import type { FeedEntry, GroupStart, OutcomeFeed } from '../services/common/domain/outcomes';
import {
  LogisticPolicy,
  type LogisticWeights,
  POLICY_FEATURE_COUNT,
  type PolicyHolder,
} from '../services/inventory/policy';
import { sigmoid } from './linear';

export interface OnlineOptions {
  learningRate: number;
  maxStepNorm: number;
  /** Examples gathered before a step. */
  batchSize: number;
  /** SGD within a step: examples per update, passes over the step's examples. */
  miniBatch: number;
  epochs: number;
  holdoutEvery: number;
  holdoutSize: number;
  tolerance: number;
  rollbackMargin: number;
  /** Decisions remembered for joining outcomes (oldest forgotten first). */
  maxPending: number;
  l2: number;
  /**
   * Trust region: the weights never move further than this (L2, all heads)
   * from the version the learner started from or was rebased on. A sustained
   * shift (or sustained poisoning) stops there until people look at it and
   * publish a new base (a retrained or federated policy).
   */
  maxDrift: number;
}

export const DEFAULT_ONLINE: OnlineOptions = {
  learningRate: 0.5,
  maxStepNorm: 0.5,
  batchSize: 256,
  miniBatch: 32,
  epochs: 2,
  holdoutEvery: 5,
  holdoutSize: 2000,
  tolerance: 0.002,
  rollbackMargin: 0.01,
  maxPending: 50_000,
  l2: 1e-4,
  maxDrift: 6,
};

interface Example {
  x: Float32Array;
  /** skip, complete, engage */
  y: [number, number, number];
}

const HEADS = ['skip', 'complete', 'engage'] as const;

function weightsOf(w: LogisticWeights): Float32Array[] {
  return HEADS.map((h) => Float32Array.from(w[h]));
}

/** Mean log-loss of the three heads over `examples`. */
export function logLoss(w: readonly Float32Array[], examples: readonly Example[]): number {
  return logLosses([w], examples)[0]!;
}

/**
 * logLoss of each of several weight sets, in one pass over `examples` (the
 * holdout is read once per step, not once per version compared).
 */
export function logLosses(
  sets: ReadonlyArray<readonly Float32Array[]>,
  examples: readonly Example[],
): number[] {
  const sums = sets.map(() => 0);
  if (examples.length === 0) return sums;
  for (const e of examples) {
    for (let v = 0; v < sets.length; v++) {
      const [skip, complete, engage] = sets[v] as [Float32Array, Float32Array, Float32Array];
      const z = heads3(skip, complete, engage, e.x);
      sums[v] =
        sums[v]! - headLoss(z.skip, e.y[0]) - headLoss(z.complete, e.y[1]) - headLoss(z.engage, e.y[2]);
    }
  }
  return sums.map((s) => s / (3 * examples.length));
}

const z3 = { skip: 0, complete: 0, engage: 0 };

/**
 * The three heads' dot products with x in one pass (each summed in feature
 * order, as `dot` would); the result is shared scratch, read it at once.
 */
function heads3(skip: Float32Array, complete: Float32Array, engage: Float32Array, x: Float32Array) {
  let a = 0;
  let b = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    a += skip[i]! * v;
    b += complete[i]! * v;
    c += engage[i]! * v;
  }
  z3.skip = a;
  z3.complete = b;
  z3.engage = c;
  return z3;
}

/** g += err · x / n: one example's share of a mini-batch's log-loss gradient. */
function addGradient(g: Float32Array, err: number, x: Float32Array, n: number): void {
  for (let i = 0; i < g.length; i++) g[i]! += (err * x[i]!) / n;
}

/** The log-likelihood of label y under a head with logit z (probability clamped away from 0 and 1). */
function headLoss(z: number, y: number): number {
  const p = Math.min(1 - 1e-7, Math.max(1e-7, sigmoid(z)));
  return y ? Math.log(p) : Math.log(1 - p);
}

export type StepResult =
  | { kind: 'waiting'; examples: number }
  | { kind: 'accepted'; version: string; holdoutLoss: number; stepNorm: number; atDriftLimit: boolean }
  | { kind: 'rejected'; holdoutLoss: number; currentLoss: number }
  | { kind: 'rolled-back'; version: string; holdoutLoss: number };

function distance(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let s = 0;
  a.forEach((head, k) => {
    for (let i = 0; i < head.length; i++) s += (head[i]! - b[k]![i]!) ** 2;
  });
  return Math.sqrt(s);
}

export class OnlineLearner {
  private w: Float32Array[];
  /** The version started from (or rebased on): the learner never drifts further than maxDrift from it. */
  private anchor: Float32Array[];
  private best: { w: Float32Array[]; version: string };
  private base: string;
  /** The version of the weights the learner holds now (what it last published). */
  version: string;
  /** Remembered decisions: the last maxPending (request, creative) pairs, their features by slot. */
  private readonly pending: RecentPairs;
  private readonly pendingX: Float32Array;
  /** The last maxPending labelled examples by slot, for a click that arrives after the skip or completion. */
  private readonly labelled: RecentPairs;
  private readonly labelledExamples: Array<Example | undefined>;
  private train: Example[] = [];
  private readonly holdout: Example[] = [];
  private seen = 0;
  private updates = 0;
  readonly opts: OnlineOptions;

  constructor(start: LogisticWeights, startVersion: string, opts: Partial<OnlineOptions> = {}) {
    this.opts = { ...DEFAULT_ONLINE, ...opts };
    this.pending = new RecentPairs(this.opts.maxPending);
    this.pendingX = new Float32Array(this.opts.maxPending * POLICY_FEATURE_COUNT);
    this.labelled = new RecentPairs(this.opts.maxPending);
    this.labelledExamples = new Array(this.opts.maxPending).fill(undefined);
    this.w = weightsOf(start);
    this.anchor = weightsOf(start);
    this.best = { w: this.w.map((x) => x.slice()), version: startVersion };
    this.base = startVersion;
    this.version = startVersion;
  }

  /**
   * Continues from `weights` (another policy was swapped in): they become the
   * current and the best version; gathered examples and the holdout are kept.
   */
  rebase(weights: LogisticWeights, version: string): void {
    this.w = weightsOf(weights);
    this.anchor = weightsOf(weights);
    this.best = { w: this.w.map((x) => x.slice()), version };
    this.base = version;
    this.version = version;
    this.updates = 0;
  }

  /**
   * Remembers (a copy of) the features a decision used for (request,
   * creative); the oldest of more than maxPending are forgotten.
   */
  rememberDecision(requestId: string, creativeId: string, x: Float32Array): void {
    if (x.length !== POLICY_FEATURE_COUNT) throw new Error(`features: expected ${POLICY_FEATURE_COUNT}`);
    this.pendingX.set(x, this.pending.put(requestId, creativeId) * POLICY_FEATURE_COUNT);
  }

  /** Feeds one outcome event; returns true when it completed a labelled example. */
  observe(e: Pick<FeedEntry, 'requestId' | 'creativeId' | 'event'>): boolean {
    if (e.event === 'click') {
      const slot = this.labelled.find(e.requestId, e.creativeId);
      if (slot >= 0) this.labelledExamples[slot]!.y[2] = 1;
      return false;
    }
    if (e.event !== 'skip' && e.event !== 'complete') return false;
    const slot = this.pending.find(e.requestId, e.creativeId);
    if (slot < 0) return false;
    this.pending.forget(slot);
    const at = slot * POLICY_FEATURE_COUNT;
    const ex: Example = {
      x: this.pendingX.slice(at, at + POLICY_FEATURE_COUNT),
      y: e.event === 'skip' ? [1, 0, 0] : [0, 1, 0],
    };
    this.labelledExamples[this.labelled.put(e.requestId, e.creativeId)] = ex;
    this.seen++;
    if (this.seen % this.opts.holdoutEvery === 0) {
      this.holdout.push(ex);
      if (this.holdout.length > this.opts.holdoutSize) this.holdout.shift();
    } else this.train.push(ex);
    return true;
  }

  /** Labelled examples completed so far (outcomes joined with a remembered decision). */
  get examplesSeen(): number {
    return this.seen;
  }

  get weights(): LogisticWeights {
    return { skip: this.w[0]!, complete: this.w[1]!, engage: this.w[2]! };
  }

  /**
   * One guarded step on the examples gathered since the last one: mini-batch
   * SGD passes over them give a candidate, whose distance from the current
   * weights is then clipped and checked on the holdout.
   */
  step(): StepResult {
    if (this.train.length < this.opts.batchSize) return { kind: 'waiting', examples: this.train.length };
    const batch = this.train;
    this.train = [];
    const o = this.opts;
    const moved = this.w.map((w) => w.slice());
    const grad = this.w.map(() => new Float32Array(POLICY_FEATURE_COUNT));
    const [mSkip, mComplete, mEngage] = moved as [Float32Array, Float32Array, Float32Array];
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      for (let from = 0; from < batch.length; from += o.miniBatch) {
        const to = Math.min(batch.length, from + o.miniBatch);
        const n = to - from;
        for (const g of grad) g.fill(0);
        for (let j = from; j < to; j++) {
          const e = batch[j]!;
          const z = heads3(mSkip, mComplete, mEngage, e.x);
          addGradient(grad[0]!, sigmoid(z.skip) - e.y[0], e.x, n);
          addGradient(grad[1]!, sigmoid(z.complete) - e.y[1], e.x, n);
          addGradient(grad[2]!, sigmoid(z.engage) - e.y[2], e.x, n);
        }
        for (let k = 0; k < 3; k++) {
          const w = moved[k]!;
          const g = grad[k]!;
          for (let i = 0; i < w.length; i++) w[i]! -= o.learningRate * (g[i]! + o.l2 * w[i]!);
        }
      }
    }
    const delta = moved.map((m, k) => m.map((v, i) => v - this.w[k]![i]!));
    const norm = Math.sqrt(delta.reduce((s, d) => s + d.reduce((a, v) => a + v * v, 0), 0));
    const scale = norm > o.maxStepNorm ? o.maxStepNorm / norm : 1;
    const next = this.w.map((w, k) => w.map((v, i) => v + scale * delta[k]![i]!));
    const atDriftLimit = this.limitDrift(next);
    // The holdout changes as examples arrive, so every loss is measured on it now.
    const [currentLoss, bestLoss, nextLoss] = logLosses([this.w, this.best.w, next], this.holdout) as [
      number,
      number,
      number,
    ];
    if (!next.every((w) => w.every(Number.isFinite)) || !Number.isFinite(nextLoss)) {
      return this.rollback(nextLoss);
    }
    if (nextLoss > currentLoss + o.tolerance) {
      if (currentLoss > bestLoss + o.rollbackMargin) return this.rollback(currentLoss);
      return { kind: 'rejected', holdoutLoss: nextLoss, currentLoss };
    }
    if (nextLoss > bestLoss + o.rollbackMargin) return this.rollback(nextLoss);
    this.w = next;
    this.updates++;
    const version = `${this.base}+online-${this.updates}`;
    this.version = version;
    if (nextLoss <= bestLoss) this.best = { w: next.map((x) => x.slice()), version };
    return { kind: 'accepted', version, holdoutLoss: nextLoss, stepNorm: norm * scale, atDriftLimit };
  }

  /** Mean log-loss of `weights` on the holdout (examples never trained on). */
  holdoutLoss(weights: LogisticWeights = this.weights): number {
    return logLoss(weightsOf(weights), this.holdout);
  }

  /** L2 distance (all heads) of the current weights from the version the learner started or was rebased on. */
  get drift(): number {
    return distance(this.w, this.anchor);
  }

  /** Pulls `w` back onto the ball of radius maxDrift around the anchor; true when it had to. */
  private limitDrift(w: Float32Array[]): boolean {
    const d = distance(w, this.anchor);
    if (d <= this.opts.maxDrift) return false;
    const f = this.opts.maxDrift / d;
    w.forEach((head, k) => {
      const a = this.anchor[k]!;
      for (let i = 0; i < head.length; i++) head[i] = a[i]! + f * (head[i]! - a[i]!);
    });
    return true;
  }

  private rollback(loss: number): StepResult {
    this.w = this.best.w.map((x) => x.slice());
    this.version = this.best.version;
    return { kind: 'rolled-back', version: this.best.version, holdoutLoss: loss };
  }

  /** The current weights as a policy the inventory agent can swap in. */
  policy(version: string): LogisticPolicy {
    return new LogisticPolicy(version, this.weights);
  }
}

/**
 * The last `capacity` (request, creative) pairs put, each in a slot of a
 * preallocated ring (a new pair takes the oldest one's slot); callers keep
 * what belongs to a pair in their own arrays, indexed by slot, so memory is
 * bounded and nothing is allocated per pair. A request's slots are chained
 * (newest first) from a map keyed by the request id alone, which costs less
 * than building and hashing a "request|creative" string for every pair.
 */
export class RecentPairs {
  private readonly requestOf: Array<string | undefined>;
  private readonly creativeOf: Array<string | undefined>;
  /** The same request's next older and next newer slot, or -1. */
  private readonly older: Int32Array;
  private readonly newer: Int32Array;
  /** The newest slot of each request. */
  private readonly newest = new Map<string, number>();
  private next = 0;

  constructor(readonly capacity: number) {
    this.requestOf = new Array(capacity).fill(undefined);
    this.creativeOf = new Array(capacity).fill(undefined);
    this.older = new Int32Array(capacity).fill(-1);
    this.newer = new Int32Array(capacity).fill(-1);
  }

  /** The slot of a new pair (the oldest pair's, which is forgotten). */
  put(requestId: string, creativeId: string): number {
    const slot = this.next;
    this.next = (slot + 1) % this.capacity;
    this.forget(slot);
    const previous = this.newest.get(requestId) ?? -1;
    if (previous >= 0) this.newer[previous] = slot;
    this.requestOf[slot] = requestId;
    this.creativeOf[slot] = creativeId;
    this.older[slot] = previous;
    this.newer[slot] = -1;
    this.newest.set(requestId, slot);
    return slot;
  }

  /** The slot of the newest pair (request, creative) still kept, or -1. */
  find(requestId: string, creativeId: string): number {
    for (let slot = this.newest.get(requestId) ?? -1; slot >= 0; slot = this.older[slot]!) {
      if (this.creativeOf[slot] === creativeId) return slot;
    }
    return -1;
  }

  /** Forgets the pair in `slot` (if any). */
  forget(slot: number): void {
    const requestId = this.requestOf[slot];
    if (requestId === undefined) return;
    this.requestOf[slot] = undefined;
    this.creativeOf[slot] = undefined;
    const older = this.older[slot]!;
    const newer = this.newer[slot]!;
    if (older >= 0) this.newer[older] = newer;
    if (newer >= 0) this.older[newer] = older;
    else if (older >= 0) this.newest.set(requestId, older);
    else this.newest.delete(requestId);
  }
}

export interface ConsumeSummary {
  accepted: number;
  rejected: number;
  rolledBack: number;
}

/** How a learner reads the outcome log (consumeOnce, consumeOutcomes). */
export interface ConsumeOptions {
  feed: OutcomeFeed;
  group: string;
  consumer: string;
  /** Where the group starts if this creates it (default: the oldest retained entry). */
  from?: GroupStart;
  learner: OnlineLearner;
  holder: PolicyHolder;
  publish?: (p: LogisticPolicy) => void;
  onStep?: (r: Exclude<StepResult, { kind: 'waiting' }>) => void;
  batch?: number;
}

/**
 * One pass of the consumer: read a batch of the group, join it with the
 * remembered decisions, acknowledge it, and take every step it allows (each
 * in its own turn of the event loop),
 * swapping each accepted or rolled-back version into `holder` (counted in
 * `summary`). When another policy was swapped into `holder` meanwhile (a
 * file or a federated round), the learner continues from it. Returns how
 * many entries were read; throws when the read or the ack fails.
 */
export async function consumeOnce(opts: ConsumeOptions, summary: ConsumeSummary): Promise<number> {
  const entries = await opts.feed.readGroup(opts.group, opts.consumer, opts.batch ?? 500, opts.from);
  if (entries.length === 0) return 0;
  for (const e of entries) opts.learner.observe(e);
  await opts.feed.ack(
    opts.group,
    entries.map((e) => e.id),
  );
  for (;;) {
    // A step in a turn of the event loop of its own, so the decisions a
    // process is serving wait for at most one step (about a millisecond).
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Checked right before the step: a version swapped in meanwhile is continued from, never overwritten.
    const inUse = opts.holder.current();
    if (inUse.version !== opts.learner.version && inUse instanceof LogisticPolicy) {
      opts.learner.rebase(inUse.weights, inUse.version);
    }
    const r = opts.learner.step();
    if (r.kind === 'waiting') break;
    opts.onStep?.(r);
    if (r.kind === 'rejected') summary.rejected++;
    else {
      if (r.kind === 'accepted') summary.accepted++;
      else summary.rolledBack++;
      const p = opts.learner.policy(r.version);
      opts.holder.swap(p);
      opts.publish?.(p);
    }
  }
  return entries.length;
}

/**
 * Runs consumeOnce until `signal` aborts (e.g. to write models/inventory
 * with `publish`). A failed read or ack (the objective agent down) is
 * reported to `onError` and retried after a back-off; entries not
 * acknowledged are delivered again.
 */
export async function consumeOutcomes(
  opts: ConsumeOptions & {
    /** A read or ack failed; `failures` in a row so far. */
    onError?: (err: unknown, failures: number) => void;
    /** A read succeeded after `failures` in a row. */
    onRecovered?: (failures: number) => void;
    idleMs?: number;
    signal?: AbortSignal;
    /** Stop after this many reads that returned nothing (tests); 0 = never. */
    maxIdleReads?: number;
  },
): Promise<ConsumeSummary> {
  const summary: ConsumeSummary = { accepted: 0, rejected: 0, rolledBack: 0 };
  const idleMs = opts.idleMs ?? 200;
  let idle = 0;
  let failures = 0;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      opts.signal?.addEventListener('abort', done);
    });
  while (!opts.signal?.aborted) {
    let read: number;
    try {
      read = await consumeOnce(opts, summary);
      if (failures > 0) opts.onRecovered?.(failures);
      failures = 0;
    } catch (err) {
      failures++;
      opts.onError?.(err, failures);
      await pause(Math.min(5_000, idleMs * 2 ** Math.min(failures, 5)));
      continue;
    }
    if (read > 0) {
      idle = 0;
      continue;
    }
    idle++;
    if (opts.maxIdleReads && idle >= opts.maxIdleReads) break;
    await pause(idleMs);
  }
  return summary;
}
