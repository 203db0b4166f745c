// @ts-check
/**
 * `npm run build` (and `prepare`): compile server/ to dist/server/ with tsc (tsconfig.build.json),
 * from a clean dist/ so a deleted source leaves no module behind, then stamp dist/.built. Templates,
 * rule sets and the web UI's static files are not copied: the compiled code finds them in the
 * project folder, as the sources do (PROJECT_ROOT in server/config.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DIST, ROOT, STAMP } from './compiled.js';

const outDir = process.argv[2] ? path.resolve(process.argv[2]) : DIST;
if (path.relative(outDir, ROOT) === '' || !path.relative(outDir, ROOT).startsWith('..'))
  throw new Error(`build: refusing to empty ${outDir}, which holds the project`);
const started = Date.now();
fs.rmSync(outDir, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], {
  stdio: 'inherit',
});
// The stamp is the build's start: a source saved while tsc ran is newer, so the build counts as out of date.
const stamp = outDir === DIST ? STAMP : path.join(outDir, '.built');
fs.writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
fs.utimesSync(stamp, started / 1000, started / 1000);
console.log(
  `spamcase: compiled server/ to ${path.relative(ROOT, outDir) || outDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
