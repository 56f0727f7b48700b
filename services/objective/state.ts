/**
 * Chooses the objective agent's state adapters from the config: embedded
 * in-process state when `redisUrl` is empty, Redis otherwise.
 */
import type { Config } from '../common/config';
import { createRedis } from '../common/state/redis';
import { type BrandLiftStore, EmbeddedBrandLiftStore } from './brand-lift';
import { RedisBrandLiftStore } from './brand-lift-redis';
import { type BudgetLedger, EmbeddedLedger } from './ledger';
import { EmbeddedOutcomeLog, type OutcomeLog } from './outcome-log';
import { RedisLedger, RedisOutcomeLog } from './redis-state';

export interface ObjectiveState {
  kind: 'embedded' | 'redis';
  ledger: BudgetLedger;
  outcomes: OutcomeLog;
  /** Brand-lift survey waves (ReportBrandLift). */
  brandLift: BrandLiftStore;
  close(): Promise<void>;
}

type StateConfig = Pick<
  Config,
  | 'redisUrl'
  | 'redisPrefix'
  | 'reservationTtlMs'
  | 'lateImpressionMs'
  | 'idempotencyTtlMs'
  | 'eventLogMaxLen'
  | 'idempotencyMaxKeys'
>;

export function createObjectiveState(config: StateConfig): ObjectiveState {
  const ledgerOptions = {
    reservationTtlMs: config.reservationTtlMs,
    lateImpressionMs: config.lateImpressionMs,
  };
  const logOptions = { idempotencyTtlMs: config.idempotencyTtlMs, maxLen: config.eventLogMaxLen };
  if (!config.redisUrl) {
    const ledger = new EmbeddedLedger(ledgerOptions);
    return {
      kind: 'embedded',
      ledger,
      outcomes: new EmbeddedOutcomeLog(ledger, { ...logOptions, maxKeys: config.idempotencyMaxKeys }),
      brandLift: new EmbeddedBrandLiftStore(),
      close: async () => undefined,
    };
  }
  const redis = createRedis(config.redisUrl);
  return {
    kind: 'redis',
    ledger: new RedisLedger(redis, config.redisPrefix, ledgerOptions),
    outcomes: new RedisOutcomeLog(redis, config.redisPrefix, logOptions),
    brandLift: new RedisBrandLiftStore(redis, config.redisPrefix),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
