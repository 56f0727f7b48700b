/**
 * The benchmark's traffic: valid DecideRequests with varied signals (content
 * signals included, so the brand-safety agent has something to judge), drawn
 * from a seeded RNG. Session ids come from a large pool so frequency caps
 * never starve fill; request ids are unique per request. For a served
 * decision, the outcome reports an ad server would send: per ad an
 * impression, then a skip or a completion.
 */
import type { DecideRequest } from '../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse__Output } from '../proto/gen/parley/v1/DecideResponse';
import type { ListenerSignals } from '../proto/gen/parley/v1/ListenerSignals';
import type { OutcomeReport } from '../proto/gen/parley/v1/OutcomeReport';
import { hashSeed, type Rng, seededRng } from '../services/common/rng';
import { formatLocalTime } from '../services/common/wire/common';

/** Values the catalogue generator targets too (bench/catalogue.ts). */
export const COUNTRIES = ['SE', 'US', 'GB', 'DE', 'FR', 'BR'] as const;
export const GENRES = [
  'pop',
  'rock',
  'hip-hop',
  'electronic',
  'jazz',
  'classical',
  'indie',
  'podcast',
] as const;
const DEVICES = [
  'DEVICE_MOBILE',
  'DEVICE_DESKTOP',
  'DEVICE_SMART_SPEAKER',
  'DEVICE_CAR',
  'DEVICE_TV',
] as const;
const PLAYLISTS = [
  'PLAYLIST_KIND_EDITORIAL',
  'PLAYLIST_KIND_USER',
  'PLAYLIST_KIND_ALGORITHMIC',
  'PLAYLIST_KIND_RADIO',
  'PLAYLIST_KIND_ALBUM',
] as const;
const HINTS = [
  'SCENARIO_UNSPECIFIED',
  'SCENARIO_UNSPECIFIED',
  'SCENARIO_WORKOUT',
  'SCENARIO_COMMUTE',
  'SCENARIO_FOCUS',
  'SCENARIO_RELAX',
  'SCENARIO_PARTY',
] as const;
const OFFSETS_MIN = [-300, 0, 60, 120, -180] as const;
/** Podcast topics and the brand-safety risks their episodes carry (what a content classifier would send). */
const PODCAST_CONTENT = [
  { topics: ['comedy'], risks: [] },
  { topics: ['true-crime'], risks: [{ category: 'SAFETY_CATEGORY_CRIME', level: 'RISK_LEVEL_HIGH' }] },
  {
    topics: ['news', 'politics'],
    risks: [{ category: 'SAFETY_CATEGORY_SOCIAL_ISSUES', level: 'RISK_LEVEL_MEDIUM' }],
  },
  {
    topics: ['health'],
    risks: [{ category: 'SAFETY_CATEGORY_DRUGS_ALCOHOL_TOBACCO', level: 'RISK_LEVEL_MEDIUM' }],
  },
  { topics: ['business'], risks: [] },
] as const;

/** What the listener hears: a podcast episode's topics and risks, or a track (its explicit flag says the rest). */
function contentOf(genre: string, rng: Rng): ListenerSignals['content'] {
  if (genre !== 'podcast') return { kind: 'CONTENT_KIND_MUSIC' };
  const c = pick(rng, PODCAST_CONTENT);
  return { kind: 'CONTENT_KIND_PODCAST', topics: [...c.topics], risks: [...c.risks] };
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)] as T;
}

export interface Workload {
  /** The n-th request (0-based): unique request id, a session from the pool. */
  request(n: number): DecideRequest;
  /**
   * The outcome reports of an answered request: per ad an impression, then
   * a skip (with SKIP_SHARE, at a seeded offset) or a completion. Seeded by
   * the request id, so the same answer always gives the same reports.
   */
  outcomes(req: DecideRequest, res: DecideResponse__Output): OutcomeReport[];
}

/** Share of ads the benchmark's listeners skip. */
export const SKIP_SHARE = 0.3;

export interface WorkloadOptions {
  seed: number;
  /** Prefix of request ids, unique per phase so ids never repeat across phases. */
  tag: string;
  /** Distinct listener sessions the requests spread over. */
  sessions: number;
  deadlineMs: number;
  nowMs: number;
}

/**
 * A workload: a pool of pre-built signal/slot variants (so generating a
 * request costs the load generator almost nothing) combined with a fresh
 * request id and a session id per request.
 */
export function createWorkload(opts: WorkloadOptions): Workload {
  const rng = seededRng(opts.seed);
  // Content from a stream of its own, so adding it left the other signals as they were.
  const contentRng = seededRng(opts.seed ^ 0xc0_47e7);
  const variants: Array<{ signals: ListenerSignals; maxDurationMs: number; position: string }> = [];
  const dayStart = Math.floor(opts.nowMs / 86_400_000) * 86_400_000;
  for (let i = 0; i < 1024; i++) {
    const offset = pick(rng, OFFSETS_MIN);
    const localMs = dayStart + Math.floor(rng.next() * 86_400) * 1000;
    const genre = pick(rng, GENRES);
    variants.push({
      signals: {
        device: pick(rng, DEVICES),
        local_time: formatLocalTime(localMs - offset * 60_000, offset),
        track_genre: genre,
        content: contentOf(genre, contentRng),
        previous_genre: pick(rng, GENRES),
        recent_skips: Math.floor(rng.next() * 4),
        playlist_kind: pick(rng, PLAYLISTS),
        activity_hint: pick(rng, HINTS),
        explicit_content: rng.next() < 0.1,
        country: pick(rng, COUNTRIES),
      },
      maxDurationMs: pick(rng, [30_000, 30_000, 60_000]),
      position: pick(rng, [
        'POSITION_PRE_ROLL',
        'POSITION_MID_ROLL',
        'POSITION_MID_ROLL',
        'POSITION_POST_ROLL',
      ]),
    });
  }
  const sessionRng = seededRng(opts.seed ^ 0x5eed);
  return {
    request(n) {
      const v = variants[n % variants.length]!;
      const session = Math.floor(sessionRng.next() * opts.sessions);
      return {
        request_id: `${opts.tag}-${n}`,
        slot: {
          slot_id: `slot-${n % 97}`,
          position: v.position as 'POSITION_MID_ROLL',
          max_ads: 1,
          max_total_duration_ms: v.maxDurationMs,
        },
        signals: { ...v.signals, session_id: `bench-session-${session}` },
        deadline_ms: opts.deadlineMs,
      };
    },
    outcomes(req, res) {
      const rng = seededRng(hashSeed(res.request_id) ^ opts.seed);
      const sessionId = req.signals?.session_id ?? '';
      const reports: OutcomeReport[] = [];
      for (const ad of res.ads) {
        const base = {
          request_id: res.request_id,
          reservation_id: ad.reservation_id,
          creative_id: ad.creative_id,
          session_id: sessionId,
        };
        const key = (kind: string) => `${res.request_id}:${ad.pod_position}:${kind}`;
        reports.push({ ...base, idempotency_key: key('impression'), event: 'OUTCOME_EVENT_IMPRESSION' });
        if (rng.next() < SKIP_SHARE) {
          const offset = 1000 + Math.floor(rng.next() * Math.max(1, ad.duration_ms * 0.7));
          reports.push({
            ...base,
            idempotency_key: key('skip'),
            event: 'OUTCOME_EVENT_SKIP',
            skip_offset_ms: offset,
          });
        } else {
          reports.push({ ...base, idempotency_key: key('complete'), event: 'OUTCOME_EVENT_COMPLETE' });
        }
      }
      return reports;
    },
  };
}
