import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { type AdDecisionClient, OutcomeBatcher, type OutcomeReport } from '../../../bin/client';

type Callback = (
  err: grpc.ServiceError | null,
  res?: { acks: Array<{ accepted: boolean; duplicate: boolean }> },
) => void;

/** A client whose ReportOutcomes records each batch and answers when told to. */
function fakeClient() {
  const calls: Array<{ reports: OutcomeReport[]; answer: Callback }> = [];
  const client = {
    ReportOutcomes(req: { reports: OutcomeReport[] }, _opts: unknown, answer: Callback) {
      calls.push({ reports: req.reports, answer });
    },
  } as unknown as AdDecisionClient;
  return { client, calls };
}

const report = (key: string): OutcomeReport => ({ idempotency_key: key, request_id: `r-${key}` });
/** Acks every report of a call, marking as duplicate the keys that start with "dup". */
const ackAll = (call: { reports: OutcomeReport[]; answer: Callback }) =>
  call.answer(null, {
    acks: call.reports.map((r) => ({ accepted: true, duplicate: r.idempotency_key!.startsWith('dup') })),
  });
const keys = (reports: OutcomeReport[]) => reports.map((r) => r.idempotency_key);

describe('OutcomeBatcher', () => {
  it('sends a full batch at once and gives each report its own ack', async () => {
    const { client, calls } = fakeClient();
    const batcher = new OutcomeBatcher(() => client, { maxBatch: 3, batchMs: 60_000 });
    const acks = ['a', 'dup-b', 'c', 'd'].map((key) => batcher.report(report(key)));
    expect(calls.map((c) => keys(c.reports))).toEqual([['a', 'dup-b', 'c']]);
    ackAll(calls[0]!);
    expect((await Promise.all(acks.slice(0, 3))).map((a) => a.duplicate)).toEqual([false, true, false]);
    batcher.flush();
    expect(keys(calls[1]!.reports)).toEqual(['d']);
  });

  it('sends a partial batch after batchMs', async () => {
    const { client, calls } = fakeClient();
    const batcher = new OutcomeBatcher(() => client, { maxBatch: 100, batchMs: 5 });
    const ack = batcher.report(report('dup-x'));
    expect(calls).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toHaveLength(1);
    ackAll(calls[0]!);
    expect(await ack).toEqual({ accepted: true, duplicate: true });
  });

  it('rejects every report of a refused batch and tells onBatch', async () => {
    const { client, calls } = fakeClient();
    const seen: Array<[number, number | undefined]> = [];
    const batcher = new OutcomeBatcher(() => client, {
      maxBatch: 2,
      batchMs: 60_000,
      onBatch: (n, _ms, err) => seen.push([n, err?.code]),
    });
    const acks = [batcher.report(report('a')), batcher.report(report('b'))];
    const refused = Object.assign(new Error('bad'), {
      code: grpc.status.INVALID_ARGUMENT,
    }) as grpc.ServiceError;
    calls[0]!.answer(refused);
    for (const a of acks) await expect(a).rejects.toBe(refused);
    expect(seen).toEqual([[2, grpc.status.INVALID_ARGUMENT]]);
  });

  it('treats an answer with the wrong number of acks as an error, not a silent success', async () => {
    const { client, calls } = fakeClient();
    const batcher = new OutcomeBatcher(() => client, { maxBatch: 2, batchMs: 60_000 });
    const acks = [batcher.report(report('a')), batcher.report(report('b'))];
    calls[0]!.answer(null, { acks: [{ accepted: true, duplicate: false }] });
    for (const a of acks) await expect(a).rejects.toMatchObject({ code: grpc.status.INTERNAL });
  });

  it('drain waits for calls in flight', async () => {
    const { client, calls } = fakeClient();
    const batcher = new OutcomeBatcher(() => client, { maxBatch: 10, batchMs: 60_000 });
    void batcher.report(report('a'));
    let drained = false;
    const draining = batcher.drain().then(() => {
      drained = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(drained).toBe(false);
    ackAll(calls[0]!);
    await draining;
    expect(drained).toBe(true);
  });
});
