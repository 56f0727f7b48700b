/**
 * The inventory agent's policy: predicts, for one creative in one context,
 * the probability that the listener skips it, completes it and engages with
 * it (clicks, follows the call to action).
 *
 * A policy is a pure function of a fixed-length feature vector (see
 * POLICY_FEATURES for the order) plus a version string that every proposal
 * reports. The baseline is a small fixed-weight logistic model, one head per
 * prediction; federated learning publishes new weights for the same model as
 * a JSON file (format below) that the agent hot-swaps without a restart.
 *
 * Weights file (`parley-policy-logistic/1`):
 *
 *   {
 *     "format": "parley-policy-logistic/1",
 *     "version": "inventory-fed-12",           // reported as model_version
 *     "features": ["bias", "energy_fit", ...],  // must equal POLICY_FEATURES, in order
 *     "heads": {                               // one weight per feature each
 *       "skip":     [ ... ],                   // p_skip     = sigmoid(w_skip · x)
 *       "complete": [ ... ],                   // p_complete = sigmoid(w_complete · x)
 *       "engage":   [ ... ]                    // p_engage   = sigmoid(w_engage · x)
 *     }
 *   }
 *
 * Writers should write a temporary file and rename it over the target so a
 * reader never sees half a file; a bad or partial file is logged and ignored
 * (the current policy keeps serving).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { sigmoid } from '../../learning/linear';
import type { Creative } from '../common/catalogue/types';
import { SCENARIOS, type Scenario, type Slot, type Snapshot } from '../common/domain/types';
import type { Logger } from '../common/log';
import { modelFile, modelHeader, parseModelJson } from '../common/schema';
import { pollFile } from '../common/watch';

/**
 * The policy's input, in order. All values are roughly in [0, 1].
 *
 * - bias: always 1
 * - energy_fit: 1 - |creative energy - the energy the scenario calls for|
 * - voice_fit: how well the voice style suits the scenario (VOICE_FIT)
 * - disruption_x_focus: disruptiveness x focus level (a jarring ad while focused)
 * - duration_x_unreceptive: duration (minutes) x (1 - receptiveness)
 * - skip_risk: the context agent's prior skip risk
 * - receptiveness: the context agent's receptiveness
 * - ads_heard: ads already heard in the session, min(n, 10) / 10
 * - slot_position: pre-roll 0, mid-roll 0.5, post-roll 1
 * - pod_size: (max_ads - 1) / 5, longer breaks wear listeners out
 * - duration: duration in minutes
 * - disruptiveness: the creative's disruptiveness
 */
export const POLICY_FEATURES = [
  'bias',
  'energy_fit',
  'voice_fit',
  'disruption_x_focus',
  'duration_x_unreceptive',
  'skip_risk',
  'receptiveness',
  'ads_heard',
  'slot_position',
  'pod_size',
  'duration',
  'disruptiveness',
] as const;

export const POLICY_FEATURE_COUNT = POLICY_FEATURES.length;

export interface Prediction {
  pSkip: number;
  pComplete: number;
  pEngage: number;
}

export interface Policy {
  readonly version: string;
  /**
   * The predictions for features `x`. With `out`, a policy may write them
   * there and return it instead of allocating (the agent's hot path passes
   * one scratch object for all candidates); callers use the return value.
   */
  predict(x: Float32Array, out?: Prediction): Prediction;
}

/** The creative energy each scenario calls for (0 calm .. 1 high energy). */
export const SCENARIO_ENERGY: Record<Scenario, number> = {
  workout: 0.9,
  party: 0.85,
  chores: 0.6,
  commute: 0.55,
  relax: 0.35,
  focus: 0.2,
  sleep: 0.05,
  unknown: 0.5,
};

type Voice = Creative['voiceStyle'];
const UP: Record<Voice, number> = { energetic: 1, announcer: 0.6, conversational: 0.5, calm: 0.2 };
const QUIET: Record<Voice, number> = { calm: 1, conversational: 0.6, announcer: 0.3, energetic: 0.1 };
const TALK: Record<Voice, number> = { conversational: 1, announcer: 0.7, calm: 0.6, energetic: 0.6 };
const NEUTRAL: Record<Voice, number> = { conversational: 0.5, announcer: 0.5, calm: 0.5, energetic: 0.5 };

/** How well a voice style suits a scenario, 0..1. */
export const VOICE_FIT: Record<Scenario, Record<Voice, number>> = {
  workout: UP,
  party: UP,
  focus: QUIET,
  relax: QUIET,
  sleep: QUIET,
  commute: TALK,
  chores: TALK,
  unknown: NEUTRAL,
};

const SLOT_POSITION = { pre: 0, mid: 0.5, post: 1 } as const;

/** Builds the POLICY_FEATURES vector of one creative in one context. */
export function policyFeatures(
  creative: Creative,
  context: Snapshot,
  slot: Slot,
  out = new Float32Array(POLICY_FEATURE_COUNT),
): Float32Array {
  return creativeFeatures(creative, context, contextFeatures(context, slot, out));
}

/**
 * The features that are the same for every creative in one context (bias,
 * skip_risk, receptiveness, ads_heard, slot_position, pod_size): a proposal
 * writes them once, then creativeFeatures for each creative.
 */
export function contextFeatures(context: Snapshot, slot: Slot, out: Float32Array): Float32Array {
  out[0] = 1;
  out[5] = context.skipRisk;
  out[6] = context.receptiveness;
  out[7] = Math.min(context.sessionAdsHeard, 10) / 10;
  out[8] = SLOT_POSITION[slot.position];
  out[9] = (slot.maxAds - 1) / 5;
  return out;
}

/** The features that depend on the creative, written over a vector that holds contextFeatures. */
export function creativeFeatures(creative: Creative, context: Snapshot, out: Float32Array): Float32Array {
  const minutes = creative.durationMs / 60_000;
  out[1] = energyFit(creative, context.scenario);
  out[2] = VOICE_FIT[context.scenario][creative.voiceStyle];
  out[3] = creative.disruptiveness * context.focusLevel;
  out[4] = minutes * (1 - context.receptiveness);
  out[10] = minutes;
  out[11] = creative.disruptiveness;
  return out;
}

const energyFit = (creative: Creative, scenario: Scenario) =>
  1 - Math.abs(creative.energy - SCENARIO_ENERGY[scenario]);

/**
 * creativeFeatures for a fixed list of creatives (a catalogue version),
 * with what depends on the creative alone or on the creative and the
 * scenario worked out once: a proposal then only multiplies in focus and
 * receptiveness. Writes exactly what creativeFeatures writes.
 */
export class CreativeFeatureTable {
  private readonly minutes: Float64Array;
  private readonly disruptiveness: Float64Array;
  /** Energy and voice fit of creative i in scenario s at s * n + i. */
  private readonly energyFit: Float64Array;
  private readonly voiceFit: Float64Array;
  private readonly scenarioIndex = new Map<Scenario, number>(SCENARIOS.map((s, k) => [s, k]));

  constructor(creatives: readonly Creative[]) {
    const n = creatives.length;
    this.minutes = Float64Array.from(creatives, (c) => c.durationMs / 60_000);
    this.disruptiveness = Float64Array.from(creatives, (c) => c.disruptiveness);
    this.energyFit = new Float64Array(SCENARIOS.length * n);
    this.voiceFit = new Float64Array(SCENARIOS.length * n);
    SCENARIOS.forEach((scenario, s) => {
      creatives.forEach((c, i) => {
        this.energyFit[s * n + i] = energyFit(c, scenario);
        this.voiceFit[s * n + i] = VOICE_FIT[scenario][c.voiceStyle];
      });
    });
  }

  /** The row offset of `scenario` for `write` (once per proposal). */
  scenarioRow(scenario: Scenario): number {
    return this.scenarioIndex.get(scenario)! * this.minutes.length;
  }

  /** creativeFeatures of creative i, `row` being scenarioRow(context.scenario). */
  write(i: number, row: number, context: Snapshot, out: Float32Array): Float32Array {
    const minutes = this.minutes[i]!;
    const disruptiveness = this.disruptiveness[i]!;
    out[1] = this.energyFit[row + i]!;
    out[2] = this.voiceFit[row + i]!;
    out[3] = disruptiveness * context.focusLevel;
    out[4] = minutes * (1 - context.receptiveness);
    out[10] = minutes;
    out[11] = disruptiveness;
    return out;
  }
}

export interface LogisticWeights {
  skip: ArrayLike<number>;
  complete: ArrayLike<number>;
  engage: ArrayLike<number>;
}

/** Three independent logistic heads over POLICY_FEATURES. */
export class LogisticPolicy implements Policy {
  private readonly skip: Float32Array;
  private readonly complete: Float32Array;
  private readonly engage: Float32Array;

  constructor(
    readonly version: string,
    weights: LogisticWeights,
  ) {
    for (const head of ['skip', 'complete', 'engage'] as const) {
      const w = weights[head];
      if (w.length !== POLICY_FEATURE_COUNT) {
        throw new Error(`heads.${head}: expected ${POLICY_FEATURE_COUNT} weights, got ${w.length}`);
      }
      for (let i = 0; i < w.length; i++) {
        if (!Number.isFinite(w[i])) throw new Error(`heads.${head}[${i}]: must be a finite number`);
      }
    }
    this.skip = Float32Array.from(weights.skip);
    this.complete = Float32Array.from(weights.complete);
    this.engage = Float32Array.from(weights.engage);
  }

  /** The three heads' weights (copies). */
  get weights(): LogisticWeights {
    return { skip: this.skip.slice(), complete: this.complete.slice(), engage: this.engage.slice() };
  }

  predict(x: Float32Array, out: Prediction = { pSkip: 0, pComplete: 0, pEngage: 0 }): Prediction {
    // The three dot products in one pass over x (each summed in feature order, as a plain dot would).
    const { skip, complete, engage } = this;
    let zSkip = 0;
    let zComplete = 0;
    let zEngage = 0;
    for (let i = 0; i < POLICY_FEATURE_COUNT; i++) {
      const v = x[i]!;
      zSkip += skip[i]! * v;
      zComplete += complete[i]! * v;
      zEngage += engage[i]! * v;
    }
    out.pSkip = sigmoid(zSkip);
    out.pComplete = sigmoid(zComplete);
    out.pEngage = sigmoid(zEngage);
    return out;
  }
}

export const BASELINE_POLICY_VERSION = 'inventory-baseline-v1';

/**
 * Hand-set weights (same order as POLICY_FEATURES): a creative that fits the
 * scenario's energy and voice, is short when the listener is not receptive
 * and is not jarring while they focus is skipped less and completed more.
 */
export const BASELINE_WEIGHTS: LogisticWeights = {
  //         bias  energy voice  dis*foc dur*unr skip  recept ads   slot  pod   dur   disr
  skip: [-1.0, -1.6, -0.6, 1.8, 1.2, 2.0, -0.8, 0.8, 0.3, 0.4, 0.3, 0.5],
  complete: [0.8, 1.4, 0.5, -1.5, -1.4, -1.8, 1.0, -0.6, -0.3, -0.3, -0.5, -0.4],
  engage: [-3.5, 1.0, 0.4, -0.8, -0.5, -1.0, 1.5, -0.4, -0.2, -0.2, 0.2, 0.3],
};

export function baselinePolicy(): LogisticPolicy {
  return new LogisticPolicy(BASELINE_POLICY_VERSION, BASELINE_WEIGHTS);
}

export const POLICY_FILE_FORMAT = 'parley-policy-logistic/1';

/** Parses a weights file (format above); throws with the offending field. */
const head = z.array(z.number(), { error: 'must be numbers' });

export function parsePolicyWeights(json: string): LogisticPolicy {
  const d = parseModelJson(
    json,
    modelFile({
      ...modelHeader(POLICY_FILE_FORMAT, POLICY_FEATURES),
      heads: z.object({ skip: head, complete: head, engage: head }, { error: 'required' }),
    }),
  );
  return new LogisticPolicy(d.version, d.heads);
}

export function loadPolicyFile(path: string): LogisticPolicy {
  return parsePolicyWeights(readFileSync(path, 'utf8'));
}

/**
 * Holds the policy in use. `swap` replaces it in one assignment; a decision
 * takes `current()` once at its start and uses that object to the end, so it
 * sees exactly one version even when a swap lands mid-decision.
 */
export class PolicyHolder {
  private policy: Policy;
  private readonly listeners: Array<(next: Policy, previous: Policy) => void> = [];

  constructor(initial: Policy = baselinePolicy()) {
    this.policy = initial;
  }

  current(): Policy {
    return this.policy;
  }

  get version(): string {
    return this.policy.version;
  }

  swap(next: Policy): Policy {
    const previous = this.policy;
    this.policy = next;
    for (const l of this.listeners) l(next, previous);
    return previous;
  }

  onSwap(listener: (next: Policy, previous: Policy) => void): void {
    this.listeners.push(listener);
  }
}

/**
 * Loads the weights file at `path` into `holder` (when it exists) and swaps
 * in every later valid version. A missing or bad file keeps the current
 * policy and is logged.
 */
export function watchPolicyFile(
  holder: PolicyHolder,
  path: string,
  intervalMs: number,
  log: Logger,
): { close(): void } {
  const check = () => {
    try {
      const next = loadPolicyFile(path);
      if (next.version === holder.version) return;
      const previous = holder.swap(next);
      log.info('policy swapped', { path, from: previous.version, to: next.version });
    } catch (err) {
      log.warn('policy file rejected; keeping the current policy', {
        path,
        version: holder.version,
        error: (err as Error).message,
      });
    }
  };
  return pollFile(path, intervalMs, check, { initial: true });
}
