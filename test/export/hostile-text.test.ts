/**
 * Hidden characters in the bundle, from a case of hostile messages (test/fixtures/hostile), on both
 * databases: items.csv keeps every value exactly (evidence: the override, BEL and ESC are there, as
 * in the item's bytes); the load file, which a review platform shows reviewers, writes them as
 * markers ⟦U+202E⟧ so that DC4, its field separator, can never come from a value and each row keeps
 * its twelve fields; the PDF summary, read with poppler's pdftotext, prints the markers, never the
 * characters, and says in its method what a marker means (in English and in French).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseCsv } from '../../server/export/csv.ts';
import { buildBundle } from '../../server/usecases/exports.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { hostileCase } from '../fixtures/hostile/case.ts';
import { C0_SUBJECT_DECODED, HIDDEN_PROBE, HOSTILE_ADDRESS, HOSTILE_SUBJECT } from '../fixtures/hostile/messages.ts';
import { pdfText } from '../pdf/pdf-readers.ts';
import { trialKeys, unzipTo } from './helpers.ts';

storageTest('the bundle of a hostile case: items.csv exact, the load file and the PDF marked', async ({ ctx }) => {
  await hostileCase(ctx, 'h');
  const signing = trialKeys();
  for (const lang of ['en', 'fr'] as const) {
    const out = path.join(tempDir('spamcase-hostile-bundle-'), `h-${lang}.zip`);
    const { result } = await buildBundle(
      ctx,
      { caseSlug: 'h', out, lang },
      { signing, organization: 'Test Org', tsaUrl: null },
    );
    const bag = unzipTo(result.file);

    const items = [...parseCsv(fs.readFileSync(path.join(bag, 'data', 'items.csv'), 'utf8'))];
    const header = items[0]!;
    const col = (name: string) => header.indexOf(name);
    const byBates = new Map(items.slice(1).map((r) => [r[0]!, r]));
    assert.equal(byBates.get('LPN-0000001')![col('subject')], HOSTILE_SUBJECT, 'items.csv: the subject exactly');
    assert.equal(byBates.get('LPN-0000002')![col('subject')], C0_SUBJECT_DECODED, 'items.csv: BEL and ESC kept');
    assert.equal(byBates.get('LPN-0000002')![col('from')], HOSTILE_ADDRESS, 'items.csv: the address exactly');

    const dat = fs.readFileSync(path.join(bag, 'data', 'loadfile.dat'), 'utf8').slice(1);
    const rows = dat
      .split('\r\n')
      .filter(Boolean)
      .map((l) => l.split('\u0014'));
    assert.deepEqual(
      rows.map((r) => r.length),
      [12, 12, 12, 12],
      'every row keeps its 12 fields',
    );
    assert.equal(HIDDEN_PROBE.exec(dat.replace(/\u0014/g, '')), null, 'no hidden character but the separators');
    const second = rows.find((r) => r[0] === '\u00feLPN-0000002\u00fe')!;
    assert.equal(second[6], '\u00fe⟦U+202E⟧txt.exe@spam.example\u00fe');
    assert.equal(second[9], '\u00feBell⟦U+0007⟧ and ESC⟦U+001B⟧[31m caféПривет\u00fe');

    const text = pdfText(fs.readFileSync(path.join(bag, 'data', 'summary.pdf')));
    // pdftotext itself wraps the right-to-left runs it extracts in U+202B ... U+202C; nothing else passes.
    const bad = /[\u0000-\u0008\u000b\u000e-\u001f\u200b\u202a\u202d\u202e\u2066-\u2069]/.exec(text);
    assert.equal(bad, null, `${lang}: ${bad ? JSON.stringify(text.slice(bad.index - 60, bad.index + 20)) : ''}`);
    const flat = text.replace(/\s+/g, ' ');
    assert.ok(flat.includes('⟦U+202E⟧txt.exe@spam.example'), `${lang}: the account marked`);
    assert.ok(flat.includes('Invoice ⟦U+202E⟧gnp.exe'), `${lang}: the exemplar subject marked`);
    assert.ok(
      flat.includes(
        lang === 'en' ? 'A mark such as ⟦U+202E⟧ in a subject' : 'Une marque telle que ⟦U+202E⟧ dans un objet',
      ),
      `${lang}: the method says what a marker means`,
    );
  }
});
