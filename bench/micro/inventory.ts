/**
 * Micro-benchmark of the inventory agent's hot path, in process (no gRPC):
 * InventoryAgent.propose over the mesh benchmark's generated catalogue
 * (bench/catalogue.ts) with varied requests (positions, devices, countries,
 * genres, scenarios, explicit content, some exclusions; later rounds with
 * excludeCreatives), the online learner remembering every proposed
 * candidate as in production. Then the synchronous pieces of work that
 * could stall the event loop (a learning step, a holdout check, a hot swap,
 * a catalogue reload, decoding an outcome batch, the first proposal on a
 * new catalogue version), and the event loop's longest delay while
 * decisions, outcomes, online learning and catalogue reloads run together.
 * Results and their history: bench/MICRO.md.
 *
 *   npx tsx bench/micro/inventory.ts            # everything
 *   npx tsx bench/micro/inventory.ts --quick    # fewer runs
 *   npx tsx bench/micro/inventory.ts --hot      # the hot path only (e.g. under --cpu-prof)
 *
 * "output" is a digest of every prepared input's proposal: it must not
 * change when the hot path is optimised.
 */

import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { consumeOnce, OnlineLearner } from '../../learning/online';
import {
  catalogueFromDocument,
  catalogueVersion,
  parseCatalogue,
  watchCatalogue,
} from '../../services/common/catalogue/load';
import { optionsOrExit } from '../../services/common/cli';
import { loadConfig } from '../../services/common/config';
import type { Device, Position, ProposeInput, Scenario } from '../../services/common/domain/types';
import { SCENARIOS } from '../../services/common/domain/types';
import { v1 } from '../../services/common/grpc/proto';
import { createLogger } from '../../services/common/log';
import { seededRng } from '../../services/common/rng';
import { outcomeBatchFromWire, outcomeBatchToWire } from '../../services/common/wire/objective';
import { InventoryAgent } from '../../services/inventory/agent';
import { startOnlineLearning } from '../../services/inventory/online';
import {
  BASELINE_POLICY_VERSION,
  BASELINE_WEIGHTS,
  baselinePolicy,
  PolicyHolder,
} from '../../services/inventory/policy';
import { EmbeddedLedger } from '../../services/objective/ledger';
import { EmbeddedOutcomeLog, type OutcomeEntry } from '../../services/objective/outcome-log';
import { benchCatalogueYaml, DEFAULT_BENCH_CATALOGUE } from '../catalogue';
import { COUNTRIES, GENRES } from '../workload';
import {
  loopDelay,
  type Measurement,
  measure,
  NO_CPU,
  type PieceTimes,
  pieces,
  printPieces,
  printTable,
} from './harness';

const { quick, hotOnly } = optionsOrExit(
  process.argv.slice(2),
  {
    usage: 'npx tsx bench/micro/inventory.ts [--quick] [--hot]',
    summary: "The inventory agent's per-call cost in process (see the header of bench/micro/inventory.ts).",
    flags: { quick: { help: 'fewer runs' }, hot: { help: 'the hot path only' } },
  },
  ({ values }) => ({ quick: values.quick === true, hotOnly: values.hot === true }),
);
const NOW = Date.parse('2026-06-10T08:00:00Z');
const WEIGHTS = { listener: 1, advertiser: 1, platform: 1 };
const REVENUE_SCALE = 30_000;
const SHORTLIST = 8;
const log = createLogger('bench-micro', 'error');

const catalogueYaml = benchCatalogueYaml({ ...DEFAULT_BENCH_CATALOGUE, nowMs: NOW });
const catalogue = parseCatalogue(catalogueYaml);

function agentWith(
  remember?: (requestId: string, creativeId: string, features: Float32Array) => void,
  cat = catalogue,
): InventoryAgent {
  return new InventoryAgent({
    catalogue: () => cat,
    policy: new PolicyHolder(),
    weights: WEIGHTS,
    revenueScaleMicros: REVENUE_SCALE,
    remember,
  });
}

/** Requests as the broker sends them: round 1 for every one, rounds 2 and 3 for some. */
function prepareInputs(n: number): ProposeInput[] {
  const rng = seededRng(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
  const devices: Device[] = ['mobile', 'desktop', 'smart_speaker', 'car', 'tv'];
  const positions: Position[] = ['pre', 'mid', 'mid', 'post'];
  const planner = agentWith();
  const inputs: ProposeInput[] = [];
  for (let i = 0; i < n; i++) {
    const scenario: Scenario = pick(SCENARIOS);
    const first: ProposeInput = {
      requestId: `prep-${i}`,
      round: 1,
      slot: {
        slotId: `slot-${i % 97}`,
        position: pick(positions),
        maxAds: pick([1, 1, 1, 2, 3]),
        maxTotalDurationMs: pick([30_000, 30_000, 60_000, 20_000]),
      },
      signals: {
        sessionId: `session-${i}`,
        device: pick(devices),
        localTime: { epochMs: NOW, offsetMinutes: 60, hour: 9, dayOfWeek: 3 },
        trackGenre: pick(GENRES),
        previousGenre: pick(GENRES),
        recentSkips: Math.floor(rng.next() * 4),
        playlistKind: 'editorial',
        activityHint: scenario,
        explicitContent: rng.next() < 0.1,
        country: pick(COUNTRIES),
        content: null,
      },
      context: {
        scenario,
        focusLevel: rng.next(),
        receptiveness: rng.next(),
        skipRisk: rng.next(),
        features: [],
        modelVersion: 'context-bench',
        sessionAdsHeard: Math.floor(rng.next() * 12),
        isDefault: false,
      },
      excludedAdvertisers: rng.next() < 0.05 ? ['adv-3'] : [],
      excludedCategories: rng.next() < 0.05 ? ['telco'] : [],
      shortlistSize: SHORTLIST,
      excludeCreatives: [],
    };
    inputs.push(first);
    const seen: string[] = [];
    let previous = first;
    for (let round = 2; round <= (i % 4 === 0 ? 3 : i % 2 === 0 ? 2 : 1); round++) {
      seen.push(...planner.propose(previous, NOW).candidates.map((c) => c.creativeId));
      previous = { ...first, round, excludeCreatives: [...seen] };
      inputs.push(previous);
    }
  }
  return inputs;
}

const inputs = prepareInputs(1024);
/** Unique request ids (more than the learner remembers, so its eviction runs too). */
const ids = Array.from({ length: 1 << 17 }, (_, i) => `bench-${i}`);
const proposeAt = (agent: InventoryAgent, i: number) => {
  const input = inputs[i % inputs.length]!;
  input.requestId = ids[i % ids.length]!;
  return agent.propose(input, NOW);
};

function outputDigest(): string {
  const agent = agentWith();
  const h = createHash('sha256');
  for (const input of inputs) h.update(JSON.stringify(agent.propose({ ...input, requestId: 'r' }, NOW)));
  return h.digest('hex').slice(0, 16);
}

const opts = quick ? { runs: 5, runMs: 100, warmupMs: 200 } : { runs: 9, runMs: 200, warmupMs: 500 };
const rounds = inputs.reduce((n, x) => n + (x.round > 1 ? 1 : 0), 0);
console.log(
  `catalogue: ${catalogue.creatives.size} creatives, ${catalogue.campaigns.size} campaigns; ` +
    `${inputs.length} requests (${rounds} of rounds 2-3); output ${outputDigest()}`,
);

// ---------------------------------------------------------------- hot path
const rows: Measurement[] = [];
{
  const learner = new OnlineLearner(BASELINE_WEIGHTS, BASELINE_POLICY_VERSION);
  const withLearner = agentWith((r, c, x) => learner.rememberDecision(r, c, x));
  rows.push(measure('propose, remember on (production)', (i) => proposeAt(withLearner, i), opts));
  const bare = agentWith();
  rows.push(measure('propose, no learner', (i) => proposeAt(bare, i), opts));
  const x = new Float32Array(12).fill(0.5);
  const learner2 = new OnlineLearner(BASELINE_WEIGHTS, BASELINE_POLICY_VERSION);
  rows.push(
    measure(
      'rememberDecision (one candidate)',
      (i) => learner2.rememberDecision(ids[i % ids.length]!, 'cr-1-2-3', x),
      opts,
    ),
  );
}
printTable('inventory agent: hot path (µs per call)', rows);
if (hotOnly) process.exit(0);

// ---------------------------------------------------------------- stalls
/** Remembers and labels `n` decisions (random features, 40% skipped). */
function observeMany(learner: OnlineLearner, n: number, seed: number): void {
  const rng = seededRng(seed);
  const x = new Float32Array(12);
  for (let i = 0; i < n; i++) {
    x[0] = 1;
    for (let k = 1; k < 12; k++) x[k] = rng.next();
    learner.rememberDecision(`s${seed}-${i}`, 'cr', x.slice());
    learner.observe({
      requestId: `s${seed}-${i}`,
      creativeId: 'cr',
      event: rng.next() < 0.4 ? 'skip' : 'complete',
    });
  }
}

const rows2: Array<[string, PieceTimes]> = [];
{
  // A full holdout (2,000), then steps as the consumer takes them: after a read
  // of 500 outcomes (400 train examples) on top of up to 255 left waiting.
  const learner = new OnlineLearner(BASELINE_WEIGHTS, BASELINE_POLICY_VERSION);
  observeMany(learner, 10_000, 1);
  learner.step();
  rows2.push([
    'learning step (655 examples, 2 epochs; 3 losses on a 2,000 holdout)',
    pieces(() => learner.step(), quick ? 10 : 40, { before: (r) => observeMany(learner, 819, 100 + r) }),
  ]);
  rows2.push(['holdout check (one loss over the holdout)', pieces(() => learner.holdoutLoss(), 40)]);
  const holder = new PolicyHolder(baselinePolicy());
  rows2.push([
    'hot swap (policy from weights, swap)',
    pieces((i) => holder.swap(learner.policy(`v${i}`)), 200),
  ]);
  rows2.push([
    'catalogue parse on the event loop (133 kB of YAML; reloads did this before)',
    pieces(() => parseCatalogue(catalogueYaml), quick ? 5 : 15),
  ]);
  // A reload now: the file is read asynchronously and the YAML parsed on a worker
  // thread; the event loop receives the document (a structured clone) and checks it.
  const doc = parse(catalogueYaml);
  rows2.push([
    'catalogue reload on the event loop (receive the parsed document, hash, check)',
    pieces(
      () => catalogueFromDocument(structuredClone(doc), catalogueVersion(catalogueYaml)),
      quick ? 5 : 15,
    ),
  ]);
  // The online learner reads the outcome log 500 entries at a time over gRPC.
  const method = v1.ObjectiveAgent.service.ReadOutcomes;
  const batch = outcomeBatchToWire(
    Array.from({ length: 500 }, (_, i) => ({
      ...outcome(`request-${i}`, `cr-${i % 50}`, i % 3 === 0 ? 'skip' : 'complete', NOW + i),
      id: `${NOW}-${i}`,
    })),
  );
  const bytes = method.responseSerialize(batch);
  rows2.push([
    'outcome feed: decode and check a batch of 500 outcomes',
    pieces(() => outcomeBatchFromWire(method.responseDeserialize(bytes)), 40),
  ]);
  let agent = agentWith();
  rows2.push([
    'first propose on a new catalogue version',
    pieces(() => agent.propose(inputs[0]!, NOW), 5, {
      before: () => {
        agent = agentWith(undefined, parseCatalogue(catalogueYaml));
      },
    }),
  ]);
}

function outcome(
  requestId: string,
  creativeId: string,
  event: OutcomeEntry['event'],
  n: number,
): OutcomeEntry {
  return {
    idempotencyKey: `${requestId}:${creativeId}:${event}`,
    requestId,
    reservationId: '',
    creativeId,
    campaignId: '',
    sessionId: 's',
    event,
    skipOffsetMs: 0,
    occurredAtMs: n,
  };
}

/** Consumer passes (500 outcomes each: observe, ack, steps) over `n` outcomes of remembered decisions. */
async function consumeLoopDelay(n: number): Promise<number> {
  const outcomes = new EmbeddedOutcomeLog(new EmbeddedLedger({ reservationTtlMs: 1000 }), {
    idempotencyTtlMs: 1e9,
    maxLen: 100_000,
  });
  const learner = new OnlineLearner(BASELINE_WEIGHTS, BASELINE_POLICY_VERSION);
  const rng = seededRng(3);
  const x = new Float32Array(12);
  for (let i = 0; i < n; i++) {
    x[0] = 1;
    for (let k = 1; k < 12; k++) x[k] = rng.next();
    learner.rememberDecision(`c-${i}`, 'cr', x);
    await outcomes.record(outcome(`c-${i}`, 'cr', rng.next() < 0.4 ? 'skip' : 'complete', i), i);
  }
  const holder = new PolicyHolder(baselinePolicy());
  const summary = { accepted: 0, rejected: 0, rolledBack: 0 };
  const { maxMs } = await loopDelay(async () => {
    while ((await consumeOnce({ feed: outcomes, group: 'g', consumer: 'c', learner, holder }, summary)) > 0);
  });
  return maxMs;
}

const loopRow = (maxWallMs: number): PieceTimes => ({ ...NO_CPU, maxWallMs });
rows2.push([
  'consumer passes over 10,000 outcomes (embedded log): loop delay max',
  loopRow(await consumeLoopDelay(quick ? 3000 : 10_000)),
]);

/**
 * The agent as it runs: a decision per macrotask with the learner remembering,
 * an outcome for each decision's first candidate into the outcome log, the
 * online learning loop consuming it, and the catalogue file republished.
 */
async function productionLoopDelay(
  seconds: number,
): Promise<{ maxMs: number; p99Ms: number; decisions: number; swaps: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-micro-'));
  const path = join(dir, 'catalogue.yaml');
  writeFileSync(path, catalogueYaml);
  const source = watchCatalogue(path, 50, log);
  const outcomes = new EmbeddedOutcomeLog(new EmbeddedLedger({ reservationTtlMs: 1000 }), {
    idempotencyTtlMs: 60_000,
    maxLen: 100_000,
  });
  const holder = new PolicyHolder(baselinePolicy());
  const online = startOnlineLearning({
    config: loadConfig({ PARLEY_ONLINE_GROUP: 'micro' }),
    log,
    holder,
    feed: outcomes,
  });
  const agent = new InventoryAgent({
    catalogue: source.current,
    policy: holder,
    weights: WEIGHTS,
    revenueScaleMicros: REVENUE_SCALE,
    remember: online.remember,
  });
  const republish = [1, 2, 3].map((k) =>
    benchCatalogueYaml({ ...DEFAULT_BENCH_CATALOGUE, seed: 100 + k, nowMs: NOW }),
  );
  const rng = seededRng(9);
  let decisions = 0;
  let swaps = 0;
  holder.onSwap(() => swaps++);
  const start = performance.now();
  const end = start + seconds * 1000;
  const result = await loopDelay(async () => {
    let republished = 0;
    while (performance.now() < end) {
      await new Promise<void>((r) => setImmediate(r));
      const n = decisions++;
      const p = proposeAt(agent, n);
      const top = p.candidates[0];
      if (top) {
        const event = rng.next() < 0.4 ? 'skip' : 'complete';
        void outcomes.record(outcome(ids[n % ids.length]!, top.creativeId, event, n), n);
      }
      // Republish the catalogue (another version) three times in the second half.
      const due = Math.floor(((performance.now() - start) / (end - start) - 0.5) * 6);
      if (due > republished && republished < 3) {
        writeFileSync(`${path}.tmp`, republish[republished++]!);
        renameSync(`${path}.tmp`, path);
      }
    }
    // Let the last reload land.
    await new Promise((r) => setTimeout(r, 200));
  });
  await online.close();
  source.close();
  rmSync(dir, { recursive: true, force: true });
  return { ...result, decisions, swaps };
}

/** The same length of event loop with nothing to do: what this machine's scheduling alone adds. */
async function idleLoopDelay(seconds: number) {
  return loopDelay(async () => {
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) await new Promise<void>((r) => setImmediate(r));
  });
}

const idle = await idleLoopDelay(quick ? 3 : 8);
const prod = await productionLoopDelay(quick ? 3 : 8);
rows2.push([
  `as it runs (${prod.decisions} decisions, ${prod.swaps} swaps, 3 catalogue reloads): loop delay max`,
  loopRow(prod.maxMs),
]);
rows2.push(['as it runs: loop delay p99', loopRow(prod.p99Ms)]);
rows2.push(['idle loop, as long, nothing to do (this machine alone): loop delay max', loopRow(idle.maxMs)]);
rows2.push(['idle loop: loop delay p99', loopRow(idle.p99Ms)]);
printPieces('inventory agent: synchronous pieces, event-loop delay', rows2);
