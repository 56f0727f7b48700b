/**
 * The coalescer of the agent bus and DecideStream: what is pushed in one
 * turn of the event loop leaves together, in messages no heavier than
 * MAX_BATCH_WEIGHT (a burst once made a message larger than a receiver
 * takes, and the stream broke), and nothing is written while the stream
 * pushes back.
 */
import { describe, expect, it } from 'vitest';
import { Coalescer, MAX_BATCH_WEIGHT } from '../../../services/common/grpc/coalescer';

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
