/**
 * `spamcase pdf` as a user runs it: a child process against a real data root and database writes
 * the summary atomically (no temp file left), twice with the same bytes, with clear errors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../server/config.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { pdfInfo, pdfText, qpdfCheck } from './pdf-readers.ts';
import { flat } from './case-fixture.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');

function spamcase(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, DATABASE_URL: '', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

storageTest(
  'spamcase pdf writes the summary atomically, reproducibly, in the language asked',
  async ({ env }) => {
    const corpus = path.join(tempDir('spamcase-pdf-cli-'), 'corpus');
    const truth = await generateCorpus({ out: corpus, messages: 80, seed: 5, layout: 'eml' });
    assert.equal(
      spamcase(env, 'case', 'create', 'lpn', '--title', 'Laposte.net v. Does 1-20', '--party', 'Laposte.net:LPN').code,
      0,
    );
    assert.equal(spamcase(env, 'ingest', '--case', 'lpn', corpus).code, 0);

    const outDir = tempDir('spamcase-pdf-out-');
    const target = path.join(outDir, 'summary.pdf');
    const first = spamcase(
      env,
      'pdf',
      '--case',
      'lpn',
      '--lang',
      'fr',
      '--organization',
      'Laposte SA',
      '--out',
      target,
      '--json',
    );
    assert.equal(first.code, 0, first.stderr);
    const written = JSON.parse(first.stdout) as { path: string; bytes: number; sha256: string; pages: number };
    const pdf = fs.readFileSync(target);
    assert.equal(written.bytes, pdf.length);
    assert.deepEqual(fs.readdirSync(outDir), ['summary.pdf'], 'no temp file left beside the PDF');
    assert.ok(qpdfCheck(pdf).ok);
    assert.equal(Number(pdfInfo(pdf).Pages), written.pages);
    assert.equal(pdfInfo(pdf).Author, 'Laposte SA');
    const text = flat(pdfText(pdf));
    assert.ok(text.includes('Synthèse des éléments de preuve'));
    assert.ok(text.includes(`Remises ${new Intl.NumberFormat('fr-FR').format(truth.deliveries).replace(/\s/g, ' ')} `));

    // Rendering again as of the same custody event gives the same bytes (rendering records no event).
    const second = spamcase(
      env,
      'pdf',
      '--case',
      'lpn',
      '--lang',
      'fr',
      '--organization',
      'Laposte SA',
      '--out',
      target,
      '--json',
    );
    assert.equal(second.code, 0, second.stderr);
    assert.equal((JSON.parse(second.stdout) as { sha256: string }).sha256, written.sha256);

    const human = spamcase(env, 'pdf', '--case', 'lpn', '--out', path.join(outDir, 'en.pdf'));
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /en\.pdf: \d+ pages, .*sha256 [0-9a-f]{64} \(as of custody event \d+\)/);

    // With a damages rule set: the damages table and its total, exact to the cent, as `spamcase damages` computes it.
    const withRules = spamcase(
      env,
      'pdf',
      '--case',
      'lpn',
      '--rules',
      'us-can-spam-isp',
      '--out',
      path.join(outDir, 'damages.pdf'),
    );
    assert.equal(withRules.code, 0, withRules.stderr);
    const damages = JSON.parse(
      spamcase(env, 'damages', '--case', 'lpn', '--rules', 'us-can-spam-isp', '--json').stdout,
    ) as { total: { claimed: string } };
    const claimed = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2 }).format(Number(damages.total.claimed));
    const damagesText = flat(pdfText(fs.readFileSync(path.join(outDir, 'damages.pdf'))));
    assert.ok(damagesText.includes('6. Damages'));
    assert.ok(damagesText.includes(claimed), `claimed total ${claimed} in the PDF`);

    const badLang = spamcase(env, 'pdf', '--case', 'lpn', '--lang', 'de', '--out', target);
    assert.equal(badLang.code, 2);
    assert.match(badLang.stderr, /--lang must be one of en, fr/);
    const noCase = spamcase(env, 'pdf', '--case', 'nope', '--out', target);
    assert.equal(noCase.code, 1);
    assert.match(noCase.stderr, /no case named "nope"/);
    const noDir = spamcase(env, 'pdf', '--case', 'lpn', '--out', path.join(outDir, 'missing', 'x.pdf'));
    assert.equal(noDir.code, 1);
    assert.match(noDir.stderr, /folder .* does not exist/);
    assert.equal(spamcase(env, 'pdf', '--case', 'lpn').code, 2, '--out is required');
  },
  { timeout: 300_000 },
);
