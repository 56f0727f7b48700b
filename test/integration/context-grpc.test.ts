/**
 * The context agent over real gRPC on loopback (port 0) with raw grpc-js
 * clients: unary Assess and Observe, and the multiplexed AssessStream. Runs
 * once with embedded state and once against a real redis-server.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssessCall } from '../../proto/gen/parley/v1/AssessCall';
import type { AssessReply__Output } from '../../proto/gen/parley/v1/AssessReply';
import type { AssessRequest } from '../../proto/gen/parley/v1/AssessRequest';
import type { ContextAgentClient } from '../../proto/gen/parley/v1/ContextAgent';
import type { ContextSnapshot__Output } from '../../proto/gen/parley/v1/ContextSnapshot';
import type { ListenerSignals } from '../../proto/gen/parley/v1/ListenerSignals';
import type { SessionObservation } from '../../proto/gen/parley/v1/SessionObservation';
import { loadConfig } from '../../services/common/config';
import { v1 } from '../../services/common/grpc/proto';
import { createLogger } from '../../services/common/log';
import { CONTEXT_FEATURES } from '../../services/context/assess';
import { type ContextAgentService, startContextAgent } from '../../services/context/server';
import { useTestRedis } from '../support/redis';

const quiet = createLogger('test', 'error', {}, () => undefined);

const redis = useTestRedis();

function signals(o: Partial<ListenerSignals> = {}): ListenerSignals {
  return {
    session_id: 'session-1',
    device: 'DEVICE_MOBILE',
    local_time: '2026-06-10T07:00:00+02:00',
    track_genre: 'edm',
    previous_genre: 'edm',
    playlist_kind: 'PLAYLIST_KIND_EDITORIAL',
    country: 'SE',
    ...o,
  };
}

describe.each(['embedded', 'redis'] as const)('ContextAgent over gRPC (%s state)', (state) => {
  let service: ContextAgentService;
  let client: ContextAgentClient;

  beforeAll(async () => {
    const env: Record<string, string> = { PARLEY_CONTEXT_PORT: '0', PARLEY_REDIS_PREFIX: 'ctx-test:' };
    if (state === 'redis') env.REDIS_URL = redis.url;
    service = await startContextAgent({ config: loadConfig(env), log: quiet });
    client = new v1.ContextAgent(service.address, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await service?.close();
  });

  const assess = (req: AssessRequest) =>
    new Promise<ContextSnapshot__Output>((resolve, reject) =>
      client.Assess(req, (err, res) => (err ? reject(err) : resolve(res!))),
    );
  const observe = (o: SessionObservation) =>
    new Promise<void>((resolve, reject) => client.Observe(o, (err) => (err ? reject(err) : resolve())));
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return err as grpc.ServiceError;
    }
    throw new Error('expected the call to fail');
  };

  it('assesses a workout and remembers ads heard in the session', async () => {
    const snap = await assess({ signals: signals({ session_id: `${state}-a` }) });
    expect(snap).toMatchObject({
      scenario: 'SCENARIO_WORKOUT',
      model_version: 'context-rules-v1',
      is_default: false,
    });
    expect(snap.features).toHaveLength(CONTEXT_FEATURES.length);
    expect(snap.session_ads_heard).toBe(0);

    await observe({ session_id: `${state}-a`, ad_served: true, ad_skipped: true });
    const after = await assess({ signals: signals({ session_id: `${state}-a` }) });
    expect(after.session_ads_heard).toBe(1);
    expect(after.skip_risk).toBeGreaterThan(snap.skip_risk);
  });

  it.each([
    ['missing signals', {}, 'signals: required'],
    ['a bad country', { signals: signals({ country: 'Sweden' }) }, 'signals.country'],
    ['an unknown enum number', { signals: signals({ device: 42 as never }) }, 'signals.device'],
    ['an unspecified device', { signals: signals({ device: 'DEVICE_UNSPECIFIED' }) }, 'signals.device'],
    ['a bad local time', { signals: signals({ local_time: 'tomorrow' }) }, 'signals.local_time'],
    ['a missing session id', { signals: signals({ session_id: '' }) }, 'signals.session_id'],
  ])('rejects %s with INVALID_ARGUMENT naming the field', async (_name, req, field) => {
    const err = await failure(assess(req as AssessRequest));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toContain(field);
  });

  it('rejects an observation without a session id', async () => {
    const err = await failure(observe({ ad_served: true }));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toContain('session_id');
  });

  it('serves the multiplexed stream, with per-message errors', async () => {
    const stream = client.AssessStream();
    const replies = new Map<string, AssessReply__Output>();
    const got = new Promise<void>((resolve) =>
      stream.on('data', (r: AssessReply__Output) => {
        replies.set(r.envelope?.call_id ?? '', r);
        if (replies.size === 4) resolve();
      }),
    );
    const send = (call: AssessCall) => stream.write(call);
    send({
      envelope: { call_id: '1', timeout_ms: 1000 },
      request: { signals: signals({ device: 'DEVICE_CAR' }) },
    });
    send({ envelope: { call_id: '2', timeout_ms: 1000 }, request: { signals: signals({ country: 'se' }) } });
    send({ envelope: { call_id: '3' }, request: {} });
    send({ envelope: { timeout_ms: 1000 }, request: { signals: signals() } });
    await got;
    stream.end();
    expect(replies.get('1')?.snapshot?.scenario).toBe('SCENARIO_COMMUTE');
    expect(replies.get('2')?.error).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(replies.get('2')?.error?.message).toContain('request.signals.country');
    expect(replies.get('3')?.error?.message).toContain('request.signals: required');
    expect(replies.get('')?.error?.message).toContain('envelope.call_id');
  });

  it.runIf(state === 'redis')('keeps session state in Redis under the prefix', async () => {
    await observe({ session_id: 'in-redis', ad_served: true });
    const keys = await redis.client().keys('ctx-test:*');
    expect(keys).toContain('ctx-test:context:session:in-redis');
  });
});
