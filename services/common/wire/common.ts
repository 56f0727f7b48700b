/**
 * common.proto ⇄ domain, both directions: signals (content included),
 * slots, context snapshots, rejections, reasons and charge refusals. `*FromWire` validates
 * (throwing INVALID_ARGUMENT naming the field); `*ToWire` cannot fail.
 */
import type { ChargeRefusal__Output as WireChargeRefusal__Output } from '../../../proto/gen/parley/v1/ChargeRefusal';
import type {
  ContentSignals__Output,
  ContentSignals as WireContentSignals,
} from '../../../proto/gen/parley/v1/ContentSignals';
import type {
  ContextSnapshot__Output,
  ContextSnapshot as WireSnapshot,
} from '../../../proto/gen/parley/v1/ContextSnapshot';
import type {
  ListenerSignals__Output,
  ListenerSignals as WireSignals,
} from '../../../proto/gen/parley/v1/ListenerSignals';
import type { Rejection__Output, Rejection as WireRejection } from '../../../proto/gen/parley/v1/Rejection';
import type { Slot__Output, Slot as WireSlot } from '../../../proto/gen/parley/v1/Slot';
import type { ChargeRefusal } from '../domain/outcomes';
import type {
  ContentKind,
  ContentSignals,
  Device,
  PlaylistKind,
  Position,
  ReasonCode,
  Rejection,
  RiskLevel,
  SafetyCategory,
  Scenario,
  Signals,
  Slot,
  Snapshot,
} from '../domain/types';
import { isTopic } from '../domain/types';
import { invalidArgument as idError } from '../errors';
import { enumValue, intInRange, localTime, numberInRange, requireId, requireMessage, text } from './validate';

/** Inverts a wire->domain table for the way back. */
function invert<T extends string>(table: Record<string, T>): Record<T, string> {
  const out = {} as Record<T, string>;
  for (const [wire, domain] of Object.entries(table)) if (!(domain in out)) out[domain] = wire;
  return out;
}

export const POSITIONS: Record<string, Position> = {
  POSITION_PRE_ROLL: 'pre',
  POSITION_MID_ROLL: 'mid',
  POSITION_POST_ROLL: 'post',
};
export const DEVICES: Record<string, Device> = {
  DEVICE_MOBILE: 'mobile',
  DEVICE_DESKTOP: 'desktop',
  DEVICE_SMART_SPEAKER: 'smart_speaker',
  DEVICE_CAR: 'car',
  DEVICE_TV: 'tv',
  DEVICE_WEARABLE: 'wearable',
};
export const PLAYLIST_KINDS: Record<string, PlaylistKind> = {
  PLAYLIST_KIND_UNSPECIFIED: 'unknown',
  PLAYLIST_KIND_EDITORIAL: 'editorial',
  PLAYLIST_KIND_USER: 'user',
  PLAYLIST_KIND_ALGORITHMIC: 'algorithmic',
  PLAYLIST_KIND_RADIO: 'radio',
  PLAYLIST_KIND_ALBUM: 'album',
  PLAYLIST_KIND_PODCAST: 'podcast',
};
export const SCENARIO_TABLE: Record<string, Scenario> = {
  SCENARIO_UNSPECIFIED: 'unknown',
  SCENARIO_WORKOUT: 'workout',
  SCENARIO_COMMUTE: 'commute',
  SCENARIO_FOCUS: 'focus',
  SCENARIO_RELAX: 'relax',
  SCENARIO_PARTY: 'party',
  SCENARIO_SLEEP: 'sleep',
  SCENARIO_CHORES: 'chores',
};
export const CONTENT_KINDS: Record<string, ContentKind> = {
  CONTENT_KIND_UNSPECIFIED: 'unknown',
  CONTENT_KIND_MUSIC: 'music',
  CONTENT_KIND_PODCAST: 'podcast',
  CONTENT_KIND_AUDIOBOOK: 'audiobook',
  CONTENT_KIND_RADIO: 'radio',
};
export const SAFETY_CATEGORIES: Record<string, SafetyCategory> = {
  SAFETY_CATEGORY_ADULT: 'adult',
  SAFETY_CATEGORY_ARMS: 'arms',
  SAFETY_CATEGORY_CRIME: 'crime',
  SAFETY_CATEGORY_DEATH_INJURY_CONFLICT: 'death_injury_conflict',
  SAFETY_CATEGORY_PIRACY: 'piracy',
  SAFETY_CATEGORY_HATE_SPEECH: 'hate_speech',
  SAFETY_CATEGORY_OBSCENITY: 'obscenity',
  SAFETY_CATEGORY_DRUGS_ALCOHOL_TOBACCO: 'drugs_alcohol_tobacco',
  SAFETY_CATEGORY_SPAM: 'spam',
  SAFETY_CATEGORY_TERRORISM: 'terrorism',
  SAFETY_CATEGORY_SOCIAL_ISSUES: 'social_issues',
};
export const RISK_LEVEL_TABLE: Record<string, RiskLevel> = {
  RISK_LEVEL_LOW: 'low',
  RISK_LEVEL_MEDIUM: 'medium',
  RISK_LEVEL_HIGH: 'high',
  RISK_LEVEL_FLOOR: 'floor',
};

const POSITION_WIRE = invert(POSITIONS);
const DEVICE_WIRE = { ...invert(DEVICES), unknown: 'DEVICE_UNSPECIFIED' } as Record<Device, string>;
const PLAYLIST_WIRE = invert(PLAYLIST_KINDS);
export const SCENARIO_WIRE = invert(SCENARIO_TABLE);
const CONTENT_KIND_WIRE = invert(CONTENT_KINDS);
const SAFETY_CATEGORY_WIRE = invert(SAFETY_CATEGORIES);
const RISK_LEVEL_WIRE = invert(RISK_LEVEL_TABLE);

/** Most topics a request's content signals may carry. */
export const MAX_CONTENT_TOPICS = 10;

export const MAX_ADS_PER_POD = 6;

export function slotFromWire(w: Slot__Output | null, field = 'slot'): Slot {
  const s = requireMessage(w, field);
  return {
    slotId: requireId(s.slot_id, `${field}.slot_id`),
    position: enumValue(s.position, `${field}.position`, POSITIONS),
    maxAds: intInRange(s.max_ads, `${field}.max_ads`, 1, MAX_ADS_PER_POD),
    maxTotalDurationMs: intInRange(s.max_total_duration_ms, `${field}.max_total_duration_ms`, 1000, 180_000),
  };
}

export function slotToWire(s: Slot): WireSlot {
  return {
    slot_id: s.slotId,
    position: POSITION_WIRE[s.position] as WireSlot['position'],
    max_ads: s.maxAds,
    max_total_duration_ms: s.maxTotalDurationMs,
  };
}

export function signalsFromWire(w: ListenerSignals__Output | null, field = 'signals'): Signals {
  const s = requireMessage(w, field);
  const country = s.country;
  if (!/^[A-Z]{2}$/.test(country)) {
    throw idError(`${field}.country`, 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. SE');
  }
  return {
    sessionId: requireId(s.session_id, `${field}.session_id`),
    device: enumValue(s.device, `${field}.device`, DEVICES),
    localTime: localTime(s.local_time, `${field}.local_time`),
    trackGenre: text(s.track_genre, `${field}.track_genre`),
    previousGenre: text(s.previous_genre, `${field}.previous_genre`),
    recentSkips: intInRange(s.recent_skips, `${field}.recent_skips`, 0, 1000),
    playlistKind: enumValue(s.playlist_kind, `${field}.playlist_kind`, PLAYLIST_KINDS),
    activityHint: enumValue(s.activity_hint, `${field}.activity_hint`, SCENARIO_TABLE),
    explicitContent: s.explicit_content,
    country,
    content: s.content ? contentFromWire(s.content, `${field}.content`) : null,
    ...(s.listener_id ? { listenerId: requireId(s.listener_id, `${field}.listener_id`) } : {}),
  };
}

export function contentFromWire(w: ContentSignals__Output, field: string): ContentSignals {
  if (w.topics.length > MAX_CONTENT_TOPICS)
    throw idError(`${field}.topics`, `at most ${MAX_CONTENT_TOPICS} topics`);
  const topics = w.topics.map((t, i) => {
    if (!isTopic(t))
      throw idError(`${field}.topics[${i}]`, 'lower-case words joined by "-", at most 64 characters');
    return t;
  });
  const risks: ContentSignals['risks'] = {};
  w.risks.forEach((r, i) => {
    const category = enumValue(r.category, `${field}.risks[${i}].category`, SAFETY_CATEGORIES);
    if (category in risks) throw idError(`${field}.risks[${i}].category`, `${r.category} is listed twice`);
    risks[category] = enumValue(r.level, `${field}.risks[${i}].level`, RISK_LEVEL_TABLE);
  });
  return {
    kind: enumValue(w.kind, `${field}.kind`, CONTENT_KINDS),
    contentId: w.content_id === '' ? '' : requireId(w.content_id, `${field}.content_id`),
    topics,
    risks,
  };
}

export function contentToWire(c: ContentSignals): WireContentSignals {
  return {
    kind: CONTENT_KIND_WIRE[c.kind] as WireContentSignals['kind'],
    content_id: c.contentId,
    topics: c.topics,
    risks: Object.entries(c.risks).map(([category, level]) => ({
      category: SAFETY_CATEGORY_WIRE[category as SafetyCategory] as never,
      level: RISK_LEVEL_WIRE[level as RiskLevel] as never,
    })),
  };
}

export function signalsToWire(s: Signals): WireSignals {
  return {
    session_id: s.sessionId,
    device: DEVICE_WIRE[s.device] as WireSignals['device'],
    local_time: formatLocalTime(s.localTime.epochMs, s.localTime.offsetMinutes),
    track_genre: s.trackGenre,
    previous_genre: s.previousGenre,
    recent_skips: s.recentSkips,
    playlist_kind: PLAYLIST_WIRE[s.playlistKind] as WireSignals['playlist_kind'],
    activity_hint: SCENARIO_WIRE[s.activityHint] as WireSignals['activity_hint'],
    explicit_content: s.explicitContent,
    country: s.country,
    content: s.content ? contentToWire(s.content) : null,
    listener_id: s.listenerId ?? '',
  };
}

/** RFC 3339 in the listener's own offset, e.g. 2026-11-27T08:15:00+01:00. */
export function formatLocalTime(epochMs: number, offsetMinutes: number): string {
  const local = new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

export function snapshotFromWire(w: ContextSnapshot__Output | null, field = 'context'): Snapshot {
  const s = requireMessage(w, field);
  if (s.features.length > 256) throw idError(`${field}.features`, 'at most 256 values');
  s.features.forEach((f, i) => {
    numberInRange(f, `${field}.features[${i}]`, -1e6, 1e6);
  });
  return {
    scenario: enumValue(s.scenario, `${field}.scenario`, SCENARIO_TABLE),
    focusLevel: numberInRange(s.focus_level, `${field}.focus_level`, 0, 1),
    receptiveness: numberInRange(s.receptiveness, `${field}.receptiveness`, 0, 1),
    skipRisk: numberInRange(s.skip_risk, `${field}.skip_risk`, 0, 1),
    features: s.features,
    // Up to two model versions of 64: the context model's and its ad-load policy's (`a+b`).
    modelVersion: text(s.model_version, `${field}.model_version`, 129),
    sessionAdsHeard: intInRange(s.session_ads_heard, `${field}.session_ads_heard`, 0, 1_000_000),
    isDefault: s.is_default,
    ...(s.ad_load
      ? {
          adLoad: {
            minUtility: s.ad_load.has_floor
              ? numberInRange(
                  s.ad_load.min_utility,
                  `${field}.ad_load.min_utility`,
                  -AD_LOAD_FLOOR_LIMIT,
                  AD_LOAD_FLOOR_LIMIT,
                )
              : null,
          },
        }
      : {}),
  };
}

/** The largest floor (either sign) an ad load may set: joint utility is a few units at most. */
export const AD_LOAD_FLOOR_LIMIT = 100;

export function snapshotToWire(s: Snapshot): WireSnapshot {
  return {
    scenario: SCENARIO_WIRE[s.scenario] as WireSnapshot['scenario'],
    focus_level: s.focusLevel,
    receptiveness: s.receptiveness,
    skip_risk: s.skipRisk,
    features: s.features,
    model_version: s.modelVersion,
    session_ads_heard: s.sessionAdsHeard,
    is_default: s.isDefault,
    ...(s.adLoad
      ? { ad_load: { has_floor: s.adLoad.minUtility !== null, min_utility: s.adLoad.minUtility ?? 0 } }
      : {}),
  };
}

const CHARGE_REFUSAL_WIRE: Record<ChargeRefusal, WireChargeRefusal__Output> = {
  unknown: 'CHARGE_REFUSAL_UNKNOWN_RESERVATION',
  released: 'CHARGE_REFUSAL_RELEASED',
  lifetime_budget: 'CHARGE_REFUSAL_LIFETIME_BUDGET',
  daily_budget: 'CHARGE_REFUSAL_DAILY_BUDGET',
};

const CHARGE_REFUSAL_OF = new Map<string, ChargeRefusal>(
  Object.entries(CHARGE_REFUSAL_WIRE).map(([k, v]) => [v, k as ChargeRefusal]),
);

/** Why an impression charged nothing, on the wire (ChargeRefusal; UNSPECIFIED = not refused). */
export function chargeRefusalToWire(r: ChargeRefusal | null): WireChargeRefusal__Output {
  return r ? CHARGE_REFUSAL_WIRE[r] : 'CHARGE_REFUSAL_UNSPECIFIED';
}

/** UNSPECIFIED reads as not refused; a value this version does not know (a newer peer's) as `unknown`. */
export function chargeRefusalFromWire(r: string | number): ChargeRefusal | null {
  if (r === 'CHARGE_REFUSAL_UNSPECIFIED' || r === 0) return null;
  return CHARGE_REFUSAL_OF.get(String(r)) ?? 'unknown';
}

/** Reasons travel as their enum names; anything unknown reads as unspecified. */
export function reasonFromWire(r: string | number): ReasonCode {
  return typeof r === 'string' ? (r as ReasonCode) : 'REASON_UNSPECIFIED';
}

export function rejectionFromWire(r: Rejection__Output): Rejection {
  return { creativeId: r.creative_id, reason: reasonFromWire(r.reason), detail: r.detail };
}

export function rejectionToWire(r: Rejection): WireRejection {
  return { creative_id: r.creativeId, reason: r.reason, detail: r.detail };
}
