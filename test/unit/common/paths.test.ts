import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, packageRoot, projectPath } from '../../../services/common/paths';
import { useCleanup } from '../../support/cleanup';

const { tempRoot } = useCleanup('parley-paths-');

function packageRootOrNull(dir: string): string | null {
  try {
    return packageRoot(dir);
  } catch {
    return null;
  }
}

describe('the project root', () => {
  it('is the nearest directory with a package.json, from any depth below it', () => {
    const root = tempRoot();
    writeFileSync(join(root, 'package.json'), '{}');
    const deep = join(root, 'services', 'common');
    mkdirSync(deep, { recursive: true });
    expect(packageRoot(deep)).toBe(root);
    expect(packageRoot(root)).toBe(root);
    // A nested package.json is the nearer root.
    writeFileSync(join(root, 'services', 'package.json'), '{}');
    expect(packageRoot(deep)).toBe(join(root, 'services'));
  });

  it('is the same from the sources and from the compiled dist/', () => {
    expect(packageRoot(join(PROJECT_ROOT, 'services/common'))).toBe(PROJECT_ROOT);
    expect(packageRoot(join(PROJECT_ROOT, 'dist/services/common'))).toBe(PROJECT_ROOT);
  });

  it('fails naming the directory when there is none', () => {
    const dir = join(tempRoot(), 'no', 'package', 'here');
    // (Only where no directory above the temp dir holds a package.json.)
    if (packageRootOrNull(dirname(dir)) !== null) return;
    expect(() => packageRoot(dir)).toThrow(dir);
  });

  it("is parley's own, with the files the services read", () => {
    expect(JSON.parse(readFileSync(projectPath('package.json'), 'utf8')).name).toBe('parley');
    for (const f of ['proto/parley/v1/common.proto', 'catalogue/sample.yaml', 'web/index.html']) {
      expect(existsSync(projectPath(f)), f).toBe(true);
    }
  });

  it('is where the code that npm run build compiles finds its files, never a path relative to itself', () => {
    // From dist/, `new URL('../../web/', import.meta.url)` would point into dist/.
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) =>
        statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)],
      );
    const relativeToModule = /new URL\(\s*['`]\.\.?\/[^'`]*['`]\s*,\s*import\.meta\.url\s*\)/;
    const offenders = ['bin', 'services', 'learning', 'federated', 'sim']
      .flatMap((d) => walk(projectPath(d)))
      .filter((f) => f.endsWith('.ts') && relativeToModule.test(readFileSync(f, 'utf8')))
      .map((f) => relative(PROJECT_ROOT, f));
    expect(offenders, 'use projectPath() from services/common/paths.ts').toEqual([]);
  });
});
