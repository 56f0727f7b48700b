import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy';

/** An echo server on a free loopback port. */
async function echoServer(): Promise<{ server: Server; address: string }> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return { server, address: `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}

/** A client of the proxy that collects what comes back. */
async function client(
  proxy: FaultProxy,
): Promise<{ socket: Socket; received: () => string; closed: Promise<string> }> {
  const socket = tcpConnect(proxy.port, '127.0.0.1');
  let got = '';
  socket.on('data', (d: Buffer) => {
    got += d.toString();
  });
  const closed = new Promise<string>((resolve) => {
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.on('close', () => resolve('closed'));
  });
  // Connected, or refused before that.
  await Promise.race([new Promise<void>((r) => socket.once('connect', () => r())), closed]);
  return { socket, received: () => got, closed };
}

const until = async (what: () => boolean) => {
  while (!what()) await new Promise((r) => setTimeout(r, 5));
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close();
});

async function setup(random?: () => number) {
  const echo = await echoServer();
  open.push({ close: () => new Promise((r) => echo.server.close(r)) });
  const proxy = await startFaultProxy(echo.address, random);
  open.push(proxy);
  const c = await client(proxy);
  open.push({ close: () => c.socket.destroy() });
  return { proxy, c };
}

describe('fault proxy', () => {
  it('forwards both ways unchanged without faults', async () => {
    const { proxy, c } = await setup();
    c.socket.write('hello');
    await until(() => c.received() === 'hello');
    expect(proxy.stats()).toMatchObject({ open: 1, accepted: 1, lost: 0 });
  });

  it('holds every chunk for delayMs, in order; clear() sends on what it holds', async () => {
    const { proxy, c } = await setup();
    proxy.set({ delayMs: 60_000 });
    for (const part of ['a', 'b', 'c']) {
      c.socket.write(part);
      await until(() => proxy.stats().chunks === 'abc'.indexOf(part) + 1); // one chunk each
    }
    await sleep(50);
    expect(c.received()).toBe(''); // held
    proxy.clear();
    await until(() => c.received() === 'abc');
  });

  it('a lost chunk arrives a retransmission later and holds up the ones behind it', async () => {
    let n = 0;
    const { proxy, c } = await setup(() => (n++ === 0 ? 0 : 1)); // only the first chunk is lost
    proxy.set({ loss: 0.5, lossDelayMs: 60_000 });
    c.socket.write('first');
    await until(() => proxy.stats().chunks === 1);
    c.socket.write('-second');
    await until(() => proxy.stats().chunks === 2);
    await sleep(50);
    expect(c.received()).toBe(''); // the second waits behind the lost first
    expect(proxy.stats().lost).toBe(1);
    proxy.clear();
    await until(() => c.received() === 'first-second');
  });

  it('a small delay lets the data through on its own', async () => {
    const { proxy, c } = await setup();
    proxy.set({ delayMs: 20, loss: 1, lossDelayMs: 20 });
    c.socket.write('slow');
    await until(() => c.received() === 'slow');
    expect(proxy.stats().lost).toBe(2); // in and out
  });

  it('a stall forwards nothing until it is lifted; then everything arrives in order', async () => {
    const { proxy, c } = await setup();
    proxy.set({ stall: true });
    c.socket.write('x');
    c.socket.write('y');
    await sleep(100);
    expect(c.received()).toBe('');
    expect(proxy.stats().open).toBe(1); // the connection stays open
    proxy.clear();
    await until(() => c.received() === 'xy');
  });

  it('reset() resets the open connections; later ones work', async () => {
    const { proxy, c } = await setup();
    expect(proxy.reset()).toBe(1);
    expect(await c.closed).toBe('ECONNRESET');
    const again = await client(proxy);
    open.push({ close: () => again.socket.destroy() });
    again.socket.write('back');
    await until(() => again.received() === 'back');
  });

  it('refuses new connections while asked to, and resets the client when the target is down', async () => {
    const { proxy } = await setup();
    proxy.set({ refuse: true });
    const refused = await client(proxy);
    expect(await refused.closed).toMatch(/ECONNRESET|closed/);
    proxy.clear();

    const gone = await startFaultProxy('127.0.0.1:1'); // nothing listens on port 1
    open.push(gone);
    const c = await client(gone);
    expect(await c.closed).toMatch(/ECONNRESET|closed/);
  });
});
