/**
 * A full decision record (admin.proto DecisionRecord) for the decision-log
 * tests: nested rounds, utility terms, applied overrides, a trace id, text
 * that needs escaping in JSON and numbers that need all their digits.
 */
import type { DecisionRecordData } from '../../services/common/state/decisions';

/** A full record: nested rounds with a critique, utility terms, applied overrides, agent reports, a trace id. */
export function decisionRecord(requestId: string, atMs = 1_800_000_000_000): DecisionRecordData {
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
        listener_id: '',
      },
      excluded_advertisers: ['adv-x'],
      excluded_categories: [],
      deadline_ms: 80,
      dry_run: false,
    },
    context: {
      scenario: 'SCENARIO_WORKOUT',
      focus_level: 0.25,
      receptiveness: 0.8125,
      skip_risk: 0.3333333333333333,
      // floats on the wire (repeated float): values a float holds exactly
      features: [0, -1.5, 2.75, Math.fround(1e-12)],
      model_version: 'context-v3',
      session_ads_heard: 4,
      is_default: false,
      ad_load: null,
    },
    rounds: [
      {
        round: 1,
        proposal_source: 'agent',
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
                lift_multiplier: 0,
                goal: 'conversion',
              },
            ],
            model_version: 'obj-v2',
          },
        },
      },
      {
        round: 2,
        proposal_source: 'static',
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
        terms: { listener: 0.1, objective: 0.42, platform: 0.012345 },
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
        terms: { listener: 0.1, objective: 0.42, platform: 0.012345 },
        agents: {
          context: {
            model_version: 'context-v3',
            elapsed_ms: 1.25,
            degraded: true,
            fallback: 'default snapshot',
            calls: 1,
          },
          objective: { model_version: 'obj-v2', elapsed_ms: 2.75, degraded: false, fallback: '', calls: 3 },
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
      context: {
        model_version: 'context-v3',
        elapsed_ms: 1.25,
        degraded: true,
        fallback: 'default snapshot',
        calls: 1,
      },
      inventory: { model_version: 'inv-v7', elapsed_ms: 3.5, degraded: false, fallback: '', calls: 2 },
      objective: { model_version: 'obj-v2', elapsed_ms: 2.75, degraded: false, fallback: '', calls: 3 },
    },
    commit_ms: 0.5,
    total_ms: 9.01,
    overrides_version: 17,
  };
}
