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
 * StatusHistory and decisionLatency are pure; Sampler does the polling.
 */
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import type { CampaignPacing__Output } from '../../proto/gen/parley/v1/CampaignPacing';
import type { CampaignStatusReply__Output } from '../../proto/gen/parley/v1/CampaignStatusReply';
import { messageOf } from '../common/grpc/errors';
import { v1 } from '../common/grpc/proto';
import type { Logger } from '../common/log';
import type { DecisionRecordData } from '../common/state/decisions';

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
export const MAX_PACING_CHARTS = 8;

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

  /** Paid campaigns with a budget, most spend first. */
  pacing(limit = MAX_PACING_CHARTS): PacingChart[] {
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
    return [...charts.values()]
      .sort((a, b) => last(b) - last(a) || (a.campaignId < b.campaignId ? -1 : 1))
      .slice(0, limit);
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

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
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
    out[name] = { count: v.length, p50: quantile(v, 0.5), p95: quantile(v, 0.95) };
  }
  return out;
}

// ---------------------------------------------------------------------------
// polling

const HealthClient = grpc.makeGenericClientConstructor(healthService, 'Health');

interface HealthCheck {
  check(
    req: { service: string },
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: { status: string | number }) => void,
  ): void;
  close(): void;
}

export interface SamplerOptions {
  agents: Record<string, string>;
  objectiveAddress: string;
  intervalMs: number;
  log: Logger;
  history?: StatusHistory;
}

export class Sampler {
  readonly history: StatusHistory;
  private readonly health = new Map<string, HealthCheck>();
  private readonly objective: InstanceType<typeof v1.ObjectiveAgent>;
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(private readonly opts: SamplerOptions) {
    this.history = opts.history ?? new StatusHistory();
    const insecure = grpc.credentials.createInsecure();
    for (const [name, address] of Object.entries(opts.agents)) {
      this.health.set(name, new HealthClient(address, insecure) as unknown as HealthCheck);
    }
    this.objective = new v1.ObjectiveAgent(opts.objectiveAddress, insecure);
  }

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.opts.intervalMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const c of this.health.values()) c.close();
    this.objective.close();
  }

  /** One sample now (skipped while the previous one is still running). */
  async sample(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const timeoutMs = Math.max(200, Math.min(2000, this.opts.intervalMs / 2));
      const [campaigns, ...health] = await Promise.all([
        this.campaigns(timeoutMs),
        ...[...this.health.entries()].map(([name, client]) => this.check(name, client, timeoutMs)),
      ]);
      this.history.add({ atMs: Date.now(), campaigns, health });
    } finally {
      this.running = false;
    }
  }

  private campaigns(timeoutMs: number): Promise<CampaignPacing__Output[] | null> {
    return new Promise((resolve) => {
      this.objective.CampaignStatus(
        {},
        { deadline: Date.now() + timeoutMs },
        (err: grpc.ServiceError | null, res?: CampaignStatusReply__Output) => {
          if (err || !res) {
            this.opts.log.debug('campaign status unavailable', { error: err ? messageOf(err) : 'empty' });
            resolve(null);
          } else resolve(res.campaigns);
        },
      );
    });
  }

  private check(name: string, client: HealthCheck, timeoutMs: number): Promise<AgentHealth> {
    const address = this.opts.agents[name] ?? '';
    const t0 = performance.now();
    return new Promise((resolve) => {
      client.check({ service: '' }, { deadline: Date.now() + timeoutMs }, (err, res) => {
        const latencyMs = Math.round((performance.now() - t0) * 100) / 100;
        if (err) resolve({ name, address, ok: false, latencyMs: null, error: messageOf(err) });
        else {
          const ok = res?.status === 'SERVING' || res?.status === 1;
          resolve({ name, address, ok, latencyMs, error: ok ? '' : `status ${String(res?.status)}` });
        }
      });
    });
  }
}
