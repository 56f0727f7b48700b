/**
 * ioTimeout (services/common/timers.ts): after a stall of the event loop, an
 * answer that arrived in time on a socket is read before the timeout fires;
 * a plain timer would fire first and call that answer late.
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ioTimeout } from '../../../services/common/timers';

/** Keeps the event loop busy for `ms`, as a garbage collection or a descheduled process would. */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
}

/** Two ends of a loopback TCP connection. */
async function socketPair(): Promise<{ near: Socket; far: Socket; close: () => void }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const near = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(near, 'connect');
  const [far] = (await accepted) as [Socket];
  return {
    near,
    far,
    close: () => {
      near.destroy();
      far.destroy();
      server.close();
    },
  };
}

describe('ioTimeout', () => {
  let close = () => {};
  afterEach(() => close());

  /** The order in which the answer and the timeout are seen, when the answer is sent in time and the loop then stalls past the timeout. */
  async function race(arm: (ms: number, onTimeout: () => void) => void): Promise<string[]> {
    const pair = await socketPair();
    close = pair.close;
    const seen: string[] = [];
    pair.near.on('data', () => seen.push('answer'));
    await new Promise<void>((resolve) => {
      arm(5, () => {
        seen.push('timeout');
        resolve();
      });
      pair.far.write('x'); // in the kernel's buffer at once, unread until the next poll phase
      stall(30);
    });
    await new Promise((r) => setImmediate(r));
    return seen;
  }

  it('reads an answer that came in time before it times out, where a plain timer would not', async () => {
    expect(await race((ms, f) => ioTimeout(ms, f))).toEqual(['answer', 'timeout']);
    // The mechanism it guards against: Node runs due timers before it reads its sockets.
    expect(await race((ms, f) => setTimeout(f, ms))).toEqual(['timeout', 'answer']);
  });

  it('times out when nothing comes', async () => {
    const started = performance.now();
    await new Promise<void>((resolve) => ioTimeout(10, resolve));
    expect(performance.now() - started).toBeGreaterThanOrEqual(9);
  });

  it('is cancelled by clear(), before its timer fires and between the timer and the poll phase', async () => {
    let fired = 0;
    ioTimeout(5, () => fired++).clear();
    const t = ioTimeout(5, () => fired++);
    // A timer due at the same time, queued after t's: it runs after t's timer and before t's setImmediate.
    setTimeout(() => t.clear(), 5);
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toBe(0);
  });
});
