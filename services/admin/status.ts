/**
 * What the dashboard's charts show, besides decisions and overrides:
 *
 *  - campaign pacing: each campaign's spend against its ideal curve, sampled
 *    from the objective agent's CampaignStatus;
 *  - skip / completion trends: rates between successive samples of the
 *    objective agent's outcome counters;
 *  - agent health and latency: a grpc.health.v1 check of each agent (round
 *    trip), and per-agent time inside recent decisions (decision records).
 *
 * StatusHistory and decisionLatency are pure; the Sampler (sampler.ts) does
 * the polling over gRPC.
 */
import type { CampaignPacing__Output } from '../../proto/gen/parley/v1/CampaignPacing';
import type { DecisionRecordData } from '../common/state/decisions';
import { quantile } from '../common/stats';

export interface AgentHealth {
  name: string;
  address: string;
  ok: boolean;
  latencyMs: number | null;
  error: string;
}

export interface Sample {
  atMs: number;
  /** null when the objective agent did not answer. */
  campaigns: CampaignPacing__Output[] | null;
  health: AgentHealth[];
}

export interface PacingChart {
  campaignId: string;
  name: string;
  tier: string;
  pacing: string;
  budgetMicros: number;
  multiplier: number;
  points: Array<{ atMs: number; spendMicros: number; idealMicros: number }>;
}

export interface TrendPoint {
  atMs: number;
  impressions: number;
  skipRate: number | null;
  completionRate: number | null;
}

export const HISTORY_SAMPLES = 360;

export class StatusHistory {
  private readonly samples: Sample[] = [];

  constructor(private readonly max = HISTORY_SAMPLES) {}

  add(s: Sample): void {
    this.samples.push(s);
    if (this.samples.length > this.max) this.samples.shift();
  }

  latest(): Sample | null {
    return this.samples.at(-1) ?? null;
  }

  /** Every paid campaign with a budget, most spend first (the dashboard filters them). */
  pacing(): PacingChart[] {
    const charts = new Map<string, PacingChart>();
    for (const s of this.samples) {
      for (const c of s.campaigns ?? []) {
        if (c.budget_micros <= 0) continue;
        let chart = charts.get(c.campaign_id);
        if (!chart) {
          chart = {
            campaignId: c.campaign_id,
            name: c.name,
            tier: c.tier,
            pacing: c.pacing,
            budgetMicros: c.budget_micros,
            multiplier: c.pacing_multiplier,
            points: [],
          };
          charts.set(c.campaign_id, chart);
        }
        chart.budgetMicros = c.budget_micros;
        chart.multiplier = c.pacing_multiplier;
        chart.points.push({ atMs: s.atMs, spendMicros: c.spend_micros, idealMicros: c.ideal_micros });
      }
    }
    const last = (c: PacingChart) => c.points.at(-1)?.spendMicros ?? 0;
    return [...charts.values()].sort((a, b) => last(b) - last(a) || (a.campaignId < b.campaignId ? -1 : 1));
  }

  /** Skip and completion rates per interval, over every campaign. */
  trends(): TrendPoint[] {
    const totals = this.samples
      .filter((s) => s.campaigns !== null)
      .map((s) => {
        let impressions = 0;
        let skips = 0;
        let completes = 0;
        for (const c of s.campaigns ?? []) {
          impressions += c.impressions;
          skips += c.skips;
          completes += c.completes;
        }
        return { atMs: s.atMs, impressions, skips, completes };
      });
    const out: TrendPoint[] = [];
    for (let i = 1; i < totals.length; i++) {
      const a = totals[i - 1]!;
      const b = totals[i]!;
      const n = b.impressions - a.impressions;
      // A restarted embedded objective agent starts its counters again: skip that interval.
      if (n < 0 || b.skips < a.skips || b.completes < a.completes) continue;
      out.push({
        atMs: b.atMs,
        impressions: n,
        skipRate: n > 0 ? (b.skips - a.skips) / n : null,
        completionRate: n > 0 ? (b.completes - a.completes) / n : null,
      });
    }
    return out;
  }
}

export interface LatencyStats {
  count: number;
  p50: number;
  p95: number;
}

/** p50 / p95 of each agent's time inside the given decisions (by agent name), of the commit and of the whole decision. */
export function decisionLatency(records: DecisionRecordData[]): Record<string, LatencyStats> {
  const parts: Record<string, (r: DecisionRecordData) => number | undefined> = {};
  for (const r of records) {
    for (const name of Object.keys(r.agents)) parts[name] ??= (x) => x.agents[name]?.elapsed_ms;
  }
  parts.commit = (r) => r.commit_ms;
  parts.total = (r) => r.total_ms;
  const out: Record<string, LatencyStats> = {};
  for (const [name, get] of Object.entries(parts)) {
    const v = records
      .map(get)
      .filter((x): x is number => typeof x === 'number')
      .sort((a, b) => a - b);
    out[name] = v.length
      ? { count: v.length, p50: quantile(v, 0.5), p95: quantile(v, 0.95) }
      : { count: 0, p50: 0, p95: 0 };
  }
  return out;
}
