/** Waiting for something a background task does, and seeing what a logger wrote, in unit tests. */
import { createLogger, type Logger } from '../../services/common/log';

/** Resolves once `cond()` holds, checking every 5 ms; fails naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A debug logger whose lines are kept, parsed, in `lines`. */
export function capture<L = { level: string; msg: string } & Record<string, unknown>>(): {
  lines: L[];
  log: Logger;
} {
  const lines: L[] = [];
  return { lines, log: createLogger('test', 'debug', {}, (l) => lines.push(JSON.parse(l) as L)) };
}
