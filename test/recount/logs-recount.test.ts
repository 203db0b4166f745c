/**
 * The outside recount of the mail server logs (issue 24, "done when"): a case with harvested spam and generated
 * Postfix, Exim, Sendmail and Exchange logs of the same messages (test/helpers/logs-case.ts) is exported with its
 * PDF summary. test/recount/recount.py recomputes, from attempts.csv and log_files.csv alone, the PDF's attempt
 * totals and its per-account and per-IP tables; the totals are also the generator's truth, and every log file
 * under data/logs/ is the acquired file byte for byte. With a rule set counting logged attempts, it recounts the
 * damages table too, its "Attempts (not harvested)" column from attempts.csv, log_files.csv and deliveries.csv.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createDefendant } from '../../server/attribution/defendants.ts';
import { chooseRuleSet } from '../../server/damages/case-damages.ts';
import { verifyBundle } from '../../server/export/verify.ts';
import { buildBundle } from '../../server/usecases/exports.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { buildLogsCase, logsFixture } from '../helpers/logs-case.ts';
import { trialKeys, unzipTo } from '../export/helpers.ts';
import { recount } from './run-recount.ts';

storageTest('an outside reader recounts the attempts the PDF states from the bundle alone', async ({ ctx }) => {
  const truth = await buildLogsCase(ctx, 'lpn');
  const dir = tempDir('spamcase-logs-recount-');
  // Damages counting logged attempts beside deliveries: the PDF's attempts column is recounted from attempts.csv.
  const senders = [...truth.unmatched.keys()].filter((a) => truth.accounts.has(a)).sort();
  await createDefendant(ctx, 'lpn', 'Doe 1', senders.slice(0, 3));
  const rules = path.join(dir, 'attempts.yaml');
  fs.writeFileSync(
    rules,
    [
      'name: attempts',
      'title: Deliveries and attempts',
      'jurisdiction: Test',
      'currency: USD',
      'source: Test statute § 1',
      'rules:',
      '  - id: per-delivery',
      '    label: Per delivery',
      '    source: Test statute § 1(a)',
      '    amount: { low: 1, claimed: 10, max: 30 }',
      '  - id: refused',
      '    label: Per refused attempt',
      '    source: Test statute § 1(b)',
      '    unit: attempt',
      '    attempts: refused',
      '    amount: { low: 0, claimed: 1, max: 2 }',
      '  - id: delivered',
      '    label: Per delivered attempt not harvested',
      '    source: Test statute § 1(c)',
      '    unit: attempt',
      '    attempts: delivered',
      '    amount: 0.10',
      '',
    ].join('\n'),
  );
  await chooseRuleSet(ctx, 'lpn', rules);
  const keys = trialKeys('Laposte.net legal');
  const { result } = await buildBundle(
    ctx,
    { caseSlug: 'lpn', out: path.join(dir, 'lpn.zip'), lang: 'en' },
    { signing: { cert: keys.cert, key: keys.key }, organization: 'Laposte.net legal', tsaUrl: null },
  );
  const verified = await verifyBundle(result.file, { cert: keys.cert });
  assert.deepEqual(verified.problems, [], 'the bundle with its logs verifies');
  const data = path.join(unzipTo(result.file), 'data');

  // The logs, byte for byte: every acquired file is in data/logs/ under the SHA-256 log_files.csv gives it.
  const acquired = Object.values((await logsFixture()).truth.files).flat();
  const listed = fs.readFileSync(path.join(data, 'log_files.csv'), 'utf8').trim().split('\n').slice(1);
  assert.equal(listed.length, acquired.length);
  for (const file of acquired) {
    const sha = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const inBundle = fs.readdirSync(path.join(data, 'logs')).find((f) => f.startsWith(sha));
    assert.ok(inBundle, `${path.basename(file)} is in data/logs/`);
    assert.ok(fs.readFileSync(path.join(data, 'logs', inBundle)).equals(fs.readFileSync(file)));
  }

  const checks = recount(data, dir);
  assert.deepEqual(
    checks.filter((c) => !c.ok),
    [],
    'every figure recounts',
  );
  const logs = checks.filter((c) => c.figure.startsWith('logs '));
  assert.ok(logs.length >= 60, `${logs.length} log figures checked`);
  // The reader's totals, from the CSVs, are the generator's truth (the reader never saw the truth).
  const figure = (name: string) => checks.find((c) => c.figure === `logs ${name}`)?.csv;
  assert.equal(figure('attempts'), String(truth.totals.attempts));
  assert.equal(figure('refused unknown users'), String(truth.totals.refusedUnknownUsers));
  assert.equal(figure('refused policy'), String(truth.totals.refusedPolicy));
  assert.equal(figure('delivered'), String(truth.totals.delivered));
  assert.equal(figure('bounced'), String(truth.totals.bounced));
  assert.equal(figure('matched samples'), String(truth.totals.matchedSamples));
  // The damages' attempts: refusals (never matched) and the delivered attempts no item matched, from the truth.
  const dmg = (name: string) => checks.find((c) => c.figure === name)?.csv;
  const unmatchedDelivered = [...truth.unmatched.values()].reduce((n, u) => n + u.delivered, 0);
  assert.equal(dmg('damages attempts column shown'), 'True');
  assert.equal(
    dmg('damages total attempts'),
    String(truth.totals.refusedUnknownUsers + truth.totals.refusedPolicy + unmatchedDelivered),
  );
  assert.ok(
    checks.some((c) => c.figure === 'damages Laposte.net / Doe 1 attempts'),
    'a claim against Doe 1',
  );
  console.log(`logs recount: ${checks.length} figures checked (${logs.length} of the logs), all matched`);
});
