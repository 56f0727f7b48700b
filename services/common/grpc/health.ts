/**
 * A client of the standard grpc.health.v1 service every parley server
 * answers: the dashboard's agent checks and `parley mesh` waiting for its
 * broker to serve use it.
 */
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { channelCredentials } from './tls';

const HealthClient = grpc.makeGenericClientConstructor(healthService, 'Health');

export interface HealthCheck {
  check(
    req: { service: string },
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: { status: string | number }) => void,
  ): void;
  close(): void;
}

export function healthClient(address: string, credentials?: grpc.ChannelCredentials): HealthCheck {
  return new HealthClient(address, credentials ?? channelCredentials()) as unknown as HealthCheck;
}

/** Whether `service` ('' = the server) says SERVING; rejects when the server cannot be asked. */
export function isServing(client: HealthCheck, service: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve, reject) =>
    client.check({ service }, { deadline: Date.now() + timeoutMs }, (err, res) =>
      err ? reject(err) : resolve(res?.status === 'SERVING' || res?.status === 1),
    ),
  );
}

/** Resolves once `service` at `address` says SERVING; rejects after `timeoutMs`. */
export async function waitServing(address: string, service: string, timeoutMs: number): Promise<void> {
  const client = healthClient(address);
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      const serving = await isServing(client, service, 1000).catch(() => false);
      if (serving) return;
      if (Date.now() >= until) throw new Error(`${service || address} was not serving after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    client.close();
  }
}
