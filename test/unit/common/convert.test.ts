import { describe, expect, it } from 'vitest';
import type { ContentSignals__Output } from '../../../proto/gen/parley/v1/ContentSignals';
import type { ListenerSignals__Output } from '../../../proto/gen/parley/v1/ListenerSignals';
import { statusOf } from '../../../services/common/grpc/errors';
import {
  formatLocalTime,
  signalsFromWire,
  signalsToWire,
  slotFromWire,
  slotToWire,
} from '../../../services/common/wire/common';

const wireSignals = (over: Partial<ListenerSignals__Output> = {}): ListenerSignals__Output => ({
  session_id: 'sess-1',
  device: 'DEVICE_MOBILE',
  local_time: '2026-11-27T07:30:00+01:00',
  track_genre: 'EDM',
  previous_genre: 'pop',
  recent_skips: 2,
  playlist_kind: 'PLAYLIST_KIND_EDITORIAL',
  activity_hint: 'SCENARIO_UNSPECIFIED',
  explicit_content: false,
  country: 'SE',
  content: null,
  listener_id: '',
  ...over,
});

function fieldError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(statusOf(err)).toBe(3); // INVALID_ARGUMENT
    return (err as Error).message;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('signals', () => {
  it('converts valid signals, keeping the local hour of the given offset', () => {
    const s = signalsFromWire(wireSignals());
    expect(s).toMatchObject({ sessionId: 'sess-1', device: 'mobile', trackGenre: 'edm', country: 'SE' });
    expect(s.localTime.hour).toBe(7);
    expect(s.localTime.offsetMinutes).toBe(60);
    expect(s.localTime.dayOfWeek).toBe(5); // a Friday
    expect(s.activityHint).toBe('unknown');
  });

  it('round-trips through the wire form', () => {
    const s = signalsFromWire(wireSignals({ local_time: '2026-03-01T23:05:00-05:30' }));
    expect(signalsFromWire(signalsToWire(s) as ListenerSignals__Output)).toEqual(s);
  });

  it('reads an optional pseudonymous listener id (brand-lift hold-outs key on it)', () => {
    expect(signalsFromWire(wireSignals()).listenerId).toBeUndefined();
    const s = signalsFromWire(wireSignals({ listener_id: 'lst-9f2c' }));
    expect(s.listenerId).toBe('lst-9f2c');
    expect(signalsFromWire(signalsToWire(s) as ListenerSignals__Output)).toEqual(s);
    expect(fieldError(() => signalsFromWire(wireSignals({ listener_id: 'has space' })))).toMatch(
      /^signals\.listener_id: only letters/,
    );
  });

  it.each([
    [{ session_id: '' }, 'signals.session_id: required'],
    [{ session_id: 'x'.repeat(129) }, 'signals.session_id: at most 128'],
    [{ session_id: 'has space' }, 'signals.session_id: only letters'],
    [{ device: 'DEVICE_UNSPECIFIED' as const }, 'signals.device: unknown or unspecified'],
    [{ device: 42 as unknown as 'DEVICE_MOBILE' }, 'signals.device: unknown or unspecified value 42'],
    [{ local_time: '07:30' }, 'signals.local_time: must be an RFC 3339'],
    [{ local_time: '2026-11-27T25:30:00Z' }, 'signals.local_time'],
    [{ country: 'sweden' }, 'signals.country: must be an ISO 3166-1'],
    [{ track_genre: 'a'.repeat(65) }, 'signals.track_genre: at most 64'],
    [{ track_genre: 'rock\u0000' }, 'signals.track_genre: control characters'],
  ] as Array<[Partial<ListenerSignals__Output>, string]>)('rejects %j naming the field', (over, message) => {
    expect(fieldError(() => signalsFromWire(wireSignals(over)))).toContain(message);
  });

  it('requires the message itself', () => {
    expect(fieldError(() => signalsFromWire(null))).toBe('signals: required');
  });
});

describe('content signals', () => {
  const content = (over: Partial<ContentSignals__Output> = {}): ContentSignals__Output => ({
    kind: 'CONTENT_KIND_PODCAST',
    content_id: 'ep-1',
    topics: ['true-crime', 'news'],
    risks: [{ category: 'SAFETY_CATEGORY_CRIME', level: 'RISK_LEVEL_HIGH' }],
    ...over,
  });

  it('converts, round-trips, and reads absent content as null', () => {
    const s = signalsFromWire(wireSignals({ content: content() }));
    expect(s.content).toEqual({
      kind: 'podcast',
      contentId: 'ep-1',
      topics: ['true-crime', 'news'],
      risks: { crime: 'high' },
    });
    expect(signalsFromWire(signalsToWire(s) as ListenerSignals__Output)).toEqual(s);
    expect(signalsFromWire(wireSignals()).content).toBeNull();
  });

  it.each([
    [
      { kind: 'CONTENT_KIND_VIDEO' },
      'signals.content.kind: unknown or unspecified value "CONTENT_KIND_VIDEO"',
    ],
    [{ topics: ['True Crime'] }, 'signals.content.topics[0]: lower-case words'],
    [{ topics: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'signals.content.topics: at most 10'],
    [{ content_id: 'has space' }, 'signals.content.content_id: only letters'],
    [
      { risks: [{ category: 'SAFETY_CATEGORY_UNSPECIFIED', level: 'RISK_LEVEL_LOW' }] },
      'signals.content.risks[0].category: unknown or unspecified',
    ],
    [
      { risks: [{ category: 'SAFETY_CATEGORY_ARMS', level: 'RISK_LEVEL_UNSPECIFIED' }] },
      'signals.content.risks[0].level: unknown or unspecified',
    ],
    [
      {
        risks: [
          { category: 'SAFETY_CATEGORY_ARMS', level: 'RISK_LEVEL_LOW' },
          { category: 'SAFETY_CATEGORY_ARMS', level: 'RISK_LEVEL_HIGH' },
        ],
      },
      'signals.content.risks[1].category: SAFETY_CATEGORY_ARMS is listed twice',
    ],
  ] as Array<[Partial<ContentSignals__Output>, string]>)('rejects %j naming the field', (over, message) => {
    expect(fieldError(() => signalsFromWire(wireSignals({ content: content(over) })))).toContain(message);
  });
});

describe('slot', () => {
  const wire = {
    slot_id: 'slot-1',
    position: 'POSITION_MID_ROLL',
    max_ads: 2,
    max_total_duration_ms: 60000,
  } as const;

  it('converts and round-trips', () => {
    const s = slotFromWire({ ...wire });
    expect(s).toEqual({ slotId: 'slot-1', position: 'mid', maxAds: 2, maxTotalDurationMs: 60000 });
    expect(slotFromWire(slotToWire(s) as typeof wire)).toEqual(s);
  });

  it.each([
    [{ max_ads: 0 }, 'slot.max_ads: must be an integer in [1, 6]'],
    [{ max_ads: 7 }, 'slot.max_ads'],
    [{ max_total_duration_ms: 500 }, 'slot.max_total_duration_ms'],
    [{ position: 'POSITION_UNSPECIFIED' }, 'slot.position'],
    [{ slot_id: '' }, 'slot.slot_id: required'],
  ])('rejects %j naming the field', (over, message) => {
    expect(fieldError(() => slotFromWire({ ...wire, ...over } as typeof wire))).toContain(message);
  });
});

describe('local time formatting', () => {
  it('formats in the listener offset', () => {
    const ms = Date.parse('2026-11-27T07:30:00+01:00');
    expect(formatLocalTime(ms, 60)).toBe('2026-11-27T07:30:00+01:00');
    expect(formatLocalTime(ms, 0)).toBe('2026-11-27T06:30:00Z');
    expect(formatLocalTime(ms, -330)).toBe('2026-11-27T01:00:00-05:30');
  });
});
