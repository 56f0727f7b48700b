/**
 * The objective agent's gRPC server: the roles critic and committer on the
 * broker's Agent.Negotiate stream (critique, commit, release, and outcomes,
 * which settle reservations), the ObjectiveAgent service (campaign status,
 * the outcome log for learners, brand-lift survey results), and the process entry point
 * startObjectiveAgent. Handlers validate, convert and call ObjectiveAgent.
 * config.objectiveModelPath / config.forecastPath, when set, name a learned
 * bid-multiplier policy and a slot forecast, loaded and hot-swapped (models.ts).
 */
import type { ModelHolder } from '../../learning/artifacts';
import type { ObjectivePolicy } from '../../learning/objective-policy';
import type { AckOutcomesReply } from '../../proto/gen/parley/v1/AckOutcomesReply';
import type { AckOutcomesRequest__Output } from '../../proto/gen/parley/v1/AckOutcomesRequest';
import type { CampaignStatusReply } from '../../proto/gen/parley/v1/CampaignStatusReply';
import type { CampaignStatusRequest__Output } from '../../proto/gen/parley/v1/CampaignStatusRequest';
import type { LeaveOutcomesReply } from '../../proto/gen/parley/v1/LeaveOutcomesReply';
import type { LeaveOutcomesRequest__Output } from '../../proto/gen/parley/v1/LeaveOutcomesRequest';
import type { ObjectiveAgentHandlers } from '../../proto/gen/parley/v1/ObjectiveAgent';
import type { OutcomeBatch } from '../../proto/gen/parley/v1/OutcomeBatch';
import type { ReadOutcomesRequest__Output } from '../../proto/gen/parley/v1/ReadOutcomesRequest';
import type { ReportBrandLiftReply } from '../../proto/gen/parley/v1/ReportBrandLiftReply';
import type { ReportBrandLiftRequest__Output } from '../../proto/gen/parley/v1/ReportBrandLiftRequest';
import { type CatalogueSource, watchCatalogue } from '../common/catalogue/load';
import type { Campaign } from '../common/catalogue/types';
import type { Config } from '../common/config';
import { DomainError } from '../common/errors';
import { type AgentHandlers, startAgentServer } from '../common/grpc/agent-stream';
import { SERVICE_NAMES, v1 } from '../common/grpc/proto';
import { type RunningService, unary } from '../common/grpc/server';
import type { Logger } from '../common/log';
import { observeCampaigns, recordImpressionCharge, recordOutcome } from '../common/metrics';
import { ATTR } from '../common/semconv';
import {
  ackToWire,
  commitFromWire,
  commitResultsToWire,
  critiqueInputFromWire,
  critiqueToWire,
  outcomesFromWire,
  releaseFromWire,
} from '../common/wire/agent';
import {
  ackOutcomesFromWire,
  leaveOutcomesFromWire,
  outcomeBatchToWire,
  readOutcomesFromWire,
  reportBrandLiftFromWire,
  reportBrandLiftToWire,
} from '../common/wire/objective';
import { critiqueOf, OBJECTIVE_MODEL_VERSION, ObjectiveAgent } from './agent';
import { type Forecast, forecastProfile, watchForecast, watchObjectiveModel } from './models';
import type { TrafficProfile } from './pacing';
import { createObjectiveState } from './state';

/** This agent's name in the registry (services/agents.yaml). */
export const AGENT_NAME = 'objective';

/** The roles critic and committer on the broker's Agent.Negotiate stream. */
export function negotiationHandlers(agent: ObjectiveAgent): AgentHandlers {
  return {
    async critique(req, { span }) {
      const input = critiqueInputFromWire(req);
      const counter = await agent.evaluate({
        requestId: input.requestId,
        round: input.round,
        sessionId: input.signals.sessionId,
        ...(input.signals.listenerId ? { listenerId: input.signals.listenerId } : {}),
        context: input.context,
        candidates: input.candidates,
      });
      if (span) {
        const eligible = counter.values.filter((v) => v.eligible).length;
        span.setAttributes({
          [ATTR.requestId]: input.requestId,
          [ATTR.round]: input.round,
          [ATTR.candidatesEligible]: eligible,
          [ATTR.candidatesRemoved]: counter.values.length - eligible,
          [ATTR.modelVersion]: counter.modelVersion,
        });
      }
      return critiqueToWire(critiqueOf(counter));
    },
    async commit(req, { deadline, span }) {
      const input = commitFromWire(req);
      // A commit the broker has already given up on would only hold money until it is released.
      if (Date.now() >= deadline) throw new DomainError('deadline_exceeded', 'commit: deadline passed');
      const results = await agent.commit(input, () => Date.now() >= deadline);
      if (span) {
        const reserved = results.filter((r) => r.reserved).length;
        span.setAttributes({
          [ATTR.requestId]: input.requestId,
          [ATTR.reservations]: reserved,
          [ATTR.rejectedCommits]: results.length - reserved,
        });
      }
      return commitResultsToWire(results);
    },
    async release(req) {
      const { requestId, reservationIds } = releaseFromWire(req);
      return { released: await agent.release(requestId, reservationIds) };
    },
    async outcomes(req) {
      const events = outcomesFromWire(req);
      const results = await agent.recordOutcomes(events);
      results.forEach((r, i) => {
        const e = events[i]!;
        if (!r.accepted) return;
        const campaignId = agent.campaignOf(e.creativeId);
        recordOutcome(e.event, campaignId);
        if (e.event === 'impression' && e.reservationId)
          recordImpressionCharge(r.refusal ?? (r.late ? 'late' : 'settled'), campaignId);
      });
      return { acks: results.map(ackToWire) };
    },
  };
}

/**
 * Methods background pollers call (the learners' outcome-log consumers, the
 * dashboard's sampler): untraced, so polling makes no root traces.
 */
const POLLED = { traced: false } as const;

/** The ObjectiveAgent service: what the objective agent offers besides negotiating. */
export function objectiveHandlers(agent: ObjectiveAgent, log: Logger): ObjectiveAgentHandlers {
  return {
    ReadOutcomes: unary<ReadOutcomesRequest__Output, OutcomeBatch>(
      `${SERVICE_NAMES.objective}/ReadOutcomes`,
      async (req) => {
        const { group, consumer, count, from } = readOutcomesFromWire(req);
        return outcomeBatchToWire(await agent.readOutcomes(group, consumer, count, from));
      },
      log,
      POLLED,
    ),
    AckOutcomes: unary<AckOutcomesRequest__Output, AckOutcomesReply>(
      `${SERVICE_NAMES.objective}/AckOutcomes`,
      async (req) => {
        const { group, ids } = ackOutcomesFromWire(req);
        return { acknowledged: await agent.ackOutcomes(group, ids) };
      },
      log,
      POLLED,
    ),
    LeaveOutcomes: unary<LeaveOutcomesRequest__Output, LeaveOutcomesReply>(
      `${SERVICE_NAMES.objective}/LeaveOutcomes`,
      async (req) => ({ existed: await agent.leaveOutcomes(leaveOutcomesFromWire(req)) }),
      log,
      POLLED,
    ),
    ReportBrandLift: unary<ReportBrandLiftRequest__Output, ReportBrandLiftReply>(
      `${SERVICE_NAMES.objective}/ReportBrandLift`,
      async (req) => reportBrandLiftToWire(await agent.reportBrandLift(reportBrandLiftFromWire(req))),
      log,
    ),
    CampaignStatus: unary<CampaignStatusRequest__Output, CampaignStatusReply>(
      `${SERVICE_NAMES.objective}/CampaignStatus`,
      async () => ({
        now_ms: Date.now(),
        campaigns: (await agent.campaignStatus()).map((s) => ({
          campaign_id: s.campaign.id,
          advertiser_id: s.campaign.advertiserId,
          name: s.campaign.name,
          tier: s.campaign.tier,
          pacing: s.campaign.pacing,
          paused: s.campaign.paused,
          budget_micros: s.budgetMicros,
          ideal_micros: s.idealMicros,
          spend_micros: s.spendMicros,
          pacing_multiplier: s.pacingMultiplier,
          lifetime_spent_micros: s.lifetimeSpentMicros,
          today_spent_micros: s.todaySpentMicros,
          impressions: s.counters.impressions,
          skips: s.counters.skips,
          completes: s.counters.completes,
          clicks: s.counters.clicks,
        })),
      }),
      log,
      POLLED,
    ),
  };
}

export interface StartObjectiveOptions {
  config: Config;
  log: Logger;
  /** Overrides for simulations and tests; production uses the defaults. */
  catalogue?: CatalogueSource;
  clock?: () => number;
  /** Overrides the forecast (config.forecastPath) as the even-pacing traffic profile. */
  trafficProfile?: (campaign: Campaign) => TrafficProfile;
}

/** Sweep for expired reservations a few times per TTL. */
function sweepIntervalMs(reservationTtlMs: number): number {
  return Math.min(10_000, Math.max(50, Math.floor(reservationTtlMs / 4)));
}

/** How often a replica looks for brand-lift waves another replica recorded (one read when nothing changed). */
export const BRAND_LIFT_REFRESH_MS = 1000;

/** How long evaluate() may reuse a campaign's spend read (see ObjectiveAgentOptions). */
export const ADVISORY_READ_TTL_MS = 100;

export interface ObjectiveAgentService extends RunningService {
  agent: ObjectiveAgent;
  /** The learned policy and the forecast in use; null when their paths are not configured. */
  model: ModelHolder<ObjectivePolicy> | null;
  forecast: ModelHolder<Forecast> | null;
}

export async function startObjectiveAgent(opts: StartObjectiveOptions): Promise<ObjectiveAgentService> {
  const { config } = opts;
  const log = opts.log.child({ component: 'objective' });
  const catalogue = opts.catalogue ?? watchCatalogue(config.cataloguePath, config.catalogueReloadMs, log);
  const state = createObjectiveState(config);
  const every = config.catalogueReloadMs;
  const model = config.objectiveModelPath ? watchObjectiveModel(config.objectiveModelPath, every, log) : null;
  const forecast = config.forecastPath ? watchForecast(config.forecastPath, every, log) : null;
  if (model) log.info('objective model', { path: config.objectiveModelPath, version: model.holder.version });
  if (forecast) log.info('slot forecast', { path: config.forecastPath, version: forecast.holder.version });
  const agent = new ObjectiveAgent({
    catalogue,
    ledger: state.ledger,
    outcomes: state.outcomes,
    clock: opts.clock,
    trafficProfile: opts.trafficProfile ?? (forecast ? forecastProfile(forecast.holder) : undefined),
    objectiveModel: model?.holder ?? null,
    advisoryReadTtlMs: ADVISORY_READ_TTL_MS,
    brandLift: state.brandLift,
    log,
  });
  const stopGauges = observeCampaigns(() => agent.spendReport(), log);
  const cleanup = async () => {
    model?.close();
    forecast?.close();
    stopGauges();
    agent.stopSweeper();
    agent.stopBrandLiftRefresh();
    catalogue.close();
    await state.close();
  };
  const server = await startAgentServer({
    config,
    name: AGENT_NAME,
    log,
    handlers: negotiationHandlers(agent),
    extra: [
      {
        name: SERVICE_NAMES.objective,
        definition: v1.ObjectiveAgent.service,
        implementation: objectiveHandlers(agent, log),
      },
    ],
    close: cleanup,
    details: { state: state.kind },
    models: () => ({
      'objective.policy': model?.holder.version ?? OBJECTIVE_MODEL_VERSION,
      ...(forecast ? { 'objective.forecast': forecast.holder.version } : {}),
    }),
  });
  agent.startSweeper(sweepIntervalMs(config.reservationTtlMs));
  agent.startBrandLiftRefresh(BRAND_LIFT_REFRESH_MS);
  return { ...server, agent, model: model?.holder ?? null, forecast: forecast?.holder ?? null };
}

/** The registry starts an agent by its folder's `start` (bin/parley.ts). */
export const start = startObjectiveAgent;
