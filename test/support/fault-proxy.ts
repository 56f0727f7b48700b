/**
 * A fault-injecting TCP proxy (Node `net`, loopback): put it between a
 * client and a server (e.g. the broker and one agent) and make the path
 * between them slow, lossy, stalled or broken, for `npm run chaos` and the
 * tests.
 *
 * Faults (set any time; they apply to the connections already open too):
 *  - `delayMs`: every chunk, both ways, is held this long (order kept);
 *  - `loss`: the share of chunks "lost": TCP resends them, so each one
 *    arrives `lossDelayMs` late (a retransmission timeout) and holds up the
 *    ones behind it, as a lossy link does to a TCP stream;
 *  - `stall`: nothing is forwarded (held until the stall ends): a link that
 *    drops every packet while the connections stay open;
 *  - `refuse`: new connections are closed at once;
 *  - reset(): every open connection is reset (RST on both sides).
 * clear() lifts every fault; what was held is then sent on.
 */
import { createServer, type Server, Socket } from 'node:net';

export interface Faults {
  delayMs: number;
  loss: number;
  lossDelayMs: number;
  stall: boolean;
  refuse: boolean;
}

export const NO_FAULTS: Faults = { delayMs: 0, loss: 0, lossDelayMs: 200, stall: false, refuse: false };

export interface FaultProxy {
  /** host:port clients connect to. */
  address: string;
  port: number;
  /** Changes the faults (the rest stay as they are). */
  set(faults: Partial<Faults>): void;
  /** Lifts every fault. */
  clear(): void;
  faults(): Faults;
  /** Resets every open connection; returns how many there were. */
  reset(): number;
  /** Connections open now, and accepted so far. */
  stats(): { open: number; accepted: number; chunks: number; lost: number };
  close(): Promise<void>;
}

/** One direction of a connection: chunks go out in order, each no sooner than its release time. */
class Pipe {
  private readonly queue: Array<{ data: Buffer; at: number }> = [];
  private timer: NodeJS.Timeout | null = null;
  /** Release time of the last chunk: none leaves before the one ahead of it (the stream's order). */
  private lastAt = 0;

  constructor(
    private readonly to: Socket,
    private readonly faults: () => Faults,
  ) {}

  /** Queues a chunk to leave `holdMs` from now (or after the one ahead of it). */
  push(data: Buffer, holdMs: number): void {
    this.lastAt = Math.max(Date.now() + holdMs, this.lastAt);
    this.queue.push({ data, at: this.lastAt });
    this.pump();
  }

  /** Sends on at once what is held (the faults were lifted). */
  release(): void {
    for (const q of this.queue) q.at = 0;
    this.lastAt = 0;
    this.pump();
  }

  pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.faults().stall || this.to.destroyed) return;
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now) this.to.write(this.queue.shift()!.data);
    if (this.queue.length > 0) this.timer = setTimeout(() => this.pump(), this.queue[0]!.at - now);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

/** Starts a proxy on a free loopback port that forwards to `target` (host:port). */
export async function startFaultProxy(
  target: string,
  random: () => number = Math.random,
): Promise<FaultProxy> {
  const sep = target.lastIndexOf(':');
  const host = target.slice(0, sep);
  const targetPort = Number(target.slice(sep + 1));
  let faults: Faults = { ...NO_FAULTS };
  const sockets = new Set<Socket>();
  const pipes = new Set<Pipe>();
  const counts = { accepted: 0, chunks: 0, lost: 0 };

  const server: Server = createServer((client) => {
    counts.accepted++;
    if (faults.refuse) {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    const pair = [client, upstream];
    for (const s of pair) {
      sockets.add(s);
      s.setNoDelay(true);
    }
    const up = new Pipe(upstream, () => faults);
    const down = new Pipe(client, () => faults);
    pipes.add(up).add(down);
    const forward = (pipe: Pipe) => (data: Buffer) => {
      counts.chunks++;
      let holdMs = faults.delayMs;
      if (faults.loss > 0 && random() < faults.loss) {
        counts.lost++;
        holdMs += faults.lossDelayMs;
      }
      pipe.push(data, holdMs);
    };
    client.on('data', forward(up));
    upstream.on('data', forward(down));
    const end = (err?: Error) => {
      up.stop();
      down.stop();
      pipes.delete(up);
      pipes.delete(down);
      for (const s of pair) {
        sockets.delete(s);
        if (s.destroyed) continue;
        if (err) s.resetAndDestroy();
        else s.destroy();
      }
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', () => end());
    upstream.on('close', () => end());
    upstream.connect(targetPort, host);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  const set = (next: Partial<Faults>) => {
    faults = { ...faults, ...next };
    for (const p of pipes) p.pump();
  };
  return {
    address: `127.0.0.1:${port}`,
    port,
    set,
    clear: () => {
      set(NO_FAULTS);
      for (const p of pipes) p.release();
    },
    faults: () => ({ ...faults }),
    reset() {
      const n = sockets.size / 2;
      for (const s of [...sockets]) if (!s.destroyed) s.resetAndDestroy();
      return n;
    },
    stats: () => ({ open: sockets.size / 2, ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of [...sockets]) s.destroy();
        server.close(() => resolve());
      }),
  };
}
