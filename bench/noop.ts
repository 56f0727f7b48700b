/**
 * The ceiling of the benchmark: a no-op AdDecision server. No agents, no
 * state: Decide answers a canned one-ad response through the same grpc-js
 * plumbing every parley server uses (`startServer`, `unary` with its span
 * and RPC metric), started the way `parley serve` starts a service (config
 * from env, telemetry). Driven by the same load generator, its saturation is
 * the most decisions/s this machine can carry through one gRPC hop with the
 * load generator on the same cores.
 *
 *   node --import tsx bench/noop.ts
 *
 * Listens on PARLEY_BROKER_PORT (0: any free port); prints one JSON line
 * {"service":"broker","address","pid"} on stdout when listening; stops on SIGTERM.
 */
import { pathToFileURL } from 'node:url';
import type { DecideRequest__Output } from '../proto/gen/parley/v1/DecideRequest';
import type { DecideResponse } from '../proto/gen/parley/v1/DecideResponse';
import { decideStream } from '../services/broker/decide-stream';
import { loadConfig } from '../services/common/config';
import { SERVICE_NAMES, v1 } from '../services/common/grpc/proto';
import { type RunningService, startServer, unary } from '../services/common/grpc/server';
import { setDefaultIdentity } from '../services/common/grpc/tls';
import { createLogger, type Logger } from '../services/common/log';
import { SPAN } from '../services/common/semconv';
import { initTelemetry } from '../services/common/telemetry';
import { announceAndServe } from './procs';

/** The canned answer (the request id is the caller's): one ad, shaped like a real one. */
const CANNED: Omit<DecideResponse, 'request_id'> = {
  ads: [
    {
      pod_position: 0,
      creative_id: 'noop-creative',
      campaign_id: 'noop-campaign',
      advertiser_id: 'noop-advertiser',
      category: 'noop',
      duration_ms: 15_000,
      price_micros: 10_000,
      reservation_id: 'noop-reservation',
      audio_url: 'https://example.invalid/noop.mp3',
      tier: 'standard',
      propensity: 1,
    },
  ],
  why: { rounds: 1, scenario: 'SCENARIO_COMMUTE', summary: 'noop', utility: 1 },
};

export interface NoopOptions {
  host: string;
  port: number;
  log: Logger;
}

export async function startNoopBroker(opts: NoopOptions): Promise<RunningService> {
  const decide = async (req: DecideRequest__Output): Promise<DecideResponse> => ({
    request_id: req.request_id,
    ...CANNED,
  });
  const decideCall = unary(SPAN.decide, decide, opts.log);
  const server = await startServer({
    host: opts.host,
    port: opts.port,
    serviceNames: [SERVICE_NAMES.adDecision],
    services: [
      [v1.AdDecision.service, { Decide: decideCall, DecideStream: decideStream(decideCall, opts.log) }],
    ],
    log: opts.log,
  });
  return {
    name: 'noop',
    address: server.address,
    port: server.port,
    close: () => server.shutdown(500),
  };
}

async function main(): Promise<void> {
  // It stands in for the broker: the broker's certificate.
  setDefaultIdentity('broker');
  const config = loadConfig(process.env, 'bench-noop');
  const log = createLogger('bench-noop', config.logLevel);
  // As `parley serve` does, so the shared plumbing's spans cost what they cost there.
  const telemetry = initTelemetry({ serviceName: config.serviceName, otlpEndpoint: config.otlpEndpoint });
  const service = await startNoopBroker({ host: config.host, port: config.ports.broker, log });
  announceAndServe('broker', service, telemetry);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    process.stderr.write(`bench noop: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
