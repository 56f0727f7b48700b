/**
 * Every span and attribute name parley emits, in one place, so a rename in
 * the OpenTelemetry semantic conventions (the rpc.* names are moving) is a
 * one-file change.
 */
export const ATTR = {
  rpcSystem: 'rpc.system',
  rpcService: 'rpc.service',
  rpcMethod: 'rpc.method',
  rpcStatusCode: 'rpc.grpc.status_code',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  /** Which kind of call (assess, propose, …) a span or series of Agent/Negotiate is about. */
  agentCall: 'parley.agent.call',
  requestId: 'parley.request_id',
  round: 'parley.negotiation.round',
  rounds: 'parley.negotiation.rounds',
  /** The lead ad was drawn by exploration (services/broker/explore.ts). */
  explored: 'parley.decision.explored',
  dryRun: 'parley.decision.dry_run',
  /** A Decide retried within the idempotency window: answered with the first call's answer. */
  replayed: 'parley.decision.replayed',
  scenario: 'parley.context.scenario',
  candidatesProposed: 'parley.candidates.proposed',
  candidatesEligible: 'parley.candidates.eligible',
  candidatesRemoved: 'parley.candidates.removed',
  chosenCreative: 'parley.decision.creative_ids',
  utility: 'parley.decision.utility',
  noAd: 'parley.decision.no_ad',
  degraded: 'parley.decision.degraded',
  modelVersion: 'parley.model_version',
  /** The registry name of the agent a client span or metric series is about. */
  agent: 'parley.agent',
  reservations: 'parley.commit.reserved',
  rejectedCommits: 'parley.commit.rejected',
} as const;

export const SPAN = {
  decide: 'parley.v1.AdDecision/Decide',
  reportOutcome: 'parley.v1.AdDecision/ReportOutcome',
  reportOutcomes: 'parley.v1.AdDecision/ReportOutcomes',
  assess: 'parley.v1.ContextAgent/Assess',
  round: 'parley.negotiation.round',
} as const;

/**
 * Every metric parley exports, named as Prometheus shows them: snake_case,
 * the unit as a suffix, and counters without `_total` (the Prometheus
 * exporter appends it to monotonic sums). Labels come from METRIC_ATTR and
 * stay low-cardinality: never a request or session id (a campaign id is
 * fine: the catalogue is bounded).
 */
export const METRIC = {
  /** Histograms of every gRPC call, per service, method and status (seconds, as rpc.server.duration / rpc.client.duration). */
  rpcServerDuration: 'rpc_server_duration_seconds',
  rpcClientDuration: 'rpc_client_duration_seconds',
  /** Broker: answered decisions, their latency, no-ad reasons, degraded parts. */
  decisions: 'parley_decisions',
  decisionDuration: 'parley_decision_duration_seconds',
  noAdDecisions: 'parley_no_ad_decisions',
  degradedDecisions: 'parley_degraded_decisions',
  /** Broker: decisions shed (answered at once with house ads, no agent asked), by why. */
  shedDecisions: 'parley_shed_decisions',
  /** Objective agent: outcomes recorded (first time per idempotency key). */
  outcomes: 'parley_outcomes',
  /** Objective agent: what each impression of a reservation charged (on time, late, or why nothing). */
  impressionCharges: 'parley_impression_charges',
  /** Objective agent, per campaign (gauges read at scrape time). */
  campaignSpent: 'parley_campaign_spent_micros',
  campaignReserved: 'parley_campaign_reserved_micros',
  campaignBudget: 'parley_campaign_budget_micros',
  campaignPacedSpend: 'parley_campaign_paced_spend_micros',
  campaignIdealSpend: 'parley_campaign_ideal_spend_micros',
  campaignPacedBudget: 'parley_campaign_paced_budget_micros',
  campaignPacingMultiplier: 'parley_campaign_pacing_multiplier',
  /** Federated aggregator rounds. */
  federatedRounds: 'parley_federated_rounds',
  federatedRoundDuration: 'parley_federated_round_duration_seconds',
  federatedRoundClients: 'parley_federated_round_clients',
  federatedModelVersion: 'parley_federated_model_version',
  /** Federated aggregator: the open round as it goes (gauges read at scrape time). */
  federatedRoundOpen: 'parley_federated_round_open',
  federatedRoundJoined: 'parley_federated_round_joined_clients',
  federatedRoundAccepted: 'parley_federated_round_accepted_updates',
  federatedRoundSecondsLeft: 'parley_federated_round_remaining_seconds',
  /** Outcome-log consumers (the inventory agent's online learner): how far behind the log, and entries read. */
  outcomeConsumerLag: 'parley_outcome_log_consumer_lag_seconds',
  outcomeEntriesRead: 'parley_outcome_log_entries_read',
  /** Admin: decision records brokers stream to it (embedded decision log), by result. */
  decisionRecords: 'parley_decision_records_received',
  /** Admin: overrides in force now, by kind (read at scrape time). */
  overridesActive: 'parley_overrides_active',
  /** Every agent: the model version each of its models uses now (an info gauge, always 1). */
  modelInfo: 'parley_model_info',
  /** Inventory agent: online learning steps by result, and the holdout log-loss of the policy in use. */
  onlineSteps: 'parley_online_learning_steps',
  onlineHoldoutLoss: 'parley_online_learning_holdout_loss',
  /**
   * The process's runtime, named as @opentelemetry/instrumentation-runtime-node
   * names them (nodejs.eventloop.delay.p99, v8js.gc.duration,
   * v8js.memory.heap.used) in Prometheus form. The event-loop delay gauges
   * cover the time since the previous scrape.
   */
  eventLoopDelayP50: 'nodejs_eventloop_delay_p50_seconds',
  eventLoopDelayP99: 'nodejs_eventloop_delay_p99_seconds',
  eventLoopDelayMax: 'nodejs_eventloop_delay_max_seconds',
  gcDuration: 'v8js_gc_duration_seconds',
  heapUsed: 'v8js_memory_heap_used_bytes',
} as const;

export const METRIC_ATTR = {
  rpcService: ATTR.rpcService,
  rpcMethod: ATTR.rpcMethod,
  rpcStatusCode: ATTR.rpcStatusCode,
  /** The agent a broker's client series is about (its registry name). */
  agent: ATTR.agent,
  /** The kind of call on Agent/Negotiate (assess, propose, critique, commit, release, outcomes). */
  agentCall: ATTR.agentCall,
  /** `ad` or `no_ad`. */
  result: 'parley.decision.result',
  degraded: 'parley.decision.degraded',
  reason: 'parley.reason',
  part: 'parley.part',
  event: 'parley.outcome.event',
  /** `settled`, `late` or a charge refusal (`lifetime_budget`, `daily_budget`, `released`, `unknown`). */
  charge: 'parley.charge',
  campaign: 'parley.campaign_id',
  period: 'parley.budget.period',
  status: 'parley.federated.status',
  /** `accepted`, `rejected` or `rolled_back`. */
  step: 'parley.online.step',
  /** A consumer group of the outcome log (e.g. PARLEY_ONLINE_GROUP). */
  consumerGroup: 'parley.consumer_group',
  /** `accepted` or `malformed` (a decision record the admin service received). */
  record: 'parley.record.result',
  /** An override kind: block, pause, pin, boost, brand_safety, separation. */
  overrideKind: 'parley.override.kind',
  /** Which model of a process (e.g. `inventory.policy`, `objective.forecast`). */
  model: 'parley.model',
  /** The version of that model in use. */
  modelVersion: ATTR.modelVersion,
  /** `major`, `minor`, `incremental` or `weakcb`. */
  gcType: 'v8js.gc.type',
  /** A V8 heap space, e.g. `old_space`. */
  heapSpace: 'v8js.heap.space.name',
} as const;

/**
 * The one gRPC method every broker↔agent call travels on (a long-lived
 * bidi stream, services/common/grpc/agent-stream.ts). Each call on it still
 * gets a client and a server span and its rpc.* series, named and labelled
 * as this method, with the kind of call in parley.agent.call.
 */
export const AGENT_NEGOTIATE = 'parley.v1.Agent/Negotiate';

/** host and port of a gRPC target or :authority ("h:p", "[v6]:p", "h"); port 0 when it names none. */
export function hostPort(address: string): { host: string; port: number } {
  const m = /^\[([^\]]*)\](?::(\d+))?$/.exec(address) ?? /^([^:]*)(?::(\d+))?$/.exec(address);
  if (!m) return { host: address, port: 0 };
  return { host: m[1] ?? '', port: m[2] ? Number(m[2]) : 0 };
}

type RpcAttributes = Readonly<Record<string, string | number>>;
const rpcAttributeCache = new Map<string, RpcAttributes>();
/** Beyond this many (method, address) pairs, attributes are built per call rather than kept. */
const MAX_CACHED = 1024;

/**
 * The standard rpc.* span attributes of a fully-qualified method
 * ("parley.v1.AdDecision/Decide"), with server.address and server.port
 * when `address` (a target or a server's :authority) is given; `extra`
 * labels the set (e.g. the agent call kind). Built once per combination:
 * callers on a hot path keep the object they get.
 */
export function rpcAttributes(
  fullMethod: string,
  address = '',
  extra: Readonly<Record<string, string>> = {},
): RpcAttributes {
  const key = `${fullMethod} ${address} ${Object.entries(extra).join(' ')}`;
  let attrs = rpcAttributeCache.get(key);
  if (!attrs) {
    const [service = '', method = ''] = fullMethod.split('/');
    const out: Record<string, string | number> = {
      [ATTR.rpcSystem]: 'grpc',
      [ATTR.rpcService]: service,
      [ATTR.rpcMethod]: method,
    };
    if (address) {
      const { host, port } = hostPort(address);
      out[ATTR.serverAddress] = host;
      if (port) out[ATTR.serverPort] = port;
    }
    attrs = Object.freeze(Object.assign(out, extra));
    if (rpcAttributeCache.size < MAX_CACHED) rpcAttributeCache.set(key, attrs);
  }
  return attrs;
}
