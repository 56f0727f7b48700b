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
import type { Settlement } from '../../proto/gen/parley/v1/Settlement';
import { type CatalogueSource, watchCatalogue } from '../common/catalogue/load';
import type { Config } from '../common/config';
import type { OutcomeEventInput } from '../common/domain/types';
import { messageOf, RpcError, statusOf } from '../common/grpc/errors';
import { SERVICE_NAMES, v1 } from '../common/grpc/proto';
import { type RunningService, startServer, type UnaryHandler, unary } from '../common/grpc/server';
import { type Logger, warnNowAndThen } from '../common/log';
import { recordDecision, recordShed } from '../common/metrics';
import { ATTR, SPAN } from '../common/semconv';
import { createRedis } from '../common/state/redis';
import { ioTimeout } from '../common/timers';
import { isSampled } from '../common/tracing';
import { chargeRefusalToWire } from '../common/wire/common';
import { type AdminLink, connectAdmin, firstOverrides } from './admin-link';
import { Admission, shedAgents, watchEventLoopLag } from './admission';
import {
  type AnswerCodec,
  type AnswerStore,
  type Claim,
  EmbeddedAnswerStore,
  MAX_EMBEDDED_ANSWERS,
} from './answers';
import { RedisAnswerStore } from './answers-redis';
import { decideStream } from './decide-stream';
import { buildDecisionRecord, type DecisionRecorder } from './decision-log';
import { FallbackCache, houseRanking, type StaticRanking } from './fallbacks';
import { connectAgents } from './links';
import { brokerSettings, type Clock, decide, systemClock } from './negotiation';
import type { OverrideSource } from './overrides';
import type { NegotiationAgents, OutcomePorts, OutcomeAck as RecordedOutcome } from './ports';
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
  /** Answers by request id, for idempotent Decide (config.decideIdempotencyMs); none = every call decides. */
  answers?: AnswerStore<DecideResponse>;
  /** Load shedding (admission.ts); none = every decision negotiates. */
  admission?: Admission;
}

export interface BrokerHandlers {
  decide: UnaryHandler<DecideRequest__Output, DecideResponse>;
  reportOutcome: UnaryHandler<OutcomeReport__Output, OutcomeAck>;
  reportOutcomes: UnaryHandler<OutcomeReports__Output, OutcomeAcks>;
}

/** What an outcome report did to the money, as the ad server is told (OutcomeAck.settlement). */
export function settlementOf(a: Omit<RecordedOutcome, 'accepted'>): Settlement {
  if (a.duplicate) return 'SETTLEMENT_DUPLICATE';
  if (a.refusal) return 'SETTLEMENT_NOT_CHARGED';
  if (a.settledMicros > 0) return a.late ? 'SETTLEMENT_CHARGED_LATE' : 'SETTLEMENT_SETTLED';
  return 'SETTLEMENT_NONE';
}

/** What a retry of a Decide still in progress is told (docs/operations.md, "Errors ad servers see"). */
export const DECIDE_ERRORS = {
  inProgress: 'request_id: a decision for this request_id is still in progress; retry after its deadline',
} as const;

/** How often a retry that found its first call still deciding looks for the answer. */
const ANSWER_POLL_MS = 5;
/**
 * The share of a decision's time it waits for the answer store's claim (a
 * few ms when the store is up); after it, the call decides as if the store
 * were unreachable. A store that is down (Redis killed, restarting) would
 * otherwise hold every answer past its deadline: its client queues the
 * commands until it reconnects or gives up.
 */
const CLAIM_SHARE = 0.25;

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
  /** A shed decision's house ads count their listener value under the (first) proposer's term. */
  const shedTerm = agents.proposers[0]?.spec.term ?? '';
  const noteOutcomeFailure = warnNowAndThen(log, 'outcomes not recorded');
  const noteAnswerStoreFailure = warnNowAndThen(log, 'idempotent Decide: the answer store failed');

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
    return acks.map((a) => ({
      accepted: a.accepted || a.duplicate,
      duplicate: a.duplicate,
      settlement: settlementOf(a),
      charged_micros: a.settledMicros,
      refusal: chargeRefusalToWire(a.refusal),
    }));
  };

  /** One decision, no questions asked about earlier calls. */
  const decideNow = async (
    req: DecideRequest__Output,
    input: ReturnType<typeof decideRequestFromWire>,
    ctx: { deadline: number; span: Span },
    /** Whether this call holds its request id (idempotent Decide): else it reserves and records nothing. */
    owned?: () => Promise<boolean>,
  ): Promise<DecideResponse> => {
    const started = performance.now();
    const now = clock.now();
    const deadline = effectiveDeadline(now, ctx.deadline, input.deadlineMs, config.defaultDeadlineMs);
    const left = deadline - now;
    if (left < config.minDeadlineMs) {
      throw new RpcError(
        grpc.status.DEADLINE_EXCEEDED,
        `only ${Math.max(0, Math.floor(left))} ms left; a decision needs at least ${config.minDeadlineMs} ms`,
      );
    }
    // Under load, answer at once with house ads instead of negotiating (admission.ts).
    const admission = deps.admission;
    const shed = admission?.admit(left) ?? null;
    let negotiators = agents;
    if (admission && shed) negotiators = shedAgents(admission.detail(shed), shedTerm);
    // The request waited about as long as the event loop lags before this handler saw it:
    // a negotiation takes that off its time (a shed decision needs next to none).
    const lag = admission && !shed ? admission.lag : 0;
    const decision = await decide(
      { ...input, deadline: deadline - lag, span: ctx.span },
      {
        agents: negotiators,
        fallbacks: deps.fallbacks,
        staticRanking: deps.staticRanking,
        settings,
        overrides: deps.overrides?.current(),
        clock,
        log,
        mayCommit: owned,
      },
    ).finally(() => {
      if (admission && !shed) admission.done();
    });
    // A dry run is a preview, and a superseded call a duplicate: neither counts in the metrics or the log.
    const counted = !input.dryRun && (owned ? await owned() : true);
    if (counted) recordDecision(decision, performance.now() - started);
    if (counted && shed) recordShed(shed);
    if (isSampled(ctx.span) && (counted || input.dryRun)) {
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
      for (const [name, r] of e.agents) ctx.span.setAttribute(`${ATTR.modelVersion}.${name}`, r.modelVersion);
    }
    const response = decisionToWire(decision);
    const build = () => buildDecisionRecord(req, response, decision, deps.brokerName ?? '', now);
    // A dry run's record is built and dropped: the same work, so a warm-up compiles it (decision-log.ts).
    if (counted) deps.recorder?.record(build);
    else if (input.dryRun) deps.recorder?.rehearse(build);
    return response;
  };

  const windowMs = config.decideIdempotencyMs;
  const answers = windowMs > 0 ? deps.answers : undefined;
  /**
   * Decide, once per request id within the window: a retry gets the first
   * answer (nothing new reserved or logged); one that comes while the first
   * is still deciding waits for it until its own deadline (ABORTED after).
   * The claim runs beside the negotiation and only the commit waits for it,
   * so the store's round trip costs no time. When the store cannot be
   * reached, or does not answer within CLAIM_SHARE of the decision's time
   * (Redis down or restarting), the call decides (an answer matters more; a duplicate then costs
   * at most one more reservation).
   */
  const decideOnce = async (req: DecideRequest__Output, ctx: { deadline: number; span: Span }) => {
    const input = decideRequestFromWire(req);
    if (!answers || input.dryRun) return decideNow(req, input, ctx);
    const id = input.requestId;
    const deadline = effectiveDeadline(clock.now(), ctx.deadline, input.deadlineMs, config.defaultDeadlineMs);
    // Too little time to decide: refused (DEADLINE_EXCEEDED) without touching the store.
    if (deadline - clock.now() < config.minDeadlineMs) return decideNow(req, input, ctx);
    const claimWaitMs = Math.max(1, (deadline - clock.now()) * CLAIM_SHARE);
    /** When the store has taken the latest claim (or failed it): what keep's write must come after. */
    let landed: Promise<unknown> = Promise.resolve();
    const claimNow = () =>
      new Promise<Claim<DecideResponse>>((resolve) => {
        const timer = ioTimeout(claimWaitMs, () => {
          noteAnswerStoreFailure({ error: `no answer within ${Math.round(claimWaitMs)} ms` });
          resolve({ kind: 'mine' });
        });
        const stored = answers.claim(id, windowMs);
        landed = stored.catch(() => undefined);
        stored.then(
          (claim) => {
            timer.clear();
            resolve(claim);
          },
          (err) => {
            timer.clear();
            noteAnswerStoreFailure({ error: messageOf(err) });
            resolve({ kind: 'mine' });
          },
        );
      });
    /**
     * Keeps a decision's answer for the window (or forgets the claim when it failed), once the
     * claim has landed: a claim that outlived its wait and landed after a drop would hold the id
     * "in progress" for the window, and every retry of it would end ABORTED.
     */
    const keep = (response: Promise<DecideResponse>) =>
      response.then(
        (r) => {
          void landed.then(() =>
            answers.answer(id, r, windowMs).catch((e) => noteAnswerStoreFailure({ error: messageOf(e) })),
          );
          return r;
        },
        (err) => {
          void landed.then(() =>
            answers.drop(id).catch((e) => noteAnswerStoreFailure({ error: messageOf(e) })),
          );
          throw err;
        },
      );

    const claim = claimNow();
    const decision = decideNow(req, input, ctx, async () => (await claim).kind === 'mine');
    // Handled from the start: it may fail (a deadline too short) before the claim is known.
    decision.catch(() => undefined);
    let first = await claim;
    if (first.kind === 'mine') return keep(decision);
    // A duplicate: its negotiation reserves and records nothing, and its answer is not used.
    for (;;) {
      if (first.kind === 'answered') {
        if (isSampled(ctx.span)) ctx.span.setAttributes({ [ATTR.requestId]: id, [ATTR.replayed]: true });
        return first.answer;
      }
      if (first.kind === 'mine') return keep(decideNow(req, input, ctx)); // the first call failed: decide afresh
      if (clock.now() + ANSWER_POLL_MS >= deadline)
        throw new RpcError(grpc.status.ABORTED, DECIDE_ERRORS.inProgress);
      await new Promise((r) => setTimeout(r, ANSWER_POLL_MS));
      first = await claimNow();
    }
  };

  return {
    decide: decideOnce,

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

/** Where a broker keeps its answers by request id: Redis when brokers share one, else its memory. */
function answerStore(config: Config, log: Logger): AnswerStore<DecideResponse> {
  const decide = v1.AdDecision.service.Decide;
  const codec: AnswerCodec<DecideResponse> = {
    encode: (a) => decide.responseSerialize(a),
    decode: (b) => decide.responseDeserialize(b),
  };
  if (!config.redisUrl) return new EmbeddedAnswerStore(Date.now, MAX_EMBEDDED_ANSWERS, codec);
  const redis = createRedis(config.redisUrl);
  redis.on('error', (err) => log.debug('answer store redis error', { error: err.message }));
  return new RedisAnswerStore<DecideResponse>(redis, config.redisPrefix, codec, true);
}

/** How long a starting broker waits for its agents before it serves anyway (degraded without the missing ones). */
export const AGENTS_READY_WAIT_MS = 10_000;

/**
 * Starts the AdDecision service on config.host:config.ports.broker. Its
 * health says NOT_SERVING until every agent's channel is connected (so a
 * load balancer or `parley mesh` sends nothing a broker would have to
 * answer degraded), or until `readyWaitMs` passed: then it serves anyway,
 * failing small without the missing agents, and says which in the log.
 */
export async function startBroker({
  config,
  log,
  readyWaitMs = AGENTS_READY_WAIT_MS,
}: {
  config: Config;
  log: Logger;
  readyWaitMs?: number;
}): Promise<RunningService> {
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
  const links = connectAgents(config, log);
  const answers = answerStore(config, log);
  // Overrides are hard constraints: wait (briefly) for the current set before taking decisions.
  const admin: AdminLink = connectAdmin(config, log);
  if (!(await firstOverrides(admin))) log.warn('no override set yet; starting without', { via: admin.kind });
  const admission = new Admission(config.shed);
  const stopLagWatch = watchEventLoopLag((ms) => admission.observeLag(ms));
  const handlers = brokerHandlers({
    admission,
    agents: links.agents,
    outcomes: links.outcomes,
    fallbacks: new FallbackCache(),
    staticRanking: catalogue ? houseRanking(catalogue) : undefined,
    config,
    log,
    overrides: admin.overrides,
    recorder: admin.recorder,
    brokerName: admin.name,
    answers,
  });
  const decideCall = unary(SPAN.decide, handlers.decide, log);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      host: config.host,
      port: config.ports.broker,
      serviceNames: [SERVICE_NAMES.adDecision],
      serving: false,
      services: [
        [
          v1.AdDecision.service,
          {
            Decide: decideCall,
            DecideStream: decideStream(decideCall, log),
            ReportOutcome: unary(SPAN.reportOutcome, handlers.reportOutcome, log),
            ReportOutcomes: unary(SPAN.reportOutcomes, handlers.reportOutcomes, log),
          },
        ],
      ],
      log,
    });
  } catch (err) {
    stopLagWatch();
    links.close();
    catalogue?.close();
    await admin.close();
    await answers.close();
    throw err;
  }
  log.info('broker listening', { address: server.address, agents: config.addresses });
  const readySince = Date.now();
  const readiness = setInterval(() => {
    const missing = links.notReady();
    const late = Date.now() - readySince >= readyWaitMs;
    if (missing.length > 0 && !late) return;
    clearInterval(readiness);
    for (const name of ['', SERVICE_NAMES.adDecision]) server.health.setStatus(name, 'SERVING');
    if (missing.length === 0) log.info('serving: every agent is connected');
    else log.warn('serving without some agents: decisions are degraded without them', { missing });
  }, 20);
  return {
    name: 'broker',
    address: server.address,
    port: server.port,
    async close() {
      clearInterval(readiness);
      stopLagWatch();
      await server.shutdown();
      links.close();
      catalogue?.close();
      await admin.close();
      await answers.close();
    },
  };
}
