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
 * Calls `onChange` (synchronously, within the timer) whenever `path` changes;
 * `initial: true` also calls it once now if the file exists.
 */
export function pollFile(
  path: string,
  intervalMs: number,
  onChange: () => void,
  { initial = false }: { initial?: boolean } = {},
): { close(): void } {
  let last = stamp(path);
  if (initial && last !== 'absent') onChange();
  const timer = setInterval(() => {
    const now = stamp(path);
    if (now === last) return;
    last = now;
    if (now !== 'absent') onChange();
  }, intervalMs);
  timer.unref();
  return { close: () => clearInterval(timer) };
}
