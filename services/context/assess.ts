/**
 * The context agent's rules (model `context-rules-v1`): from real-time
 * signals and the session's rolling state to a snapshot — scenario, focus
 * level, receptiveness, skip risk and a fixed-length feature vector.
 *
 * Pure: the same signals, session state and `nowMs` give the same snapshot.
 */
import { type Device, SCENARIOS, type Scenario, type Signals, type Snapshot } from '../common/domain/types';
import type { SessionState } from './session-store';

export const CONTEXT_MODEL_VERSION = 'context-rules-v1';

/** How long an earlier scenario is kept when the signals say nothing new. */
export const SCENARIO_STICKY_MS = 20 * 60_000;

/** Genres normalised lately: an assessment normalises the same one several times. */
const normalised = new Map<string, string>();
const MAX_NORMALISED = 1024;

/** Genre names compared without case, spaces or punctuation ("Hip-Hop" = "hiphop"). */
export function normGenre(g: string): string {
  let n = normalised.get(g);
  if (n === undefined) {
    n = g.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (normalised.size >= MAX_NORMALISED) normalised.clear();
    normalised.set(g, n);
  }
  return n;
}

const set = (...g: string[]) => new Set(g);
export const GENRES = {
  workout: set(
    'edm',
    'hiphop',
    'rap',
    'trap',
    'dance',
    'electronic',
    'techno',
    'drumandbass',
    'dnb',
    'metal',
    'workout',
  ),
  focus: set('lofi', 'classical', 'instrumental', 'piano', 'soundtrack', 'study', 'focus', 'jazz'),
  sleep: set('ambient', 'sleep', 'whitenoise', 'newage', 'drone'),
  party: set('party', 'dance', 'edm', 'pop', 'reggaeton', 'house', 'disco', 'latin', 'hiphop', 'dancehall'),
  relax: set(
    'acoustic',
    'chill',
    'chillout',
    'soul',
    'folk',
    'indie',
    'rnb',
    'lounge',
    'jazz',
    'ambient',
    'lofi',
  ),
};

/** Monday..Friday (day of week 0 = Sunday, in the listener's local time). */
function isWeekday(day: number): boolean {
  return day >= 1 && day <= 5;
}

/** Friday or Saturday evening, or the small hours after them. */
function isPartyNight(hour: number, day: number): boolean {
  return ((day === 5 || day === 6) && hour >= 20) || ((day === 6 || day === 0) && hour < 4);
}

function isLate(hour: number): boolean {
  return hour >= 22 || hour < 5;
}

/**
 * The scenario, first rule that matches:
 * 1. the app's activity hint, when given;
 * 2. in a car → commute;
 * 3. late (22–5h) with sleep music (ambient…) → sleep;
 * 4. Fri/Sat night with party music → party;
 * 5. workout music on a wearable, or on mobile at 5–10h / 17–21h → workout;
 * 6. focus music (lofi, classical…) on desktop at 9–17h → focus;
 * 7. mobile on a weekday at 7–9h / 16–19h → commute;
 * 8. smart speaker or TV at 8–21h → chores;
 * 9. late with relaxed music → relax;
 * 10. the session's previous scenario, if assessed in the last 20 minutes;
 * 11. relaxed music → relax; otherwise unknown.
 */
export function inferScenario(s: Signals, session: SessionState | null, nowMs: number): Scenario {
  return (
    scenarioFromSignals(s) ??
    (isSticky(session, nowMs) ? (session as SessionState).lastScenario : fallbackScenario(s))
  );
}

/** Rule 10: the session's previous scenario still holds. */
function isSticky(session: SessionState | null, nowMs: number): boolean {
  return !!session && session.lastScenario !== 'unknown' && nowMs - session.updatedMs <= SCENARIO_STICKY_MS;
}

/**
 * Rules 1-9 of inferScenario: the scenario the signals alone decide, or
 * null when the session's previous scenario may apply (rule 10).
 */
export function scenarioFromSignals(s: Signals): Scenario | null {
  if (s.activityHint !== 'unknown') return s.activityHint;
  const { hour, dayOfWeek: day } = s.localTime;
  const genre = normGenre(s.trackGenre);
  const device: Device = s.device;
  if (device === 'car') return 'commute';
  if (isLate(hour) && GENRES.sleep.has(genre)) return 'sleep';
  if (isPartyNight(hour, day) && GENRES.party.has(genre)) return 'party';
  if (
    GENRES.workout.has(genre) &&
    (device === 'wearable' ||
      (device === 'mobile' && ((hour >= 5 && hour < 10) || (hour >= 17 && hour < 21))))
  ) {
    return 'workout';
  }
  if (GENRES.focus.has(genre) && device === 'desktop' && hour >= 9 && hour < 17) return 'focus';
  if (device === 'mobile' && isWeekday(day) && ((hour >= 7 && hour < 9) || (hour >= 16 && hour < 19))) {
    return 'commute';
  }
  if ((device === 'smart_speaker' || device === 'tv') && hour >= 8 && hour < 21) return 'chores';
  if (isLate(hour) && GENRES.relax.has(genre)) return 'relax';
  return null;
}

/** Rule 11: the scenario when neither the signals nor the session decide. */
export function fallbackScenario(s: Signals): Scenario {
  return GENRES.relax.has(normGenre(s.trackGenre)) ? 'relax' : 'unknown';
}

const FOCUS_BASE: Record<Scenario, number> = {
  focus: 0.85,
  commute: 0.45,
  relax: 0.4,
  workout: 0.35,
  chores: 0.3,
  party: 0.2,
  sleep: 0.1,
  unknown: 0.4,
};

const RECEPTIVENESS_BASE: Record<Scenario, number> = {
  relax: 0.7,
  commute: 0.65,
  chores: 0.6,
  workout: 0.5,
  party: 0.45,
  focus: 0.3,
  sleep: 0.15,
  unknown: 0.5,
};

/** Added to the skip-risk logit: some moments make any ad more unwelcome. */
const SKIP_OFFSET: Record<Scenario, number> = {
  sleep: 0.7,
  focus: 0.5,
  party: 0.3,
  workout: 0.2,
  commute: 0,
  unknown: 0,
  chores: -0.1,
  relax: -0.2,
};

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** What the session says about this moment. */
export interface SessionSignals {
  adsHeard: number;
  adSkipRate: number;
  adCompleteRate: number;
  genreShift: boolean;
}

export function sessionSignals(s: Signals, session: SessionState | null): SessionSignals {
  const outcomes = session?.recentOutcomes ?? [];
  let skips = 0;
  for (const o of outcomes) if (o === 'skip') skips++;
  const n = outcomes.length;
  const current = normGenre(s.trackGenre);
  const previous = normGenre(s.previousGenre || (session?.lastGenres[session.lastGenres.length - 1] ?? ''));
  return {
    adsHeard: session?.adsHeard ?? 0,
    adSkipRate: n ? skips / n : 0,
    adCompleteRate: n ? (n - skips) / n : 0,
    genreShift: current !== '' && previous !== '' && current !== previous,
  };
}

export function focusLevel(s: Signals, scenario: Scenario): number {
  let f = FOCUS_BASE[scenario];
  if (s.device === 'desktop') f += 0.1;
  if (s.playlistKind === 'podcast') f += 0.15; // spoken content holds attention
  return clamp(f, 0, 1);
}

export function receptiveness(s: Signals, scenario: Scenario, ss: SessionSignals): number {
  const r =
    RECEPTIVENESS_BASE[scenario] -
    0.06 * Math.min(ss.adsHeard, 8) -
    0.15 * ss.adSkipRate +
    0.1 * ss.adCompleteRate -
    0.03 * Math.min(s.recentSkips, 5);
  return clamp(r, 0.05, 0.95);
}

/**
 * Prior probability of skipping an ad now: rises with track skips in the
 * last ten minutes, a genre shift, ads already heard and earlier ad skips in
 * the session; falls with earlier completions.
 */
export function skipRisk(s: Signals, scenario: Scenario, ss: SessionSignals): number {
  const z =
    -1.4 +
    SKIP_OFFSET[scenario] +
    0.3 * Math.min(s.recentSkips, 6) +
    (ss.genreShift ? 0.6 : 0) +
    0.15 * Math.min(ss.adsHeard, 10) +
    1.2 * ss.adSkipRate -
    0.6 * ss.adCompleteRate;
  return sigmoid(z);
}

const FEATURE_DEVICES: readonly Device[] = ['mobile', 'desktop', 'smart_speaker', 'car', 'tv', 'wearable'];

/**
 * The snapshot's feature vector, in this order (length CONTEXT_FEATURES.length):
 * a one-hot of the scenario, the local hour on a circle, weekend, a one-hot of
 * the device, the three scores, then the session and content signals.
 * Counts are capped and scaled to [0, 1].
 */
export const CONTEXT_FEATURES = [
  ...SCENARIOS.map((s) => `scenario_${s}`),
  'hour_sin',
  'hour_cos',
  'weekend',
  ...FEATURE_DEVICES.map((d) => `device_${d}`),
  'focus_level',
  'receptiveness',
  'skip_risk',
  'recent_skips', // min(n, 10) / 10
  'genre_shift',
  'ads_heard', // min(n, 10) / 10
  'ad_skip_rate',
  'ad_complete_rate',
  'explicit_content',
  'playlist_podcast',
  'activity_hint_given',
] as const;

export function assessContext(s: Signals, session: SessionState | null, nowMs: number): Snapshot {
  const scenario = inferScenario(s, session, nowMs);
  const ss = sessionSignals(s, session);
  const focus = focusLevel(s, scenario);
  const recept = receptiveness(s, scenario, ss);
  const risk = skipRisk(s, scenario, ss);
  const angle = (2 * Math.PI * s.localTime.hour) / 24;
  const day = s.localTime.dayOfWeek;
  const features: number[] = [];
  for (const x of SCENARIOS) features.push(x === scenario ? 1 : 0);
  features.push(Math.sin(angle), Math.cos(angle), day === 0 || day === 6 ? 1 : 0);
  for (const d of FEATURE_DEVICES) features.push(d === s.device ? 1 : 0);
  features.push(
    focus,
    recept,
    risk,
    Math.min(s.recentSkips, 10) / 10,
    ss.genreShift ? 1 : 0,
    Math.min(ss.adsHeard, 10) / 10,
    ss.adSkipRate,
    ss.adCompleteRate,
    s.explicitContent ? 1 : 0,
    s.playlistKind === 'podcast' ? 1 : 0,
    s.activityHint !== 'unknown' ? 1 : 0,
  );
  return {
    scenario,
    focusLevel: focus,
    receptiveness: recept,
    skipRisk: risk,
    features,
    modelVersion: CONTEXT_MODEL_VERSION,
    sessionAdsHeard: ss.adsHeard,
    isDefault: false,
  };
}
