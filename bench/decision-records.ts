/**
 * What recording decisions costs the broker (bench/MICRO.md, "decision
 * records"). Records are shaped like the real mesh's under the bench
 * catalogue (one round, 8 proposed, 50 removed by the inventory agent with
 * their reasons, 8 verdicts, 8 scored, one ad, 10 runners-up, 28 context
 * features, three agent reports: about 15 KB of JSON each), generated from
 * a seeded RNG; each
 * record() thunk maps them into fresh wire objects as buildDecisionRecord
 * does.
 *
 *  - micro: CPU µs per record of building it, encoding it (JSON, protobuf)
 *    and decoding it, and its size either way;
 *  - burst: `--burst` records queued at once into a DecisionRecorder with
 *    its default bounds, over a real sink: `redis` (the shared ring in a
 *    throwaway redis-server) and `admin` (the admin service in its own
 *    process, over RecordDecisions). Measured until the records have
 *    landed: the broker process's CPU µs per record (process.cpuUsage:
 *    build + encode + write), the receiving process's (redis-server or the
 *    admin service; /proc, 10 ms ticks) and the event-loop delay
 *    (perf_hooks monitorEventLoopDelay, 1 ms resolution: on a busy machine
 *    it mostly measures preemption by other processes); in a second pass,
 *    the recorder's work per turn of the event loop (see turnMeter).
 *  - steady: `--rate` records/s for `--seconds`, the same figures.
 *
 * Medians over `--runs` runs.
 *
 *   tsx bench/decision-records.ts [--runs 5] [--burst 2000] [--rate 1000] [--seconds 3]
 *                                 [--sinks redis,admin] [--no-micro]
 */

import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { portEnv, type ServiceProcess, spawnService, stopProcess, transportEnv } from '../bin/spawn';
import type { DecisionRecord__Output } from '../proto/gen/parley/v1/DecisionRecord';
import { adminSink } from '../services/broker/admin-client';
import { DecisionRecorder, type DecisionSink, storeSink } from '../services/broker/decision-log';
import { numberFlag, optionsOrExit, stringFlag } from '../services/common/cli';
import { v1 } from '../services/common/grpc/proto';
import { channelCredentials, setDefaultIdentity } from '../services/common/grpc/tls';
import { createLogger } from '../services/common/log';
import { type Rng, seededRng } from '../services/common/rng';
import { RedisDecisionLog } from '../services/common/state/decisions-redis';
import { startRedis } from '../test/support/redis-server';
import { cpuMs } from './procs';
import { median, percentile } from './stats';

type Wire = DecisionRecord__Output;

const REASONS = [
  ['REASON_TARGETING_COUNTRY', 'country GB not in [SE, FR, US]'],
  ['REASON_TARGETING_DEVICE', 'device smart_speaker not in [mobile, car]'],
  ['REASON_TARGETING_GENRE', 'genre rock not in [pop, edm, hip-hop]'],
  ['REASON_TARGETING_SCENARIO', 'scenario commute not in [workout, party]'],
  ['REASON_EXPLICIT_CONTENT', 'explicit content: the campaign avoids it'],
] as const;

interface Domain {
  creativeId: string;
  campaignId: string;
  advertiserId: string;
  category: string;
  durationMs: number;
  priceMicros: number;
  pSkip: number;
  pComplete: number;
  pEngage: number;
  policyScore: number;
  audioUrl: string;
}

function domainCandidate(rng: Rng, i: number): Domain {
  const a = Math.floor(rng.next() * 20);
  const c = Math.floor(rng.next() * 5);
  return {
    creativeId: `cr-${a}-${c}-${i % 4}`,
    campaignId: `cmp-${a}-${c}`,
    advertiserId: `adv-${a}`,
    category: ['auto', 'telco', 'retail', 'food', 'finance'][a % 5]!,
    durationMs: 15_000,
    priceMicros: 10_000 + Math.floor(rng.next() * 20) * 1000,
    pSkip: rng.next() * 0.4,
    pComplete: 0.5 + rng.next() * 0.5,
    pEngage: rng.next() * 0.1,
    policyScore: rng.next() * 2,
    audioUrl: `https://cdn.example.invalid/bench/${a}/${c}/${i % 4}.mp3`,
  };
}

/** A record generator: `build(i)` makes the i-th record's wire objects afresh, like buildDecisionRecord. */
export function recordFactory(seed = 1): { build(i: number): Wire } {
  const rng = seededRng(seed);
  const pool = Array.from({ length: 64 }, (_, i) => domainCandidate(rng, i));
  const features = Array.from({ length: 28 }, () => Math.fround(rng.next()));
  const candidate = (d: Domain) => ({
    creative_id: d.creativeId,
    campaign_id: d.campaignId,
    advertiser_id: d.advertiserId,
    category: d.category,
    duration_ms: d.durationMs,
    price_micros: d.priceMicros,
    tier: 'standard',
    p_skip: d.pSkip,
    p_complete: d.pComplete,
    p_engage: d.pEngage,
    policy_score: d.policyScore,
    audio_url: d.audioUrl,
    separation_categories: [d.category],
  });
  return {
    build(i) {
      const proposed = Array.from({ length: 8 }, (_, k) => pool[(i + k) % pool.length]!);
      const removed = Array.from({ length: 50 }, (_, k) => pool[(i + 8 + k) % pool.length]!);
      const winner = proposed[i % 8]!;
      const requestId = `bench-${i}`;
      const utility = (d: Domain) => 1 + d.policyScore / 2;
      const terms = (d: Domain) => ({
        listener: 1 - d.pSkip,
        objective: d.pEngage,
        platform: d.priceMicros / 30_000,
      });
      const report = (model_version: string, elapsed_ms: number) => ({
        model_version,
        elapsed_ms,
        degraded: false,
        fallback: '',
        calls: 1,
      });
      const agents = () => ({
        context: report('context-rules-v1', 1),
        inventory: report('inventory-baseline-v1', 1.25),
        objective: report('pacing-rules-v1', 3),
      });
      return {
        request_id: requestId,
        at_ms: 1_800_000_000_000 + i,
        broker: 'bench-host/4242',
        request: {
          request_id: requestId,
          slot: {
            slot_id: `slot-${i}`,
            position: 'POSITION_MID_ROLL',
            max_ads: 1,
            max_total_duration_ms: 30_000,
          },
          signals: {
            session_id: `bench-session-${i % 5000}`,
            device: 'DEVICE_SMART_SPEAKER',
            local_time: '2026-12-06T09:45:12-05:00',
            track_genre: 'rock',
            previous_genre: 'podcast',
            recent_skips: 1,
            playlist_kind: 'PLAYLIST_KIND_EDITORIAL',
            activity_hint: 'SCENARIO_COMMUTE',
            explicit_content: false,
            country: 'GB',
            content: null,
            listener_id: '',
          },
          excluded_advertisers: [],
          excluded_categories: [],
          deadline_ms: 100,
          dry_run: false,
        },
        context: {
          scenario: 'SCENARIO_COMMUTE',
          focus_level: 0.45,
          receptiveness: 0.62,
          skip_risk: 0.3775406687981454,
          features: features.slice(),
          model_version: 'context-rules-v1',
          session_ads_heard: 0,
          is_default: false,
          ad_load: null,
        },
        rounds: [
          {
            round: 1,
            proposal_source: 'agent',
            proposal_model_version: 'inventory-baseline-v1',
            proposed: proposed.map(candidate),
            removed_by_proposers: removed.map((d, k) => ({
              creative_id: d.creativeId,
              reason: REASONS[k % REASONS.length]![0],
              detail: REASONS[k % REASONS.length]![1],
            })),
            screened: [],
            guard: false,
            critiques: {
              objective: {
                verdicts: proposed.map((d) => ({
                  creative_id: d.creativeId,
                  eligible: true,
                  reason: 'REASON_UNSPECIFIED',
                  detail: '',
                  value: d.pEngage,
                  pacing_multiplier: 1,
                  lift_multiplier: 0,
                  goal: 'conversion',
                })),
                model_version: 'pacing-rules-v1',
              },
            },
          },
        ],
        scored: proposed.map((d) => ({
          creative_id: d.creativeId,
          campaign_id: d.campaignId,
          utility: utility(d),
          terms: terms(d),
          boost: 0,
          pinned: false,
          lead_probability: 0.00625,
        })),
        response: {
          request_id: requestId,
          ads: [
            {
              pod_position: 0,
              creative_id: winner.creativeId,
              campaign_id: winner.campaignId,
              advertiser_id: winner.advertiserId,
              category: winner.category,
              duration_ms: winner.durationMs,
              price_micros: winner.priceMicros,
              reservation_id: `rsv-685c24ee-c687-4f48-9cc4-${String(i).padStart(12, '0')}`,
              audio_url: winner.audioUrl,
              tier: 'standard',
              propensity: 0.95625,
            },
          ],
          no_ad: false,
          no_ad_reasons: [],
          why: {
            utility: utility(winner),
            rounds: 1,
            scenario: 'SCENARIO_COMMUTE',
            trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
            runners_up: [...proposed.filter((d) => d !== winner), ...removed.slice(0, 3)].map((d) => ({
              creative_id: d.creativeId,
              reason: 'REASON_OUTRANKED',
              detail: `utility ${utility(d).toFixed(3)} < ${utility(winner).toFixed(3)} of ${winner.creativeId}`,
            })),
            summary: `1 ad (${winner.creativeId} [standard]) for commute after 1 round: utility ${utility(winner).toFixed(3)}; 8 considered`,
            explored: false,
            terms: terms(winner),
            agents: agents(),
            candidates_considered: 8,
          },
          degraded: [],
        },
        overrides: [],
        agents: agents(),
        commit_ms: 1,
        total_ms: 6.5,
        overrides_version: 0,
      };
    },
  };
}

// ---------------------------------------------------------------------------

const args = optionsOrExit(
  process.argv.slice(2),
  {
    usage: 'npx tsx bench/decision-records.ts [options]',
    summary: 'What recording every decision costs (see the header of bench/decision-records.ts).',
    flags: {
      runs: { value: 'N', help: 'runs', default: '5' },
      burst: { value: 'N', help: 'records per burst', default: '2000' },
      rate: { value: 'N', help: 'decisions/s of the paced phase', default: '1000' },
      seconds: { value: 'S', help: 'length of the paced phase', default: '3' },
      sinks: { value: 'LIST', help: 'redis,admin', default: 'redis,admin' },
      'no-micro': { help: 'skip the micro-benchmarks' },
    },
  },
  ({ values: v }) => ({
    runs: numberFlag(v, 'runs', 5, { min: 1, integer: true }),
    burst: numberFlag(v, 'burst', 2000, { min: 1, integer: true }),
    rate: numberFlag(v, 'rate', 1000, { min: 1 }),
    seconds: numberFlag(v, 'seconds', 3, { min: 0.1 }),
    sinks: stringFlag(v, 'sinks', 'redis,admin'),
    'no-micro': v['no-micro'] === true,
  }),
);
const RUNS = args.runs;
const BURST = args.burst;
const RATE = args.rate;
const SECONDS = args.seconds;
const log = createLogger('bench', 'error');
const factory = recordFactory();

const cpuUs = (start: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(start);
  return d.user + d.system;
};

/** CPU µs per call of fn(i), over n calls. */
function perCall(n: number, fn: (i: number) => unknown): number {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) fn(i);
  return cpuUs(t) / n;
}

function micro(): void {
  const method = v1.Admin.service.RecordDecisions;
  const n = 2000;
  const records = Array.from({ length: n }, (_, i) => factory.build(i));
  const json = records.map((r) => JSON.stringify(r));
  const bytes = records.map((r) => method.requestSerialize(r));
  const rows: Record<string, number[]> = {
    build: [],
    'JSON.stringify': [],
    'protobuf encode': [],
    'JSON.parse': [],
    'protobuf decode': [],
  };
  for (let run = 0; run < RUNS + 1; run++) {
    const m = {
      build: perCall(n, (i) => factory.build(i)),
      'JSON.stringify': perCall(n, (i) => JSON.stringify(records[i])),
      'protobuf encode': perCall(n, (i) => method.requestSerialize(records[i]!)),
      'JSON.parse': perCall(n, (i) => JSON.parse(json[i]!)),
      'protobuf decode': perCall(n, (i) => method.requestDeserialize(bytes[i]!)),
    };
    if (run === 0) continue; // warm-up
    for (const [k, v] of Object.entries(m)) rows[k]!.push(v);
  }
  console.log(`micro (CPU µs per record, median of ${RUNS} runs of ${n})`);
  for (const [k, v] of Object.entries(rows)) console.log(`  ${k.padEnd(16)} ${median(v).toFixed(1)}`);
  const size = (xs: Array<{ length: number }>) => median(xs.map((x) => x.length));
  console.log(`  size: JSON ${size(json.map((j) => Buffer.from(j)))} B, protobuf ${size(bytes)} B (median)`);
}

interface SinkUnderTest {
  name: string;
  sink: DecisionSink;
  /** CPU ms of the process that receives the records (redis-server, the admin service). */
  remoteCpuMs?: () => number;
  /** Resolves once the receiver holds record `requestId`. */
  landed(requestId: string): Promise<void>;
  close(): Promise<void>;
}

async function poll(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('records did not land');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function redisSink(): Promise<SinkUnderTest> {
  const redis = await startRedis();
  const store = new RedisDecisionLog(redis.client(), 'bench:', 10_000);
  const pid = Number(/process_id:(\d+)/.exec(await redis.client().info('server'))?.[1]);
  return {
    name: 'redis',
    sink: storeSink(store),
    remoteCpuMs: () => cpuMs(pid),
    landed: (id) => poll(async () => (await store.get(id)) !== null),
    async close() {
      await redis.stop();
    },
  };
}

async function adminSinkUnderTest(): Promise<SinkUnderTest> {
  const admin: ServiceProcess = await spawnService('admin', {
    env: {
      ...process.env,
      ...transportEnv(process.env),
      PARLEY_HOST: '127.0.0.1',
      [portEnv('admin')]: '0',
      PARLEY_ADMIN_HTTP_PORT: '0',
      PARLEY_LOG_LEVEL: 'error',
      PARLEY_METRICS_PORT: 'off',
      REDIS_URL: '',
    },
  });
  const client = new v1.Admin(admin.address, channelCredentials());
  const has = (id: string) =>
    new Promise<boolean>((resolve) => client.GetDecision({ request_id: id }, (err) => resolve(!err)));
  return {
    name: 'admin',
    sink: adminSink(admin.address),
    remoteCpuMs: () => cpuMs(admin.pid),
    landed: (id) => poll(() => has(id)),
    async close() {
      client.close();
      await stopProcess(admin);
    },
  };
}

interface Figures {
  /** The recorder's work per turn of the event loop (turn passes only): time, and most records built. */
  turnP50Ms: number;
  turnP99Ms: number;
  turnMaxMs: number;
  recordsPerTurn: number;
  /** Event-loop delay (wall clock, so a busy machine's preemption shows too). */
  maxDelayMs: number;
  p99DelayMs: number;
  brokerUs: number;
  remoteUs: number;
}

/**
 * The recorder's work per turn of the event loop: a tick in every check
 * phase numbers the turns, and the record() thunks and the sink's write()
 * mark the time as they start and end; a turn's stretch runs from its first
 * mark to its last (building, encoding and the write call between them
 * included), and the thunks started in it are the records it built. Timing
 * only the recorder's own work keeps other processes out of the figure
 * unless they preempt it in the middle of that work (on a busy machine they
 * do: the records per turn are the figure that does not move). The ticks
 * keep the loop spinning, so CPU per record is measured in other passes.
 */
function turnMeter() {
  let turn = 0;
  let running = true;
  const tick = () => {
    turn++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const stretches: number[] = [];
  let markedTurn = -1;
  let first = 0;
  let last = 0;
  let built = 0;
  let mostBuilt = 0;
  const close = () => {
    if (markedTurn >= 0) stretches.push(last - first);
  };
  return {
    mark(buildStarts = false): void {
      const now = performance.now();
      if (turn !== markedTurn) {
        close();
        markedTurn = turn;
        first = now;
        built = 0;
      }
      last = now;
      if (buildStarts) mostBuilt = Math.max(mostBuilt, ++built);
    },
    stop(): Pick<Figures, 'turnP50Ms' | 'turnP99Ms' | 'turnMaxMs' | 'recordsPerTurn'> {
      running = false;
      close();
      return {
        turnP50Ms: percentile(stretches, 50),
        turnP99Ms: percentile(stretches, 99),
        turnMaxMs: Math.max(...stretches),
        recordsPerTurn: mostBuilt,
      };
    },
  };
}

/**
 * Feeds `count` records (all at once, or `perTick` every 10 ms) and measures
 * until they landed: CPU per record and event-loop delay, or (`turns`) the
 * longest turn.
 */
async function measure(
  s: SinkUnderTest,
  base: number,
  count: number,
  perTick: number,
  turns: boolean,
): Promise<Figures> {
  const meter = turns ? turnMeter() : null;
  const sink: DecisionSink = meter
    ? {
        write(records) {
          meter.mark();
          const written = s.sink.write(records);
          meter.mark();
          return written;
        },
        close: () => undefined,
      }
    : s.sink;
  const build = (i: number) => {
    if (!meter) return factory.build(i);
    meter.mark(true);
    const r = factory.build(i);
    meter.mark();
    return r;
  };
  const recorder = new DecisionRecorder(sink, log);
  const h = monitorEventLoopDelay({ resolution: 1 });
  await new Promise((r) => setTimeout(r, 50));
  const remote0 = s.remoteCpuMs?.() ?? 0;
  const cpu0 = process.cpuUsage();
  h.enable();
  const feed = (from: number, to: number) => {
    for (let i = from; i < to; i++) recorder.record(() => build(base + i));
  };
  if (perTick >= count) feed(0, count);
  else {
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const to = Math.min(count, sent + perTick);
        feed(sent, to);
        sent = to;
        if (sent >= count) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
  }
  await recorder.drain(60_000);
  const brokerUs = cpuUs(cpu0) / count;
  const perTurn = meter?.stop();
  h.disable();
  await s.landed(`bench-${base + count - 1}`);
  const remoteUs = s.remoteCpuMs ? ((s.remoteCpuMs() - remote0) * 1000) / count : Number.NaN;
  const st = recorder.stats();
  if (st.dropped > 0) console.warn(`  (${st.dropped} records dropped)`);
  if (perTurn) return { ...perTurn, maxDelayMs: NaN, p99DelayMs: NaN, brokerUs: NaN, remoteUs: NaN };
  return {
    turnP50Ms: NaN,
    turnP99Ms: NaN,
    turnMaxMs: NaN,
    recordsPerTurn: NaN,
    maxDelayMs: h.max / 1e6,
    p99DelayMs: h.percentile(99) / 1e6,
    brokerUs,
    remoteUs,
  };
}

function report(label: string, runs: Figures[]): void {
  const m = (k: keyof Figures) => median(runs.map((r) => r[k]).filter((v) => !Number.isNaN(v)));
  const ms = (k: keyof Figures) => m(k).toFixed(1);
  console.log(
    `  ${label}: per turn at most ${m('recordsPerTurn')} records,` +
      ` ${ms('turnP50Ms')} / ${ms('turnP99Ms')} / ${ms('turnMaxMs')} ms (p50 / p99 / max)`,
  );
  console.log(
    `    loop delay max ${ms('maxDelayMs')} ms (p99 ${ms('p99DelayMs')} ms);` +
      ` CPU per record: broker ${m('brokerUs').toFixed(0)} µs` +
      (Number.isNaN(m('remoteUs')) ? '' : `, receiver ${m('remoteUs').toFixed(0)} µs`),
  );
}

async function main(): Promise<void> {
  // It reads the decision log as an operator would.
  setDefaultIdentity('operator');
  if (!args['no-micro']) micro();
  // Each measurement's records get request ids of their own.
  let base = 0;
  const nextBase = () => {
    base += 10_000;
    return base;
  };
  for (const name of args.sinks.split(',')) {
    const s = name === 'redis' ? await redisSink() : await adminSinkUnderTest();
    try {
      // Warm-up (connections, JIT), then the runs.
      await measure(s, nextBase(), 500, 500, false);
      const burst: Figures[] = [];
      const steady: Figures[] = [];
      for (let run = 0; run < RUNS; run++) {
        for (const turns of [false, true]) {
          burst.push(await measure(s, nextBase(), BURST, BURST, turns));
          steady.push(await measure(s, nextBase(), RATE * SECONDS, RATE / 100, turns));
        }
      }
      console.log(`sink ${s.name} (median of ${RUNS} runs)`);
      report(`burst of ${BURST}`, burst);
      report(`steady ${RATE}/s`, steady);
    } finally {
      await s.close();
    }
  }
}

await main();
process.exit(0);
