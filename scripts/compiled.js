// @ts-check
/**
 * Where the compiled CLI is, and whether it is current. `npm run build` (run by `prepare`, so by
 * every `npm install` and `npm ci` in the project) compiles server/ to dist/server/ and then writes
 * dist/.built; the build is current when no source file is newer than that stamp. bin/spamcase.js
 * runs the compiled code when it is current and the TypeScript sources (through tsx) otherwise, so
 * an edited source is never shadowed by an older build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
export const STAMP = path.join(DIST, '.built');
/** What the build reads besides server/: a change to either makes the build out of date. */
const BUILD_INPUTS = ['tsconfig.json', 'tsconfig.build.json'];

/** The newest modification time (ms) of a TypeScript or .mjs source under `dir`. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.mjs'))
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * The compiled module of `source` (a path under the project, e.g. 'server/cli/main.ts') when the
 * build is current, else null (no build yet, or a source edited since).
 */
export function compiledModule(source, root = ROOT) {
  const dist = path.join(root, 'dist');
  const compiled = path.join(dist, source.replace(/\.ts$/, '.js'));
  let built;
  try {
    built = fs.statSync(path.join(dist, '.built')).mtimeMs;
    if (!fs.existsSync(compiled)) return null;
  } catch {
    return null;
  }
  const inputs = BUILD_INPUTS.map((f) => path.join(root, f)).filter((f) => fs.existsSync(f));
  const newest = Math.max(newestSource(path.join(root, 'server')), ...inputs.map((f) => fs.statSync(f).mtimeMs));
  return newest <= built ? compiled : null;
}
