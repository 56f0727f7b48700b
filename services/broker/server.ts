/**
 * The AdDecision service: thin Decide and ReportOutcome handlers (validate →
 * domain → wire) and startBroker, which binds the server and connects to the
 * agents.
 */
import * as grpc from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import type { DecideRequest__Output } from '../../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse } from '../../proto/gen/parley/v1/DecideResponse';
import type { OutcomeAck } from '../../proto/gen/parley/v1/OutcomeAck';
import type { OutcomeAcks } from '../../proto/gen/parley/v1/OutcomeAcks';
import type { OutcomeReport__Output } from '../../proto/gen/parley/v1/OutcomeReport';
import type { OutcomeReports__Output } from '../../proto/gen/parley/v1/OutcomeReports';
import { type CatalogueSource, watchCatalogue } from '../common/catalogue/load';
import type { Config } from '../common/config';
import type { OutcomeEventInput } from '../common/domain/types';
import { messageOf, RpcError, statusOf } from '../common/grpc/errors';
import { SERVICE_NAMES, v1 } from '../common/grpc/proto';
import { type RunningService, startServer, type UnaryHandler, unary } from '../common/grpc/server';
import { type Logger, rateLimited } from '../common/log';
import { recordDecision } from '../common/metrics';
import { ATTR, SPAN } from '../common/semconv';
import { isSampled } from '../common/tracing';
import { type AdminLink, connectAdmin, firstOverrides } from './admin-link';
import { buildDecisionRecord, type DecisionRecorder } from './decision-log';
import { FallbackCache, houseRanking, type StaticRanking } from './fallbacks';
import { connectAgents } from './links';
import { brokerSettings, type Clock, decide, systemClock } from './negotiation';
import type { OverrideSource } from './overrides';
import type { NegotiationAgents, OutcomePorts } from './ports';
import {
  decideRequestFromWire,
  decisionToWire,
  effectiveDeadline,
  outcomeFromWire,
  outcomesFromWire,
} from './wire';

/** Upper bound on how long ReportOutcome(s) waits for the committer. */
export const OUTCOME_TIMEOUT_MS = 2000;

export interface BrokerDeps {
  agents: NegotiationAgents;
  outcomes: OutcomePorts;
  fallbacks: FallbackCache;
  staticRanking?: StaticRanking;
  config: Config;
  log: Logger;
  clock?: Clock;
  /** People's overrides (admin service); none when absent. */
  overrides?: OverrideSource;
  /** Where decision records go (fire and forget); none when absent. */
  recorder?: DecisionRecorder;
  /** This broker's name in its decision records. */
  brokerName?: string;
}

export interface BrokerHandlers {
  decide: UnaryHandler<DecideRequest__Output, DecideResponse>;
  reportOutcome: UnaryHandler<OutcomeReport__Output, OutcomeAck>;
  reportOutcomes: UnaryHandler<OutcomeReports__Output, OutcomeAcks>;
}

/**
 * What an ad server is told when its outcomes could not be recorded: stable
 * messages (docs/operations.md, "Errors ad servers see") that never carry
 * internal detail such as an agent's address; the detail goes to the log.
 * A refusal of the reports themselves (a bad field) is passed on as it is.
 */
export const OUTCOME_ERRORS = {
  unavailable:
    'outcomes cannot be recorded now (the committing agent is unavailable); retry with the same idempotency keys',
  late: 'outcomes were not recorded in time; retry with the same idempotency keys',
} as const;

const PASSED_ON = new Set<grpc.status>([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.NOT_FOUND,
  grpc.status.RESOURCE_EXHAUSTED,
]);

function outcomeError(err: unknown, note: (fields: Record<string, unknown>) => void): RpcError {
  const code = statusOf(err);
  if (PASSED_ON.has(code)) return err instanceof RpcError ? err : new RpcError(code, messageOf(err));
  note({ code: grpc.status[code], error: messageOf(err) });
  return code === grpc.status.DEADLINE_EXCEEDED
    ? new RpcError(code, OUTCOME_ERRORS.late)
    : new RpcError(grpc.status.UNAVAILABLE, OUTCOME_ERRORS.unavailable);
}

export function brokerHandlers(deps: BrokerDeps): BrokerHandlers {
  const { agents, config, log } = deps;
  const clock = deps.clock ?? systemClock;
  const settings = brokerSettings(config);
  const mayWarn = rateLimited(10_000);
  const noteOutcomeFailure = (fields: Record<string, unknown>) =>
    (mayWarn() ? log.warn : log.debug)('outcomes not recorded', fields);

  /** Records outcomes with the committer; tells the context agent about the new ones (best effort). */
  const report = async (
    events: OutcomeEventInput[],
    ctx: { deadline: number; span: Span },
    now: number,
  ): Promise<OutcomeAck[]> => {
    const timeoutMs = Math.min(OUTCOME_TIMEOUT_MS, ctx.deadline - now);
    if (timeoutMs < 1)
      throw new RpcError(grpc.status.DEADLINE_EXCEEDED, 'no time left to record the outcome');
    const parent = isSampled(ctx.span) ? ctx.span : null;
    const acks = await deps.outcomes.record(events, timeoutMs, parent).catch((err) => {
      throw outcomeError(err, noteOutcomeFailure);
    });
    const fresh = events.filter((e, i) => acks[i]!.accepted && !acks[i]!.duplicate && e.sessionId);
    if (fresh.length > 0) {
      deps.outcomes
        .observe(fresh, OUTCOME_TIMEOUT_MS, parent)
        .catch((err) => log.debug('context observe failed', { error: messageOf(err) }));
    }
    // A replay was accepted the first time: the ad server may stop retrying.
    return acks.map((a) => ({ accepted: a.accepted || a.duplicate, duplicate: a.duplicate }));
  };

  return {
    async decide(req, ctx) {
      const started = performance.now();
      const input = decideRequestFromWire(req);
      const now = clock.now();
      const deadline = effectiveDeadline(now, ctx.deadline, input.deadlineMs, config.defaultDeadlineMs);
      const left = deadline - now;
      if (left < config.minDeadlineMs) {
        throw new RpcError(
          grpc.status.DEADLINE_EXCEEDED,
          `only ${Math.max(0, Math.floor(left))} ms left; a decision needs at least ${config.minDeadlineMs} ms`,
        );
      }
      const decision = await decide(
        { ...input, deadline, span: ctx.span },
        {
          agents,
          fallbacks: deps.fallbacks,
          staticRanking: deps.staticRanking,
          settings,
          overrides: deps.overrides?.current(),
          clock,
          log,
        },
      );
      // A dry run is a preview: it counts in no decision metric and no decision log.
      if (!input.dryRun) recordDecision(decision, performance.now() - started);
      if (isSampled(ctx.span)) {
        const e = decision.explanation;
        ctx.span.setAttributes({
          [ATTR.dryRun]: input.dryRun,
          [ATTR.requestId]: input.requestId,
          [ATTR.chosenCreative]: decision.placements.map((p) => p.candidate.creativeId),
          [ATTR.utility]: e.utility,
          [ATTR.noAd]: decision.noAd,
          [ATTR.degraded]: decision.degraded,
          [ATTR.rounds]: e.rounds,
          [ATTR.explored]: e.explored,
          [ATTR.scenario]: e.scenario,
        });
        for (const [name, r] of e.agents)
          ctx.span.setAttribute(`${ATTR.modelVersion}.${name}`, r.modelVersion);
      }
      const response = decisionToWire(decision);
      if (!input.dryRun)
        deps.recorder?.record(() => buildDecisionRecord(req, response, decision, deps.brokerName ?? '', now));
      return response;
    },

    async reportOutcome(req, ctx) {
      const now = clock.now();
      const event = outcomeFromWire(req, now);
      if (isSampled(ctx.span)) ctx.span.setAttribute(ATTR.requestId, event.requestId);
      const [ack] = await report([event], ctx, now);
      return ack!;
    },

    async reportOutcomes(req, ctx) {
      const now = clock.now();
      return { acks: await report(outcomesFromWire(req, now), ctx, now) };
    },
  };
}

/** Starts the AdDecision service on config.host:config.ports.broker. */
export async function startBroker({ config, log }: { config: Config; log: Logger }): Promise<RunningService> {
  // The catalogue only feeds the static house-ad fallback: a broker without
  // one still runs (it falls back on cached rankings alone).
  let catalogue: CatalogueSource | null = null;
  try {
    catalogue = watchCatalogue(config.cataloguePath, config.catalogueReloadMs, log);
  } catch (err) {
    log.warn('catalogue not loaded; no static house-ad fallback', {
      path: config.cataloguePath,
      error: messageOf(err),
    });
  }
  const links = connectAgents(config);
  // Overrides are hard constraints: wait (briefly) for the current set before taking decisions.
  const admin: AdminLink = connectAdmin(config, log);
  if (!(await firstOverrides(admin))) log.warn('no override set yet; starting without', { via: admin.kind });
  const handlers = brokerHandlers({
    agents: links.agents,
    outcomes: links.outcomes,
    fallbacks: new FallbackCache(),
    staticRanking: catalogue ? houseRanking(catalogue) : undefined,
    config,
    log,
    overrides: admin.overrides,
    recorder: admin.recorder,
    brokerName: admin.name,
  });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      host: config.host,
      port: config.ports.broker,
      serviceNames: [SERVICE_NAMES.adDecision],
      services: [
        [
          v1.AdDecision.service,
          {
            Decide: unary(SPAN.decide, handlers.decide, log),
            ReportOutcome: unary(SPAN.reportOutcome, handlers.reportOutcome, log),
            ReportOutcomes: unary(SPAN.reportOutcomes, handlers.reportOutcomes, log),
          },
        ],
      ],
      log,
    });
  } catch (err) {
    links.close();
    catalogue?.close();
    await admin.close();
    throw err;
  }
  log.info('broker listening', { address: server.address, agents: config.addresses });
  return {
    name: 'broker',
    address: server.address,
    port: server.port,
    async close() {
      await server.shutdown();
      links.close();
      catalogue?.close();
      await admin.close();
    },
  };
}
