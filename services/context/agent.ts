/**
 * The context agent's domain: reads the session's rolling state, applies the
 * rules in assess.ts and records what it saw. The session store is best
 * effort: when it fails, the snapshot is still made from the signals alone
 * (a degraded answer beats none), and the failure is reported to `onStoreError`.
 */
import type { Signals, Snapshot } from '../common/domain/types';
import { assessContext } from './assess';
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
