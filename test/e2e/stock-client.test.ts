/**
 * A stock gRPC client that knows nothing of parley's protos discovers and
 * calls the broker: grpc.health.v1 says SERVING, server reflection lists the
 * parley services and hands out their descriptors, and a client built from
 * those descriptors alone gets a decision.
 *
 * (The python grpcio tools are not installed on this machine, so the stock
 * client is grpc-js with the health and reflection protos their packages ship.)
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLocalTime } from '../../services/common/wire/common';
import type { TestMesh } from '../support/mesh';
import { startE2eMesh } from './fixtures';

const require = createRequire(import.meta.url);
const HEALTH_PROTO = join(
  dirname(require.resolve('grpc-health-check')),
  '../../proto/health/v1/health.proto',
);
const REFLECTION_PROTO = join(
  dirname(require.resolve('@grpc/reflection')),
  '../proto/grpc/reflection/v1/reflection.proto',
);
const LOADER: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

interface Dyn {
  [name: string]: Dyn & grpc.ServiceClientConstructor;
}
type UnaryFn = (
  req: object,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => void;

function unaryCall<T>(client: grpc.Client, method: string, req: object): Promise<T> {
  const fn = (client as unknown as Record<string, UnaryFn>)[method]!.bind(client);
  return new Promise((resolve, reject) =>
    fn(req, { deadline: Date.now() + 3000 }, (err, res) => (err ? reject(err) : resolve(res as T))),
  );
}

interface ReflectionResponse {
  list_services_response?: { service: Array<{ name: string }> } | null;
  file_descriptor_response?: { file_descriptor_proto: Buffer[] } | null;
  error_response?: { error_code: number; error_message: string } | null;
}

/** One reflection request/response over the ServerReflectionInfo stream. */
function reflect(client: grpc.Client, request: object): Promise<ReflectionResponse> {
  const open = (
    client as unknown as Record<string, () => grpc.ClientDuplexStream<object, ReflectionResponse>>
  ).ServerReflectionInfo!;
  const stream = open.call(client);
  return new Promise((resolve, reject) => {
    stream.once('data', (res: ReflectionResponse) => {
      resolve(res);
      stream.end();
    });
    stream.once('error', reject);
    stream.write(request);
  });
}

/** A FileDescriptorSet (field 1, repeated FileDescriptorProto) from serialized files. */
function descriptorSet(files: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const len: number[] = [];
    let n = f.length;
    while (n > 0x7f) {
      len.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    len.push(n);
    parts.push(Buffer.from([0x0a, ...len]), f);
  }
  return Buffer.concat(parts);
}

describe('a stock gRPC client against the broker', () => {
  let mesh: TestMesh;
  const clients: grpc.Client[] = [];

  beforeAll(async () => {
    mesh = await startE2eMesh();
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await mesh?.stop();
  });

  it('grpc.health.v1 Check: SERVING for the server and for parley.v1.AdDecision; NOT_FOUND for others', async () => {
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(HEALTH_PROTO, LOADER)) as unknown as Dyn;
    const health = new pkg.grpc!.health!.v1!.Health!(mesh.broker, grpc.credentials.createInsecure());
    clients.push(health);
    for (const service of ['', 'parley.v1.AdDecision']) {
      expect(await unaryCall(health, 'Check', { service })).toEqual({ status: 'SERVING' });
    }
    const err = await unaryCall(health, 'Check', { service: 'no.such.Service' }).catch(
      (e: grpc.ServiceError) => e,
    );
    expect((err as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
  });

  it('reflection lists the parley services, and a client built from its descriptors gets a decision', async () => {
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(REFLECTION_PROTO, LOADER)) as unknown as Dyn;
    const reflection = new pkg.grpc!.reflection!.v1!.ServerReflection!(
      mesh.broker,
      grpc.credentials.createInsecure(),
    );
    clients.push(reflection);

    const listed = await reflect(reflection, { list_services: '*' });
    const names = listed.list_services_response?.service.map((s) => s.name) ?? [];
    expect(names).toEqual(expect.arrayContaining(['parley.v1.AdDecision']));

    const files = await reflect(reflection, { file_containing_symbol: 'parley.v1.AdDecision' });
    expect(files.error_response ?? null).toBeNull();
    const protos = files.file_descriptor_response?.file_descriptor_proto ?? [];
    // The file declaring the service and everything it imports (proto-loader serves one file per package).
    expect(protos.length).toBeGreaterThanOrEqual(1);

    // Everything below comes from the server's descriptors, not from this repository's protos.
    const discovered = grpc.loadPackageDefinition(
      protoLoader.loadFileDescriptorSetFromBuffer(descriptorSet(protos), LOADER),
    ) as unknown as Dyn;
    const AdDecision = discovered.parley!.v1!.AdDecision!;
    expect(Object.keys(AdDecision.service)).toEqual(expect.arrayContaining(['Decide', 'ReportOutcome']));
    const broker = new AdDecision(mesh.broker, grpc.credentials.createInsecure());
    clients.push(broker);
    const res = await unaryCall<{ ads: Array<{ creative_id: string }>; degraded: string[] }>(
      broker,
      'Decide',
      {
        request_id: 'stock-client-1',
        slot: { slot_id: 'slot-1', position: 'POSITION_PRE_ROLL', max_ads: 2, max_total_duration_ms: 60_000 },
        signals: {
          session_id: 'stock-session-1',
          device: 'DEVICE_MOBILE',
          local_time: formatLocalTime(Date.now(), 60),
          track_genre: 'edm',
          activity_hint: 'SCENARIO_WORKOUT',
          country: 'DE',
        },
        deadline_ms: 1000,
      },
    );
    expect(res.degraded, mesh.logs()).toEqual([]);
    expect(res.ads.length).toBeGreaterThan(0);
  });
});
