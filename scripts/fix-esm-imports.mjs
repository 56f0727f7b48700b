#!/usr/bin/env node
/**
 * The last step of `npm run build`: the sources import their own modules
 * without a file extension (`from './config'`, as tsx, vitest and
 * `moduleResolution: Bundler` accept), which tsc leaves as written; Node's
 * ESM loader needs the file's full name. This rewrites every relative
 * specifier of the compiled files under the given directory to the file that
 * exists (`./config.js`, or `./dir/index.js`), and fails naming the file and
 * the specifier when neither does. Specifiers that already end in an
 * extension are left alone, so running it again changes nothing.
 *
 *   node scripts/fix-esm-imports.mjs dist
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** `from '…'`, `import '…'` and `import('…')` with a relative specifier. */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"\n]*)\2/g;
const HAS_EXTENSION = /\.(?:js|mjs|cjs|json)$/;

function* jsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* jsFiles(p);
    else if (name.endsWith('.js')) yield p;
  }
}

/** The specifier naming the file `spec` resolves to from `file`, or null when none exists. */
function withExtension(file, spec) {
  if (HAS_EXTENSION.test(spec)) return spec;
  const base = join(dirname(file), spec);
  if (existsSync(`${base}.js`)) return `${spec}.js`;
  if (existsSync(join(base, 'index.js'))) return `${spec.replace(/\/$/, '')}/index.js`;
  return null;
}

const root = process.argv[2];
if (!root || !existsSync(root)) {
  process.stderr.write('usage: node scripts/fix-esm-imports.mjs <directory of compiled .js files>\n');
  process.exit(2);
}
const unresolved = [];
for (const file of jsFiles(root)) {
  const source = readFileSync(file, 'utf8');
  const fixed = source.replace(SPECIFIER, (match, lead, quote, spec) => {
    const full = withExtension(file, spec);
    if (full === null) {
      unresolved.push(`${relative(root, file)}: ${spec}`);
      return match;
    }
    return `${lead}${quote}${full}${quote}`;
  });
  if (fixed !== source) writeFileSync(file, fixed);
}
if (unresolved.length > 0) {
  process.stderr.write(`fix-esm-imports: no compiled file for:\n  ${unresolved.join('\n  ')}\n`);
  process.exit(1);
}
