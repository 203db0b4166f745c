/**
 * The floors of server/ (docs/ARCHITECTURE.md): a module may import from its own floor or below,
 * never from above. Read from the sources as they are, so a new upward import fails here with the
 * file, the line and both floors named.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const SERVER = path.resolve(import.meta.dirname, '..', 'server');

/** Lowest first. A folder (or top-level file) not named here fails the test until it is placed. */
const FLOORS: ReadonlyArray<readonly string[]> = [
  ['errors', 'csv'],
  ['mail', 'networks'],
  ['config', 'store'],
  ['db', 'context', 'custody', 'signing', 'users'],
  ['cases'],
  ['attribution', 'campaigns', 'damages', 'fsck', 'report'],
  ['export', 'pdf'],
  ['ingest'],
  ['usecases'],
  ['cli', 'web'],
];

function floorOf(unit: string): number {
  const i = FLOORS.findIndex((names) => names.includes(unit));
  if (i < 0) throw new Error(`server/${unit} is on no floor: place it in FLOORS (test/layering.test.ts)`);
  return i;
}

/** `server/mail/keys.ts` → `mail`; `server/errors.ts` → `errors`. */
function unitOf(file: string): string {
  const rel = path.relative(SERVER, file).split(path.sep);
  return rel.length > 1 ? rel[0]! : rel[0]!.replace(/\.(ts|mjs)$/, '');
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mjs)$/.test(e.name) ? [p] : [];
  });
}

interface Import {
  file: string;
  line: number;
  target: string;
}

/** Every relative import of spamcase's own code (static, dynamic and type-only). */
export function importsOf(file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = path.resolve(path.dirname(file), m[1]!);
    if (!target.startsWith(SERVER + path.sep)) continue;
    out.push({ file, line: text.slice(0, m.index).split('\n').length, target });
  }
  return out;
}

const files = sourceFiles(SERVER);

test('no module of server/ imports a module on a floor above its own', () => {
  const upward: string[] = [];
  for (const file of files) {
    const from = unitOf(file);
    for (const imp of importsOf(file)) {
      const to = unitOf(imp.target);
      if (floorOf(to) > floorOf(from)) {
        upward.push(
          `${path.relative(SERVER, file)}:${imp.line} (${from}, floor ${floorOf(from)}) imports ${to} (floor ${floorOf(to)})`,
        );
      }
    }
  }
  assert.deepEqual(upward, []);
});

test('server/mail imports nothing of ours but errors.ts, and server/store nothing but errors.ts and mail', () => {
  const allowed: Record<string, readonly string[]> = { mail: ['mail', 'errors'], store: ['store', 'errors', 'mail'] };
  const wrong: string[] = [];
  for (const file of files) {
    const from = unitOf(file);
    const ok = allowed[from];
    if (!ok) continue;
    for (const imp of importsOf(file)) {
      if (!ok.includes(unitOf(imp.target)))
        wrong.push(`${path.relative(SERVER, file)}:${imp.line} imports ${path.relative(SERVER, imp.target)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('attribution and campaigns never import ingest; ingest is imported only by use cases, the CLI and the web', () => {
  const wrong: string[] = [];
  for (const file of files) {
    const from = unitOf(file);
    for (const imp of importsOf(file)) {
      if (unitOf(imp.target) === 'ingest' && !['ingest', 'usecases', 'cli', 'web'].includes(from)) {
        wrong.push(`${path.relative(SERVER, file)}:${imp.line} (${from}) imports ${path.relative(SERVER, imp.target)}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test('the floor check itself sees an upward import (a planted one in a scratch copy of a file)', () => {
  const planted = path.join(SERVER, 'mail', '.layering-probe.ts');
  fs.writeFileSync(planted, "import { ingest } from '../ingest/ingest.ts';\nvoid ingest;\n");
  try {
    const imps = importsOf(planted);
    assert.equal(imps.length, 1);
    assert.equal(unitOf(imps[0]!.file), 'mail');
    assert.equal(unitOf(imps[0]!.target), 'ingest');
    assert.ok(floorOf('ingest') > floorOf('mail'));
  } finally {
    fs.rmSync(planted);
  }
});
