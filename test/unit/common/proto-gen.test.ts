import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('generated contract types', () => {
  it('proto/gen matches the .proto files (run `npm run gen` after editing a contract)', () => {
    const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.gen as string;
    const args = script.split(/\s+/).slice(1);
    const out = mkdtempSync(join(tmpdir(), 'parley-gen-'));
    try {
      const bin = join(ROOT, 'node_modules/.bin/proto-loader-gen-types');
      execFileSync(
        bin,
        args.map((a) => (a === '--outDir=proto/gen' ? `--outDir=${out}` : a)),
        { cwd: ROOT },
      );
      const fresh = files(out)
        .map((f) => relative(out, f))
        .sort();
      const committed = files(join(ROOT, 'proto/gen'))
        .map((f) => relative(join(ROOT, 'proto/gen'), f))
        .sort();
      expect(committed).toEqual(fresh);
      for (const f of fresh) {
        expect(readFileSync(join(ROOT, 'proto/gen', f), 'utf8'), f).toBe(readFileSync(join(out, f), 'utf8'));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
