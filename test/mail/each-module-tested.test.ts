/**
 * server/mail/README.md: parsing stays in small files, each with its own test. Every module of
 * server/mail/ has test/mail/<same path>.test.ts, and that test imports it, except the files that
 * hold only types, re-exports or constants (listed here, each exercised by its users' tests).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIL = path.join(ROOT, 'server', 'mail');
const NO_OWN_TEST: ReadonlySet<string> = new Set([
  'headers/types.ts', // types only
  'headers/index.ts', // re-exports: every headers test imports through it
  'headers/limits.ts', // constants: header-section.test.ts
  'headers/problems.ts', // wording: parse-headers.test.ts, corpus.test.ts
  'text/limits.ts', // constants: body-text.test.ts
]);

function modules(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return modules(p);
    return e.name.endsWith('.ts') ? [path.relative(MAIL, p)] : [];
  });
}

test('every module of server/mail has its own test file, which imports it', () => {
  const missing: string[] = [];
  for (const rel of modules(MAIL).sort()) {
    if (NO_OWN_TEST.has(rel)) continue;
    const testFile = path.join(ROOT, 'test', 'mail', rel.replace(/\.ts$/, '.test.ts'));
    if (!fs.existsSync(testFile)) {
      missing.push(`${rel}: no ${path.relative(ROOT, testFile)}`);
      continue;
    }
    const text = fs.readFileSync(testFile, 'utf8');
    const direct = `server/mail/${rel}`;
    const viaIndex = `server/mail/${path.dirname(rel)}/index.ts`;
    if (!text.includes(direct) && !text.includes(viaIndex))
      missing.push(`${rel}: ${path.relative(ROOT, testFile)} does not import it`);
  }
  assert.deepEqual(missing, []);
  for (const rel of NO_OWN_TEST) assert.ok(fs.existsSync(path.join(MAIL, rel)), `${rel} is listed but gone`);
});
