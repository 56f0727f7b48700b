/**
 * A full Redis, as the deployments run it (maxmemory + noeviction,
 * deploy/k8s/base/redis.yaml): the budget ledger's writes are refused with
 * Redis's OOM error — so the objective agent's commit fails and the broker
 * serves house ads only (services/broker/negotiation/commit.ts) — while the
 * money already on the books stays exactly as it was; once memory is freed
 * reservations work again without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '../../services/common/state/redis';
import type { BudgetLimits } from '../../services/objective/ledger';
import { RedisLedger } from '../../services/objective/redis-state';
import { useTestRedis } from '../support/redis';

const HOUR = 3_600_000;
const NOW = Math.floor(Date.now() / HOUR) * HOUR;
const UNLIMITED: BudgetLimits = {
  totalBudgetMicros: 0,
  dailyBudgetMicros: 0,
  frequencyCap: { maxImpressions: 0, windowMs: HOUR },
};

const redis = useTestRedis();
let client: Redis;
let ledger: RedisLedger;

beforeAll(async () => {
  client = redis.client();
  await client.config('SET', 'maxmemory-policy', 'noeviction');
  ledger = new RedisLedger(client, 'full:', { reservationTtlMs: 60_000 });
});

afterAll(async () => {
  await client.config('SET', 'maxmemory', '0');
});

const reserve = (reservationId: string, amountMicros: number) =>
  ledger.reserve({
    reservationId,
    campaignId: 'c1',
    sessionId: 's1',
    amountMicros,
    limits: UNLIMITED,
    nowMs: NOW,
  });

async function usedMemory(): Promise<number> {
  const info = await client.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)![1]);
}

describe('budget ledger on a full Redis (maxmemory, noeviction)', () => {
  it('refuses new reservations with an error, keeps what was spent and reserved, and recovers when memory is freed', async () => {
    expect(await reserve('r1', 100)).toEqual({ reserved: true });
    expect((await ledger.settle('r1')).micros).toBe(100);
    expect(await reserve('r2', 40)).toEqual({ reserved: true });
    const before = await ledger.spend('c1', NOW);
    expect(before.lifetimeSpentMicros).toBe(100);
    expect(before.lifetimeReservedMicros).toBe(40);

    // Redis over its limit: data it holds (which noeviction keeps), then maxmemory below that.
    const filler = 'x'.repeat(10_000);
    for (let i = 0; i < 100; i++) await client.set(`filler:${i}`, filler);
    await client.config('SET', 'maxmemory', String((await usedMemory()) - 500_000));
    await expect(client.set('another', 'write'), 'a plain write is refused').rejects.toThrow(/OOM/);
    expect(await client.get('filler:0'), 'nothing evicted').toBe(filler);

    // A reservation fails loudly rather than being lost or evicting anything.
    await expect(reserve('r3', 10)).rejects.toThrow(/OOM/);
    const after = await ledger.spend('c1', NOW);
    expect(after.lifetimeSpentMicros, 'spent money stays on the books').toBe(100);
    expect(after.lifetimeReservedMicros, 'the open reservation is still held').toBe(40);

    // Memory freed (an operator raises maxmemory or data expires): it works again.
    await client.config('SET', 'maxmemory', '0');
    expect(await reserve('r3', 10)).toEqual({ reserved: true });
    expect((await ledger.settle('r2')).micros).toBe(40);
    expect((await ledger.spend('c1', NOW)).lifetimeSpentMicros).toBe(140);
  });
});
