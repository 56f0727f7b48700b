/**
 * The context agent's domain: reads the session's rolling state, applies the
 * rules in assess.ts and records what it saw. The session store is best
 * effort: when it fails, the snapshot is still made from the signals alone
 * (a degraded answer beats none), and the failure is reported to `onStoreError`.
 * A learned model (learning/context-estimator.ts), when one is held, adjusts
 * the rules' snapshot; it is read once per assessment, so a hot swap never
 * splits a decision between two versions.
 *
 * An ad-load policy (learning/ad-load-policy.ts), when one is held, picks the
 * break's floor on joint utility from the finished snapshot alone and puts it
 * on the snapshot (`adLoad`, which the broker uses as the decision's floor);
 * the snapshot's model version then names both, `<model>+<ad-load policy>`.
 */

import { type AdLoadPolicy, parseAdLoadModel } from '../../learning/ad-load-policy';
import { JoinedVersion, type ModelHolder, type Watched, watchModel } from '../../learning/artifacts';
import { type ContextEstimator, parseContextModel } from '../../learning/context-estimator';
import type { Signals, Snapshot } from '../common/domain/types';
import type { Logger } from '../common/log';
import {
  assessContext,
  CONTEXT_MODEL_VERSION,
  fallbackScenario,
  SCENARIO_STICKY_MS,
  scenarioFromSignals,
} from './assess';
import type { OutcomeUpdate, SessionState, SessionStore } from './session-store';

/** What adjusts the rules' snapshot: a learned ContextEstimator, or RULES_ONLY. */
export type ContextModel = Pick<ContextEstimator, 'version' | 'apply'>;

/** No learned model (yet): the rules' snapshot as is. */
export const RULES_ONLY: ContextModel = { version: CONTEXT_MODEL_VERSION, apply: (s) => s };

/**
 * A holder that starts with RULES_ONLY, loads the model at `path` if it is
 * there and hot-swaps every later valid version (a missing or broken file
 * keeps the model in use; logged).
 */
export function watchContextModel(path: string, intervalMs: number, log?: Logger): Watched<ContextModel> {
  return watchModel<ContextModel>(RULES_ONLY, path, parseContextModel, intervalMs, log);
}

/** The ad-load policy in use, or NO_AD_LOAD: the snapshot sets no floor (the broker's own applies). */
export type AdLoadModel = Pick<AdLoadPolicy, 'version' | 'floor'>;

/** No ad-load policy (yet): the snapshot carries no ad load. */
export const NO_AD_LOAD: AdLoadModel = { version: 'ad-load-none', floor: () => null };

/**
 * A holder that starts with NO_AD_LOAD, loads the ad-load policy at `path`
 * (`parley-context-ad-load/1`) if it is there and hot-swaps every later
 * valid version (a missing or broken file keeps the policy in use; logged).
 */
export function watchAdLoadPolicy(path: string, intervalMs: number, log?: Logger): Watched<AdLoadModel> {
  return watchModel<AdLoadModel>(NO_AD_LOAD, path, parseAdLoadModel, intervalMs, log);
}

export interface Observation {
  sessionId: string;
  adServed: boolean;
  adSkipped: boolean;
  adCompleted: boolean;
}

function outcomeOf(o: Observation): OutcomeUpdate {
  return { served: o.adServed, skipped: o.adSkipped, completed: o.adCompleted };
}

export class ContextAgent {
  private readonly version = new JoinedVersion();
  constructor(
    private readonly store: SessionStore,
    private readonly onStoreError: (op: string, err: unknown) => void = () => undefined,
    /** The learned model to apply; null = the rules alone. */
    private readonly model: ModelHolder<ContextModel> | null = null,
    /** The ad-load policy; null = none (the snapshot sets no floor). */
    private readonly adLoad: ModelHolder<AdLoadModel> | null = null,
  ) {}

  async assess(signals: Signals, nowMs: number): Promise<Snapshot> {
    const model = this.model?.current() ?? RULES_ONLY;
    // Both read before the await: one version of each per assessment.
    const adLoad = this.adLoad?.current() ?? NO_AD_LOAD;
    const snapshot = model.apply(await this.assessRules(signals, nowMs));
    if (adLoad === NO_AD_LOAD) return snapshot;
    return {
      ...snapshot,
      adLoad: { minUtility: adLoad.floor(snapshot) },
      modelVersion: this.version.of(snapshot.modelVersion, adLoad.version),
    };
  }

  /** The rules' snapshot (and the session bookkeeping). */
  private async assessRules(signals: Signals, nowMs: number): Promise<Snapshot> {
    if (this.store.assessSession) {
      // One step (one round trip): read the session and record this assessment.
      let session: SessionState | null = null;
      try {
        session = await this.store.assessSession(
          signals.sessionId,
          {
            genre: signals.trackGenre,
            fromSignals: scenarioFromSignals(signals),
            fallback: fallbackScenario(signals),
            stickyMs: SCENARIO_STICKY_MS,
          },
          nowMs,
        );
      } catch (err) {
        this.onStoreError('assessSession', err);
      }
      return assessContext(signals, session, nowMs);
    }
    let session: SessionState | null = null;
    try {
      session = await this.store.get(signals.sessionId, nowMs);
    } catch (err) {
      this.onStoreError('get', err);
    }
    const snapshot = assessContext(signals, session, nowMs);
    try {
      await this.store.recordContext(
        signals.sessionId,
        { genre: signals.trackGenre, scenario: snapshot.scenario },
        nowMs,
      );
    } catch (err) {
      this.onStoreError('recordContext', err);
    }
    return snapshot;
  }

  /** Records an ad outcome into the session's rolling state. */
  async observe(o: Observation, nowMs: number): Promise<SessionState> {
    return this.store.recordOutcome(o.sessionId, outcomeOf(o), nowMs);
  }

  /** observe for each observation, in order, in one store call (one round trip with Redis). */
  async observeMany(observations: readonly Observation[], nowMs: number): Promise<void> {
    if (observations.length === 0) return;
    await this.store.recordOutcomes(
      observations.map((o) => ({ sessionId: o.sessionId, outcome: outcomeOf(o) })),
      nowMs,
    );
  }
}
