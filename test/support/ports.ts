import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/**
 * Ports handed out below the kernel's ephemeral range (32768–60999 on
 * Linux). A port the kernel picked for `listen(0)` comes from the same range
 * as the local ports of outgoing connections, so between `freePort()` and
 * the service's own bind, some client connection could take it (a CI run lost
 * a mesh to EADDRINUSE that way). Outside that range only another listener
 * can take it, and random picks make two test workers unlikely to collide.
 */
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    // No host: the port must be free on every address, as a service binding
    // 0.0.0.0 or 127.0.0.1 needs.
    srv.listen(port, () => srv.close(() => resolve(true)));
  });
}

/** A TCP port free right now, not in the ephemeral range, and not handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomInt(LOW, HIGH);
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`freePort: no free port in ${LOW}–${HIGH} after 200 tries`);
}
