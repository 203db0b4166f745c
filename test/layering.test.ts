/**
 * The floors of server/ (docs/ARCHITECTURE.md): a module may import from its own floor or below,
 * never from above. Read from the sources as they are, so a new upward import fails here with the
 * file, the line and both floors named.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SERVER = path.resolve(import.meta.dirname, '..', 'server');

/** Lowest first. A folder (or top-level file) not named here fails the test until it is placed. */
const FLOORS: ReadonlyArray<readonly string[]> = [
  ['errors', 'csv', 'hidden-text'],
  ['mail', 'networks'],
  ['config', 'store'],
  ['db', 'context', 'custody', 'signing', 'users'],
  ['cases'],
  ['attribution', 'campaigns', 'damages', 'fsck', 'report', 'search', 'labels', 'logs'],
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

/** `<root>/mail/keys.ts` → `mail`; `<root>/errors.ts` → `errors`. */
function unitOf(root: string, file: string): string {
  const rel = path.relative(root, file).split(path.sep);
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

/** Every relative import of spamcase's own code under `root` (static, dynamic, type-only, re-exports). */
function importsOf(root: string, file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = path.resolve(path.dirname(file), m[1]!);
    if (!target.startsWith(root + path.sep)) continue;
    out.push({ file, line: text.slice(0, m.index).split('\n').length, target });
  }
  return out;
}

/** Each check returns its violations as "file:line …" lines; the tree under `root` is read as it is. */
function upwardImports(root: string): string[] {
  const upward: string[] = [];
  for (const file of sourceFiles(root)) {
    const from = unitOf(root, file);
    for (const imp of importsOf(root, file)) {
      const to = unitOf(root, imp.target);
      if (floorOf(to) > floorOf(from)) {
        upward.push(
          `${path.relative(root, file)}:${imp.line} (${from}, floor ${floorOf(from)}) imports ${to} (floor ${floorOf(to)})`,
        );
      }
    }
  }
  return upward;
}

/** mail/ may import only itself and errors.ts; store/ only itself, errors.ts and mail/. */
function mailAndStoreImports(root: string): string[] {
  const allowed: Record<string, readonly string[]> = { mail: ['mail', 'errors'], store: ['store', 'errors', 'mail'] };
  const wrong: string[] = [];
  for (const file of sourceFiles(root)) {
    const ok = allowed[unitOf(root, file)];
    if (!ok) continue;
    for (const imp of importsOf(root, file)) {
      if (!ok.includes(unitOf(root, imp.target)))
        wrong.push(`${path.relative(root, file)}:${imp.line} imports ${path.relative(root, imp.target)}`);
    }
  }
  return wrong;
}

/** ingest/ is imported only by the use cases and the two front ends. */
function ingestImporters(root: string): string[] {
  const wrong: string[] = [];
  for (const file of sourceFiles(root)) {
    const from = unitOf(root, file);
    for (const imp of importsOf(root, file)) {
      if (unitOf(root, imp.target) === 'ingest' && !['ingest', 'usecases', 'cli', 'web'].includes(from))
        wrong.push(`${path.relative(root, file)}:${imp.line} (${from}) imports ${path.relative(root, imp.target)}`);
    }
  }
  return wrong;
}

/**
 * Only store/ knows the pack format: no other module writes its record header, defines a reader or
 * writer of its own, or opens a file in the packs folder (everyone else calls PackReader / readBlob).
 */
function packFormatOutsideStore(root: string): string[] {
  const wrong: string[] = [];
  const signs: Array<[RegExp, string]> = [
    [/SPAMCASE-BLOB/, 'the record header'],
    [/class\s+Pack(Reader|Writer)\b/, 'a pack reader or writer of its own'],
    [/packDir\([^)]*\)[^;]*\b(openSync|open|readSync|createReadStream|readFileSync|readFile)\b/, 'a read of a segment'],
    [/\b(openSync|open|readSync|createReadStream|readFileSync|readFile)\b[^;]*packDir\(/, 'a read of a segment'],
  ];
  for (const file of sourceFiles(root)) {
    if (unitOf(root, file) === 'store') continue;
    const text = fs.readFileSync(file, 'utf8');
    for (const [sign, what] of signs) {
      const m = sign.exec(text);
      if (m) wrong.push(`${path.relative(root, file)}:${text.slice(0, m.index).split('\n').length} has ${what}`);
    }
  }
  return wrong;
}

test('no module of server/ imports a module on a floor above its own', () => {
  assert.deepEqual(upwardImports(SERVER), []);
});

test('server/mail imports nothing of ours but errors.ts, and server/store nothing but errors.ts and mail', () => {
  assert.deepEqual(mailAndStoreImports(SERVER), []);
});

test('attribution and campaigns never import ingest; ingest is imported only by use cases, the CLI and the web', () => {
  assert.deepEqual(ingestImporters(SERVER), []);
});

test('server/store is the only reader and writer of pack segments', () => {
  assert.deepEqual(packFormatOutsideStore(SERVER), []);
});

test('each check fails on a planted violation (a scratch tree, not server/ itself)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spamcase-layering-'));
  const plant = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  try {
    plant('errors.ts', 'export class SpamcaseError extends Error {}\n');
    plant('mail/fine.ts', "import { SpamcaseError } from '../errors.ts';\nvoid SpamcaseError;\n");
    plant('mail/up.ts', "// a helper\nimport { acquire } from '../ingest/ingest.ts';\nvoid acquire;\n");
    plant('store/up.ts', "import type { Db } from '../db/knex.ts';\nexport type X = Db;\n");
    plant('store/sideways.ts', "export const load = () => import('../config.ts');\n");
    plant('attribution/up.ts', "import {\n  analyzeSample,\n} from '../ingest/analyze.ts';\nvoid analyzeSample;\n");
    plant('campaigns/up.ts', "export { acquire } from '../ingest/ingest.ts';\n");
    plant('usecases/fine.ts', "import { acquire } from '../ingest/ingest.ts';\nvoid acquire;\n");
    plant(
      'export/reader.ts',
      "import fs from 'node:fs';\nclass PackReader {}\nconst fd = fs.openSync(packDir(dir) + '/p', 'r');\n",
    );
    plant('report/header.ts', "export const H = 'SPAMCASE-BLOB sha256=';\n");
    for (const unit of ['ingest', 'db', 'config']) plant(`${unit}/${unit}.ts`, 'export {};\n');

    assert.deepEqual(upwardImports(root).sort(), [
      'attribution/up.ts:3 (attribution, floor 5) imports ingest (floor 7)',
      'campaigns/up.ts:1 (campaigns, floor 5) imports ingest (floor 7)',
      'mail/up.ts:2 (mail, floor 1) imports ingest (floor 7)',
      'store/up.ts:1 (store, floor 2) imports db (floor 3)',
    ]);
    assert.deepEqual(mailAndStoreImports(root).sort(), [
      'mail/up.ts:2 imports ingest/ingest.ts',
      'store/sideways.ts:1 imports config.ts',
      'store/up.ts:1 imports db/knex.ts',
    ]);
    assert.deepEqual(ingestImporters(root).sort(), [
      'attribution/up.ts:3 (attribution) imports ingest/analyze.ts',
      'campaigns/up.ts:1 (campaigns) imports ingest/ingest.ts',
      'mail/up.ts:2 (mail) imports ingest/ingest.ts',
    ]);
    assert.deepEqual(packFormatOutsideStore(root).sort(), [
      'export/reader.ts:2 has a pack reader or writer of its own',
      'export/reader.ts:3 has a read of a segment',
      'report/header.ts:1 has the record header',
    ]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
