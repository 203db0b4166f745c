/**
 * Once a damages rule set is chosen for the case, the bundle carries damages.csv: the same exhibit
 * `spamcase damages --csv` prints, inside the signed bag, and verify still passes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chooseRuleSet } from '../../server/damages/case-damages.ts';
import { exportBundle } from '../../server/export/bundle.ts';
import { parseCsv } from '../../server/export/csv.ts';
import { verifyBundle } from '../../server/export/verify.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { ingestedCase, trialKeys, unzipTo } from './helpers.ts';

storageTest('a chosen damages rule set puts damages.csv in the bundle, and the bundle verifies', async ({ ctx }) => {
  const { truth } = await ingestedCase(ctx, 'dmg', 60);
  await chooseRuleSet(ctx, 'dmg', 'us-can-spam-isp');
  const keys = trialKeys('Laposte.net legal');
  const result = await exportBundle(ctx, 'dmg', {
    out: path.join(tempDir('spamcase-bundles-'), 'd.zip'),
    signing: keys,
    organization: 'Laposte.net legal',
  });
  const bag = unzipTo(result.file);
  const rows = [...parseCsv(fs.readFileSync(path.join(bag, 'data', 'damages.csv'), 'utf8'))];
  const header = rows[0]!;
  const total = rows.find((r) => r[0] === 'total');
  assert.ok(total, JSON.stringify(rows));
  // No trusted relays, no forged header found: every delivery is an "other" violation at $25 claimed.
  assert.equal(total![header.indexOf('claimed')], `${truth.deliveries * 25}.00`);
  const verified = await verifyBundle(result.file, { cert: keys.cert });
  assert.deepEqual(verified.problems, []);
});
