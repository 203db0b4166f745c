#!/usr/bin/env node
// Entry point for `npx spamcase`, `npm start` and `npm run spamcase`: runs the compiled CLI
// (dist/, built at install by `prepare`) when it is current, else the TypeScript sources through
// tsx (a runtime dependency), e.g. right after a source was edited. See scripts/compiled.js.
import { pathToFileURL } from 'node:url';
import { compiledModule } from '../scripts/compiled.js';

const compiled = compiledModule('server/cli/main.ts');
let main;
if (compiled) {
  ({ main } = await import(pathToFileURL(compiled).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../server/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
