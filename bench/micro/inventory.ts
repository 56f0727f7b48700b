/**
 * Micro-benchmark of the inventory agent's hot path, in process (no gRPC):
 * InventoryAgent.propose over the mesh benchmark's generated catalogue
 * (bench/catalogue.ts) with varied requests (positions, devices, countries,
 * genres, scenarios, explicit content, some exclusions; later rounds with
 * excludeCreatives), the online learner remembering every proposed
 * candidate as in production. Then the longest synchronous pieces of the
 * online learner and of a catalogue reload, and the event loop's longest
 * delay while decisions, outcomes, learning and a reload run together.
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
import { consumeOnce, OnlineLearner } from '../../learning/online';
import { parseCatalogue, watchCatalogue } from '../../services/common/catalogue/load';
import { loadConfig } from '../../services/common/config';
import type { Device, Position, ProposeInput, Scenario } from '../../services/common/domain/types';
import { SCENARIOS } from '../../services/common/domain/types';
import { createLogger } from '../../services/common/log';
import { seededRng } from '../../services/common/rng';
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
import { longestPiece, loopDelay, type Measurement, measure, printTable } from './harness';

const quick = process.argv.includes('--quick');
const hotOnly = process.argv.includes('--hot');
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

type Piece = { cpuMs: number; wallMs: number | null };
const pieces: Array<[string, Piece]> = [];
{
  // A full holdout (2,000), then steps as the consumer takes them: after a read
  // of 500 outcomes (400 train examples) on top of up to 255 left waiting.
  const learner = new OnlineLearner(BASELINE_WEIGHTS, BASELINE_POLICY_VERSION);
  observeMany(learner, 10_000, 1);
  learner.step();
  let step: Piece = { cpuMs: 0, wallMs: 0 };
  for (let r = 0; r < (quick ? 10 : 40); r++) {
    observeMany(learner, 819, 100 + r);
    const t = longestPiece(() => learner.step(), 1);
    step = { cpuMs: Math.max(step.cpuMs, t.cpuMs), wallMs: Math.max(step.wallMs!, t.wallMs) };
  }
  pieces.push(['learning step (655 examples, 2 epochs; 3 losses on a 2,000 holdout)', step]);
  pieces.push(['holdout check (one loss over the holdout)', longestPiece(() => learner.holdoutLoss(), 40)]);
  const holder = new PolicyHolder(baselinePolicy());
  pieces.push([
    'hot swap (policy from weights, swap)',
    longestPiece((i) => holder.swap(learner.policy(`v${i}`)), 200),
  ]);
  pieces.push([
    'catalogue parse (bench catalogue, 133 kB of YAML)',
    longestPiece(() => parseCatalogue(catalogueYaml), quick ? 5 : 15),
  ]);
  let first: Piece = { cpuMs: 0, wallMs: 0 };
  for (let i = 0; i < 5; i++) {
    const agent = agentWith(undefined, parseCatalogue(catalogueYaml));
    const t = longestPiece(() => agent.propose(inputs[0]!, NOW), 1);
    first = { cpuMs: Math.max(first.cpuMs, t.cpuMs), wallMs: Math.max(first.wallMs!, t.wallMs) };
  }
  pieces.push(['first propose on a new catalogue version', first]);
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

pieces.push([
  'consumer passes over 10,000 outcomes (embedded log): loop delay max',
  { cpuMs: Number.NaN, wallMs: await consumeLoopDelay(quick ? 3000 : 10_000) },
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
        republished++;
        const next = benchCatalogueYaml({ ...DEFAULT_BENCH_CATALOGUE, seed: 100 + republished, nowMs: NOW });
        writeFileSync(`${path}.tmp`, next);
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

const prod = await productionLoopDelay(quick ? 3 : 8);
pieces.push([
  `as it runs (${prod.decisions} decisions, ${prod.swaps} swaps, 3 catalogue reloads): loop delay max`,
  { cpuMs: Number.NaN, wallMs: prod.maxMs },
]);
pieces.push(['as it runs: loop delay p99', { cpuMs: Number.NaN, wallMs: prod.p99Ms }]);

console.log('\ninventory agent: longest synchronous pieces (ms)');
const width = Math.max(...pieces.map(([n]) => n.length));
console.log(`${'piece'.padEnd(width)}   CPU ms  wall ms`);
const ms = (v: number | null) => (v === null || Number.isNaN(v) ? '-' : v.toFixed(2)).padStart(8);
for (const [name, p] of pieces) console.log(`${name.padEnd(width)} ${ms(p.cpuMs)} ${ms(p.wallMs)}`);
