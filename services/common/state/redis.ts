/**
 * The one way parley opens a Redis connection (the Redis adapters of every
 * port share it). Auto-pipelining batches the many small commands of
 * concurrent decisions into few round trips.
 */
import { Redis } from 'ioredis';

export function createRedis(url: string): Redis {
  return new Redis(url, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 2,
    lazyConnect: false,
  });
}

export type { Redis };
