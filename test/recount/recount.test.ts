/**
 * The outside recount (issue 20, "done when"): a joint two-party case built from overlapping
 * harvests (test/helpers/joint-case.ts, truth from how the files were written) is exported with its
 * PDF summary; test/recount/recount.py, written from docs/RECOUNT.md and the bundle's CSVs only
 * (Python's standard library, no spamcase code), recomputes every figure the PDF states and
 * compares each with pdftotext's text of data/summary.pdf.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createDefendant } from '../../server/attribution/defendants.ts';
import { chooseRuleSet } from '../../server/damages/case-damages.ts';
import { buildBundle } from '../../server/usecases/exports.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { buildJointCase } from '../helpers/joint-case.ts';
import { trialKeys, unzipTo } from '../export/helpers.ts';
import { recount } from './run-recount.ts';

storageTest('an outside reader recounts every figure of a joint case PDF from the bundle CSVs', async ({ ctx }) => {
  const dir = tempDir('spamcase-recount-');
  const truth = await buildJointCase(ctx, 'joint', path.join(dir, 'harvests'));
  await createDefendant(ctx, 'joint', 'Doe 1', ['bot0@spam.example', 'bot1@spam.example']);
  const rules = path.join(dir, 'per-delivery.yaml');
  fs.writeFileSync(
    rules,
    [
      'name: per-delivery',
      'title: Ten dollars a delivery',
      'jurisdiction: Test',
      'currency: USD',
      'source: Test statute § 1',
      'rules:',
      '  - id: per-delivery',
      '    label: Per delivery',
      '    source: Test statute § 1(a)',
      '    applies: all',
      '    amount: { low: 1, claimed: 10, max: 30 }',
      '',
    ].join('\n'),
  );
  await chooseRuleSet(ctx, 'joint', rules);
  const keys = trialKeys('Joint plaintiffs legal');
  const { result } = await buildBundle(
    ctx,
    { caseSlug: 'joint', out: path.join(dir, 'joint.zip'), lang: 'en' },
    { signing: { cert: keys.cert, key: keys.key }, organization: 'Joint plaintiffs legal', tsaUrl: null },
  );
  const bag = unzipTo(result.file);
  const data = path.join(bag, 'data');
  const checks = recount(data, dir);
  const failed = checks.filter((c) => !c.ok);
  assert.deepEqual(failed, [], 'every figure recounts');
  assert.ok(checks.length >= 30, `${checks.length} figures checked`);
  // The reader's case total is the truth's (the reader never saw the truth).
  const total = checks.find((c) => c.figure === 'Deliveries');
  assert.equal(total?.csv, String(truth.deliveries.length));
  console.log(`recount: ${checks.length} figures checked, all matched`);
});
