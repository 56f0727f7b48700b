/**
 * The grpc-js plumbing every parley server shares: start a server with the
 * standard health service and server reflection, and adapt plain async
 * handlers `(request, ctx) => response` into grpc-js unary handlers with a
 * server span, the caller's deadline, and errors mapped to statuses.
 */
import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import type { Span } from '@opentelemetry/api';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from '../log';
import { rpcRecorder } from '../metrics';
import { ATTR, rpcAttributes } from '../semconv';
import { contextFromMetadata, SpanKind, withSpan } from '../telemetry';
import { messageOf, statusOf } from './errors';
import { packageDefinition } from './proto';

export interface CallContext {
  /** Absolute deadline (epoch ms); Infinity when the caller set none. */
  deadline: number;
  span: Span;
  metadata: grpc.Metadata;
}

export type UnaryHandler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;

/** Largest message a parley server accepts; larger ones get RESOURCE_EXHAUSTED. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export function deadlineOf(call: { getDeadline(): grpc.Deadline }): number {
  const d = call.getDeadline();
  if (d instanceof Date) return d.getTime();
  return Number.isFinite(d) ? d : Number.POSITIVE_INFINITY;
}

export function unary<Req, Res>(
  method: string,
  handler: UnaryHandler<Req, Res>,
  log: Logger,
): grpc.handleUnaryCall<Req, Res> {
  const metric = rpcRecorder('server', method);
  return (call, callback) => {
    const started = performance.now();
    const parent = contextFromMetadata(call.metadata);
    withSpan(
      method,
      {
        kind: SpanKind.SERVER,
        parent,
        attributes: rpcAttributes(method),
      },
      async (span) => {
        try {
          const res = await handler(call.request, {
            deadline: deadlineOf(call),
            span,
            metadata: call.metadata,
          });
          span.setAttribute(ATTR.rpcStatusCode, grpc.status.OK);
          metric.record(grpc.status.OK, performance.now() - started);
          callback(null, res);
        } catch (err) {
          const code = statusOf(err);
          span.setAttribute(ATTR.rpcStatusCode, code);
          metric.record(code, performance.now() - started);
          if (code === grpc.status.INTERNAL || code === grpc.status.UNKNOWN) {
            log.error('handler failed', { method, error: messageOf(err), stack: (err as Error)?.stack });
          }
          callback({ code, details: messageOf(err) });
        }
      },
    ).catch((err) => log.error('unary adapter failed', { method, error: messageOf(err) }));
  };
}

export interface StartedServer {
  server: grpc.Server;
  port: number;
  address: string;
  health: HealthImplementation;
  /** Stops taking calls, lets running ones finish (up to graceMs), then closes. */
  shutdown(graceMs?: number): Promise<void>;
}

export interface ServerSpec {
  host: string;
  port: number;
  /** Fully-qualified service names served (for health). */
  serviceNames: string[];
  services: Array<[grpc.ServiceDefinition, grpc.UntypedServiceImplementation]>;
  log: Logger;
}

export async function startServer(spec: ServerSpec): Promise<StartedServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': 4 * MAX_MESSAGE_BYTES,
  });
  for (const [def, impl] of spec.services) server.addService(def, impl);
  const health = new HealthImplementation({ '': 'SERVING' });
  for (const name of spec.serviceNames) health.setStatus(name, 'SERVING');
  health.addToServer(server);
  new ReflectionService(packageDefinition).addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${spec.host}:${spec.port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });
  const address = `${spec.host}:${port}`;
  return {
    server,
    port,
    address,
    health,
    shutdown: (graceMs = 2000) =>
      new Promise<void>((resolve) => {
        health.setStatus('', 'NOT_SERVING');
        for (const name of spec.serviceNames) health.setStatus(name, 'NOT_SERVING');
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** What every start function (startBroker, startContextAgent, …) returns. */
export interface RunningService {
  name: string;
  address: string;
  port: number;
  /** Graceful stop: no new calls, finish running ones, close state connections. */
  close(): Promise<void>;
}
