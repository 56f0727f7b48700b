/**
 * The coalescer of the agent bus and DecideStream: what is pushed in one
 * turn of the event loop leaves together, in messages no heavier than
 * MAX_BATCH_WEIGHT (a burst once made a message larger than a receiver
 * takes, and the stream broke), and nothing is written while the stream
 * pushes back.
 */

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  CallStream,
  Coalescer,
  MAX_BATCH_WEIGHT,
  ReplyStream,
} from '../../../services/common/grpc/coalescer';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('writes what one turn gathered together, split into messages of at most MAX_BATCH_WEIGHT', async () => {
    const written: number[][] = [];
    const c = new Coalescer<number>(
      (items) => written.push(items) > 0,
      () => undefined,
    );
    for (let i = 0; i < 2 * MAX_BATCH_WEIGHT + 5; i++) c.push(i);
    expect(written).toEqual([]);
    await turn();
    expect(written.map((w) => w.length)).toEqual([MAX_BATCH_WEIGHT, MAX_BATCH_WEIGHT, 5]);
    expect(written.flat()).toEqual([...Array(2 * MAX_BATCH_WEIGHT + 5).keys()]);
  });

  it('sends an item heavier than a whole message alone, and counts weights', async () => {
    const written: number[][] = [];
    const c = new Coalescer<number>(
      (items) => written.push(items) > 0,
      () => undefined,
      (n) => n,
    );
    for (const n of [1, 2, 100, 3, 30]) c.push(n);
    await turn();
    expect(written).toEqual([[1, 2], [100], [3], [30]]);
  });

  it('holds items while the stream pushes back and writes them once it drains', async () => {
    const written: number[][] = [];
    let resume: (() => void) | null = null;
    let full = true;
    const c = new Coalescer<number>(
      (items) => {
        written.push(items);
        return !full;
      },
      (r) => {
        resume = r;
      },
    );
    c.push(1);
    await turn();
    c.push(2);
    c.push(3);
    await turn();
    expect(written).toEqual([[1]]);
    full = false;
    resume!();
    await turn();
    expect(written).toEqual([[1], [2, 3]]);
  });
});

/** A client bidi stream that records what is written and is broken, ended or cancelled by hand. */
class FakeStream extends EventEmitter {
  written: Array<{ items: number[] }> = [];
  ended = false;
  cancelled = false;
  write(msg: { items: number[] }): boolean {
    this.written.push(msg);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  cancel(): void {
    this.cancelled = true;
  }
}

function callStream() {
  const opened: FakeStream[] = [];
  const replies: string[] = [];
  const broken: Array<string | undefined> = [];
  const calls = new CallStream<number, { items: number[] }, string>({
    open: () => {
      const s = new FakeStream();
      opened.push(s);
      return s as never;
    },
    message: (items) => ({ items }),
    onMessage: (reply) => replies.push(reply),
    onBroken: (err) => broken.push(err?.message),
  });
  return { calls, opened, replies, broken };
}

describe('CallStream', () => {
  it('opens on the first push, sends one turn in one message, and hands on what comes back', async () => {
    const { calls, opened, replies } = callStream();
    expect(opened).toHaveLength(0);
    calls.push(1);
    calls.push(2);
    await turn();
    expect(opened).toHaveLength(1);
    expect(opened[0]!.written).toEqual([{ items: [1, 2] }]);
    opened[0]!.emit('data', 'reply');
    expect(replies).toEqual(['reply']);
  });

  it('after a break says why once, drops what was not sent, and opens a new stream on the next push', async () => {
    const { calls, opened, broken } = callStream();
    calls.push(1);
    opened[0]!.emit('error', new Error('reset'));
    opened[0]!.emit('close');
    expect(broken).toEqual(['reset']);
    await turn();
    expect(opened[0]!.written).toEqual([]);
    calls.push(2);
    await turn();
    expect(opened).toHaveLength(2);
    expect(opened[1]!.written).toEqual([{ items: [2] }]);
  });

  it('close() ends and cancels the stream without calling it broken', async () => {
    const { calls, opened, broken } = callStream();
    calls.push(1);
    await turn();
    calls.close();
    opened[0]!.emit('close');
    expect(opened[0]).toMatchObject({ ended: true, cancelled: true });
    expect(broken).toEqual([]);
  });
});

describe('ReplyStream', () => {
  it('ends only after every call begun is answered and its reply written, even once the client ended its side', async () => {
    const stream = new FakeStream();
    const replies = new ReplyStream<number, { items: number[] }>(stream as never, (items) => ({ items }));
    replies.begin();
    replies.begin();
    replies.finish(); // the client sent everything it had
    await turn();
    expect(stream.ended).toBe(false);
    replies.answer(1);
    replies.answer(2);
    expect(replies.ending).toBe(true);
    await turn();
    await turn();
    expect(stream.written).toEqual([{ items: [1, 2] }]);
    expect(stream.ended).toBe(true);
  });

  it('writes nothing once the transport has closed the stream', async () => {
    const stream = new FakeStream();
    const replies = new ReplyStream<number, { items: number[] }>(stream as never, (items) => ({ items }));
    replies.begin();
    stream.emit('close');
    replies.answer(1);
    replies.send(2);
    await turn();
    expect(stream.written).toEqual([]);
    expect(replies.ending).toBe(true);
  });
});
