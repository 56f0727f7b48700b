/**
 * Why this ad won and why the runners-up lost, from a decision record: a
 * structured explanation (for machines: `parley explain --json`, the
 * dashboard) and the same as lines of text for a person.
 */
import type { DecisionRecordData } from '../common/state/decisions';

export interface ExplainedAd {
  creativeId: string;
  campaignId: string;
  advertiserId: string;
  tier: string;
  priceMicros: number;
  utility: number | null;
  listenerValue: number | null;
  advertiserValue: number | null;
  platformRevenue: number | null;
  boost: number;
  pinned: boolean;
  why: string;
}

export interface ExplainedLoser {
  creativeId: string;
  reason: string;
  detail: string;
  utility: number | null;
}

export interface Explanation {
  requestId: string;
  atMs: number;
  broker: string;
  traceId: string;
  noAd: boolean;
  noAdReasons: string[];
  scenario: string;
  defaultContext: boolean;
  summary: string;
  winners: ExplainedAd[];
  runnersUp: ExplainedLoser[];
  overrides: Array<{ overrideId: string; kind: string; creativeId: string; effect: string }>;
  degraded: string[];
  models: { context: string; inventory: string; objective: string };
  rounds: Array<{
    round: number;
    source: string;
    proposed: number;
    removedByInventory: number;
    screened: number;
    eligible: number;
    ineligible: number;
  }>;
  candidatesConsidered: number;
  timings: { contextMs: number; inventoryMs: number; objectiveMs: number; commitMs: number; totalMs: number };
}

const f3 = (x: number) => x.toFixed(3);
const short = (s: string) => s.replace(/^(REASON|SCENARIO|PART)_/, '').toLowerCase();

export function explain(r: DecisionRecordData): Explanation {
  const res = r.response;
  const why = res?.why;
  const scored = new Map(r.scored.map((s) => [s.creative_id, s]));
  const eligibleCount = r.scored.length;
  const winners: ExplainedAd[] = (res?.ads ?? []).map((a) => {
    const s = scored.get(a.creative_id);
    const parts: string[] = [];
    if (s?.pinned) parts.push('its campaign is pinned by an override, so it ranks first');
    parts.push(`tier ${a.tier}`);
    if (s) {
      parts.push(
        `joint utility ${f3(s.utility)} (listener ${f3(s.listener_value)}, advertiser ${f3(s.advertiser_value)}, revenue ${f3(s.platform_revenue)}${s.boost ? `, boost +${s.boost}` : ''})`,
      );
    }
    parts.push(
      `best of ${eligibleCount} eligible candidate${eligibleCount === 1 ? '' : 's'} in its tier and the pod's limits`,
    );
    return {
      creativeId: a.creative_id,
      campaignId: a.campaign_id,
      advertiserId: a.advertiser_id,
      tier: a.tier,
      priceMicros: a.price_micros,
      utility: s?.utility ?? null,
      listenerValue: s?.listener_value ?? null,
      advertiserValue: s?.advertiser_value ?? null,
      platformRevenue: s?.platform_revenue ?? null,
      boost: s?.boost ?? 0,
      pinned: s?.pinned ?? false,
      why: parts.join('; '),
    };
  });
  const runnersUp: ExplainedLoser[] = (why?.runners_up ?? []).map((l) => ({
    creativeId: l.creative_id,
    reason: String(l.reason),
    detail: l.detail,
    utility: scored.get(l.creative_id)?.utility ?? null,
  }));
  return {
    requestId: r.request_id,
    atMs: r.at_ms,
    broker: r.broker,
    traceId: why?.trace_id ?? '',
    noAd: res?.no_ad ?? true,
    noAdReasons: (res?.no_ad_reasons ?? []).map(String),
    scenario: String(r.context?.scenario ?? why?.scenario ?? 'SCENARIO_UNSPECIFIED'),
    defaultContext: r.context?.is_default ?? false,
    summary: why?.summary ?? '',
    winners,
    runnersUp,
    overrides: r.overrides.map((o) => ({
      overrideId: o.override_id,
      kind: o.kind,
      creativeId: o.creative_id,
      effect: o.effect,
    })),
    degraded: (res?.degraded ?? []).map(String),
    models: {
      context: why?.context_model_version ?? '',
      inventory: why?.inventory_model_version ?? '',
      objective: why?.objective_model_version ?? '',
    },
    rounds: r.rounds.map((x) => ({
      round: x.round,
      source: x.proposal_source,
      proposed: x.proposed.length,
      removedByInventory: x.removed_by_inventory.length,
      screened: x.screened.length,
      eligible: x.counter.filter((v) => v.eligible).length,
      ineligible: x.counter.filter((v) => !v.eligible).length,
    })),
    candidatesConsidered: why?.candidates_considered ?? 0,
    timings: {
      contextMs: r.timings?.context_ms ?? 0,
      inventoryMs: r.timings?.inventory_ms ?? 0,
      objectiveMs: r.timings?.objective_ms ?? 0,
      commitMs: r.timings?.commit_ms ?? 0,
      totalMs: r.timings?.total_ms ?? 0,
    },
  };
}

/** The explanation as text for a person. */
export function explainText(r: DecisionRecordData): string[] {
  const e = explain(r);
  const req = r.request;
  const slot = req?.slot;
  const sig = req?.signals;
  const lines: string[] = [];
  lines.push(
    `decision ${e.requestId} at ${new Date(e.atMs).toISOString()}${e.broker ? ` by broker ${e.broker}` : ''}${e.traceId ? ` (trace ${e.traceId})` : ''}`,
  );
  if (slot && sig) {
    lines.push(
      `request: slot ${slot.slot_id}, ${short(String(slot.position))} ×${slot.max_ads} (≤ ${slot.max_total_duration_ms / 1000} s); ` +
        `${short(String(sig.device))} in ${sig.country}, ${sig.local_time}, ${sig.track_genre || 'no genre'}, ` +
        `hint ${short(String(sig.activity_hint))}, explicit ${sig.explicit_content ? 'yes' : 'no'}`,
    );
  }
  const c = r.context;
  lines.push(
    c
      ? `context: ${short(String(c.scenario))} (focus ${f3(c.focus_level)}, receptiveness ${f3(c.receptiveness)}, skip risk ${f3(c.skip_risk)})${c.is_default ? ' — default snapshot, the context agent did not answer' : ''}`
      : 'context: (not recorded)',
  );
  if (e.noAd) {
    lines.push(`answer: no ad (${e.noAdReasons.map(short).join(', ') || 'no reason recorded'})`);
  } else {
    lines.push(`answer: ${e.winners.length} ad${e.winners.length === 1 ? '' : 's'}`);
    for (const w of e.winners) {
      lines.push(
        `  ${w.creativeId} (campaign ${w.campaignId}, advertiser ${w.advertiserId}, ${w.priceMicros} micros)`,
      );
      lines.push(`    won because: ${w.why}`);
    }
  }
  if (e.runnersUp.length > 0) {
    lines.push('why the others lost:');
    for (const l of e.runnersUp) {
      const u = l.utility === null ? '' : ` [utility ${f3(l.utility)}]`;
      lines.push(`  ${l.creativeId}: ${short(l.reason)}${l.detail ? ` — ${l.detail}` : ''}${u}`);
    }
  }
  lines.push(
    e.overrides.length > 0
      ? `overrides applied: ${e.overrides.map((o) => `${o.overrideId} (${o.kind}) on ${o.creativeId}: ${o.effect}`).join('; ')}`
      : 'overrides applied: none',
  );
  for (const x of e.rounds) {
    lines.push(
      `round ${x.round}: ${x.proposed} proposed (${x.source}), ${x.removedByInventory} removed by the inventory agent, ` +
        `${x.screened} removed by the broker, objective: ${x.eligible} eligible / ${x.ineligible} not`,
    );
  }
  lines.push(`degraded: ${e.degraded.length ? e.degraded.map(short).join(', ') : 'none'}`);
  lines.push(
    `models: context ${e.models.context || '-'}, inventory ${e.models.inventory || '-'}, objective ${e.models.objective || '-'}`,
  );
  const t = e.timings;
  lines.push(
    `timings: context ${t.contextMs} ms, inventory ${t.inventoryMs} ms, objective ${t.objectiveMs} ms, commit ${t.commitMs} ms, total ${t.totalMs} ms`,
  );
  return lines;
}
