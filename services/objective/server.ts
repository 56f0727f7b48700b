/**
 * The objective agent's gRPC server: thin handlers (validate → domain →
 * wire) for the multiplexed Negotiate stream (evaluate | commit) and the
 * unary RecordOutcome, plus the process entry point startObjectiveAgent.
 * config.objectiveModelPath / config.forecastPath, when set, name a learned
 * bid-multiplier policy and a slot forecast, loaded and hot-swapped (models.ts).
 */
import * as grpc from '@grpc/grpc-js';
import type { ModelHolder } from '../../learning/artifacts';
import type { ObjectivePolicy } from '../../learning/objective-policy';
import type { AckOutcomesReply } from '../../proto/gen/parley/v1/AckOutcomesReply';
import type { AckOutcomesRequest__Output } from '../../proto/gen/parley/v1/AckOutcomesRequest';
import type { CampaignStatusReply } from '../../proto/gen/parley/v1/CampaignStatusReply';
import type { CampaignStatusRequest__Output } from '../../proto/gen/parley/v1/CampaignStatusRequest';
import type { LeaveOutcomesReply } from '../../proto/gen/parley/v1/LeaveOutcomesReply';
import type { LeaveOutcomesRequest__Output } from '../../proto/gen/parley/v1/LeaveOutcomesRequest';
import type { ObjectiveAgentHandlers } from '../../proto/gen/parley/v1/ObjectiveAgent';
import type { ObjectiveCall__Output } from '../../proto/gen/parley/v1/ObjectiveCall';
import type { ObjectiveReply } from '../../proto/gen/parley/v1/ObjectiveReply';
import type { OutcomeBatch } from '../../proto/gen/parley/v1/OutcomeBatch';
import type { OutcomeRecord__Output } from '../../proto/gen/parley/v1/OutcomeRecord';
import type { OutcomeRecords__Output } from '../../proto/gen/parley/v1/OutcomeRecords';
import type { ReadOutcomesRequest__Output } from '../../proto/gen/parley/v1/ReadOutcomesRequest';
import type { RecordAck } from '../../proto/gen/parley/v1/RecordAck';
import type { RecordAcks } from '../../proto/gen/parley/v1/RecordAcks';
import { type CatalogueSource, watchCatalogue } from '../common/catalogue/load';
import type { Campaign } from '../common/catalogue/types';
import type { Config } from '../common/config';
import { invalidArgument, RpcError } from '../common/grpc/errors';
import { muxServer } from '../common/grpc/mux';
import { SERVICE_NAMES, v1 } from '../common/grpc/proto';
import { type RunningService, startServer, unary } from '../common/grpc/server';
import type { Logger } from '../common/log';
import { observeCampaigns, recordOutcome } from '../common/metrics';
import { ATTR, SPAN } from '../common/semconv';
import { ObjectiveAgent } from './agent';
import {
  ackOutcomesFromWire,
  commitFromWire,
  commitToWire,
  counterToWire,
  evaluateFromWire,
  leaveOutcomesFromWire,
  outcomeBatchToWire,
  outcomeFromWire,
  readOutcomesFromWire,
  recordAckToWire,
} from './convert';
import { type Forecast, forecastProfile, watchForecast, watchObjectiveModel } from './models';
import type { TrafficProfile } from './pacing';
import { createObjectiveState } from './state';

const NEGOTIATE = `${SERVICE_NAMES.objective}/Negotiate`;

/** Most outcomes one RecordOutcomes call may carry. */
export const MAX_OUTCOMES_PER_CALL = 1000;

export function objectiveHandlers(agent: ObjectiveAgent, log: Logger): ObjectiveAgentHandlers {
  return {
    Negotiate: muxServer<ObjectiveCall__Output, ObjectiveReply>(
      NEGOTIATE,
      async (call, ctx) => {
        if (call.kind === 'evaluate') {
          ctx.span.updateName(SPAN.evaluate);
          const input = evaluateFromWire(call.evaluate);
          ctx.span.setAttributes({ [ATTR.requestId]: input.requestId, [ATTR.round]: input.round });
          const counter = await agent.evaluate(input);
          const eligible = counter.values.filter((v) => v.eligible).length;
          ctx.span.setAttributes({
            [ATTR.candidatesEligible]: eligible,
            [ATTR.candidatesRemoved]: counter.values.length - eligible,
            [ATTR.modelVersion]: counter.modelVersion,
          });
          return { counter: counterToWire(counter) };
        }
        if (call.kind === 'commit') {
          ctx.span.updateName(SPAN.commit);
          const input = commitFromWire(call.commit);
          ctx.span.setAttribute(ATTR.requestId, input.requestId);
          // A commit the broker has already given up on would only hold money until the TTL.
          if (Date.now() >= ctx.deadline)
            throw new RpcError(grpc.status.DEADLINE_EXCEEDED, 'commit: deadline passed');
          const results = await agent.commit(input);
          const reserved = results.filter((r) => r.reserved).length;
          ctx.span.setAttributes({
            [ATTR.reservations]: reserved,
            [ATTR.rejectedCommits]: results.length - reserved,
          });
          return { commit: commitToWire(results) };
        }
        throw invalidArgument('kind', 'one of evaluate or commit is required');
      },
      log,
    ),
    RecordOutcome: unary<OutcomeRecord__Output, RecordAck>(
      SPAN.recordOutcome,
      async (req, ctx) => {
        const event = outcomeFromWire(req);
        ctx.span.setAttribute(ATTR.requestId, event.requestId);
        const result = await agent.recordOutcome(event);
        if (result.accepted) recordOutcome(event.event, agent.campaignOf(event.creativeId));
        return recordAckToWire(result);
      },
      log,
    ),
    RecordOutcomes: unary<OutcomeRecords__Output, RecordAcks>(
      `${SERVICE_NAMES.objective}/RecordOutcomes`,
      async (req) => {
        if (req.records.length > MAX_OUTCOMES_PER_CALL)
          throw invalidArgument('records', `at most ${MAX_OUTCOMES_PER_CALL} per call`);
        // Every record is checked before any is recorded: a bad batch changes nothing.
        const events = req.records.map((r, i) => outcomeFromWire(r, `records[${i}]`));
        const acks: RecordAck[] = [];
        for (const event of events) {
          const result = await agent.recordOutcome(event);
          if (result.accepted) recordOutcome(event.event, agent.campaignOf(event.creativeId));
          acks.push(recordAckToWire(result));
        }
        return { acks };
      },
      log,
    ),
    ReadOutcomes: unary<ReadOutcomesRequest__Output, OutcomeBatch>(
      `${SERVICE_NAMES.objective}/ReadOutcomes`,
      async (req) => {
        const { group, consumer, count, from } = readOutcomesFromWire(req);
        return outcomeBatchToWire(await agent.readOutcomes(group, consumer, count, from));
      },
      log,
    ),
    AckOutcomes: unary<AckOutcomesRequest__Output, AckOutcomesReply>(
      `${SERVICE_NAMES.objective}/AckOutcomes`,
      async (req) => {
        const { group, ids } = ackOutcomesFromWire(req);
        return { acknowledged: await agent.ackOutcomes(group, ids) };
      },
      log,
    ),
    LeaveOutcomes: unary<LeaveOutcomesRequest__Output, LeaveOutcomesReply>(
      `${SERVICE_NAMES.objective}/LeaveOutcomes`,
      async (req) => ({ existed: await agent.leaveOutcomes(leaveOutcomesFromWire(req)) }),
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
    log,
  });
  const stopGauges = observeCampaigns(() => agent.spendReport(), log);
  const cleanup = async () => {
    model?.close();
    forecast?.close();
    stopGauges();
    agent.stopSweeper();
    catalogue.close();
    await state.close();
  };
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      host: config.host,
      port: config.ports.objective,
      serviceNames: [SERVICE_NAMES.objective],
      services: [[v1.ObjectiveAgent.service, objectiveHandlers(agent, log)]],
      log,
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  agent.startSweeper(sweepIntervalMs(config.reservationTtlMs));
  log.info('objective agent listening', { address: server.address, state: state.kind });
  return {
    name: 'objective',
    address: server.address,
    port: server.port,
    agent,
    model: model?.holder ?? null,
    forecast: forecast?.holder ?? null,
    close: async () => {
      await server.shutdown();
      await cleanup();
    },
  };
}
