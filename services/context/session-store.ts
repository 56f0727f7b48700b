/**
 * Per-session rolling state of the context agent, behind a small port with
 * two adapters: embedded (this file: a Map with a TTL and LRU eviction, the
 * zero-setup default) and Redis (session-store-redis.ts, for replicas).
 * Both follow the same rules (applyContext / applyOutcome below) and pass the
 * same contract suite (test/contract/session-store.test.ts).
 *
 * A session lives `ttlMs` after its last write; a read does not extend it.
 */
import type { Scenario } from '../common/domain/types';

/** Last ad outcomes kept per session. */
export const RECENT_OUTCOMES = 10;
/** Last distinct track genres kept per session. */
export const RECENT_GENRES = 5;

export type AdOutcome = 'skip' | 'complete';

export interface SessionState {
  /** Ads served in this session. */
  adsHeard: number;
  /** Last ad outcomes, oldest first, at most RECENT_OUTCOMES. */
  recentOutcomes: AdOutcome[];
  /** Last track genres, oldest first, consecutive repeats collapsed. */
  lastGenres: string[];
  /** The scenario of the last assessment ('unknown' when none). */
  lastScenario: Scenario;
  updatedMs: number;
}

export interface ContextUpdate {
  genre: string;
  scenario: Scenario;
}

/**
 * One assessment's update when its scenario may depend on the session
 * (assessSession): `fromSignals` when the signals decide it, else the
 * session's previous scenario while it sticks (not unknown, assessed within
 * `stickyMs`), else `fallback`.
 */
export interface AssessUpdate {
  genre: string;
  fromSignals: Scenario | null;
  fallback: Scenario;
  stickyMs: number;
}

/** The scenario an AssessUpdate records for a session in this state. */
export function assessedScenario(session: SessionState | null, u: AssessUpdate, nowMs: number): Scenario {
  if (u.fromSignals) return u.fromSignals;
  const sticky = !!session && session.lastScenario !== 'unknown' && nowMs - session.updatedMs <= u.stickyMs;
  return sticky ? (session as SessionState).lastScenario : u.fallback;
}

export interface OutcomeUpdate {
  served: boolean;
  skipped: boolean;
  completed: boolean;
}

/** One session's ad outcome, for recordOutcomes. */
export interface SessionOutcome {
  sessionId: string;
  outcome: OutcomeUpdate;
}

export interface SessionStore {
  /** The session's state, or null when unknown or expired. */
  get(sessionId: string, nowMs: number): Promise<SessionState | null>;
  /** Records the genre playing and the scenario assessed; refreshes the TTL. */
  recordContext(sessionId: string, update: ContextUpdate, nowMs: number): Promise<void>;
  /**
   * get() then recordContext() with the scenario assessedScenario() picks,
   * in one atomic step (one round trip to a remote store). Returns the state
   * as it was before (null when unknown or expired). Optional: without it the
   * agent calls get() and recordContext().
   */
  assessSession?(sessionId: string, update: AssessUpdate, nowMs: number): Promise<SessionState | null>;
  /** Records an ad outcome; refreshes the TTL; returns the new state. */
  recordOutcome(sessionId: string, outcome: OutcomeUpdate, nowMs: number): Promise<SessionState>;
  /**
   * recordOutcome for each item, in order, in one call (one round trip to a
   * remote store); an item does not see a later one, a later one sees it.
   */
  recordOutcomes(items: ReadonlyArray<SessionOutcome>, nowMs: number): Promise<void>;
  close(): Promise<void>;
}

export function emptySession(nowMs: number): SessionState {
  return { adsHeard: 0, recentOutcomes: [], lastGenres: [], lastScenario: 'unknown', updatedMs: nowMs };
}

/** Genres travel without the separator the Redis adapter uses. */
export function cleanGenre(genre: string): string {
  return genre.replace(/\s+/g, ' ').trim().toLowerCase();
}

export function applyContext(s: SessionState, u: ContextUpdate, nowMs: number): SessionState {
  const genre = cleanGenre(u.genre);
  let lastGenres = s.lastGenres;
  if (genre && lastGenres[lastGenres.length - 1] !== genre) {
    lastGenres = [...lastGenres, genre].slice(-RECENT_GENRES);
  }
  return { ...s, lastGenres, lastScenario: u.scenario, updatedMs: nowMs };
}

export function applyOutcome(s: SessionState, o: OutcomeUpdate, nowMs: number): SessionState {
  const mark: AdOutcome | null = o.skipped ? 'skip' : o.completed ? 'complete' : null;
  return {
    ...s,
    adsHeard: s.adsHeard + (o.served ? 1 : 0),
    recentOutcomes: mark ? [...s.recentOutcomes, mark].slice(-RECENT_OUTCOMES) : s.recentOutcomes,
    updatedMs: nowMs,
  };
}

export interface MemorySessionStoreOptions {
  ttlMs: number;
  /** Sessions kept at most; the least recently used goes first. */
  maxSessions?: number;
}

export const DEFAULT_MAX_SESSIONS = 100_000;

/** In-process adapter: a Map in LRU order (oldest first) with expiry times. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, { state: SessionState; expiresMs: number }>();
  private readonly ttlMs: number;
  private readonly maxSessions: number;

  constructor(opts: MemorySessionStoreOptions) {
    this.ttlMs = opts.ttlMs;
    this.maxSessions = Math.max(1, opts.maxSessions ?? DEFAULT_MAX_SESSIONS);
  }

  get size(): number {
    return this.sessions.size;
  }

  async get(sessionId: string, nowMs: number): Promise<SessionState | null> {
    return this.live(sessionId, nowMs);
  }

  async recordContext(sessionId: string, update: ContextUpdate, nowMs: number): Promise<void> {
    this.put(
      sessionId,
      applyContext(this.live(sessionId, nowMs) ?? emptySession(nowMs), update, nowMs),
      nowMs,
    );
  }

  async assessSession(sessionId: string, update: AssessUpdate, nowMs: number): Promise<SessionState | null> {
    const before = this.live(sessionId, nowMs);
    const scenario = assessedScenario(before, update, nowMs);
    this.put(
      sessionId,
      applyContext(before ?? emptySession(nowMs), { genre: update.genre, scenario }, nowMs),
      nowMs,
    );
    return before;
  }

  async recordOutcome(sessionId: string, outcome: OutcomeUpdate, nowMs: number): Promise<SessionState> {
    return this.recordNow(sessionId, outcome, nowMs);
  }

  async recordOutcomes(items: ReadonlyArray<SessionOutcome>, nowMs: number): Promise<void> {
    for (const i of items) this.recordNow(i.sessionId, i.outcome, nowMs);
  }

  async close(): Promise<void> {
    this.sessions.clear();
  }

  private recordNow(sessionId: string, outcome: OutcomeUpdate, nowMs: number): SessionState {
    const next = applyOutcome(this.live(sessionId, nowMs) ?? emptySession(nowMs), outcome, nowMs);
    this.put(sessionId, next, nowMs);
    return next;
  }

  /** The live state (its entry moved to most recently used), or null (an expired entry is dropped). */
  private live(sessionId: string, nowMs: number): SessionState | null {
    const entry = this.sessions.get(sessionId);
    if (!entry) return null;
    this.sessions.delete(sessionId);
    if (entry.expiresMs <= nowMs) return null;
    this.sessions.set(sessionId, entry);
    return entry.state;
  }

  /**
   * Writes the state as the most recently used. Every caller reads the
   * session with live() first, in the same synchronous step, so an entry
   * still there is already the most recently used: it is updated in place.
   */
  private put(sessionId: string, state: SessionState, nowMs: number): void {
    const entry = this.sessions.get(sessionId);
    if (entry) {
      entry.state = state;
      entry.expiresMs = nowMs + this.ttlMs;
      return;
    }
    this.sessions.set(sessionId, { state, expiresMs: nowMs + this.ttlMs });
    while (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
  }
}
