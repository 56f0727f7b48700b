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
  /** Its utility terms by name (platform and each agent's), unweighted. */
  terms: Record<string, number>;
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
  /** Each agent's part, by registry name: model version, time waiting for it, what stood in when degraded. */
  agents: Array<{
    name: string;
    modelVersion: string;
    elapsedMs: number;
    degraded: boolean;
    fallback: string;
  }>;
  rounds: Array<{
    round: number;
    source: string;
    proposed: number;
    removedByProposers: number;
    screened: number;
    /** Each critic's verdicts: how many it let through and how many it vetoed. */
    critics: Array<{ name: string; eligible: number; vetoed: number }>;
  }>;
  candidatesConsidered: number;
  timings: { commitMs: number; totalMs: number };
}

const termsText = (terms: Record<string, number>) =>
  Object.entries(terms)
    .map(([term, v]) => `${term} ${f3(v)}`)
    .join(', ');

const f3 = (x: number) => x.toFixed(3);
const short = (s: string) => s.replace(/^(REASON|SCENARIO|PART)_/, '').toLowerCase();

/** The brand-lift multiplier a critic applied to an ad's advertiser value (0 = none), from the last round that judged it. */
function liftOf(r: DecisionRecordData, creativeId: string): number {
  for (const round of [...r.rounds].reverse())
    for (const critique of Object.values(round.critiques ?? {}))
      for (const v of critique.verdicts)
        if (v.creative_id === creativeId && v.lift_multiplier) return v.lift_multiplier;
  return 0;
}

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
        `joint utility ${f3(s.utility)} (${termsText(s.terms)}${s.boost ? `, boost +${s.boost}` : ''})`,
      );
    }
    const lift = liftOf(r, a.creative_id);
    if (lift) parts.push(`its advertiser value ×${f3(lift)} for its campaign's measured brand lift`);
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
      terms: { ...(s?.terms ?? {}) },
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
    degraded: [...(res?.degraded ?? [])],
    agents: Object.entries(r.agents).map(([name, a]) => ({
      name,
      modelVersion: a.model_version,
      elapsedMs: a.elapsed_ms,
      degraded: a.degraded,
      fallback: a.fallback,
    })),
    rounds: r.rounds.map((x) => ({
      round: x.round,
      source: x.proposal_source,
      proposed: x.proposed.length,
      removedByProposers: x.removed_by_proposers.length,
      screened: x.screened.length,
      critics: Object.entries(x.critiques).map(([name, c]) => ({
        name,
        eligible: c.verdicts.filter((v) => v.eligible).length,
        vetoed: c.verdicts.filter((v) => !v.eligible).length,
      })),
    })),
    candidatesConsidered: why?.candidates_considered ?? 0,
    timings: { commitMs: r.commit_ms, totalMs: r.total_ms },
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
      ? `context: ${short(String(c.scenario))} (focus ${f3(c.focus_level)}, receptiveness ${f3(c.receptiveness)}, skip risk ${f3(c.skip_risk)})${c.ad_load ? `; ad load: ${c.ad_load.has_floor ? `floor ${f3(c.ad_load.min_utility)}` : 'no floor'} (the context agent's policy)` : ''}${c.is_default ? ' — default snapshot, the context agent did not answer' : ''}`
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
    const critics = x.critics.map((c) => `${c.name}: ${c.eligible} eligible / ${c.vetoed} vetoed`).join(', ');
    lines.push(
      `round ${x.round}: ${x.proposed} proposed (${x.source}), ${x.removedByProposers} removed by the proposers, ` +
        `${x.screened} removed by the broker${critics ? `; ${critics}` : ''}`,
    );
  }
  lines.push(`degraded: ${e.degraded.length ? e.degraded.join(', ') : 'none'}`);
  for (const a of e.agents) {
    lines.push(
      `agent ${a.name}: model ${a.modelVersion || '-'}, ${a.elapsedMs} ms` +
        (a.degraded ? `, degraded (${a.fallback || 'fell back'})` : ''),
    );
  }
  lines.push(`timings: commit ${e.timings.commitMs} ms, total ${e.timings.totalMs} ms`);
  return lines;
}
