/**
 * Micro-benchmark of the context agent's per-call cost in process, with the
 * embedded session store and with the Redis one (a throwaway redis-server):
 * assess and observe, in µs per call, and the Redis commands each makes.
 *
 *   npx tsx bench/micro/context.ts [--quick]
 */

import { pathToFileURL } from 'node:url';
import type { ListenerSignals__Output } from '../../proto/gen/parley/v1/ListenerSignals';
import { optionsOrExit } from '../../services/common/cli';
import type { Signals } from '../../services/common/domain/types';
import { createRedis } from '../../services/common/state/redis';
import { signalsFromWire } from '../../services/common/wire/common';
import { ContextAgent, type Observation } from '../../services/context/agent';
import { MemorySessionStore, type SessionStore } from '../../services/context/session-store';
import { RedisSessionStore } from '../../services/context/session-store-redis';
import { startRedis } from '../../test/support/redis-server';
import { createWorkload } from '../workload';
import {
  countSent,
  describeRedisCost,
  type Measurement,
  measure,
  measurementTable,
  redisCost,
} from './local-measure';

export const SESSION_TTL_MS = 1_800_000;
/** Observations per batched call. */
const BATCH = 16;
/** Listener sessions the calls spread over. */
export const SESSIONS = 10_000;

/** `count` listener signals as the mesh benchmark's traffic sends them (bench/workload.ts). */
export function benchSignals(count: number, seed = 11): Signals[] {
  const w = createWorkload({ seed, tag: 'micro', sessions: SESSIONS, deadlineMs: 100, nowMs: Date.now() });
  return Array.from({ length: count }, (_, n) =>
    signalsFromWire(w.request(n).signals as ListenerSignals__Output),
  );
}

/** The session observations of an ad served and then completed or skipped. */
export function observationsOf(sessionId: string, i: number): Observation[] {
  const skipped = i % 3 === 0;
  return [
    { sessionId, adServed: true, adSkipped: false, adCompleted: false },
    { sessionId, adServed: false, adSkipped: skipped, adCompleted: !skipped },
  ];
}

export function quickOptions(quick: boolean) {
  return quick ? { warmup: 200, iterations: 500, runs: 3 } : { warmup: 2_000, iterations: 5_000, runs: 5 };
}

async function measureAgent(label: string, store: SessionStore, quick: boolean): Promise<Measurement[]> {
  const agent = new ContextAgent(store);
  const signals = benchSignals(4096);
  const opts = quickOptions(quick);
  const at = (i: number) => signals[i % signals.length]!;
  return [
    await measure(`${label}: assess`, (i) => agent.assess(at(i), Date.now()), opts),
    await measure(
      `${label}: observe`,
      (i) => agent.observe(observationsOf(at(i).sessionId, i)[i % 2]!, Date.now()),
      opts,
    ),
    await measure(
      `${label}: observeMany (${BATCH} per call)`,
      (i) => {
        const observations: Observation[] = [];
        for (let k = 0; k < BATCH; k++)
          observations.push(observationsOf(at(i * BATCH + k).sessionId, k)[k % 2]!);
        return agent.observeMany(observations, Date.now());
      },
      { ...opts, iterations: Math.ceil(opts.iterations / BATCH), warmup: Math.ceil(opts.warmup / BATCH) },
    ),
  ];
}

async function main(): Promise<void> {
  const quick = optionsOrExit(
    process.argv.slice(2),
    {
      usage: 'npx tsx bench/micro/context.ts [--quick]',
      summary: 'Per-call cost of the context agent in process, embedded and with Redis.',
      flags: { quick: { help: 'fewer, shorter runs' } },
    },
    ({ values }) => values.quick === true,
  );
  const rows = await measureAgent('embedded', new MemorySessionStore({ ttlMs: SESSION_TTL_MS }), quick);
  const redis = await startRedis();
  const lines: string[] = [];
  try {
    const client = createRedis(redis.url);
    const sent = [await countSent(client)];
    const store = new RedisSessionStore({
      redis: client,
      prefix: 'micro:',
      ttlMs: SESSION_TTL_MS,
      ownsConnection: true,
    });
    rows.push(...(await measureAgent('redis', store, quick)));
    const stats = redis.client();
    const agent = new ContextAgent(store);
    const signals = benchSignals(4096, 12);
    const n = quick ? 500 : 2_000;
    const assess = await redisCost(
      stats,
      n,
      (i) => agent.assess(signals[i % signals.length]!, Date.now()),
      sent,
    );
    lines.push(`- assess: ${describeRedisCost(assess)}`);
    const observe = await redisCost(
      stats,
      n,
      (i) => agent.observe(observationsOf(signals[i % signals.length]!.sessionId, i)[i % 2]!, Date.now()),
      sent,
    );
    lines.push(`- observe: ${describeRedisCost(observe)}`);
    await store.close();
  } finally {
    await redis.stop();
  }
  console.log(`## context agent (node ${process.version})\n\n${measurementTable(rows)}\n`);
  console.log(`Redis per call:\n\n${lines.join('\n')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
