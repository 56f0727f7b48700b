/**
 * The context agent's domain: reads the session's rolling state, applies the
 * rules in assess.ts and records what it saw. The session store is best
 * effort: when it fails, the snapshot is still made from the signals alone
 * (a degraded answer beats none), and the failure is reported to `onStoreError`.
 */
import type { Signals, Snapshot } from '../common/domain/types';
import { assessContext, fallbackScenario, SCENARIO_STICKY_MS, scenarioFromSignals } from './assess';
import type { SessionState, SessionStore } from './session-store';

export interface Observation {
  sessionId: string;
  adServed: boolean;
  adSkipped: boolean;
  adCompleted: boolean;
}

export class ContextAgent {
  constructor(
    private readonly store: SessionStore,
    private readonly onStoreError: (op: string, err: unknown) => void = () => undefined,
  ) {}

  async assess(signals: Signals, nowMs: number): Promise<Snapshot> {
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
    return this.store.recordOutcome(
      o.sessionId,
      { served: o.adServed, skipped: o.adSkipped, completed: o.adCompleted },
      nowMs,
    );
  }
}
