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
 *    the best version seen, restore the best version.
 */

import {
  LogisticPolicy,
  type LogisticWeights,
  POLICY_FEATURE_COUNT,
  type PolicyHolder,
} from '../services/inventory/policy';
import type { LoggedOutcome, OutcomeLog } from '../services/objective/outcome-log';
import { dot, sigmoid } from './linear';

export interface OnlineOptions {
  learningRate: number;
  maxStepNorm: number;
  /** Examples per step. */
  batchSize: number;
  holdoutEvery: number;
  holdoutSize: number;
  tolerance: number;
  rollbackMargin: number;
  /** Decisions remembered for joining outcomes (oldest forgotten first). */
  maxPending: number;
  l2: number;
}

export const DEFAULT_ONLINE: OnlineOptions = {
  learningRate: 0.05,
  maxStepNorm: 0.25,
  batchSize: 256,
  holdoutEvery: 5,
  holdoutSize: 2000,
  tolerance: 0.002,
  rollbackMargin: 0.01,
  maxPending: 50_000,
  l2: 1e-4,
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
  if (examples.length === 0) return 0;
  let s = 0;
  for (const e of examples) {
    for (let k = 0; k < 3; k++) {
      const p = Math.min(1 - 1e-7, Math.max(1e-7, sigmoid(dot(w[k]!, e.x))));
      s -= e.y[k]! ? Math.log(p) : Math.log(1 - p);
    }
  }
  return s / (3 * examples.length);
}

export type StepResult =
  | { kind: 'waiting'; examples: number }
  | { kind: 'accepted'; version: string; holdoutLoss: number; stepNorm: number }
  | { kind: 'rejected'; holdoutLoss: number; currentLoss: number }
  | { kind: 'rolled-back'; version: string; holdoutLoss: number };

export class OnlineLearner {
  private w: Float32Array[];
  private best: { w: Float32Array[]; version: string };
  private readonly pending = new Map<string, Float32Array>();
  private readonly labelled = new Map<string, Example>();
  private train: Example[] = [];
  private readonly holdout: Example[] = [];
  private seen = 0;
  private updates = 0;
  readonly opts: OnlineOptions;

  constructor(
    start: LogisticWeights,
    private readonly versionPrefix: string,
    opts: Partial<OnlineOptions> = {},
    startVersion = `${versionPrefix}-0`,
  ) {
    this.opts = { ...DEFAULT_ONLINE, ...opts };
    this.w = weightsOf(start);
    this.best = { w: this.w.map((x) => x.slice()), version: startVersion };
  }

  /** Remembers the features a decision used for (request, creative). */
  rememberDecision(requestId: string, creativeId: string, x: Float32Array): void {
    if (x.length !== POLICY_FEATURE_COUNT) throw new Error(`features: expected ${POLICY_FEATURE_COUNT}`);
    const key = `${requestId}|${creativeId}`;
    this.pending.set(key, x);
    while (this.pending.size > this.opts.maxPending) this.pending.delete(this.pending.keys().next().value!);
  }

  /** Feeds one outcome event; returns true when it completed a labelled example. */
  observe(e: Pick<LoggedOutcome, 'requestId' | 'creativeId' | 'event'>): boolean {
    const key = `${e.requestId}|${e.creativeId}`;
    if (e.event === 'click') {
      const ex = this.labelled.get(key);
      if (ex) ex.y[2] = 1;
      return false;
    }
    if (e.event !== 'skip' && e.event !== 'complete') return false;
    const x = this.pending.get(key);
    if (!x) return false;
    this.pending.delete(key);
    const ex: Example = { x, y: e.event === 'skip' ? [1, 0, 0] : [0, 1, 0] };
    this.labelled.set(key, ex);
    this.seen++;
    if (this.seen % this.opts.holdoutEvery === 0) {
      this.holdout.push(ex);
      if (this.holdout.length > this.opts.holdoutSize) this.holdout.shift();
    } else this.train.push(ex);
    if (this.labelled.size > this.opts.maxPending) this.labelled.delete(this.labelled.keys().next().value!);
    return true;
  }

  get weights(): LogisticWeights {
    return { skip: this.w[0]!, complete: this.w[1]!, engage: this.w[2]! };
  }

  /** One guarded SGD step on the examples gathered since the last step. */
  step(): StepResult {
    if (this.train.length < this.opts.batchSize) return { kind: 'waiting', examples: this.train.length };
    const batch = this.train;
    this.train = [];
    const o = this.opts;
    const grad = this.w.map(() => new Float32Array(POLICY_FEATURE_COUNT));
    for (const e of batch) {
      for (let k = 0; k < 3; k++) {
        const err = sigmoid(dot(this.w[k]!, e.x)) - e.y[k]!;
        const g = grad[k]!;
        for (let i = 0; i < g.length; i++) g[i]! += (err * e.x[i]!) / batch.length;
      }
    }
    const delta = grad.map((g, k) => g.map((v, i) => -o.learningRate * (v + o.l2 * this.w[k]![i]!)));
    const norm = Math.sqrt(delta.reduce((s, d) => s + d.reduce((a, v) => a + v * v, 0), 0));
    const scale = norm > o.maxStepNorm ? o.maxStepNorm / norm : 1;
    const next = this.w.map((w, k) => w.map((v, i) => v + scale * delta[k]![i]!));
    // The holdout changes as examples arrive, so every loss is measured on it now.
    const currentLoss = logLoss(this.w, this.holdout);
    const bestLoss = logLoss(this.best.w, this.holdout);
    const nextLoss = logLoss(next, this.holdout);
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
    const version = `${this.versionPrefix}-${this.updates}`;
    if (nextLoss <= bestLoss) this.best = { w: next.map((x) => x.slice()), version };
    return { kind: 'accepted', version, holdoutLoss: nextLoss, stepNorm: norm * scale };
  }

  private rollback(loss: number): StepResult {
    this.w = this.best.w.map((x) => x.slice());
    return { kind: 'rolled-back', version: this.best.version, holdoutLoss: loss };
  }

  /** The current weights as a policy the inventory agent can swap in. */
  policy(version: string): LogisticPolicy {
    return new LogisticPolicy(version, this.weights);
  }
}

/**
 * Runs the learner against the outcome log's consumer group: read a batch,
 * observe, ack, step; every accepted or rolled-back version is swapped into
 * `holder` (and handed to `publish`, e.g. to write models/inventory). Stops
 * when `signal` aborts. Returns the step results (for logs and tests).
 */
export async function consumeOutcomes(opts: {
  log: OutcomeLog;
  group: string;
  consumer: string;
  learner: OnlineLearner;
  holder: PolicyHolder;
  publish?: (p: LogisticPolicy) => void;
  batch?: number;
  idleMs?: number;
  signal?: AbortSignal;
  /** Stop after this many reads that returned nothing (tests); 0 = never. */
  maxIdleReads?: number;
}): Promise<StepResult[]> {
  const results: StepResult[] = [];
  let idle = 0;
  while (!opts.signal?.aborted) {
    const entries = await opts.log.readGroup(opts.group, opts.consumer, opts.batch ?? 500);
    if (entries.length === 0) {
      idle++;
      if (opts.maxIdleReads && idle >= opts.maxIdleReads) break;
      await new Promise((r) => setTimeout(r, opts.idleMs ?? 200));
      continue;
    }
    idle = 0;
    for (const e of entries) opts.learner.observe(e);
    await opts.log.ack(
      opts.group,
      entries.map((e) => e.id),
    );
    for (let r = opts.learner.step(); r.kind !== 'waiting'; r = opts.learner.step()) {
      results.push(r);
      if (r.kind === 'accepted' || r.kind === 'rolled-back') {
        const p = opts.learner.policy(r.version);
        opts.holder.swap(p);
        opts.publish?.(p);
      }
    }
  }
  return results;
}
