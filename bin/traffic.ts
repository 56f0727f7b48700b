/**
 * The built-in traffic generator behind `parley traffic`: seeded listener
 * sessions of a few everyday kinds (a morning run, a commute, focused work,
 * an evening at home, a party, falling asleep, chores), each sending Decide
 * for its ad breaks and then reports outcome events for what was served
 * (impression, then skip / complete / click with plausible odds), with
 * idempotency keys, batched through ReportOutcomes (up to 200 reports or
 * 50 ms) as an ad server would. Bounded in count and time; prints a progress line every
 * second and a few sample decisions with their one-line "why".
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Device } from '../proto/gen/parley/v1/Device';
import type { ListenerSignals } from '../proto/gen/parley/v1/ListenerSignals';
import type { OutcomeEvent } from '../proto/gen/parley/v1/OutcomeEvent';
import type { PlaylistKind } from '../proto/gen/parley/v1/PlaylistKind';
import type { Position } from '../proto/gen/parley/v1/Position';
import type { Scenario } from '../proto/gen/parley/v1/Scenario';
import { type Rng, seededRng } from '../services/common/rng';
import { quantile } from '../services/common/stats';
import { formatLocalTime } from '../services/common/wire/common';
import {
  type AdDecisionClient,
  connect,
  type DecideRequest,
  type DecideResponse__Output,
  DecisionStream,
  decide,
  describeOutcome,
  detailsOf,
  OutcomeBatcher,
  type OutcomeReport,
  statusName,
  waitReady,
} from './client';

// ---------------------------------------------------------------------------
// The request model (pure, seeded)

interface Archetype {
  kind: string;
  hint: Scenario;
  /** Probability that the app knows the activity and sends the hint. */
  hintP: number;
  devices: Device[];
  /** Local hours the sessions of this kind start in. */
  hours: number[];
  genres: string[];
  playlists: PlaylistKind[];
  explicitP: number;
  /** Base probability of skipping an ad. */
  skipP: number;
}

const ARCHETYPES: Archetype[] = [
  {
    kind: 'morning run',
    hint: 'SCENARIO_WORKOUT',
    hintP: 0.6,
    devices: ['DEVICE_WEARABLE', 'DEVICE_MOBILE', 'DEVICE_MOBILE'],
    hours: [6, 7, 8, 18],
    genres: ['edm', 'hiphop', 'pop', 'rock'],
    playlists: ['PLAYLIST_KIND_EDITORIAL', 'PLAYLIST_KIND_USER'],
    explicitP: 0.25,
    skipP: 0.3,
  },
  {
    kind: 'commute',
    hint: 'SCENARIO_COMMUTE',
    hintP: 0.3,
    devices: ['DEVICE_CAR', 'DEVICE_MOBILE', 'DEVICE_MOBILE'],
    hours: [7, 8, 17, 18],
    genres: ['pop', 'rock', 'indie', 'podcast', 'news'],
    playlists: ['PLAYLIST_KIND_RADIO', 'PLAYLIST_KIND_USER', 'PLAYLIST_KIND_PODCAST'],
    explicitP: 0.1,
    skipP: 0.25,
  },
  {
    kind: 'focused work',
    hint: 'SCENARIO_FOCUS',
    hintP: 0.2,
    devices: ['DEVICE_DESKTOP', 'DEVICE_DESKTOP', 'DEVICE_MOBILE'],
    hours: [9, 10, 11, 14, 15, 16],
    genres: ['lofi', 'classical', 'ambient', 'jazz'],
    playlists: ['PLAYLIST_KIND_ALGORITHMIC', 'PLAYLIST_KIND_EDITORIAL'],
    explicitP: 0,
    skipP: 0.4,
  },
  {
    kind: 'evening at home',
    hint: 'SCENARIO_RELAX',
    hintP: 0.1,
    devices: ['DEVICE_SMART_SPEAKER', 'DEVICE_TV', 'DEVICE_MOBILE'],
    hours: [19, 20, 21],
    genres: ['jazz', 'rnb', 'folk', 'indie', 'soul'],
    playlists: ['PLAYLIST_KIND_USER', 'PLAYLIST_KIND_ALBUM'],
    explicitP: 0.05,
    skipP: 0.2,
  },
  {
    kind: 'party',
    hint: 'SCENARIO_PARTY',
    hintP: 0.15,
    devices: ['DEVICE_SMART_SPEAKER', 'DEVICE_MOBILE'],
    hours: [21, 22, 23],
    genres: ['edm', 'hiphop', 'latin', 'pop'],
    playlists: ['PLAYLIST_KIND_USER', 'PLAYLIST_KIND_EDITORIAL'],
    explicitP: 0.4,
    skipP: 0.35,
  },
  {
    kind: 'falling asleep',
    hint: 'SCENARIO_SLEEP',
    hintP: 0.3,
    devices: ['DEVICE_MOBILE', 'DEVICE_SMART_SPEAKER'],
    hours: [22, 23, 0],
    genres: ['ambient', 'classical', 'lofi'],
    playlists: ['PLAYLIST_KIND_EDITORIAL', 'PLAYLIST_KIND_ALGORITHMIC'],
    explicitP: 0,
    skipP: 0.15,
  },
  {
    kind: 'chores',
    hint: 'SCENARIO_CHORES',
    hintP: 0.1,
    devices: ['DEVICE_SMART_SPEAKER', 'DEVICE_MOBILE'],
    hours: [10, 11, 12, 13],
    genres: ['pop', 'rock', 'country', 'podcast'],
    playlists: ['PLAYLIST_KIND_RADIO', 'PLAYLIST_KIND_USER', 'PLAYLIST_KIND_PODCAST'],
    explicitP: 0.05,
    skipP: 0.25,
  },
];

/** Countries with their UTC offset (minutes) and a weight. */
const COUNTRIES: Array<[string, number, number]> = [
  ['SE', 60, 3],
  ['DE', 60, 3],
  ['GB', 0, 3],
  ['US', -300, 3],
  ['US', -480, 2],
  ['FR', 60, 1],
  ['NL', 60, 1],
  ['ES', 60, 1],
];
const OTHER_GENRES = ['metal', 'blues', 'kpop', 'reggae', 'punk'];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)] as T;
}

function weighted<T>(rng: Rng, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rng.next() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

interface Session {
  id: string;
  archetype: Archetype;
  device: Device;
  country: string;
  offsetMinutes: number;
  hint: Scenario;
  playlist: PlaylistKind;
  explicit: boolean;
  /** The listener's clock: local epoch ms when the session started (real time advances it). */
  startEpochMs: number;
  startedAtMs: number;
  lastGenre: string;
  recentSkips: number;
  breaksLeft: number;
}

export interface SampleContext {
  sessionId: string;
  kind: string;
  device: string;
  country: string;
  localTime: string;
  genre: string;
}

/** Generates realistic, varied Decide requests from a seed. */
export class TrafficModel {
  private readonly rng: Rng;
  private readonly sessions: Session[] = [];
  private nextSession = 0;
  private nextRequest = 0;

  constructor(
    seed: number,
    /** Prefix of request and session ids, unique per run (ids never repeat across runs). */
    private readonly runId: string,
    private readonly deadlineMs = 100,
    poolSize = 32,
  ) {
    this.rng = seededRng(seed);
    for (let i = 0; i < poolSize; i++) this.sessions.push(this.newSession(Date.now()));
  }

  get random(): Rng {
    return this.rng;
  }

  private newSession(nowMs: number): Session {
    const rng = this.rng;
    const archetype = pick(rng, ARCHETYPES);
    const [country, offsetMinutes] = weighted(
      rng,
      COUNTRIES.map(([c, o, w]) => [[c, o] as const, w] as const),
    );
    // Today's date at a local hour typical for this kind of session.
    const today = new Date(nowMs);
    const localWall = Date.UTC(
      today.getUTCFullYear(),
      today.getUTCMonth(),
      today.getUTCDate(),
      pick(rng, archetype.hours),
      Math.floor(rng.next() * 60),
      Math.floor(rng.next() * 60),
    );
    return {
      id: `s-${this.runId}-${this.nextSession++}`,
      archetype,
      device: pick(rng, archetype.devices),
      country,
      offsetMinutes,
      hint: rng.next() < archetype.hintP ? archetype.hint : 'SCENARIO_UNSPECIFIED',
      playlist: pick(rng, archetype.playlists),
      explicit: rng.next() < archetype.explicitP,
      startEpochMs: localWall - offsetMinutes * 60_000,
      startedAtMs: nowMs,
      lastGenre: pick(rng, archetype.genres),
      recentSkips: Math.floor(rng.next() * 3),
      breaksLeft: 3 + Math.floor(rng.next() * 20),
    };
  }

  /** The next request, and who it is for (for sample output). */
  next(nowMs = Date.now()): { request: DecideRequest; session: Session; sample: SampleContext } {
    const rng = this.rng;
    const slotIndex = Math.floor(rng.next() * this.sessions.length);
    let session = this.sessions[slotIndex]!;
    if (session.breaksLeft <= 0) {
      session = this.newSession(nowMs);
      this.sessions[slotIndex] = session;
    }
    session.breaksLeft--;
    const a = session.archetype;
    const previousGenre = session.lastGenre;
    // Mostly the session's own genres; now and then a shift (itself a signal).
    const genre = rng.next() < 0.12 ? pick(rng, OTHER_GENRES) : pick(rng, a.genres);
    session.lastGenre = genre;
    session.recentSkips = Math.max(0, Math.min(8, session.recentSkips + (rng.next() < 0.3 ? 1 : -1)));
    const localTime = formatLocalTime(
      session.startEpochMs + (nowMs - session.startedAtMs),
      session.offsetMinutes,
    );
    const signals: ListenerSignals = {
      session_id: session.id,
      device: session.device,
      local_time: localTime,
      track_genre: genre,
      previous_genre: previousGenre,
      recent_skips: session.recentSkips,
      playlist_kind: session.playlist,
      activity_hint: session.hint,
      explicit_content: session.explicit,
      country: session.country,
    };
    const position: Position = weighted(rng, [
      ['POSITION_PRE_ROLL', 2],
      ['POSITION_MID_ROLL', 6],
      ['POSITION_POST_ROLL', 1],
    ] as const);
    const maxAds = weighted(rng, [
      [1, 6],
      [2, 3],
      [3, 1],
    ] as const);
    const maxTotal = maxAds === 1 ? pick(rng, [30_000, 60_000]) : pick(rng, [60_000, 90_000]);
    // Some publishers exclude categories for brand safety (e.g. family content).
    const excludedCategories =
      rng.next() < 0.1 ? pick(rng, [['alcohol'], ['gambling'], ['alcohol', 'gambling']]) : [];
    const n = this.nextRequest++;
    const request: DecideRequest = {
      request_id: `r-${this.runId}-${n}`,
      slot: {
        slot_id: `${session.id}-b${n}`,
        position,
        max_ads: maxAds,
        max_total_duration_ms: maxTotal,
      },
      signals,
      excluded_advertisers: [],
      excluded_categories: excludedCategories,
      deadline_ms: this.deadlineMs,
    };
    return {
      request,
      session,
      sample: {
        sessionId: session.id,
        kind: a.kind,
        device: String(session.device).replace('DEVICE_', '').toLowerCase(),
        country: session.country,
        localTime: localTime.slice(11, 16),
        genre: previousGenre === genre ? genre : `${previousGenre}→${genre}`,
      },
    };
  }

  /**
   * What the listener does with a served ad: the outcome events in order,
   * each with an idempotency key and a delay after the decision (ms, time
   * compressed so a run of a few seconds shows the whole life of an ad).
   */
  outcomes(
    res: DecideResponse__Output,
    session: Session,
  ): Array<{ report: OutcomeReport; delayMs: number; kind: 'impression' | 'skip' | 'complete' | 'click' }> {
    const rng = this.rng;
    const out: Array<{
      report: OutcomeReport;
      delayMs: number;
      kind: 'impression' | 'skip' | 'complete' | 'click';
    }> = [];
    let delay = 20;
    for (const ad of res.ads) {
      const base = {
        request_id: res.request_id,
        reservation_id: ad.reservation_id,
        creative_id: ad.creative_id,
        session_id: session.id,
      };
      const event = (e: OutcomeEvent, kind: 'impression' | 'skip' | 'complete' | 'click', extra = {}) =>
        out.push({
          kind,
          delayMs: delay,
          report: {
            ...base,
            ...extra,
            event: e,
            idempotency_key: `${res.request_id}:${ad.pod_position}:${kind}`,
          },
        });
      // The ad starts playing (a few never do: the listener closed the app).
      if (rng.next() < 0.02) continue;
      // The impression settles the ad's reservation (an ad served without one,
      // a house ad under the broker's fail-small guard, settles nothing).
      event('OUTCOME_EVENT_IMPRESSION', 'impression');
      delay += 100 + Math.floor(rng.next() * 700);
      const pSkip = Math.min(0.85, session.archetype.skipP + 0.04 * session.recentSkips);
      if (rng.next() < pSkip) {
        const offset = 1000 + Math.floor(rng.next() * Math.max(1, ad.duration_ms * 0.7));
        event('OUTCOME_EVENT_SKIP', 'skip', { skip_offset_ms: offset });
        session.recentSkips++;
        break; // a skipped ad ends the listener's patience for this pod
      }
      event('OUTCOME_EVENT_COMPLETE', 'complete');
      if (rng.next() < (session.device === 'DEVICE_MOBILE' ? 0.05 : 0.02)) {
        delay += 50;
        event('OUTCOME_EVENT_CLICK', 'click');
      }
      delay += 50;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------
// The run loop

export interface TrafficOptions {
  target: string;
  /** Decisions per second. */
  rate: number;
  /** Seconds. */
  durationS: number;
  seed: number;
  deadlineMs: number;
  /** Most requests in flight; more are shed (counted), so the run stays bounded. */
  maxInFlight: number;
  /** Sample decisions printed with their "why". */
  samples: number;
  out: (line: string) => void;
  /** Set to stop early (e.g. on Ctrl-C). */
  signal?: AbortSignal;
  /** How decisions are asked for: one DecideStream for all (the default) or one Decide call each. */
  api?: 'stream' | 'unary';
}

export interface TrafficSummary {
  sent: number;
  decisions: number;
  withAds: number;
  degraded: number;
  /** Degraded answers by the agent (or part) each was degraded for; one answer may count for several. */
  degradedBy: Record<string, number>;
  errors: Record<string, number>;
  shed: number;
  outcomes: number;
  duplicates: number;
  replays: number;
  outcomeErrors: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that came after the request's deadline (deadline_ms): too late for an ad server. */
  late: number;
  elapsedS: number;
}

/** A latency quantile of sorted milliseconds; 0 when there were none (a second without answers). */
function latencyMs(sorted: number[], q: number): number {
  return sorted.length ? quantile(sorted, q) : 0;
}

/** Reports go out when 200 are waiting or 50 ms after the first, whichever is sooner. */
const OUTCOME_BATCHES = { maxBatch: 200, batchMs: 50, timeoutMs: 2000 };

/** A share in percent: one decimal under 10% (the targets are 0.5% and 1%), whole above. */
function pct(n: number, of: number): string {
  if (of === 0) return '-';
  const p = (100 * n) / of;
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runTraffic(opts: TrafficOptions): Promise<TrafficSummary> {
  const { out } = opts;
  const client: AdDecisionClient = connect(opts.target);
  try {
    await waitReady(client, 5000);
  } catch {
    client.close();
    throw new Error(
      `cannot reach the broker at ${opts.target}. Start the mesh first (npm start), or pass --target host:port.`,
    );
  }
  const api = opts.api ?? 'stream';
  const stream = api === 'stream' ? new DecisionStream(client) : null;
  const ask = (request: DecideRequest, timeoutMs: number) =>
    stream ? stream.decide(request, { timeoutMs }) : decide(client, request, { timeoutMs });
  const runId = Date.now().toString(36);
  const model = new TrafficModel(opts.seed, runId, opts.deadlineMs);
  const total = Math.max(1, Math.round(opts.rate * opts.durationS));
  out(
    `parley traffic → ${opts.target}: ${opts.rate}/s for ${opts.durationS} s (at most ${total} decisions), seed ${opts.seed}, deadline ${opts.deadlineMs} ms, ${api === 'stream' ? 'over one DecideStream' : 'one Decide call each'}`,
  );
  const busy = busyMachineNote(loadavg()[0] ?? 0, availableParallelism());
  if (busy) out(busy);
  out('    t   dec/s   fill   p50 ms   p99 ms  degraded  outcomes  errors');

  const sum: TrafficSummary = {
    sent: 0,
    decisions: 0,
    withAds: 0,
    degraded: 0,
    degradedBy: {},
    errors: {},
    shed: 0,
    outcomes: 0,
    duplicates: 0,
    replays: 0,
    outcomeErrors: 0,
    p50Ms: 0,
    p99Ms: 0,
    late: 0,
    elapsedS: 0,
  };
  const all: number[] = [];
  let win = { decisions: 0, withAds: 0, degraded: 0, errors: 0, lat: [] as number[] };
  let inFlight = 0;
  const pendingOutcomes = new Set<Promise<void>>();
  let samplesShown = 0;
  let lastSampleAt = 0;
  const started = Date.now();
  const endAt = started + opts.durationS * 1000;

  // As an ad server would: reports go out in batches (ReportOutcomes), not one call each.
  const outcomes = new OutcomeBatcher(() => client, OUTCOME_BATCHES);
  const sendOutcome = async (report: OutcomeReport, delayMs: number, replay: boolean) => {
    await sleep(Math.max(0, Math.min(delayMs, endAt - Date.now())));
    try {
      const ack = await outcomes.report({ ...report, occurred_at_ms: Date.now() });
      sum.outcomes++;
      if (ack.duplicate) sum.duplicates++;
      if (replay && !ack.duplicate)
        out(`  !! replayed outcome ${report.idempotency_key} was not seen as a duplicate`);
    } catch (err) {
      sum.outcomeErrors++;
      if (sum.outcomeErrors <= 3) out(`  !! ReportOutcomes failed: ${statusName(err)}: ${detailsOf(err)}`);
    }
  };
  const track = (p: Promise<void>) => {
    pendingOutcomes.add(p);
    void p.finally(() => pendingOutcomes.delete(p));
  };

  const one = async () => {
    const { request, session, sample } = model.next();
    inFlight++;
    sum.sent++;
    const t0 = performance.now();
    try {
      const res = await ask(request, opts.deadlineMs + 1000);
      const ms = performance.now() - t0;
      all.push(ms);
      if (ms > opts.deadlineMs) sum.late++;
      win.lat.push(ms);
      sum.decisions++;
      win.decisions++;
      if (res.ads.length > 0) {
        sum.withAds++;
        win.withAds++;
      }
      if (res.degraded.length > 0) {
        sum.degraded++;
        win.degraded++;
        for (const part of res.degraded) sum.degradedBy[part] = (sum.degradedBy[part] ?? 0) + 1;
      }
      const now = Date.now();
      if (samplesShown < opts.samples && (samplesShown === 0 || now - lastSampleAt >= 1000)) {
        samplesShown++;
        lastSampleAt = now;
        const deg = res.degraded.length > 0 ? `  DEGRADED: ${res.degraded.join(', ')}` : '';
        out(
          `  sample: ${sample.kind} (${sample.device}, ${sample.country}, ${sample.localTime}, ${sample.genre}) ` +
            `→ ${describeOutcome(res)} in ${ms.toFixed(1)} ms${deg}`,
        );
        out(`          why: ${res.why?.summary || '(no explanation)'}`);
      }
      // One listener: their events in order, each after the previous one.
      const events = model.outcomes(res, session);
      const replayAt = events.findIndex((e) => e.kind === 'impression' && model.random.next() < 0.05);
      track(
        (async () => {
          let at = 0;
          for (const [i, e] of events.entries()) {
            await sendOutcome(e.report, e.delayMs - at, false);
            at = e.delayMs;
            // Now and then an ad server retries a report: it must count once.
            if (i === replayAt) {
              sum.replays++;
              await sendOutcome(e.report, 0, true);
            }
          }
        })(),
      );
    } catch (err) {
      const name = statusName(err);
      sum.errors[name] = (sum.errors[name] ?? 0) + 1;
      win.errors++;
      if (Object.values(sum.errors).reduce((a, b) => a + b, 0) <= 3) {
        out(`  !! Decide failed: ${name}: ${detailsOf(err)}`);
      }
    } finally {
      inFlight--;
    }
  };

  let lastReport = started;
  let second = 0;
  const report = (now: number) => {
    second++;
    const secs = (now - lastReport) / 1000;
    lastReport = now;
    const lat = win.lat.sort((a, b) => a - b);
    out(
      `${`${second}s`.padStart(5)} ${(win.decisions / secs).toFixed(1).padStart(7)} ${pct(win.withAds, win.decisions).padStart(6)} ` +
        `${latencyMs(lat, 0.5).toFixed(1).padStart(8)} ${latencyMs(lat, 0.99).toFixed(1).padStart(8)} ` +
        `${pct(win.degraded, win.decisions).padStart(9)} ${String(sum.outcomes).padStart(9)} ${String(win.errors).padStart(7)}`,
    );
    win = { decisions: 0, withAds: 0, degraded: 0, errors: 0, lat: [] };
  };

  const inFlightDecisions = new Set<Promise<void>>();
  while (!opts.signal?.aborted) {
    const now = Date.now();
    if (now >= endAt || sum.sent + sum.shed >= total) break;
    const due = Math.min(total, Math.floor(((now - started) / 1000) * opts.rate) + 1);
    while (sum.sent + sum.shed < due) {
      if (inFlight >= opts.maxInFlight) {
        sum.shed++;
        continue;
      }
      const p = one();
      inFlightDecisions.add(p);
      void p.finally(() => inFlightDecisions.delete(p));
    }
    if (now - lastReport >= 1000) report(now);
    await sleep(5);
  }
  // Let the last decisions and their outcome reports finish (bounded).
  const drainUntil = Date.now() + 5000;
  while ((inFlightDecisions.size > 0 || pendingOutcomes.size > 0) && Date.now() < drainUntil) {
    if (Date.now() - lastReport >= 1000) report(Date.now());
    outcomes.flush();
    await sleep(10);
  }
  if (win.decisions > 0 || win.errors > 0) report(Date.now());
  stream?.close();
  client.close();

  all.sort((a, b) => a - b);
  sum.p50Ms = latencyMs(all, 0.5);
  sum.p99Ms = latencyMs(all, 0.99);
  sum.elapsedS = (Date.now() - started) / 1000;
  const errs = Object.entries(sum.errors)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const by = Object.entries(sum.degradedBy)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${pct(v, sum.decisions)}`)
    .join(', ');
  out(
    `done: ${sum.decisions} decisions in ${sum.elapsedS.toFixed(1)} s, fill ${pct(sum.withAds, sum.decisions)}, ` +
      `p50 ${sum.p50Ms.toFixed(1)} ms, p99 ${sum.p99Ms.toFixed(1)} ms, after the ${opts.deadlineMs} ms deadline ${pct(sum.late, sum.decisions)}, ` +
      `degraded ${pct(sum.degraded, sum.decisions)}${by ? ` (${by})` : ''}, ` +
      `errors ${errs || '0'}${sum.shed ? `, shed ${sum.shed}` : ''}`,
  );
  out(
    `      ${sum.outcomes} outcome reports accepted (${sum.replays} deliberate replays, ${sum.duplicates} detected as duplicates` +
      `${sum.outcomeErrors ? `, ${sum.outcomeErrors} failed` : ''})`,
  );
  return sum;
}

/**
 * A line for a run that starts on a machine already busy (1-minute load
 * average at least half its cores), else null: the mesh and this command
 * share the cores with that work, so its figures are not a quiet machine's.
 */
export function busyMachineNote(load1: number, cores: number): string | null {
  if (!(load1 >= 0.5 * cores)) return null;
  return (
    `  note: this machine was already busy before the run (load average ${load1.toFixed(2)} over the last minute, ${cores} cores): ` +
    'expect slower and more degraded answers than on a quiet machine.'
  );
}

// ---------------------------------------------------------------------------
// Warm-up

export interface WarmUpOptions {
  target: string;
  /** Dry-run decisions to send in all. */
  decisions: number;
  /** Decisions kept in flight (a closed loop: the next goes out when one comes back). */
  concurrency: number;
  deadlineMs: number;
  seed: number;
  /** Told about progress about once a second. */
  onProgress?: (done: number, of: number) => void;
}

export interface WarmUpSummary {
  decisions: number;
  degraded: number;
  errors: number;
  elapsedS: number;
}

/**
 * Sends realistic dry-run decisions (`dry_run`: negotiated and explained,
 * nothing reserved, nothing logged) through a freshly started mesh, so its
 * processes have compiled their hot paths before real traffic arrives: a
 * cold mesh answers its first seconds of heavy traffic mostly degraded
 * (bench/ANALYSIS.md, "First contact"). Its sessions are its own.
 */
export async function warmUp(opts: WarmUpOptions): Promise<WarmUpSummary> {
  const client = connect(opts.target);
  try {
    await waitReady(client, 5000);
  } catch (err) {
    client.close();
    throw err;
  }
  const model = new TrafficModel(opts.seed, `warmup-${Date.now().toString(36)}`, opts.deadlineMs);
  const sum: WarmUpSummary = { decisions: 0, degraded: 0, errors: 0, elapsedS: 0 };
  const started = Date.now();
  let sent = 0;
  let lastProgress = started;
  // Half the workers over a DecideStream, half with one Decide call each: ad servers use either.
  const stream = new DecisionStream(client);
  const worker = async (w: number) => {
    while (sent < opts.decisions) {
      sent++;
      const request = { ...model.next().request, dry_run: true };
      const timeoutMs = opts.deadlineMs + 1000;
      try {
        const res = await (w % 2 === 0
          ? stream.decide(request, { timeoutMs })
          : decide(client, request, { timeoutMs }));
        sum.decisions++;
        if (res.degraded.length > 0) sum.degraded++;
      } catch {
        sum.errors++;
      }
      if (Date.now() - lastProgress >= 1000) {
        lastProgress = Date.now();
        opts.onProgress?.(sum.decisions + sum.errors, opts.decisions);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, (_, w) => worker(w)));
  } finally {
    stream.close();
    client.close();
  }
  sum.elapsedS = (Date.now() - started) / 1000;
  return sum;
}
