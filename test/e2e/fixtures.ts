/**
 * Requests shared by the e2e tests: a valid Decide that the sample catalogue
 * can fill with a paid ad, and a valid outcome report.
 */
import { fileURLToPath } from 'node:url';
import { runOpen } from '../../bench/load';
import { connect, type DecideRequest, decide, type OutcomeReport } from '../../bin/client';
import { formatLocalTime } from '../../services/common/wire/common';
import { type MeshOptions, startMesh, type TestMesh } from '../support/mesh';

let n = 0;
/** Unique per test process (ids never collide across files sharing nothing but a clock). */
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${n++}`;
}

/** A weekday-morning workout on a phone in Sweden: plenty of eligible sponsorship and standard ads. */
export function validDecide(overrides: Partial<DecideRequest> = {}): DecideRequest {
  const id = uniqueId('e2e');
  return {
    request_id: id,
    slot: { slot_id: `slot-${id}`, position: 'POSITION_MID_ROLL', max_ads: 1, max_total_duration_ms: 60_000 },
    signals: {
      session_id: `sess-${id}`,
      device: 'DEVICE_MOBILE',
      local_time: formatLocalTime(Date.now(), 60),
      track_genre: 'pop',
      previous_genre: 'pop',
      recent_skips: 0,
      playlist_kind: 'PLAYLIST_KIND_EDITORIAL',
      activity_hint: 'SCENARIO_WORKOUT',
      explicit_content: false,
      country: 'SE',
    },
    excluded_advertisers: [],
    excluded_categories: [],
    deadline_ms: 150,
    ...overrides,
  };
}

export function validOutcome(overrides: Partial<OutcomeReport> = {}): OutcomeReport {
  return {
    idempotency_key: uniqueId('idem'),
    request_id: uniqueId('e2e'),
    reservation_id: '',
    creative_id: 'cr-unknown',
    session_id: 'sess-1',
    event: 'OUTCOME_EVENT_COMPLETE',
    skip_offset_ms: 0,
    occurred_at_ms: 0,
    ...overrides,
  };
}

/** The deterministic e2e catalogue (asap pacing, no caps, huge budgets). */
export const E2E_CATALOGUE = fileURLToPath(new URL('./catalogue.yaml', import.meta.url));

/** Prefix of every Redis key the e2e meshes write (config.redisPrefix). */
export const E2E_PREFIX = 'e2e:';

/**
 * A mesh on the e2e catalogue, with Redis when a URL is given, warmed up: it
 * returns once a decision comes back with no part degraded (the broker opens
 * its agent streams on first use, and the first decisions also pay for JIT).
 */
export async function startE2eMesh(
  redisUrl?: string,
  env: Record<string, string> = {},
  opts: Pick<MeshOptions, 'admin'> = {},
): Promise<TestMesh> {
  const mesh = await startMesh({
    ...(redisUrl ? { redisUrl } : {}),
    env: { PARLEY_CATALOGUE: E2E_CATALOGUE, PARLEY_REDIS_PREFIX: E2E_PREFIX, ...env },
    ...opts,
  });
  const client = connect(mesh.broker);
  try {
    const until = Date.now() + 20_000;
    let healthy = 0;
    while (healthy < 3) {
      const res = await decide(client, validDecide({ deadline_ms: 1000 }), { timeoutMs: 5000 });
      healthy = res.degraded.length === 0 ? healthy + 1 : 0;
      if (Date.now() > until)
        throw new Error(`the mesh stays degraded: ${res.degraded.join(', ')}\n${mesh.logs()}`);
    }
  } catch (err) {
    await mesh.stop();
    throw err;
  } finally {
    client.close();
  }
  return mesh;
}

/**
 * The benchmark's open loop (bench/load.ts), in this process, small: 40
 * decisions/s for `seconds` with their outcome reports (a refused batch is
 * sent again with the same keys for up to 20 s), deadline_ms 1000 (these
 * tests count failures and money, not speed).
 */
export function lightLoad(target: string, tag: string, seconds: number, timelineMs?: number) {
  return runOpen({
    mode: 'open',
    target,
    channels: 1,
    seed: 3,
    tag: uniqueId(tag),
    sessions: 100,
    deadlineMs: 1000,
    // Answered late is not failed: a busy CI machine stretches an answer past twice its deadline.
    clientTimeoutMs: 5000,
    rate: 40,
    seconds,
    warmupSeconds: 0,
    maxInFlight: 200,
    outcomes: { batchMs: 20, maxBatch: 50, retryForMs: 20_000 },
    ...(timelineMs ? { timelineMs } : {}),
  });
}
