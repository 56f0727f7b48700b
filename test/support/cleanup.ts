/**
 * Per-test cleanup for a test file: temporary directories and things to
 * close (watchers, servers), all released after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

export function useCleanup(prefix: string): {
  /** A fresh temporary directory, removed after the test. */
  tempRoot(): string;
  /** Closed (awaited) after the test, in the order added. */
  closers: Array<() => unknown>;
} {
  const dirs: string[] = [];
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    tempRoot() {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    closers,
  };
}
