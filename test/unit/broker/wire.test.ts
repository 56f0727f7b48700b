import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { DecideRequest__Output } from '../../../proto/gen/parley/v1/DecideRequest';
import type { OutcomeReport__Output } from '../../../proto/gen/parley/v1/OutcomeReport';
import type { Decision } from '../../../services/broker/negotiation';
import {
  decideRequestFromWire,
  decisionToWire,
  effectiveDeadline,
  MAX_FUTURE_SKEW_MS,
  outcomeFromWire,
} from '../../../services/broker/wire';
import { statusOf } from '../../../services/common/grpc/errors';
import { cand, wireDecide, wireOutcome } from './fakes';

function fieldError(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (err) {
    return { code: statusOf(err), message: (err as Error).message };
  }
  throw new Error('expected an error');
}

const signals = wireDecide().signals!;
const slot = wireDecide().slot!;

describe('DecideRequest validation', () => {
  it('accepts a good request and converts it', () => {
    const d = decideRequestFromWire(
      wireDecide({ excluded_advertisers: ['acme'], excluded_categories: ['gambling'], deadline_ms: 80 }),
    );
    expect(d).toMatchObject({
      requestId: 'req-1',
      slot: { slotId: 'slot-1', position: 'mid', maxAds: 2, maxTotalDurationMs: 30_000 },
      excludedAdvertisers: ['acme'],
      excludedCategories: ['gambling'],
      deadlineMs: 80,
    });
    expect(d.signals).toMatchObject({
      sessionId: 'sess-1',
      country: 'SE',
      activityHint: 'commute',
      trackGenre: 'pop',
    });
  });

  const bad: Array<[string, Partial<DecideRequest__Output>]> = [
    ['request_id', { request_id: '' }],
    ['request_id', { request_id: 'x'.repeat(129) }],
    ['request_id', { request_id: 'has space' }],
    ['slot', { slot: null }],
    ['slot.slot_id', { slot: { ...slot, slot_id: '' } }],
    ['slot.position', { slot: { ...slot, position: 'POSITION_UNSPECIFIED' } }],
    ['slot.max_ads', { slot: { ...slot, max_ads: 0 } }],
    ['slot.max_ads', { slot: { ...slot, max_ads: 7 } }],
    ['slot.max_total_duration_ms', { slot: { ...slot, max_total_duration_ms: 999 } }],
    ['signals', { signals: null }],
    ['signals.session_id', { signals: { ...signals, session_id: '' } }],
    ['signals.device', { signals: { ...signals, device: 99 as never } }],
    ['signals.local_time', { signals: { ...signals, local_time: 'yesterday' } }],
    ['signals.country', { signals: { ...signals, country: 'se' } }],
    ['signals.track_genre', { signals: { ...signals, track_genre: 'x'.repeat(65) } }],
    ['signals.recent_skips', { signals: { ...signals, recent_skips: 5000 } }],
    ['signals.activity_hint', { signals: { ...signals, activity_hint: 42 as never } }],
    ['excluded_advertisers', { excluded_advertisers: Array.from({ length: 101 }, (_, i) => `a${i}`) }],
    ['excluded_advertisers[1]', { excluded_advertisers: ['ok', ''] }],
    ['excluded_categories', { excluded_categories: Array.from({ length: 101 }, (_, i) => `c${i}`) }],
    ['excluded_categories[0]', { excluded_categories: ['bad category'] }],
    ['deadline_ms', { deadline_ms: 60_001 }],
  ];
  it.each(bad)('rejects a bad %s with INVALID_ARGUMENT naming it', (field, over) => {
    const err = fieldError(() => decideRequestFromWire(wireDecide(over)));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.message.startsWith(`${field}:`)).toBe(true);
  });
});

describe('effective deadline', () => {
  it('takes the sooner of the gRPC deadline and deadline_ms', () => {
    expect(effectiveDeadline(1000, 1500, 100, 77)).toBe(1100);
    expect(effectiveDeadline(1000, 1050, 100, 77)).toBe(1050);
    expect(effectiveDeadline(1000, Number.POSITIVE_INFINITY, 100, 77)).toBe(1100);
    expect(effectiveDeadline(1000, 1300, 0, 77)).toBe(1300);
  });
  it('uses the default when neither is set', () => {
    expect(effectiveDeadline(1000, Number.POSITIVE_INFINITY, 0, 77)).toBe(1077);
  });
});

describe('OutcomeReport validation', () => {
  const NOW = Date.UTC(2026, 10, 27, 8);

  it('accepts a good report; occurred_at_ms 0 means now', () => {
    expect(outcomeFromWire(wireOutcome(), NOW)).toEqual({
      idempotencyKey: 'idem-1',
      requestId: 'req-1',
      reservationId: 'res-1',
      creativeId: 'cr-1',
      sessionId: 'sess-1',
      event: 'impression',
      skipOffsetMs: 0,
      occurredAtMs: NOW,
    });
    const skip = outcomeFromWire(
      wireOutcome({
        event: 'OUTCOME_EVENT_SKIP',
        reservation_id: '',
        skip_offset_ms: 4000,
        occurred_at_ms: NOW - 5,
      }),
      NOW,
    );
    expect(skip).toMatchObject({
      event: 'skip',
      skipOffsetMs: 4000,
      reservationId: '',
      occurredAtMs: NOW - 5,
    });
  });

  const bad: Array<[string, Partial<OutcomeReport__Output>]> = [
    ['idempotency_key', { idempotency_key: '' }],
    ['idempotency_key', { idempotency_key: 'k'.repeat(129) }],
    ['event', { event: 'OUTCOME_EVENT_UNSPECIFIED' }],
    ['event', { event: 9 as never }],
    ['reservation_id', { reservation_id: 'has space' }],
    ['reservation_id', { event: 'OUTCOME_EVENT_CLICK', reservation_id: 'bad id' }],
    ['creative_id', { creative_id: '' }],
    ['request_id', { request_id: 'no spaces please' }],
    ['session_id', { session_id: 's'.repeat(200) }],
    ['skip_offset_ms', { event: 'OUTCOME_EVENT_COMPLETE', skip_offset_ms: 10 }],
    ['skip_offset_ms', { event: 'OUTCOME_EVENT_SKIP', skip_offset_ms: 500_000 }],
    ['occurred_at_ms', { occurred_at_ms: -1 }],
    ['occurred_at_ms', { occurred_at_ms: NOW + MAX_FUTURE_SKEW_MS + 1 }],
  ];
  it.each(bad)('rejects a bad %s with INVALID_ARGUMENT naming it', (field, over) => {
    const err = fieldError(() => outcomeFromWire(wireOutcome(over), NOW));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.message.startsWith(`${field}:`)).toBe(true);
  });
});

describe('DecideResponse', () => {
  it('carries placements, reasons, the explanation and degraded parts in wire form', () => {
    const d: Decision = {
      requestId: 'req-1',
      placements: [
        {
          podPosition: 0,
          candidate: cand('a', { tier: 'sponsorship' }),
          reservationId: 'res-a',
          priceMicros: 20_000,
          terms: { terms: { listener: 0.5, advertiser: 0.4, platform: 0.6 }, utility: 1.5 },
          propensity: 0.9,
        },
      ],
      noAd: false,
      noAdReasons: [],
      explanation: {
        terms: { listener: 0.5, advertiser: 0.4, platform: 0.6 },
        utility: 1.5,
        rounds: 2,
        scenario: 'workout',
        explored: false,
        agents: new Map([
          [
            'context',
            { modelVersion: 'c', elapsedMs: 1.234, calls: 1, degraded: true, fallback: 'default snapshot' },
          ],
          ['inventory', { modelVersion: 'i', elapsedMs: 2, calls: 2, degraded: false, fallback: '' }],
        ]),
        traceId: 't',
        runnersUp: [{ creativeId: 'b', reason: 'REASON_OUTRANKED', detail: 'lower' }],
        summary: 'one line',
        candidatesConsidered: 7,
      },
      degraded: ['context', 'objective'],
    };
    const w = decisionToWire(d);
    expect(w.ads).toEqual([
      {
        pod_position: 0,
        creative_id: 'a',
        campaign_id: 'camp-a',
        advertiser_id: 'adv-a',
        category: 'retail',
        duration_ms: 15_000,
        price_micros: 20_000,
        reservation_id: 'res-a',
        audio_url: 'https://cdn.example/a.mp3',
        tier: 'sponsorship',
        propensity: 0.9,
      },
    ]);
    expect(w.degraded).toEqual(['context', 'objective']);
    expect(w.why?.terms).toEqual({ listener: 0.5, advertiser: 0.4, platform: 0.6 });
    expect(w.why?.agents).toEqual({
      context: {
        model_version: 'c',
        elapsed_ms: 1.23,
        calls: 1,
        degraded: true,
        fallback: 'default snapshot',
      },
      inventory: { model_version: 'i', elapsed_ms: 2, calls: 2, degraded: false, fallback: '' },
    });
    expect(w.why).toMatchObject({
      utility: 1.5,
      rounds: 2,
      scenario: 'SCENARIO_WORKOUT',
      runners_up: [{ creative_id: 'b', reason: 'REASON_OUTRANKED', detail: 'lower' }],
      candidates_considered: 7,
      trace_id: 't',
      explored: false,
    });
  });
});
