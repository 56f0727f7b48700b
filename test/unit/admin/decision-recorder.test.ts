/**
 * The broker's side of the decision log: recording is O(1) and never waits,
 * records are built and encoded in bounded pieces (a slice of work per turn
 * of the event loop) and go out in bounded batches, and when the sink cannot
 * keep up the overflow is dropped and counted (never queued without bound,
 * never thrown at the decision).
 */
import { describe, expect, it } from 'vitest';
import { DecisionRecorder, type DecisionSink } from '../../../services/broker/decision-log';
import { createLogger } from '../../../services/common/log';
import {
  type DecisionRecordData,
  decodeDecision,
  type EncodedDecision,
} from '../../../services/common/state/decisions';

function rec(id: string): DecisionRecordData {
  return {
    request_id: id,
    at_ms: 0,
    broker: 'b',
    request: null,
    context: null,
    rounds: [],
    scored: [],
    response: null,
    overrides: [],
    overrides_version: 0,
    agents: {},
    commit_ms: 0,
    total_ms: 0,
  };
}

/** A sink whose writes wait until released (or fail, when told to). */
class FakeSink implements DecisionSink {
  writes: string[][] = [];
  records: EncodedDecision[] = [];
  hold = false;
  fail = false;
  closed = false;
  private waiting: Array<() => void> = [];

  async write(records: EncodedDecision[]): Promise<void> {
    this.writes.push(records.map((r) => r.requestId));
    this.records.push(...records);
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.fail) throw new Error('sink down');
  }
  release(): void {
    this.hold = false;
    for (const w of this.waiting.splice(0)) w();
  }
  close(): void {
    this.closed = true;
  }
  get written(): string[] {
    return this.writes.flat();
  }
}

function logger() {
  const lines: string[] = [];
  return { log: createLogger('test', 'warn', {}, (l) => lines.push(l)), lines };
}

const nextTurn = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `r${from + i}`);

describe('DecisionRecorder', () => {
  it('builds records off the decision path and writes them in order, in batches of at most `batch`', async () => {
    const sink = new FakeSink();
    const recorder = new DecisionRecorder(sink, logger().log, { maxQueue: 100, batch: 3, flushDelayMs: 0 });
    let built = 0;
    for (const id of ids(0, 8)) {
      recorder.record(() => {
        built++;
        return rec(id);
      });
    }
    expect(built).toBe(0); // record() only queued
    await recorder.drain();
    expect(built).toBe(8);
    expect(sink.written).toEqual(ids(0, 8));
    // Encoded once, by the recorder: the sink gets the record's protobuf bytes.
    expect(decodeDecision(sink.records[5]!.bytes)).toEqual(rec('r5'));
    expect(sink.writes.every((w) => w.length <= 3)).toBe(true);
    expect(recorder.stats()).toEqual({ recorded: 8, dropped: 0, queued: 0 });
  });

  it('collects the records of `flushDelayMs` into one write; a full batch goes at once', async () => {
    const sink = new FakeSink();
    const recorder = new DecisionRecorder(sink, logger().log, { maxQueue: 100, batch: 4, flushDelayMs: 30 });
    for (const id of ids(0, 3)) recorder.record(() => rec(id));
    await nextTurn();
    expect(sink.writes).toEqual([]); // waiting for more
    await sleep(60);
    expect(sink.writes).toEqual([ids(0, 3)]);

    for (const id of ids(3, 7)) recorder.record(() => rec(id));
    await nextTurn();
    expect(sink.writes).toEqual([ids(0, 3), ids(3, 7)]); // full: no wait
    recorder.close();
  });

  it('drops and counts the overflow while the sink is stuck, and never blocks the caller', async () => {
    const sink = new FakeSink();
    sink.hold = true;
    const recorder = new DecisionRecorder(sink, logger().log, { maxQueue: 5, batch: 2, flushDelayMs: 0 });
    recorder.record(() => rec('r0'));
    await nextTurn(); // r0 is in flight, its write stuck

    for (const id of ids(1, 1001)) {
      // Returns at once, queues at most maxQueue.
      expect(recorder.record(() => rec(id))).toBeUndefined();
      expect(recorder.stats().queued).toBeLessThanOrEqual(5);
    }
    expect(recorder.stats()).toEqual({ recorded: 0, dropped: 995, queued: 5 });

    sink.release();
    await recorder.drain();
    // The oldest queued records were kept; the newest were dropped.
    expect(sink.written).toEqual(ids(0, 6));
    expect(recorder.stats()).toEqual({ recorded: 6, dropped: 995, queued: 0 });
  });

  it('counts a failed write as dropped, warns (not for every batch) and keeps going', async () => {
    const sink = new FakeSink();
    sink.fail = true;
    const { log, lines } = logger();
    const recorder = new DecisionRecorder(sink, log, { maxQueue: 100, batch: 2, flushDelayMs: 0 });
    for (const id of ids(0, 5)) recorder.record(() => rec(id));
    await recorder.drain();
    expect(recorder.stats()).toEqual({ recorded: 0, dropped: 5, queued: 0 });
    expect(sink.writes).toHaveLength(3);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('decision records dropped');

    sink.fail = false;
    for (const id of ids(5, 8)) recorder.record(() => rec(id));
    await recorder.drain();
    expect(recorder.stats()).toEqual({ recorded: 3, dropped: 5, queued: 0 });
    expect(sink.writes.slice(3)).toEqual([ids(5, 7), ids(7, 8)]);
  });

  it('a record that cannot be built is dropped alone; the caller never sees the error', async () => {
    const sink = new FakeSink();
    const recorder = new DecisionRecorder(sink, logger().log, { maxQueue: 100, batch: 10, flushDelayMs: 0 });
    recorder.record(() => rec('ok-1'));
    expect(() =>
      recorder.record(() => {
        throw new Error('bad trace');
      }),
    ).not.toThrow();
    recorder.record(() => rec('ok-2'));
    await recorder.drain();
    expect(sink.written).toEqual(['ok-1', 'ok-2']);
    expect(recorder.stats()).toEqual({ recorded: 2, dropped: 1, queued: 0 });
  });

  it("a dry run's rehearsal is built and encoded like a record, then dropped: never written, never counted", async () => {
    const sink = new FakeSink();
    const recorder = new DecisionRecorder(sink, logger().log, { maxQueue: 100, batch: 10, flushDelayMs: 0 });
    const built: string[] = [];
    const build = (id: string) => () => {
      built.push(id);
      return rec(id);
    };
    recorder.record(build('r0'));
    recorder.rehearse(build('dry1'));
    recorder.record(build('r2'));
    recorder.rehearse(() => {
      throw new Error('cannot build');
    });
    await recorder.drain();
    expect(built).toEqual(['r0', 'dry1', 'r2']);
    expect(sink.written).toEqual(['r0', 'r2']);
    expect(recorder.stats()).toEqual({ recorded: 2, dropped: 0, queued: 0 });

    // With a batch or more queued a rehearsal is skipped (a record may need the place); close() counts only records.
    const behind = new DecisionRecorder(new FakeSink(), logger().log, {
      maxQueue: 100,
      batch: 2,
      flushDelayMs: 1000,
    });
    behind.record(build('r3'));
    behind.rehearse(build('dry4'));
    behind.rehearse(build('dry5'));
    expect(behind.stats()).toEqual({ recorded: 0, dropped: 0, queued: 2 });
    behind.record(build('r6'));
    expect(behind.stats().queued).toBe(3);
    behind.close();
    expect(behind.stats().dropped).toBe(2);
  });

  it('close drops what is queued and closes the sink', async () => {
    const sink = new FakeSink();
    const recorder = new DecisionRecorder(sink, logger().log, {
      maxQueue: 100,
      batch: 10,
      flushDelayMs: 1000,
    });
    for (const id of ids(0, 3)) recorder.record(() => rec(id));
    recorder.close();
    await sleep(20);
    expect(sink.closed).toBe(true);
    expect(sink.writes).toEqual([]);
    expect(recorder.stats().queued).toBe(0);
  });

  /** Counts turns of the event loop (one tick per check phase) until stopped. */
  function turnCounter() {
    let turn = 0;
    let running = true;
    const tick = () => {
      turn++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    return {
      get turn() {
        return turn;
      },
      stop() {
        running = false;
      },
    };
  }

  it('builds and encodes at most a slice of work per turn of the event loop, then yields', async () => {
    let clock = 0;
    const sink = new FakeSink();
    const recorder = new DecisionRecorder(
      sink,
      logger().log,
      { maxQueue: 100, batch: 4, flushDelayMs: 0, sliceMs: 1 },
      () => clock,
    );
    const turns = turnCounter();
    const builtIn: number[] = [];
    for (const id of ids(0, 10)) {
      recorder.record(() => {
        builtIn.push(turns.turn);
        clock += 0.4; // each record takes 0.4 ms: two fit in a 1 ms slice, the third ends it
        return rec(id);
      });
    }
    await recorder.drain();
    turns.stop();
    const perTurn = [...new Set(builtIn)].map((t) => builtIn.filter((x) => x === t).length);
    // A slice ends when its time is spent or the batch is full.
    expect(perTurn).toEqual([3, 1, 3, 1, 2]);
    // One write per full batch (not per slice), and the rest once the queue is empty.
    expect(sink.writes).toEqual([ids(0, 4), ids(4, 8), ids(8, 10)]);
    expect(recorder.stats()).toEqual({ recorded: 10, dropped: 0, queued: 0 });
  });

  it('a record that takes longer than a slice still goes out, one per turn', async () => {
    let clock = 0;
    const sink = new FakeSink();
    const recorder = new DecisionRecorder(
      sink,
      logger().log,
      { maxQueue: 100, batch: 100, flushDelayMs: 0, sliceMs: 1 },
      () => clock,
    );
    const turns = turnCounter();
    const builtIn: number[] = [];
    for (const id of ids(0, 3)) {
      recorder.record(() => {
        builtIn.push(turns.turn);
        clock += 5;
        return rec(id);
      });
    }
    await recorder.drain();
    turns.stop();
    expect(new Set(builtIn).size).toBe(3);
    expect(sink.written).toEqual(ids(0, 3));
  });

  it('close stops the work between slices: what is left is dropped and counted, never written', async () => {
    let clock = 0;
    const sink = new FakeSink();
    const recorder = new DecisionRecorder(
      sink,
      logger().log,
      { maxQueue: 100, batch: 100, flushDelayMs: 0, sliceMs: 1 },
      () => clock,
    );
    for (const id of ids(0, 10)) {
      recorder.record(() => {
        clock += 0.6;
        return rec(id);
      });
    }
    await nextTurn(); // the first slice: r0, r1 encoded, waiting for more of their batch
    expect(recorder.stats().queued).toBe(8);
    recorder.close();
    recorder.record(() => rec('late'));
    await sleep(20);
    expect(sink.writes).toEqual([]);
    expect(sink.closed).toBe(true);
    // 8 queued, 2 encoded and one recorded after close
    expect(recorder.stats()).toEqual({ recorded: 0, dropped: 11, queued: 0 });
  });
});
