/**
 * The dashboard's polling (status.ts says what the charts show): every
 * interval, the objective agent's CampaignStatus and a grpc.health.v1 check
 * of each agent (its round trip), added to a StatusHistory as one sample.
 */
import type * as grpc from '@grpc/grpc-js';
import type { CampaignPacing__Output } from '../../proto/gen/parley/v1/CampaignPacing';
import type { CampaignStatusReply__Output } from '../../proto/gen/parley/v1/CampaignStatusReply';
import { messageOf } from '../common/grpc/errors';
import { type HealthCheck, healthClient, isServing } from '../common/grpc/health';
import { v1 } from '../common/grpc/proto';
import { channelCredentials } from '../common/grpc/tls';
import type { Logger } from '../common/log';
import { channelTarget } from '../common/registry';
import { type AgentHealth, StatusHistory } from './status';

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
    const credentials = channelCredentials();
    for (const [name, address] of Object.entries(opts.agents)) {
      this.health.set(name, healthClient(channelTarget(address), credentials));
    }
    this.objective = new v1.ObjectiveAgent(
      opts.objectiveAddress && channelTarget(opts.objectiveAddress),
      credentials,
    );
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
    return isServing(client, '', timeoutMs).then(
      (ok) => {
        const latencyMs = Math.round((performance.now() - t0) * 100) / 100;
        return { name, address, ok, latencyMs, error: ok ? '' : 'not serving' };
      },
      (err) => ({ name, address, ok: false, latencyMs: null, error: messageOf(err) }),
    );
  }
}
