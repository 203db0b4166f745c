/**
 * A bundle of 70,000 items (more than 65,535 ZIP entries, so ZIP64 end records): Info-ZIP lists
 * and tests it, and spamcase verify checks every item. Items are tiny generated messages, to keep
 * the test's time reasonable; the benchmark (test/bench/export-bench.ts) measures real-sized ones.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { exportBundle } from '../../server/export/bundle.ts';
import { verifyBundle } from '../../server/export/verify.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { run, trialKeys } from './helpers.ts';

const ITEMS = 70_000;

function writeMbox(file: string, n: number): void {
  const fd = fs.openSync(file, 'w');
  let chunk = '';
  for (let i = 0; i < n; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    chunk +=
      `From sender${i % 997}@example.net Mon Jan ${day} 10:00:00 2024\n` +
      `From: sender${i % 997}@example.net\nTo: trap${i % 50}@laposte.net\nDelivered-To: trap${i % 50}@laposte.net\n` +
      `Subject: Offer ${i}\nDate: Mon, ${day} Jan 2024 10:00:00 +0000\nMessage-ID: <m${i}@example.net>\n\nCheap pills ${i}\n\n`;
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
}

storageTest(
  `a bundle of ${ITEMS.toLocaleString('en-US')} items uses ZIP64, opens in unzip -l and verifies`,
  async ({ ctx }) => {
    const dir = tempDir('spamcase-large-');
    const mbox = path.join(dir, 'trap.mbox');
    writeMbox(mbox, ITEMS);
    await createCase(ctx, { slug: 'large', title: 'Large', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
    const [summary] = await ingest(ctx, { caseSlug: 'large', method: 'trap', paths: [mbox] });
    assert.equal(summary!.newItems, ITEMS);
    const keys = trialKeys();
    const out = path.join(dir, 'large.zip');
    const r = await exportBundle(ctx, 'large', { out, signing: keys, organization: 'Org' });
    assert.equal(r.items, ITEMS);
    assert.ok(r.entries > 65_535);

    const listed = run('unzip', ['-l', out]);
    assert.equal(listed.code, 0, listed.stderr);
    const lastLine = listed.stdout.trim().split('\n').pop()!;
    assert.match(lastLine, new RegExp(`\\s${r.entries} files$`));
    assert.equal(
      listed.stdout.split('\n').filter((l) => /\/data\/items\/LPN-\d{7}_[0-9a-f]{64}\.eml$/.test(l)).length,
      ITEMS,
    );
    const tested = run('unzip', ['-tq', out]);
    assert.equal(tested.code, 0, tested.stdout + tested.stderr);
    // The ZIP64 end of central directory record is there (signature PK\x06\x06).
    const tail = fs.readFileSync(out).subarray(-200);
    assert.ok(tail.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])));

    const v = await verifyBundle(out, { cert: keys.cert });
    assert.deepEqual(v.problems, []);
    assert.equal(v.items, ITEMS);
  },
  { timeout: 600_000 },
);
