/**
 * Micro-benchmark of the objective agent's per-call cost in process, with
 * the embedded state and with the Redis one (a throwaway redis-server), on
 * the mesh benchmark's generated catalogue (bench/catalogue.ts): evaluate
 * (a shortlist of 8), commit (one ad), recordOutcome, in µs per call. Then
 * the Redis commands of a whole decision as the mesh makes it: the context
 * agent's assess, evaluate, commit, and two outcomes (each recorded by the
 * objective agent and observed by the context agent).
 *
 *   npx tsx bench/micro/objective.ts [--quick]
 */

import { pathToFileURL } from 'node:url';
import { parseCatalogue, staticCatalogue } from '../../services/common/catalogue/load';
import type { Catalogue } from '../../services/common/catalogue/types';
import { optionsOrExit } from '../../services/common/cli';
import type { Candidate, OutcomeEventInput, Signals } from '../../services/common/domain/types';
import { seededRng } from '../../services/common/rng';
import { createRedis, type Redis } from '../../services/common/state/redis';
import { ContextAgent, type Observation } from '../../services/context/agent';
import { RedisSessionStore } from '../../services/context/session-store-redis';
import { ObjectiveAgent } from '../../services/objective/agent';
import type { BudgetLedger } from '../../services/objective/ledger';
import { EmbeddedLedger } from '../../services/objective/ledger';
import type { OutcomeLog } from '../../services/objective/outcome-log';
import { EmbeddedOutcomeLog } from '../../services/objective/outcome-log';
import { RedisLedger, RedisOutcomeLog } from '../../services/objective/redis-state';
import { ADVISORY_READ_TTL_MS } from '../../services/objective/server';
import { startRedis } from '../../test/support/redis-server';
import { benchCatalogueYaml, DEFAULT_BENCH_CATALOGUE } from '../catalogue';
import { benchSignals, observationsOf, quickOptions, SESSION_TTL_MS } from './context';
import {
  countSent,
  describeRedisCost,
  type Measurement,
  measure,
  measurementTable,
  redisCost,
} from './local-measure';

const SHORTLIST = 8;
/** Outcomes (and observations) per batched call. */
const BATCH = 16;
/** Decisions in flight at once in the concurrent run. */
const IN_FLIGHT = 32;
const STATE = { reservationTtlMs: 120_000, idempotencyTtlMs: 7 * 86_400_000, maxLen: 1_000_000 };

/** What one decision sends the objective agent. */
interface Decision {
  signals: Signals;
  candidates: Candidate[];
}

/** `count` decisions: each a session's signals and a shortlist of 8 creatives of distinct campaigns. */
function decisions(catalogue: Catalogue, count: number, seed: number): Decision[] {
  const rng = seededRng(seed);
  const creatives = [...catalogue.creatives.values()].filter((c) => c.campaignId !== 'cmp-house');
  const signals = benchSignals(count, seed);
  return signals.map((s) => {
    const picked = new Map<string, Candidate>();
    while (picked.size < SHORTLIST) {
      const cr = creatives[Math.floor(rng.next() * creatives.length)]!;
      const campaign = catalogue.campaigns.get(cr.campaignId)!;
      const advertiser = catalogue.advertisers.get(campaign.advertiserId)!;
      const pSkip = 0.1 + 0.5 * rng.next();
      picked.set(campaign.id, {
        creativeId: cr.id,
        campaignId: campaign.id,
        advertiserId: advertiser.id,
        category: advertiser.category,
        durationMs: cr.durationMs,
        priceMicros: Math.round(campaign.cpmMicros / 1000),
        tier: campaign.tier,
        pSkip,
        pComplete: 1 - pSkip,
        pEngage: 0.02 * rng.next(),
        policyScore: rng.next(),
        audioUrl: cr.audioUrl,
        separationCategories: advertiser.separationCategories,
      });
    }
    return { signals: s, candidates: [...picked.values()] };
  });
}

function evaluateInput(d: Decision, i: number) {
  const context = {
    scenario: 'commute' as const,
    focusLevel: 0.5,
    receptiveness: 0.5,
    skipRisk: 0.3,
    features: [],
    modelVersion: 'micro',
    sessionAdsHeard: 0,
    isDefault: false,
  };
  return {
    requestId: `req-${i}`,
    round: 0,
    sessionId: d.signals.sessionId,
    context,
    candidates: d.candidates,
  };
}

function commitInput(d: Decision, i: number) {
  const c = d.candidates[i % d.candidates.length]!;
  return {
    requestId: `req-${i}`,
    sessionId: d.signals.sessionId,
    reservations: [{ creativeId: c.creativeId, campaignId: c.campaignId, amountMicros: c.priceMicros }],
  };
}

function outcome(
  d: Decision,
  i: number,
  reservationId: string,
  event: OutcomeEventInput['event'],
): OutcomeEventInput {
  return {
    idempotencyKey: `${i}-${event}`,
    requestId: `req-${i}`,
    reservationId,
    creativeId: d.candidates[i % d.candidates.length]!.creativeId,
    sessionId: d.signals.sessionId,
    event,
    skipOffsetMs: 0,
    occurredAtMs: 0,
  };
}

/** The second outcome of an ad: completed, or skipped one time in three. */
const ending = (i: number): OutcomeEventInput['event'] => (i % 3 === 0 ? 'skip' : 'complete');

function agentOf(catalogue: Catalogue, ledger: BudgetLedger, outcomes: OutcomeLog): ObjectiveAgent {
  return new ObjectiveAgent({
    catalogue: staticCatalogue(catalogue),
    ledger,
    outcomes,
    advisoryReadTtlMs: ADVISORY_READ_TTL_MS,
  });
}

async function measureAgent(
  label: string,
  agent: ObjectiveAgent,
  catalogue: Catalogue,
  quick: boolean,
): Promise<Measurement[]> {
  const opts = quickOptions(quick);
  const ds = decisions(catalogue, 4096, 21);
  const at = (i: number) => ds[i % ds.length]!;
  const reserved: string[] = [];
  const rows = [
    await measure(
      `${label}: evaluate (${SHORTLIST} candidates)`,
      (i) => agent.evaluate(evaluateInput(at(i), i)),
      opts,
    ),
    await measure(
      `${label}: commit (1 ad)`,
      async (i) => {
        const [r] = await agent.commit(commitInput(at(i), i));
        reserved.push(r!.reservationId);
      },
      opts,
    ),
    await measure(
      `${label}: recordOutcome (impression, settles)`,
      (i) => agent.recordOutcome(outcome(at(i), i, reserved[i % reserved.length]!, 'impression')),
      opts,
    ),
    await measure(
      `${label}: commit (1 ad) + release (the request)`,
      async (i) => {
        const input = commitInput(at(i), 2_000_000 + i);
        await agent.commit(input);
        await agent.release(input.requestId);
      },
      opts,
    ),
    await measure(
      `${label}: recordOutcomes (${BATCH} per call)`,
      (i) => {
        const events: OutcomeEventInput[] = [];
        for (let k = 0; k < BATCH; k++)
          events.push(outcome(at(i * BATCH + k), 3_000_000 + i * BATCH + k, '', 'complete'));
        return agent.recordOutcomes(events);
      },
      { ...opts, iterations: Math.ceil(opts.iterations / BATCH), warmup: Math.ceil(opts.warmup / BATCH) },
    ),
    await measure(
      `${label}: decision (evaluate, commit, 2 × recordOutcome)`,
      async (i) => {
        const d = at(i);
        const k = 1_000_000 + i;
        await agent.evaluate(evaluateInput(d, k));
        const [r] = await agent.commit(commitInput(d, k));
        await agent.recordOutcome(outcome(d, k, r!.reservationId, 'impression'));
        await agent.recordOutcome(outcome(d, k, r!.reservationId, ending(k)));
      },
      opts,
    ),
  ];
  return rows;
}

/** The Redis commands of whole decisions as the mesh makes them, both agents on one Redis. */
async function decisionCommands(redisUrl: string, stats: Redis, catalogue: Catalogue, n: number) {
  const redis = createRedis(redisUrl);
  const sent = [await countSent(redis)];
  const agent = agentOf(
    catalogue,
    new RedisLedger(redis, 'cost:', STATE),
    new RedisOutcomeLog(redis, 'cost:', STATE),
  );
  const context = new ContextAgent(new RedisSessionStore({ redis, prefix: 'cost:', ttlMs: SESSION_TTL_MS }));
  const ds = decisions(catalogue, 4096, 31);
  const run = async (i: number) => {
    const d = ds[i % ds.length]!;
    await context.assess(d.signals, Date.now());
    await agent.evaluate(evaluateInput(d, i));
    const [r] = await agent.commit(commitInput(d, i));
    const [served, ended] = observationsOf(d.signals.sessionId, i);
    await agent.recordOutcome(outcome(d, i, r!.reservationId, 'impression'));
    await context.observe(served!, Date.now());
    await agent.recordOutcome(outcome(d, i, r!.reservationId, ending(i)));
    await context.observe(ended!, Date.now());
  };
  // The same, the outcomes of BATCH decisions reported in one RecordOutcomes and one ObserveMany call.
  const events: OutcomeEventInput[] = [];
  const observations: Observation[] = [];
  const runBatched = async (i: number) => {
    const d = ds[i % ds.length]!;
    await context.assess(d.signals, Date.now());
    await agent.evaluate(evaluateInput(d, i));
    const [r] = await agent.commit(commitInput(d, i));
    events.push(outcome(d, i, r!.reservationId, 'impression'), outcome(d, i, r!.reservationId, ending(i)));
    observations.push(...observationsOf(d.signals.sessionId, i));
    if (events.length < 2 * BATCH) return;
    await agent.recordOutcomes(events.splice(0));
    await context.observeMany(observations.splice(0), Date.now());
  };
  for (let i = 0; i < 500; i++) await run(i); // warm the advisory cache and the sessions
  const single = await redisCost(stats, n, (i) => run(500 + i), sent);
  const batched = await redisCost(stats, n, (i) => runBatched(500 + n + i), sent);
  // Under load: IN_FLIGHT decisions at once, so concurrent commands share writes (auto-pipelining).
  const concurrent = await redisCost(
    stats,
    Math.ceil(n / IN_FLIGHT),
    (i) => Promise.all(Array.from({ length: IN_FLIGHT }, (_, k) => run(500 + 2 * n + i * IN_FLIGHT + k))),
    sent,
    IN_FLIGHT,
  );
  redis.disconnect();
  return { single, batched, concurrent };
}

async function main(): Promise<void> {
  const quick = optionsOrExit(
    process.argv.slice(2),
    {
      usage: 'npx tsx bench/micro/objective.ts [--quick]',
      summary: 'Per-call cost of the objective agent in process, embedded and with Redis.',
      flags: { quick: { help: 'fewer, shorter runs' } },
    },
    ({ values }) => values.quick === true,
  );
  const catalogue = parseCatalogue(benchCatalogueYaml({ ...DEFAULT_BENCH_CATALOGUE, nowMs: Date.now() }));
  const embedded = new EmbeddedLedger(STATE);
  const rows = await measureAgent(
    'embedded',
    agentOf(catalogue, embedded, new EmbeddedOutcomeLog(embedded, STATE)),
    catalogue,
    quick,
  );
  const server = await startRedis();
  let perDecision: string;
  try {
    const redis = server.client();
    const agent = agentOf(
      catalogue,
      new RedisLedger(redis, 'micro:', STATE),
      new RedisOutcomeLog(redis, 'micro:', STATE),
    );
    rows.push(...(await measureAgent('redis', agent, catalogue, quick)));
    const cost = await decisionCommands(server.url, server.client(), catalogue, quick ? 512 : 2_048);
    perDecision = [
      `- one decision at a time: ${describeRedisCost(cost.single)}`,
      `- the outcomes of ${BATCH} decisions in one RecordOutcomes and one ObserveMany call: ${describeRedisCost(cost.batched)}`,
      `- ${IN_FLIGHT} decisions in flight at once: ${describeRedisCost(cost.concurrent)}`,
    ].join('\n');
  } finally {
    await server.stop();
  }
  console.log(`## objective agent (node ${process.version})\n\n${measurementTable(rows)}\n`);
  console.log(
    `Redis per decision (assess, evaluate, commit, 2 outcomes recorded and observed; both agents in this process):\n\n${perDecision}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
