/**
 * Server reflection as stock tools use it: Debian's Python gRPC client
 * (python3-grpcio, protobuf's own descriptor validation) discovers what a
 * parley server serves, loads the descriptors and calls Decide built from
 * JSON, knowing nothing of parley's contract. Each server reflects exactly
 * the services it serves.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../services/broker/server';
import { loadConfig } from '../../services/common/config';
import { serveAgent } from '../../services/common/grpc/agent-stream';
import { v1 } from '../../services/common/grpc/proto';
import { mapEntryName, withProtocMapEntries } from '../../services/common/grpc/reflection';
import { type RunningService, type StartedServer, startServer } from '../../services/common/grpc/server';
import { createLogger } from '../../services/common/log';
import { PROJECT_ROOT } from '../../services/common/paths';

const SCRIPT = join(PROJECT_ROOT, 'test', 'support', 'python', 'reflect_decide.py');
const log = createLogger('test', 'error');

function python(
  args: string[],
): Promise<{ services: string[]; response?: Record<string, unknown>; stream_ids?: string[] }> {
  return new Promise((resolve, reject) =>
    execFile('/usr/bin/python3', [SCRIPT, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${err.message}\n${stderr}`))
        : resolve(JSON.parse(stdout.trim().split('\n').pop()!)),
    ),
  );
}

let broker: RunningService;
let agent: StartedServer;

beforeAll(async () => {
  // Agents that are not there: Decide still answers (degraded), which is all reflection needs.
  broker = await startBroker({
    config: loadConfig({ PARLEY_BROKER_PORT: '0', PARLEY_ADMIN_ADDR: 'off', PARLEY_HOST: '127.0.0.1' }),
    log,
  });
  agent = await startServer({
    host: '127.0.0.1',
    port: 0,
    serviceNames: ['parley.v1.Agent'],
    services: [[v1.Agent.service, { Negotiate: serveAgent({}, log) }]],
    log,
  });
});

afterAll(async () => {
  await broker?.close();
  await agent?.shutdown(50);
});

describe('server reflection', () => {
  it("a stock Python client discovers the broker's one service and calls Decide and DecideStream through reflection", async () => {
    const request = {
      request_id: 'py-reflect-1',
      slot: { slot_id: 's', position: 'POSITION_MID_ROLL', max_ads: 1, max_total_duration_ms: 30000 },
      signals: {
        session_id: 'py',
        device: 'DEVICE_MOBILE',
        local_time: '2026-12-06T08:00:00+01:00',
        country: 'SE',
      },
      deadline_ms: 100,
    };
    const out = await python([broker.address, JSON.stringify(request)]);
    expect(out.services).toEqual(['parley.v1.AdDecision']);
    expect(out.response).toMatchObject({ request_id: 'py-reflect-1' });
    // Over DecideStream from a finite iterator (the client ends its side first): every one answered.
    expect(out.stream_ids?.sort()).toEqual(['py-reflect-1-s0', 'py-reflect-1-s1', 'py-reflect-1-s2']);
  }, 60_000);

  it('an agent reflects only what it serves', async () => {
    expect((await python([agent.address])).services).toEqual(['parley.v1.Agent']);
  }, 60_000);

  it('names map entries as protoc does', () => {
    expect(['terms', 'critiques', 'data_map', 'a__b'].map(mapEntryName)).toEqual([
      'TermsEntry',
      'CritiquesEntry',
      'DataMapEntry',
      'ABEntry',
    ]);
    const defs = v1.AdDecision.service.Decide.responseType as unknown as { fileDescriptorProtos: Buffer[] };
    const file = defs.fileDescriptorProtos
      .map(
        (b) =>
          descriptor.FileDescriptorProto.decode(withProtocMapEntries(b)) as unknown as {
            messageType: Array<{
              name: string;
              field: Array<{ name: string; typeName?: string }>;
              nestedType: Array<{ name: string }>;
            }>;
          },
      )
      .find((f) => f.messageType.some((m) => m.name === 'Explanation'))!;
    const explanation = file.messageType.find((m) => m.name === 'Explanation')!;
    expect(explanation.nestedType.map((n) => n.name).sort()).toEqual(['AgentsEntry', 'TermsEntry']);
    expect(explanation.field.find((f) => f.name === 'terms')?.typeName).toBe(
      '.parley.v1.Explanation.TermsEntry',
    );
  });
});
