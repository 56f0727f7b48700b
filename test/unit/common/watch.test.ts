import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pollFile } from '../../../services/common/watch';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-watch-'));
  dirs.push(dir);
  return join(dir, 'file.json');
}

/** Publishes like the learners do: write a temp file, then rename over the target. */
function publish(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pollFile', () => {
  it('sees a file published right after watching starts (no start-up race)', async () => {
    const path = tempPath();
    let calls = 0;
    const w = pollFile(path, 10, () => calls++);
    publish(path, 'a');
    await tick(100);
    w.close();
    expect(calls).toBe(1);
  });

  it('sees each replacement, even with the same size, and nothing when unchanged', async () => {
    const path = tempPath();
    publish(path, 'v1');
    let calls = 0;
    const w = pollFile(path, 10, () => calls++, { initial: true });
    expect(calls).toBe(1);
    await tick(60);
    expect(calls).toBe(1);
    publish(path, 'v2');
    await tick(60);
    publish(path, 'v3');
    await tick(60);
    w.close();
    expect(calls).toBe(3);
  });

  it('waits for an async onChange before polling again, then sees a change made meanwhile', async () => {
    const path = tempPath();
    publish(path, 'v1');
    let running = 0;
    let overlapped = false;
    const seen: string[] = [];
    const w = pollFile(path, 5, async () => {
      running++;
      overlapped ||= running > 1;
      seen.push(readFileSync(path, 'utf8'));
      await tick(80);
      running--;
    });
    publish(path, 'v2');
    await tick(40); // the handler for v2 is running
    publish(path, 'v3');
    await tick(250);
    w.close();
    expect(overlapped).toBe(false);
    expect(seen).toEqual(['v2', 'v3']);
  });
});
