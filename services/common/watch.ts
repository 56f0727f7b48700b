/**
 * Watching a file that is published by replacing it (write a temp file, then
 * rename): the catalogue, policy weights and model artifacts. Polls stat on a
 * timer and calls `onChange` when the file's identity or content stamp
 * changes — including when it first appears. Unlike fs.watchFile there is no
 * start-up race: a change made right after watching starts is never missed,
 * because the baseline is taken synchronously here.
 */
import { statSync } from 'node:fs';

function stamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch {
    return 'absent';
  }
}

/**
 * Calls `onChange` whenever `path` changes; `initial: true` also calls it
 * once now if the file exists. `onChange` may return a promise (e.g. a
 * reload that parses off the event loop): polling pauses until it settles,
 * so reloads never overlap, and a change made meanwhile is seen by the next
 * poll. A synchronous `onChange` runs within the timer, so it should be
 * quick (a policy or model file); a big file should be parsed off the loop.
 * `onChange` handles its own errors: like a throw, a rejection is not caught
 * here.
 */
export function pollFile(
  path: string,
  intervalMs: number,
  onChange: (() => void) | (() => Promise<void>),
  { initial = false }: { initial?: boolean } = {},
): { close(): void } {
  let last = stamp(path);
  let busy = false;
  const run = () => {
    const pending: unknown = onChange();
    if (!(pending instanceof Promise)) return;
    busy = true;
    void pending.finally(() => {
      busy = false;
    });
  };
  if (initial && last !== 'absent') run();
  const timer = setInterval(() => {
    if (busy) return;
    const now = stamp(path);
    if (now === last) return;
    last = now;
    if (now !== 'absent') run();
  }, intervalMs);
  timer.unref();
  return { close: () => clearInterval(timer) };
}
