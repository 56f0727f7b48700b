import { describe, expect, it } from 'vitest';
import type { Scenario, Signals } from '../../../services/common/domain/types';
import { SCENARIOS } from '../../../services/common/domain/types';
import { localTime } from '../../../services/common/wire/validate';
import {
  assessContext,
  CONTEXT_FEATURES,
  CONTEXT_MODEL_VERSION,
  inferScenario,
} from '../../../services/context/assess';
import { emptySession, type SessionState } from '../../../services/context/session-store';

const NOW = Date.parse('2026-06-10T08:00:00Z');

/** Signals at a local time such as "2026-06-12T23:30:00+02:00" (2026-06-12 is a Friday). */
function at(time: string, o: Partial<Signals> = {}): Signals {
  return {
    sessionId: 's1',
    device: 'mobile',
    localTime: localTime(time, 'local_time'),
    trackGenre: 'pop',
    previousGenre: '',
    recentSkips: 0,
    playlistKind: 'editorial',
    activityHint: 'unknown',
    explicitContent: false,
    country: 'SE',
    content: null,
    ...o,
  };
}

function session(o: Partial<SessionState> = {}): SessionState {
  return { ...emptySession(NOW), ...o };
}

describe('scenario', () => {
  const cases: Array<[string, Signals, Scenario]> = [
    ['the activity hint wins', at('2026-06-10T23:00:00+02:00', { activityHint: 'chores' }), 'chores'],
    ['edm at 7h on mobile', at('2026-06-10T07:00:00+02:00', { trackGenre: 'edm' }), 'workout'],
    [
      'hip-hop on a wearable at noon',
      at('2026-06-10T12:00:00+02:00', { trackGenre: 'Hip-Hop', device: 'wearable' }),
      'workout',
    ],
    [
      'lofi on desktop at 10h',
      at('2026-06-10T10:00:00+02:00', { trackGenre: 'lofi', device: 'desktop' }),
      'focus',
    ],
    [
      'classical on desktop at 16h',
      at('2026-06-10T16:30:00+02:00', { trackGenre: 'classical', device: 'desktop' }),
      'focus',
    ],
    ['anything in a car', at('2026-06-10T13:00:00+02:00', { device: 'car', trackGenre: 'lofi' }), 'commute'],
    ['ambient late', at('2026-06-10T23:30:00+02:00', { trackGenre: 'ambient' }), 'sleep'],
    ['party music on Friday night', at('2026-06-12T23:30:00+02:00', { trackGenre: 'reggaeton' }), 'party'],
    [
      'party music in the small hours of Sunday',
      at('2026-06-14T01:30:00+02:00', { trackGenre: 'edm' }),
      'party',
    ],
    ['pop on mobile in the weekday rush hour', at('2026-06-10T08:10:00+02:00'), 'commute'],
    ['smart speaker in the day', at('2026-06-13T11:00:00+02:00', { device: 'smart_speaker' }), 'chores'],
    ['acoustic late', at('2026-06-10T23:00:00+02:00', { trackGenre: 'acoustic' }), 'relax'],
    [
      'nothing to go on',
      at('2026-06-13T14:00:00+02:00', { device: 'desktop', trackGenre: 'rock' }),
      'unknown',
    ],
  ];

  it.each(cases)('%s', (_name, s, expected) => {
    expect(inferScenario(s, null, NOW)).toBe(expected);
  });

  it('keeps the session scenario when the signals say nothing new, for a while', () => {
    const s = at('2026-06-13T14:00:00+02:00', { device: 'desktop', trackGenre: 'rock' });
    const recent = session({ lastScenario: 'workout', updatedMs: NOW - 60_000 });
    expect(inferScenario(s, recent, NOW)).toBe('workout');
    const stale = session({ lastScenario: 'workout', updatedMs: NOW - 3_600_000 });
    expect(inferScenario(s, stale, NOW)).toBe('unknown');
  });
});

describe('skip risk and receptiveness', () => {
  const base = at('2026-06-10T12:00:00+02:00', {
    device: 'desktop',
    trackGenre: 'rock',
    previousGenre: 'rock',
  });
  const risk = (s: Signals, ss: SessionState | null = null) => assessContext(s, ss, NOW).skipRisk;

  it('rises with recent track skips', () => {
    expect(risk({ ...base, recentSkips: 4 })).toBeGreaterThan(risk(base) + 0.1);
  });

  it('rises with a genre shift, from the signals or the session', () => {
    expect(risk({ ...base, previousGenre: 'classical' })).toBeGreaterThan(risk(base));
    const shifted = { ...base, previousGenre: '' };
    expect(risk(shifted, session({ lastGenres: ['jazz'] }))).toBeGreaterThan(
      risk(shifted, session({ lastGenres: ['rock'] })),
    );
  });

  it('rises with ads already heard and earlier ad skips, falls with completions', () => {
    expect(risk(base, session({ adsHeard: 5 }))).toBeGreaterThan(risk(base, session({ adsHeard: 0 })));
    const skipper = session({ adsHeard: 3, recentOutcomes: ['skip', 'skip', 'skip'] });
    const finisher = session({ adsHeard: 3, recentOutcomes: ['complete', 'complete', 'complete'] });
    expect(risk(base, skipper)).toBeGreaterThan(risk(base, finisher) + 0.2);
  });

  it('makes a listener less receptive after many ads', () => {
    const fresh = assessContext(base, session(), NOW).receptiveness;
    const tired = assessContext(base, session({ adsHeard: 6 }), NOW).receptiveness;
    expect(tired).toBeLessThan(fresh - 0.2);
  });

  it('keeps every score in [0, 1] even for extreme sessions', () => {
    const extreme = session({ adsHeard: 1000, recentOutcomes: Array(10).fill('skip') });
    const snap = assessContext({ ...base, recentSkips: 1000, previousGenre: 'x' }, extreme, NOW);
    for (const v of [snap.skipRisk, snap.receptiveness, snap.focusLevel]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('is more focused on a desktop at work than at a party', () => {
    const focus = assessContext(
      at('2026-06-10T10:00:00+02:00', { trackGenre: 'lofi', device: 'desktop' }),
      null,
      NOW,
    );
    const party = assessContext(at('2026-06-12T23:30:00+02:00', { trackGenre: 'pop' }), null, NOW);
    expect(focus.focusLevel).toBeGreaterThan(party.focusLevel + 0.3);
  });
});

describe('snapshot', () => {
  it('has a fixed-length feature vector in the documented order', () => {
    const s = at('2026-06-10T07:00:00+02:00', { trackGenre: 'edm', recentSkips: 5 });
    const snap = assessContext(s, session({ adsHeard: 2 }), NOW);
    expect(snap.features).toHaveLength(CONTEXT_FEATURES.length);
    const f = (name: (typeof CONTEXT_FEATURES)[number]) => snap.features[CONTEXT_FEATURES.indexOf(name)];
    expect(f('scenario_workout')).toBe(1);
    expect(SCENARIOS.filter((x) => f(`scenario_${x}` as never) === 1)).toEqual(['workout']);
    expect(f('device_mobile')).toBe(1);
    expect(f('skip_risk')).toBe(snap.skipRisk);
    expect(f('recent_skips')).toBe(0.5);
    expect(f('ads_heard')).toBe(0.2);
    expect(snap).toMatchObject({ modelVersion: CONTEXT_MODEL_VERSION, sessionAdsHeard: 2, isDefault: false });
  });
});
