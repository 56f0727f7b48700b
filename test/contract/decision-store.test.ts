/**
 * One contract for both DecisionLog adapters (the embedded ring in the admin
 * service and the ring in Redis that brokers append to): newest first,
 * bounded to the configured size whatever the traffic, lookups of a record
 * that left the log answer null, and a record comes back exactly as it went
 * in.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type DecisionLog,
  type DecisionRecordData,
  EmbeddedDecisionLog,
} from '../../services/admin/decision-store';
import { RedisDecisionLog } from '../../services/admin/decision-store-redis';
import { loadConfig } from '../../services/common/config';
import { useTestRedis } from '../support/redis';

const redis = useTestRedis();

const PREFIX = 'parley-ct:';
/** The smallest size the configuration allows. */
const SIZE = loadConfig({ PARLEY_DECISION_LOG_SIZE: '10' }).admin.decisionLogSize;

interface Adapter {
  /** Two handles on one log (two brokers); the embedded log is one process, so the same log twice. */
  handles(size: number, prefix?: string): [DecisionLog, DecisionLog];
}
const adapters: Array<[string, Adapter]> = [
  [
    'embedded',
    {
      handles(size) {
        const log = new EmbeddedDecisionLog(size);
        return [log, log];
      },
    },
  ],
  [
    'redis',
    {
      handles(size, prefix = PREFIX) {
        return [
          new RedisDecisionLog(redis.client(), prefix, size),
          new RedisDecisionLog(redis.client(), prefix, size),
        ];
      },
    },
  ],
];

/** A full record: nested rounds, utility terms, applied overrides, a trace id. */
function record(requestId: string, atMs = 1_800_000_000_000): DecisionRecordData {
  const candidate = (id: string, price: number) => ({
    creative_id: id,
    campaign_id: `camp-${id}`,
    advertiser_id: `adv-${id}`,
    category: 'beverages',
    duration_ms: 30_000,
    price_micros: price,
    tier: 'standard',
    p_skip: 0.1 + 0.2,
    p_complete: 0.7,
    p_engage: 1e-9,
    policy_score: 0.5,
    audio_url: 'https://cdn.example/a.mp3?x=1&y="2"',
    separation_categories: ['beverages', 'soft-drinks'],
  });
  return {
    request_id: requestId,
    at_ms: atMs,
    broker: 'host-1/4242',
    request: {
      request_id: requestId,
      slot: { slot_id: 'slot-1', position: 'POSITION_MID_ROLL', max_ads: 2, max_total_duration_ms: 60_000 },
      signals: {
        session_id: 'sess-ünï',
        device: 'DEVICE_MOBILE',
        local_time: '2026-05-01T07:30:00+02:00',
        track_genre: 'edm',
        previous_genre: 'pop',
        recent_skips: 3,
        playlist_kind: 'PLAYLIST_KIND_EDITORIAL',
        activity_hint: 'SCENARIO_WORKOUT',
        explicit_content: false,
        country: 'SE',
        content: null,
      },
      excluded_advertisers: ['adv-x'],
      excluded_categories: [],
      deadline_ms: 80,
    },
    context: {
      scenario: 'SCENARIO_WORKOUT',
      focus_level: 0.25,
      receptiveness: 0.8125,
      skip_risk: 0.3333333333333333,
      features: [0, -1.5, 2.75, 1e-12],
      model_version: 'context-v3',
      session_ads_heard: 4,
      is_default: false,
    },
    rounds: [
      {
        round: 1,
        proposal_source: 'model',
        proposal_model_version: 'inv-v7',
        proposed: [candidate('cr-1', 12_345), candidate('cr-2', 9_000)],
        removed_by_proposers: [{ creative_id: 'cr-9', reason: 'REASON_FREQUENCY_CAP', detail: 'cap 3/day' }],
        screened: [
          {
            creative_id: 'cr-2',
            reason: 'REASON_OVERRIDE_BLOCKED',
            detail: 'advertiser adv-cr-2 is blocked',
          },
        ],
        guard: false,
        critiques: {
          objective: {
            verdicts: [
              {
                creative_id: 'cr-1',
                eligible: true,
                reason: 'REASON_UNSPECIFIED',
                detail: '',
                value: 0.42,
                pacing_multiplier: 1.1,
                goal: 'completion',
              },
            ],
            model_version: 'obj-v2',
          },
        },
      },
      {
        round: 2,
        proposal_source: 'fallback',
        proposal_model_version: 'inv-v7',
        proposed: [],
        removed_by_proposers: [],
        screened: [],
        guard: true,
        critiques: {},
      },
    ],
    scored: [
      {
        creative_id: 'cr-1',
        campaign_id: 'camp-cr-1',
        utility: -0.0625,
        boost: 2.5,
        pinned: true,
        terms: { listener: 0.1, advertiser: 0.42, platform: 0.012345 },
        lead_probability: 0.85,
      },
    ],
    response: {
      request_id: requestId,
      ads: [
        {
          pod_position: 0,
          creative_id: 'cr-1',
          campaign_id: 'camp-cr-1',
          advertiser_id: 'adv-cr-1',
          category: 'beverages',
          duration_ms: 30_000,
          price_micros: 12_345,
          reservation_id: `res-${requestId}`,
          audio_url: 'https://cdn.example/a.mp3',
          tier: 'standard',
          propensity: 0.85,
        },
      ],
      no_ad: false,
      no_ad_reasons: [],
      why: {
        utility: -0.0625,
        rounds: 2,
        scenario: 'SCENARIO_WORKOUT',
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        runners_up: [{ creative_id: 'cr-2', reason: 'REASON_OVERRIDE_BLOCKED', detail: 'blocked' }],
        summary: 'cr-1 won: pinned by override ov-1',
        explored: true,
        terms: { listener: 0.1, advertiser: 0.42, platform: 0.012345 },
        agents: {
          context: {
            model_version: 'context-v3',
            elapsed_ms: 1.5,
            degraded: true,
            fallback: 'default snapshot',
            calls: 1,
          },
          inventory: { model_version: 'inv-v7', elapsed_ms: 3.25, degraded: false, fallback: '', calls: 2 },
        },
        candidates_considered: 3,
      },
      degraded: ['context'],
    },
    overrides: [
      {
        override_id: 'ov-1',
        kind: 'pin',
        creative_id: 'cr-1',
        effect: 'pinned: campaign camp-cr-1 ranks first',
      },
      { override_id: 'ov-2', kind: 'block', creative_id: 'cr-2', effect: 'removed: advertiser adv-cr-2' },
    ],
    agents: {
      context: { model_version: 'context-v3', elapsed_ms: 1.25, degraded: false, fallback: '', calls: 1 },
      inventory: { model_version: 'inv-v7', elapsed_ms: 3.5, degraded: false, fallback: '', calls: 2 },
    },
    commit_ms: 0.5,
    total_ms: 9.01,
    overrides_version: 17,
  };
}

/** A small record; `v` tells two records of one request id apart. */
function small(requestId: string, v = 0): DecisionRecordData {
  return { ...record(requestId), at_ms: v, rounds: [], scored: [], overrides: [] };
}

const ids = (rs: DecisionRecordData[]) => rs.map((r) => r.request_id);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `req-${from + i}`);

describe.each(adapters)('DecisionLog contract: %s', (name, adapter) => {
  beforeEach(async () => {
    await redis.flush();
  });

  it('an empty log has no records, and an unknown id is null (not an error)', async () => {
    const [log] = adapter.handles(SIZE);
    expect(await log.recent(10)).toEqual([]);
    expect(await log.get('req-nope')).toBeNull();
    await log.append([]);
    expect(await log.recent(10)).toEqual([]);
  });

  it('appends and lists newest first, at most `limit`', async () => {
    const [log] = adapter.handles(SIZE);
    await log.append([small('req-0'), small('req-1')]);
    await log.append([small('req-2')]);
    expect(ids(await log.recent(10))).toEqual(['req-2', 'req-1', 'req-0']);
    expect(ids(await log.recent(2))).toEqual(['req-2', 'req-1']);
    expect(await log.recent(0)).toEqual([]);
    expect((await log.get('req-1'))?.request_id).toBe('req-1');
  });

  it('a record round-trips intact: rounds, utility terms, overrides applied, trace id', async () => {
    const [writer, reader] = adapter.handles(SIZE);
    const r = record('req-full');
    const expected = structuredClone(r);
    await writer.append([r]);
    expect(await reader.get('req-full')).toEqual(expected);
    expect(await reader.recent(1)).toEqual([expected]);
    const got = await reader.get('req-full');
    expect(got?.response?.why?.trace_id).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(got?.rounds[0]?.critiques.objective?.verdicts[0]?.pacing_multiplier).toBe(1.1);
    expect(got?.scored[0]?.utility).toBe(-0.0625);
    expect(got?.context?.skip_risk).toBe(1 / 3);
  });

  it(`keeps only the newest ${SIZE} (the configured size) after ${SIZE}+k appends`, async () => {
    const [log] = adapter.handles(SIZE);
    const k = 7;
    // Batches of every size, one larger than the log itself.
    await log.append(range(0, 3).map((id) => small(id)));
    await log.append([small('req-3')]);
    await log.append(range(4, 4 + SIZE + 1).map((id) => small(id)));
    await log.append(range(SIZE + 5, SIZE + k).map((id) => small(id)));

    const newest = range(k, SIZE + k).reverse();
    expect(ids(await log.recent(1000))).toEqual(newest);
    for (const id of range(0, k)) expect(await log.get(id)).toBeNull();
    for (const id of newest) expect((await log.get(id))?.request_id).toBe(id);
  });

  it('stays bounded and in order over many wraps of the ring', async () => {
    const [log] = adapter.handles(SIZE);
    const total = 5 * SIZE + 3;
    for (let i = 0; i < total; i++) await log.append([small(`req-${i}`)]);
    expect(ids(await log.recent(1000))).toEqual(range(total - SIZE, total).reverse());
    expect(await log.get(`req-${total - SIZE - 1}`)).toBeNull();
    expect(await log.get('req-0')).toBeNull();
    if (name === 'redis') {
      // Memory is bounded too: one record and one id per slot, one index entry per live record.
      const c = redis.client();
      expect(await c.hlen(`${PREFIX}decisions:ring`)).toBe(2 * SIZE);
      expect(await c.hlen(`${PREFIX}decisions:index`)).toBe(SIZE);
    }
  });

  it('a request id logged twice answers with the newest record until that one leaves too', async () => {
    const [log] = adapter.handles(SIZE);
    await log.append([small('dup', 1)]);
    await log.append(range(0, 3).map((id) => small(id)));
    await log.append([small('dup', 2)]);
    expect((await log.get('dup'))?.at_ms).toBe(2);
    // Evicts the first 'dup' but not the second.
    await log.append(range(3, SIZE - 1).map((id) => small(id)));
    expect((await log.get('dup'))?.at_ms).toBe(2);
    // Now the second leaves as well.
    await log.append(range(100, 105).map((id) => small(id)));
    expect(await log.get('dup')).toBeNull();
  });

  it('concurrent appends from two writers all land, bounded by the size', async () => {
    const [one, two] = adapter.handles(SIZE);
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < 3 * SIZE; i++) {
      writes.push(one.append([small(`one-${i}`)]));
      writes.push(two.append([small(`two-${i}`)]));
    }
    await Promise.all(writes);
    const kept = await one.recent(1000);
    expect(kept).toHaveLength(SIZE);
    expect(new Set(ids(kept)).size).toBe(SIZE);
    for (const r of kept) expect(await two.get(r.request_id)).toEqual(r);
  });

  it('refuses a size below one', () => {
    expect(() => adapter.handles(0)).toThrow(/size/);
    expect(() => adapter.handles(2.5)).toThrow(/size/);
  });

  it.runIf(name === 'redis')('keeps its keys under the configured prefix', async () => {
    const [log] = adapter.handles(SIZE);
    const [other] = adapter.handles(SIZE, 'parley-other:');
    await log.append(range(0, SIZE + 2).map((id) => small(id)));
    expect((await redis.client().keys('*')).sort()).toEqual([
      `${PREFIX}decisions:index`,
      `${PREFIX}decisions:ring`,
      `${PREFIX}decisions:seq`,
    ]);
    expect(await other.recent(10)).toEqual([]);
    expect(await other.get('req-5')).toBeNull();
  });
});
