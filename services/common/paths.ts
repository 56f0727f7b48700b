/**
 * Where the files the code reads at run time live (proto/, catalogue/, web/,
 * sim/scenarios/, …): at the project's root, the directory of package.json,
 * whether the code runs from its TypeScript sources (services/common/) or
 * compiled (dist/services/common/). A path relative to this module would
 * point into dist/ once compiled.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory at or above `from` that holds a package.json. */
export function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${from} or above`);
  }
}

export const PROJECT_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

/** A path under the project's root: projectPath('proto') → <root>/proto. */
export function projectPath(...segments: string[]): string {
  return join(PROJECT_ROOT, ...segments);
}
