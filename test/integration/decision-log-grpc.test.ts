/**
 * The embedded decision log over real gRPC: a broker's recorder sends each
 * record's bytes over RecordDecisions as they were encoded, the admin service
 * (started in-process on port 0) stores them without decoding, and
 * GetDecision, ListDecisions and the HTTP API decode them on read. A stock
 * client that sends records as objects still works; a malformed message is
 * dropped without ending the stream; a write held by a stalled admin ends
 * when the sink is closed.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionList__Output } from '../../proto/gen/parley/v1/DecisionList';
import type { DecisionRecord__Output } from '../../proto/gen/parley/v1/DecisionRecord';
import type { RecordDecisionsAck__Output } from '../../proto/gen/parley/v1/RecordDecisionsAck';
import { MAX_LIST_BYTES, type RunningAdmin } from '../../services/admin/server';
import { adminSink } from '../../services/broker/admin-client';
import { DecisionRecorder } from '../../services/broker/decision-log';
import { v1 } from '../../services/common/grpc/proto';
import { createLogger } from '../../services/common/log';
import { metricsText, parsePrometheus, sumOf } from '../../services/common/metrics';
import { encodeDecision } from '../../services/common/state/decisions';
import { startTestAdmin } from '../support/admin';
import { decisionRecord } from '../support/decision-record';

const log = createLogger('test', 'error');

/** The admin's decision-record counters (this process's metrics). */
async function recordsReceived(): Promise<{ accepted: number; malformed: number }> {
  const s = parsePrometheus(await metricsText());
  const n = (result: string) =>
    sumOf(s, 'parley_decision_records_received_total', { parley_record_result: result });
  return { accepted: n('accepted'), malformed: n('malformed') };
}
let admin: RunningAdmin;
let client: InstanceType<typeof v1.Admin>;

beforeAll(async () => {
  admin = await startTestAdmin(log, 'ana:viewer:viewer-token-0123456789');
  client = new v1.Admin(admin.address, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await admin?.close();
});

function getDecision(requestId: string): Promise<DecisionRecord__Output> {
  return new Promise((resolve, reject) =>
    client.GetDecision({ request_id: requestId }, (err, res) => (err || !res ? reject(err) : resolve(res))),
  );
}

function listDecisions(limit: number): Promise<DecisionList__Output> {
  return new Promise((resolve, reject) =>
    client.ListDecisions({ limit }, (err, res) => (err || !res ? reject(err) : resolve(res))),
  );
}

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('decision log over RecordDecisions (embedded)', () => {
  it("a broker's records arrive intact and read back over gRPC and HTTP", async () => {
    const recorder = new DecisionRecorder(adminSink(admin.address), log);
    for (const id of ['rec-1', 'rec-2', 'rec-3']) recorder.record(() => decisionRecord(id));
    await recorder.drain();
    expect(recorder.stats()).toEqual({ recorded: 3, dropped: 0, queued: 0 });

    const got = await eventually(() => getDecision('rec-3'));
    expect(got).toEqual(decisionRecord('rec-3'));
    const list = await listDecisions(2);
    expect(list.decisions.map((d) => d.request_id)).toEqual(['rec-3', 'rec-2']);

    const res = await fetch(`${admin.url}api/decisions/rec-2`, {
      headers: { authorization: 'Bearer viewer-token-0123456789' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { record: unknown; text: string[] };
    expect(body.record).toEqual(decisionRecord('rec-2'));
    expect(body.text.join('\n')).toContain('cr-1');
    recorder.close();
  });

  it('a stock client sending records as objects is stored the same', async () => {
    const ack = await new Promise<RecordDecisionsAck__Output>((resolve, reject) => {
      const call = client.RecordDecisions((err, res) => (err || !res ? reject(err) : resolve(res)));
      call.write(decisionRecord('stock-1'));
      call.end();
    });
    expect(ack.received).toBe(1);
    expect(await eventually(() => getDecision('stock-1'))).toEqual(decisionRecord('stock-1'));
  });

  it('drops a malformed message and keeps the rest of the stream', async () => {
    const before = await recordsReceived();
    const raw = new grpc.Client(admin.address, grpc.credentials.createInsecure());
    const method = v1.Admin.service.RecordDecisions;
    const ack = await new Promise<RecordDecisionsAck__Output>((resolve, reject) => {
      const call = raw.makeClientStreamRequest<Buffer, RecordDecisionsAck__Output>(
        method.path,
        (b) => b,
        method.responseDeserialize,
        (err, res) => (err || !res ? reject(err) : resolve(res)),
      );
      call.write(Buffer.from([0x0a, 0x7f, 0x41])); // a request id longer than the message
      call.write(encodeDecision(decisionRecord('after-junk')).bytes);
      call.end();
    });
    raw.close();
    expect(ack.received).toBe(2);
    expect((await eventually(() => getDecision('after-junk'))).request_id).toBe('after-junk');
    // The admin's metrics count each record by what became of it.
    const after = await recordsReceived();
    expect(after.accepted - before.accepted).toBe(1);
    expect(after.malformed - before.malformed).toBe(1);
    await expect(getDecision('A')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('ListDecisions answers with the newest records that fit in one message, not RESOURCE_EXHAUSTED', async () => {
    // 300 records of about 8 KiB: 2.4 MiB in all, more than one message may carry.
    const big = (id: string) => ({ ...decisionRecord(id), broker: `b-${'x'.repeat(8 * 1024)}` });
    const recorder = new DecisionRecorder(adminSink(admin.address), log);
    const ids = Array.from({ length: 300 }, (_, i) => `big-${String(i).padStart(3, '0')}`);
    for (const id of ids) recorder.record(() => big(id));
    await recorder.drain();
    expect(recorder.stats().dropped).toBe(0);
    await eventually(() => getDecision('big-299'));
    const list = await listDecisions(500);
    const got = list.decisions.map((d) => d.request_id);
    const size = encodeDecision(big('big-000')).bytes.length;
    expect(got.length).toBe(Math.floor(MAX_LIST_BYTES / (size + 6)));
    expect(got).toEqual(ids.slice(-got.length).reverse());
  });

  it('a write waiting for back-pressure ends when the sink is closed', async () => {
    // An admin that never reads: HTTP/2 flow control stops the stream after about 1 MiB.
    const stalled = new grpc.Server();
    stalled.addService(v1.Admin.service, {
      RecordDecisions: (call: grpc.ServerReadableStream<unknown, unknown>) => call.pause(),
    });
    const port = await new Promise<number>((resolve, reject) =>
      stalled.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const sink = adminSink(`127.0.0.1:${port}`);
    const big = encodeDecision({ ...decisionRecord('stuck'), broker: 'x'.repeat(10_000) });
    // Write batches until one has to wait for a drain that does not come (the window holds ~6 of them).
    let batch = { done: false, written: Promise.resolve() };
    for (let i = 0; i < 40; i++) {
      const b = { done: false, written: Promise.resolve() };
      b.written = sink.write(Array.from({ length: 16 }, () => big)).then(() => {
        b.done = true;
      });
      await Promise.race([b.written, new Promise((r) => setTimeout(r, 100))]);
      batch = b;
      if (!b.done) break;
    }
    expect(batch.done).toBe(false);
    sink.close();
    await batch.written;
    expect(batch.done).toBe(true);
    stalled.forceShutdown();
  });
});
