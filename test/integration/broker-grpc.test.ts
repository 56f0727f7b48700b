/**
 * The broker over real gRPC on loopback, with agents that are NOT running:
 * every decision must still answer inside its deadline (house-only or no ad,
 * with every agent degraded), and bad input is refused naming the field.
 */
import { createServer, type Server } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionStream } from '../../bin/client';
import { launcherSettings } from '../../bin/spawn';
import type { AdDecisionClient } from '../../proto/gen/parley/v1/AdDecision';
import type { DecideRequest } from '../../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse__Output } from '../../proto/gen/parley/v1/DecideResponse';
import type { OutcomeAck__Output } from '../../proto/gen/parley/v1/OutcomeAck';
import type { OutcomeReport } from '../../proto/gen/parley/v1/OutcomeReport';
import { OUTCOME_ERRORS, startBroker } from '../../services/broker/server';
import { loadConfig } from '../../services/common/config';
import { serveAgent } from '../../services/common/grpc/agent-stream';
import { healthClient, isServing } from '../../services/common/grpc/health';
import { v1 } from '../../services/common/grpc/proto';
import { type RunningService, type StartedServer, startServer } from '../../services/common/grpc/server';
import { createLogger } from '../../services/common/log';
import { agentEnv } from '../../services/common/registry';

import { useMemorySpans } from '../support/spans';

useMemorySpans();

/**
 * Loopback gRPC and timers on a busy 2-core CI box: replies were seen up to
 * ~100 ms late under a load average of 20. A broker that did not budget its
 * deadline would wait for a hanging agent far longer (or forever).
 */
const SLACK_MS = 100;
const DEADLINE_MS = 150;

const request = (over: Partial<DecideRequest> = {}): DecideRequest => ({
  request_id: 'it-req-1',
  slot: { slot_id: 'slot-1', position: 'POSITION_MID_ROLL', max_ads: 2, max_total_duration_ms: 60_000 },
  signals: {
    session_id: 'sess-it',
    device: 'DEVICE_MOBILE',
    local_time: '2026-11-27T08:15:00+01:00',
    track_genre: 'pop',
    previous_genre: 'pop',
    recent_skips: 0,
    playlist_kind: 'PLAYLIST_KIND_EDITORIAL',
    activity_hint: 'SCENARIO_COMMUTE',
    explicit_content: false,
    country: 'SE',
  },
  deadline_ms: DEADLINE_MS,
  ...over,
});

const log = createLogger('broker', 'error');

/**
 * A port where no agent runs: we hold it (so no other test process can bind
 * it meanwhile) and drop every connection, as a dead host would.
 */
async function deadPort(): Promise<{ address: string; close(): void }> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { address: `127.0.0.1:${port}`, close: () => server.close() };
}

/** The registry's agents, by name. */
const AGENTS = loadConfig({}).agents.map((a) => a.name);

/** A broker whose agents are at `addresses` (by agent name; every other agent at `elsewhere`). */
async function brokerWith(addresses: Record<string, string>, elsewhere: string) {
  const config = loadConfig({
    ...launcherSettings(), // the suite's: no load shedding (vitest.config.ts)
    PARLEY_BROKER_PORT: '0',
    ...Object.fromEntries(AGENTS.map((a) => [agentEnv(a, 'ADDR'), addresses[a] ?? elsewhere])),
  });
  const broker = await startBroker({ config, log });
  const client: AdDecisionClient = new v1.AdDecision(broker.address, grpc.credentials.createInsecure());
  return { broker, client };
}

function decideOn(
  client: AdDecisionClient,
  req: DecideRequest,
  opts: { deadlineMs?: number; metadata?: grpc.Metadata } = {},
): Promise<{ res?: DecideResponse__Output; err?: grpc.ServiceError; ms: number }> {
  const t0 = Date.now();
  const options: grpc.CallOptions = { deadline: Date.now() + (opts.deadlineMs ?? 5000) };
  return new Promise((resolve) => {
    client.Decide(req, opts.metadata ?? new grpc.Metadata(), options, (err, res) =>
      resolve({ res: res ?? undefined, err: err ?? undefined, ms: Date.now() - t0 }),
    );
  });
}

describe('broker over gRPC with every agent down', () => {
  let broker: RunningService;
  let client: AdDecisionClient;
  const dead: Array<{ address: string; close(): void }> = [];

  beforeAll(async () => {
    dead.push(await deadPort());
    ({ broker, client } = await brokerWith({}, dead[0]!.address));
  });

  afterAll(async () => {
    client?.close();
    await broker?.close();
    for (const d of dead) d.close();
  });

  const decide = (req: DecideRequest, opts: { deadlineMs?: number; metadata?: grpc.Metadata } = {}) =>
    decideOn(client, req, opts);

  function report(r: OutcomeReport): Promise<{ res?: OutcomeAck__Output; err?: grpc.ServiceError }> {
    return new Promise((resolve) => {
      client.ReportOutcome(r, { deadline: Date.now() + 5000 }, (err, res) =>
        resolve({ res: res ?? undefined, err: err ?? undefined }),
      );
    });
  }

  it('binds a real port', () => {
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.address).toBe(`127.0.0.1:${broker.port}`);
  });

  it('answers within deadline_ms, house-only or no ad, with every agent degraded', async () => {
    // The first decision also pays for first connection attempts and lazy loading.
    expect((await decide(request({ request_id: 'warm-up' }))).err).toBeUndefined();
    for (let i = 0; i < 3; i++) {
      const { res, err, ms } = await decide(request({ request_id: `it-${i}` }));
      expect(err).toBeUndefined();
      expect(ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
      expect(res!.request_id).toBe(`it-${i}`);
      expect(res!.degraded).toEqual(AGENTS);
      if (res!.no_ad) expect(res!.no_ad_reasons.length).toBeGreaterThan(0);
      for (const ad of res!.ads) {
        expect(ad.tier).toBe('house');
        expect(ad.price_micros).toBe(0);
        expect(ad.reservation_id).toBe('');
      }
      expect(res!.why?.scenario).toBe('SCENARIO_COMMUTE'); // the default snapshot follows the activity hint
      expect(res!.why?.summary).toContain('degraded');
    }
  });

  it('decides over one DecideStream: each request answered once by its id, failures per request, the stream kept open', async () => {
    const stream = new DecisionStream(client);
    try {
      const ids = ['s-0', 's-1', 's-2', 's-3'];
      // Sent in one turn: one DecideRequests message carries them all.
      const answers = await Promise.all(ids.map((id) => stream.decide(request({ request_id: id }))));
      expect(answers.map((r) => r.request_id)).toEqual(ids);
      for (const r of answers) expect(r.degraded).toEqual(AGENTS);
      // A bad request and one with too little time fail alone, with Decide's status and message.
      const [bad, short, good] = await Promise.allSettled([
        stream.decide(request({ request_id: 's-bad', slot: { ...request().slot!, max_ads: 0 } })),
        stream.decide(request({ request_id: 's-short', deadline_ms: 2 })),
        stream.decide(request({ request_id: 's-4' })),
      ]);
      expect(bad.status === 'rejected' && bad.reason.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(bad.status === 'rejected' && bad.reason.details).toMatch(/slot\.max_ads/);
      expect(short.status === 'rejected' && short.reason.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(good.status === 'fulfilled' && good.value.request_id).toBe('s-4');
      // Idempotent per request id, as Decide: a retry gets the first answer.
      const again = await stream.decide(request({ request_id: 's-0' }));
      expect(again).toEqual(answers[0]);
    } finally {
      stream.close();
    }
  });

  it('ends a DecideStream that sends bytes which are not DecideRequests with INVALID_ARGUMENT', async () => {
    const raw = new grpc.Client(broker.address, grpc.credentials.createInsecure());
    const call = raw.makeBidiStreamRequest(
      '/parley.v1.AdDecision/DecideStream',
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => undefined);
    call.on('data', () => undefined);
    call.write(Buffer.from([0x0a, 0x7f, 0x01]));
    const s = await status;
    raw.close();
    expect(s.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(s.details).toMatch(/DecideRequests/);
  });

  it('refuses a decision with less than the minimum time left', async () => {
    const { err } = await decide(request({ deadline_ms: 2 }));
    expect(err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });

  it('continues the caller’s trace (W3C traceparent)', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const md = new grpc.Metadata();
    md.set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`);
    const { res } = await decide(request(), { metadata: md });
    expect(res!.why?.trace_id).toBe(traceId);
  });

  const badDecides: Array<[string, DecideRequest]> = [
    ['request_id', request({ request_id: '' })],
    ['slot.max_ads', request({ slot: { ...request().slot, max_ads: 9 } })],
    ['signals.country', request({ signals: { ...request().signals, country: 'Sweden' } })],
    ['signals.local_time', request({ signals: { ...request().signals, local_time: 'now' } })],
    ['excluded_categories', request({ excluded_categories: Array.from({ length: 101 }, (_, i) => `c${i}`) })],
    ['deadline_ms', request({ deadline_ms: 60_001 })],
  ];
  it.each(badDecides)('refuses a bad %s with INVALID_ARGUMENT naming it', async (field, req) => {
    const { err } = await decide(req);
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details.startsWith(`${field}:`)).toBe(true);
  });

  it('refuses a bad outcome naming the field', async () => {
    const { err } = await report({
      idempotency_key: 'k-1',
      creative_id: 'c',
      reservation_id: 'not a valid id',
      event: 'OUTCOME_EVENT_IMPRESSION',
    });
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/^reservation_id:/);
  });

  it('refuses bytes that are not the request message with INVALID_ARGUMENT naming it, not INTERNAL', async () => {
    const raw = new grpc.Client(broker.address, grpc.credentials.createInsecure());
    const send = (method: string, bytes: Buffer) =>
      new Promise<grpc.ServiceError | null>((resolve) =>
        raw.makeUnaryRequest(
          method,
          (b: Buffer) => b,
          (b: Buffer) => b,
          bytes,
          { deadline: Date.now() + 5000 },
          (err) => resolve(err),
        ),
      );
    // Bytes protobuf cannot decode as any message (protobufjs is lenient with a
    // string field cut short, so the cut-short case is an embedded message's).
    const junk = {
      'wire type 7': Buffer.from([0x7f, 0x00]),
      'random bytes': Buffer.from('9f8e7d6c5b4a39281706f5e4d3c2b1a0ff', 'hex'),
      'an embedded message cut short': Buffer.from([0x12, 0x05, 0x0a]),
    };
    try {
      for (const [method, type] of [
        ['Decide', 'DecideRequest'],
        ['ReportOutcomes', 'OutcomeReports'],
        ['ReportOutcome', 'OutcomeReport'],
      ] as const) {
        for (const [what, bytes] of Object.entries(junk)) {
          if (method === 'ReportOutcome' && what.endsWith('cut short')) continue; // it has no embedded message
          const err = await send(`/parley.v1.AdDecision/${method}`, bytes);
          expect({ method, what, code: err?.code }).toEqual({
            method,
            what,
            code: grpc.status.INVALID_ARGUMENT,
          });
          expect(err?.details).toMatch(
            new RegExp(`^request: not a valid parley\\.v1\\.${type} message \\(.+\\)$`),
          );
        }
      }
      // The server is still up and answers a good request.
      const { res, err } = await decide(request({ request_id: 'after-junk' }));
      expect(err).toBeUndefined();
      expect(res?.request_id).toBe('after-junk');
    } finally {
      raw.close();
    }
  });

  it('tells the ad server to retry an outcome while the objective agent is down, without internal detail', async () => {
    const { err } = await report({
      idempotency_key: 'k-2',
      reservation_id: 'r-1',
      creative_id: 'c',
      event: 'OUTCOME_EVENT_IMPRESSION',
    });
    expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(err?.code);
    // A stable, documented message: no address, no socket error.
    expect(err?.details).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|stream closed/);
    expect([OUTCOME_ERRORS.unavailable, OUTCOME_ERRORS.late]).toContain(err?.details);
  });
});

describe('broker over gRPC with a context agent that never answers', () => {
  let agent: StartedServer;
  let broker: RunningService;
  let client: AdDecisionClient;
  const dead: Array<{ address: string; close(): void }> = [];

  beforeAll(async () => {
    agent = await startServer({
      host: '127.0.0.1',
      port: 0,
      serviceNames: ['parley.v1.Agent'],
      services: [
        [v1.Agent.service, { Negotiate: serveAgent({ assess: () => new Promise(() => undefined) }, log) }],
      ],
      log,
    });
    dead.push(await deadPort());
    ({ broker, client } = await brokerWith({ context: agent.address }, dead[0]!.address));
  });

  afterAll(async () => {
    client?.close();
    await broker?.close();
    await agent?.shutdown(50);
    for (const d of dead) d.close();
  });

  it('still answers within the deadline, with a default snapshot', async () => {
    for (let i = 0; i < 3; i++) {
      const { res, err, ms } = await decideOn(client, request({ request_id: `hang-${i}` }));
      expect(err).toBeUndefined();
      expect(ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
      expect(res!.degraded).toContain('context');
      expect(res!.why?.scenario).toBe('SCENARIO_COMMUTE');
    }
  });

  it('ends an agent stream that sends bytes which are not AgentCalls with INVALID_ARGUMENT', async () => {
    const raw = new grpc.Client(agent.address, grpc.credentials.createInsecure());
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      const call = raw.makeBidiStreamRequest(
        '/parley.v1.Agent/Negotiate',
        (b: Buffer) => b,
        (b: Buffer) => b,
      );
      call.on('data', () => undefined);
      call.on('error', () => undefined);
      call.on('status', resolve);
      call.write(Buffer.from([0x0a, 0x7f, 0x41]));
    });
    raw.close();
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/^request: not a valid parley\.v1\.AgentCalls message/);
  });

  it('budgets by the gRPC deadline when it is sooner than deadline_ms', async () => {
    // Budgeting by deadline_ms (10 s) would give the hanging context agent 2 s
    // and the caller would see DEADLINE_EXCEEDED instead of an answer.
    const { res, err } = await decideOn(client, request({ deadline_ms: 10_000 }), { deadlineMs: 400 });
    expect(err).toBeUndefined();
    expect(res!.degraded).toContain('context');
  });
});

describe('broker readiness (grpc.health.v1)', () => {
  const serving = async (address: string) => {
    const client = healthClient(address);
    try {
      return await isServing(client, 'parley.v1.AdDecision', 2000);
    } finally {
      client.close();
    }
  };

  it('serves once every agent is connected', async () => {
    const agents = await Promise.all(
      AGENTS.map(() =>
        startServer({
          host: '127.0.0.1',
          port: 0,
          serviceNames: ['parley.v1.Agent'],
          services: [[v1.Agent.service, { Negotiate: serveAgent({}, log) }]],
          log,
        }),
      ),
    );
    const config = loadConfig({
      PARLEY_BROKER_PORT: '0',
      PARLEY_ADMIN_ADDR: 'off',
      ...Object.fromEntries(AGENTS.map((a, i) => [agentEnv(a, 'ADDR'), agents[i]!.address])),
    });
    const broker = await startBroker({ config, log });
    try {
      const until = Date.now() + 5000;
      while (!(await serving(broker.address)) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 20));
      expect(await serving(broker.address)).toBe(true);
    } finally {
      await broker.close();
      for (const a of agents) await a.shutdown(50);
    }
  });

  it('says NOT_SERVING while agents are missing, then serves degraded once it gave up waiting', async () => {
    const dead = await deadPort();
    const config = loadConfig({
      PARLEY_BROKER_PORT: '0',
      PARLEY_ADMIN_ADDR: 'off',
      ...Object.fromEntries(AGENTS.map((a) => [agentEnv(a, 'ADDR'), dead.address])),
    });
    const broker = await startBroker({ config, log, readyWaitMs: 400 });
    try {
      expect(await serving(broker.address)).toBe(false);
      await new Promise((r) => setTimeout(r, 600));
      expect(await serving(broker.address)).toBe(true);
    } finally {
      await broker.close();
      dead.close();
    }
  });
});
