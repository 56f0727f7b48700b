/**
 * The one place parley reads its configuration: environment variables with
 * typed defaults. Every service calls loadConfig() once at start-up; tests
 * pass an env object instead of mutating process.env.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { projectPath } from './paths';
import { parseRateLimit, type RateLimit } from './rate-limit';
import { type AgentEntry, loadRegistry, RegistryError } from './registry';
import { clusterTarget } from './state/redis';

/**
 * Weights of the joint utility's terms: the platform's revenue (the
 * broker's own term) and each agent's term by name (services/agents.yaml:
 * listener for the inventory agent, advertiser for the objective agent, …).
 */
export interface UtilityWeights {
  listener: number;
  advertiser: number;
  platform: number;
  [term: string]: number;
}

export interface Config {
  host: string;
  /** The broker's and the admin service's ports (agents' ports are in `agents`). */
  ports: { broker: number; admin: number };
  /** The agent registry (services/agents.yaml or PARLEY_AGENTS_FILE), env overrides applied. */
  agents: AgentEntry[];
  /** Where each registered agent listens (host:port), by name. */
  addresses: Record<string, string>;
  /** gRPC per-message compression on the broker's agent streams. */
  compression: 'off' | 'gzip' | 'deflate';
  /** How often a broker resolves agents' host names again to find their replicas (ms); 0 = never. */
  agentResolveMs: number;
  /**
   * Redis URL (`redis://`, `rediss://`, or `redis+cluster://host:port,…` for
   * a Redis Cluster: state/redis.ts), with REDIS_PASSWORD in it; empty = embedded in-process state.
   */
  redisUrl: string;
  /** Prefix of every Redis key this deployment owns. */
  redisPrefix: string;
  cataloguePath: string;
  /** A learned inventory policy (weights JSON); '' = the built-in baseline. Reloaded on change. */
  policyPath: string;
  /** A learned context model (`parley-context-skip/1`); '' = the rules alone. Reloaded on change. */
  contextModelPath: string;
  /** The context agent's ad-load policy (`parley-context-ad-load/1`); '' = none (the broker's floor). Reloaded on change. */
  adLoadPolicyPath: string;
  /** The inventory agent's offer policy (`parley-inventory-offer/1`); '' = none (its shortlist). Reloaded on change. */
  offerPolicyPath: string;
  /** A learned objective bid-multiplier policy (`parley-objective-pacing/1`); '' = the rules alone. Reloaded on change. */
  objectiveModelPath: string;
  /** A slot forecast (`parley-slot-forecast/1`) used as the even-pacing traffic profile; '' = flat. Reloaded on change. */
  forecastPath: string;
  /** How often the catalogue file is checked for changes. */
  catalogueReloadMs: number;
  /** Online learning of the inventory policy from the outcome log (learning/online.ts). */
  online: OnlineConfig;
  weights: UtilityWeights;
  /** Impressions below this price (micros) are never sold (house ads exempt). */
  priceFloorMicros: number;
  /** Price at which the platform-revenue utility term reaches 1. */
  revenueScaleMicros: number;
  maxRounds: number;
  shortlistSize: number;
  /** How the broker draws the lead ad (services/broker/explore.ts). */
  exploration: { epsilon: number; temperature: number };
  /** Ad load: an ad with a lower joint utility is not served; null = no floor. */
  minUtility: number | null;
  /** Decision deadline when the request names none (ms). */
  defaultDeadlineMs: number;
  /** Below this many ms left, a decision is refused as DEADLINE_EXCEEDED. */
  minDeadlineMs: number;
  /** A Decide retried with the same request_id within this window gets the first answer (ms; 0 = off). */
  decideIdempotencyMs: number;
  /** Load shedding: when the broker answers at once with house ads instead of negotiating (services/broker/admission.ts). */
  shed: { maxInFlight: number; maxLagMs: number; minBudgetMs: number };
  /** A reservation not settled by an impression within this time is released. */
  reservationTtlMs: number;
  /**
   * An impression up to this long after its reservation expired is still
   * charged when the budget allows (0 = never: refused as unknown).
   */
  lateImpressionMs: number;
  /** Per-session context state lives this long after the last signal. */
  sessionTtlMs: number;
  /** Outcome idempotency keys are remembered this long. */
  idempotencyTtlMs: number;
  /** Approximate cap of the outcome event log (Redis XADD MAXLEN ~). */
  eventLogMaxLen: number;
  /** The embedded outcome log's most idempotency keys (Redis expires them by TTL alone). */
  idempotencyMaxKeys: number;
  /** The admin service (overrides, audit log, decision log, dashboard). */
  admin: AdminConfig;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  serviceName: string;
  otlpEndpoint: string;
  /** Port of this process's Prometheus endpoint (/metrics); null = off. */
  metricsPort: number | null;
  /** Calls per caller identity on the admin and federated gRPC APIs (token bucket); null = off. */
  rateLimit: RateLimit | null;
}

export interface AdminConfig {
  /** HTTP port of the dashboard and its JSON API. */
  httpPort: number;
  /** Where brokers find the admin service (host:port); `off` = no admin link. */
  address: string;
  /** Dashboard sign-in tokens: `name:role:token` (role viewer|editor), comma-separated; '' = dev tokens made at start. */
  tokens: string;
  /** How many decision records the decision log keeps (ring buffer / Redis). */
  decisionLogSize: number;
  /** Embedded state: the file the overrides and their audit log are kept in ('' = memory only). */
  overridesJournal: string;
  /** The ISO 4217 code of the currency budgets and prices are in (the dashboard shows money in it). */
  currency: string;
}

export interface OnlineConfig {
  enabled: boolean;
  /** The inventory agent's consumer group on the outcome log; one per replica (each joins its own decisions). */
  group: string;
}

type Env = Record<string, string | undefined>;

export const DEFAULT_CATALOGUE = projectPath('catalogue/sample.yaml');
export const DEFAULT_REGISTRY = projectPath('services/agents.yaml');

export class ConfigError extends Error {}

/**
 * Default Prometheus endpoint port of the services that are not agents (9464
 * is the exporter's registered port); each agent's is in the registry
 * (metrics_port), so services sharing a host do not collide.
 */
export const DEFAULT_METRICS_PORTS: Record<string, number> = {
  broker: 9464,
  admin: 9468,
  aggregator: 9469,
};

/** PARLEY_METRICS_PORT: a port (0 = any free one), or `off`; the default depends on the service. */
function metricsPort(env: Env, serviceName: string, agents: readonly AgentEntry[]): number | null {
  if (str(env, 'PARLEY_METRICS_PORT', '') === 'off') return null;
  const name = serviceName.replace(/^parley-/, '');
  const def = DEFAULT_METRICS_PORTS[name] ?? agents.find((a) => a.name === name)?.metricsPort ?? 9464;
  return int(env, 'PARLEY_METRICS_PORT', def, 0, 65535);
}

/**
 * An environment variable's value through a zod schema (the project's one
 * schema library, services/common/schema.ts); unset or empty = `def`. The
 * error names the variable, what it expects and what it got.
 */
function envValue<T>(env: Env, name: string, def: T, schema: z.ZodType<T>, expected: string): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${name}: expected ${expected}, got "${raw}"`);
  return parsed.data;
}

function int(env: Env, name: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const schema = z.coerce.number().int().min(min).max(max);
  return envValue(env, name, def, schema, `an integer in [${min}, ${max}]`);
}

function num(env: Env, name: string, def: number, min = 0, max = Number.MAX_VALUE): number {
  return envValue(env, name, def, z.coerce.number().min(min).max(max), `a number in [${min}, ${max}]`);
}

const SWITCH = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(['on', 'true', '1', 'yes', 'off', 'false', '0', 'no']))
  .transform((v) => ['on', 'true', '1', 'yes'].includes(v));

function bool(env: Env, name: string, def: boolean): boolean {
  return envValue(env, name, def, SWITCH, 'on|off');
}

function currency(env: Env): string {
  const code = str(env, 'PARLEY_CURRENCY', 'EUR');
  if (!/^[A-Z]{3}$/.test(code))
    throw new ConfigError(
      `PARLEY_CURRENCY: expected an ISO 4217 code of three capital letters, got "${code}"`,
    );
  return code;
}

function str(env: Env, name: string, def: string): string {
  const raw = env[name];
  return raw === undefined || raw === '' ? def : raw;
}

/**
 * REDIS_URL, with REDIS_PASSWORD (e.g. from a Kubernetes Secret, any
 * characters) put in as its password, so the URL can sit in a ConfigMap and
 * the password in a Secret.
 */
function redisUrl(env: Env): string {
  const url = str(env, 'REDIS_URL', '');
  const password = str(env, 'REDIS_PASSWORD', '');
  let cluster: ReturnType<typeof clusterTarget>;
  try {
    cluster = clusterTarget(url);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (!password) return url;
  if (!url) throw new ConfigError('REDIS_PASSWORD: set, but REDIS_URL is empty (no Redis to use it for)');
  if (cluster) {
    if (cluster.password !== undefined || cluster.username !== undefined)
      throw new ConfigError('REDIS_PASSWORD: REDIS_URL has a password already; give it in one place');
    // clusterTarget percent-decodes the password.
    return url.replace('://', `://:${encodeURIComponent(password)}@`);
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError('REDIS_URL: expected redis://host:port or rediss://host:port with REDIS_PASSWORD');
  }
  if ((u.protocol !== 'redis:' && u.protocol !== 'rediss:') || !u.hostname) {
    throw new ConfigError('REDIS_URL: expected redis://host:port or rediss://host:port with REDIS_PASSWORD');
  }
  if (u.password)
    throw new ConfigError('REDIS_PASSWORD: REDIS_URL has a password already; give it in one place');
  // ioredis percent-decodes the URL's password.
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** A Redis URL fit for a log line: its password, if any, masked. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function rateLimit(env: Env): RateLimit | null {
  try {
    return parseRateLimit(str(env, 'PARLEY_RATE_LIMIT', DEFAULT_RATE_LIMIT));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/** Generous: a person at the dashboard or a federated client polling never comes near it. */
export const DEFAULT_RATE_LIMIT = '100:200';

export function loadConfig(env: Env = process.env, serviceName = 'parley'): Config {
  const host = str(env, 'PARLEY_HOST', '127.0.0.1');
  const ports = {
    broker: int(env, 'PARLEY_BROKER_PORT', 50051, 0, 65535),
    admin: int(env, 'PARLEY_ADMIN_PORT', 50055, 0, 65535),
  };
  let agents: AgentEntry[];
  try {
    agents = loadRegistry(str(env, 'PARLEY_AGENTS_FILE', DEFAULT_REGISTRY), env, host);
  } catch (err) {
    if (err instanceof RegistryError) throw new ConfigError(err.message);
    throw err;
  }
  const weights: UtilityWeights = {
    listener: num(env, 'PARLEY_W_LISTENER', 1),
    advertiser: num(env, 'PARLEY_W_ADVERTISER', 1),
    platform: num(env, 'PARLEY_W_PLATFORM', 1),
  };
  for (const a of agents) if (a.term) weights[a.term] = a.weight;
  const compression = str(env, 'PARLEY_GRPC_COMPRESSION', 'off');
  if (compression !== 'off' && compression !== 'gzip' && compression !== 'deflate') {
    throw new ConfigError(`PARLEY_GRPC_COMPRESSION: expected off|gzip|deflate, got "${compression}"`);
  }
  const logLevel = str(env, 'PARLEY_LOG_LEVEL', 'info');
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`PARLEY_LOG_LEVEL: expected debug|info|warn|error, got "${logLevel}"`);
  }
  return {
    host,
    ports,
    agents,
    addresses: Object.fromEntries(agents.map((a) => [a.name, a.address])),
    compression,
    agentResolveMs: int(env, 'PARLEY_AGENT_RESOLVE_MS', 5000, 0, 3_600_000),
    redisUrl: redisUrl(env),
    redisPrefix: str(env, 'PARLEY_REDIS_PREFIX', 'parley:'),
    cataloguePath: str(env, 'PARLEY_CATALOGUE', DEFAULT_CATALOGUE),
    policyPath: str(env, 'PARLEY_POLICY_PATH', ''),
    contextModelPath: str(env, 'PARLEY_CONTEXT_MODEL_PATH', ''),
    adLoadPolicyPath: str(env, 'PARLEY_AD_LOAD_POLICY_PATH', ''),
    offerPolicyPath: str(env, 'PARLEY_OFFER_POLICY_PATH', ''),
    objectiveModelPath: str(env, 'PARLEY_OBJECTIVE_MODEL_PATH', ''),
    forecastPath: str(env, 'PARLEY_FORECAST_PATH', ''),
    catalogueReloadMs: int(env, 'PARLEY_CATALOGUE_RELOAD_MS', 1000, 50),
    online: {
      enabled: bool(env, 'PARLEY_ONLINE_LEARNING', true),
      group: str(env, 'PARLEY_ONLINE_GROUP', `inventory-online-${hostname()}`),
    },
    weights,
    priceFloorMicros: int(env, 'PARLEY_PRICE_FLOOR_MICROS', 2_000),
    revenueScaleMicros: int(env, 'PARLEY_REVENUE_SCALE_MICROS', 30_000, 1),
    maxRounds: int(env, 'PARLEY_MAX_ROUNDS', 3, 1, 10),
    shortlistSize: int(env, 'PARLEY_SHORTLIST_SIZE', 8, 1, 100),
    exploration: {
      epsilon: num(env, 'PARLEY_EXPLORATION_EPSILON', 0.05, 0, 1),
      temperature: num(env, 'PARLEY_EXPLORATION_TEMPERATURE', 0, 0, 100),
    },
    minUtility:
      str(env, 'PARLEY_MIN_UTILITY', 'off') === 'off' ? null : num(env, 'PARLEY_MIN_UTILITY', 0, -100, 100),
    defaultDeadlineMs: int(env, 'PARLEY_DEFAULT_DEADLINE_MS', 100, 1, 60_000),
    minDeadlineMs: int(env, 'PARLEY_MIN_DEADLINE_MS', 5, 0, 1000),
    decideIdempotencyMs: int(env, 'PARLEY_DECIDE_IDEMPOTENCY_MS', 60_000, 0, 86_400_000),
    shed: {
      maxInFlight: int(env, 'PARLEY_SHED_MAX_IN_FLIGHT', 64, 0, 1_000_000),
      maxLagMs: int(env, 'PARLEY_SHED_MAX_LAG_MS', 50, 0, 60_000),
      minBudgetMs: int(env, 'PARLEY_SHED_MIN_BUDGET_MS', 5, 0, 60_000),
    },
    reservationTtlMs: int(env, 'PARLEY_RESERVATION_TTL_MS', 120_000, 10),
    // At most a day, so the day a late impression is charged to still has its books (kept 2 days).
    lateImpressionMs: int(env, 'PARLEY_LATE_IMPRESSION_MS', 86_400_000, 0, 86_400_000),
    sessionTtlMs: int(env, 'PARLEY_SESSION_TTL_MS', 1_800_000, 10),
    idempotencyTtlMs: int(env, 'PARLEY_IDEMPOTENCY_TTL_MS', 7 * 24 * 3_600_000, 1000),
    // Embedded, both live in the objective agent's heap (~650 and ~300 bytes each): bounded to a few hundred MiB.
    eventLogMaxLen: int(env, 'PARLEY_EVENT_LOG_MAXLEN', redisUrl(env) ? 1_000_000 : 100_000, 10),
    idempotencyMaxKeys: int(env, 'PARLEY_IDEMPOTENCY_MAX_KEYS', 500_000, 1000),
    admin: {
      httpPort: int(env, 'PARLEY_ADMIN_HTTP_PORT', 8055, 0, 65535),
      address: str(env, 'PARLEY_ADMIN_ADDR', `${host}:${ports.admin}`),
      tokens: str(env, 'PARLEY_ADMIN_TOKENS', ''),
      decisionLogSize: int(env, 'PARLEY_DECISION_LOG_SIZE', 10_000, 10, 10_000_000),
      overridesJournal: str(env, 'PARLEY_OVERRIDES_JOURNAL', ''),
      currency: currency(env),
    },
    logLevel: logLevel as Config['logLevel'],
    serviceName: str(env, 'OTEL_SERVICE_NAME', serviceName),
    otlpEndpoint: str(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', ''),
    metricsPort: metricsPort(env, serviceName, agents),
    rateLimit: rateLimit(env),
  };
}
