/**
 * The context agent over real gRPC on loopback (port 0): the unary Assess of
 * stock clients (a raw grpc-js client), and its role context on the
 * Agent.Negotiate stream (assess, outcomes), as the broker drives it. Runs
 * once with embedded state and once against a real redis-server.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssessRequest } from '../../proto/gen/parley/v1/AssessRequest';
import type { ContextAgentClient } from '../../proto/gen/parley/v1/ContextAgent';
import type { ContextSnapshot__Output } from '../../proto/gen/parley/v1/ContextSnapshot';
import type { ListenerSignals } from '../../proto/gen/parley/v1/ListenerSignals';
import type { OutcomeRecord } from '../../proto/gen/parley/v1/OutcomeRecord';
import { loadConfig } from '../../services/common/config';
import { AgentLink } from '../../services/common/grpc/agent-stream';
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
  let link: AgentLink;

  beforeAll(async () => {
    const env: Record<string, string> = { PARLEY_CONTEXT_PORT: '0', PARLEY_REDIS_PREFIX: 'ctx-test:' };
    if (state === 'redis') env.REDIS_URL = redis.url;
    service = await startContextAgent({ config: loadConfig(env), log: quiet });
    client = new v1.ContextAgent(service.address, grpc.credentials.createInsecure());
    link = new AgentLink('context', service.address);
  });
  afterAll(async () => {
    link?.close();
    client?.close();
    await service?.close();
  });

  const assess = (req: AssessRequest) =>
    new Promise<ContextSnapshot__Output>((resolve, reject) =>
      client.Assess(req, (err, res) => (err ? reject(err) : resolve(res!))),
    );
  let key = 0;
  /** An outcome, as the broker passes it on (the context agent's role context hears outcomes). */
  const observe = (o: Partial<OutcomeRecord>) =>
    link.call(
      'outcomes',
      { records: [{ idempotency_key: `k${key++}`, creative_id: 'cr-1', event: 'impression', ...o }] },
      5000,
    );
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

    await observe({ session_id: `${state}-a`, event: 'impression' });
    await observe({ session_id: `${state}-a`, event: 'skip' });
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

  it('rejects an outcome without a session id', async () => {
    await expect(observe({ session_id: '' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(observe({ session_id: '' })).rejects.toThrow(/outcomes\.records\[0\]\.session_id/);
  });

  it('assesses on the Agent.Negotiate stream, with per-call errors naming the field', async () => {
    const [ok, bad, none] = await Promise.allSettled([
      link.call('assess', { signals: signals({ device: 'DEVICE_CAR' }) }, 2000),
      link.call('assess', { signals: signals({ country: 'se' }) }, 2000),
      link.call('assess', {}, 2000),
    ]);
    expect(ok.status === 'fulfilled' && ok.value.scenario).toBe('SCENARIO_COMMUTE');
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: grpc.status.INVALID_ARGUMENT } });
    expect(String((bad as PromiseRejectedResult).reason)).toContain('assess.signals.country');
    expect(String((none as PromiseRejectedResult).reason)).toContain('assess.signals: required');
  });

  it.runIf(state === 'redis')('keeps session state in Redis under the prefix', async () => {
    await observe({ session_id: 'in-redis', event: 'impression' });
    const keys = await redis.client().keys('ctx-test:*');
    expect(keys).toContain('ctx-test:context:session:{in-redis}');
  });
});
