/**
 * Hostile input at volume (issue 9): 10,000 damaged variants of real SpamAssassin messages are
 * ingested in one acquisition. The process never dies; every variant ends as a sample (an item,
 * with its parse error where relevant, or an exact duplicate) or as a rejection with a reason; the
 * counts add up; what was stored re-hashes intact.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { fsck } from '../../server/fsck/fsck.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { mutate, realMessages } from './mutate.ts';

const VARIANTS = 10_000;

function writeVariants(): { dir: string; names: string[]; kinds: Map<string, number> } {
  const dir = tempDir('spamcase-mutants-');
  const originals = realMessages(2_500);
  const names: string[] = [];
  const kinds = new Map<string, number>();
  for (let i = 0; i < VARIANTS; i++) {
    const seed = 9_000_000 + i;
    const variant = mutate(originals[i % originals.length]!, seed);
    const name = `v${String(i).padStart(5, '0')}-s${seed}-${variant.kinds.join('+')}.eml`;
    fs.writeFileSync(path.join(dir, name), variant.bytes);
    names.push(name);
    for (const kind of variant.kinds) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return { dir, names, kinds };
}

storageTest(
  '10,000 damaged real messages: every one is a sample or a rejection with a reason, and the counts add up',
  async ({ ctx }, t) => {
    const { dir, names, kinds } = writeVariants();
    for (const kind of [
      'truncate',
      'byte-flips',
      'header-duplication',
      'boundary-removal',
      'charset-lie',
      'giant-line',
      'nul-bytes',
      'deep-nesting',
      'bare-cr',
      'header-garbage',
    ]) {
      assert.ok((kinds.get(kind) ?? 0) >= 500, `${kind} used ${kinds.get(kind) ?? 0} times`);
    }
    await createCase(ctx, {
      slug: 'mutants',
      title: 'Mutants',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    const [summary] = await ingest(ctx, { caseSlug: 'mutants', method: 'trap', paths: [dir] });
    const report = await caseReport(ctx.db.knex, 'mutants');

    // Every input is accounted for, by its own locator (a variant that happens to sniff as an mbox
    // gives `name#n`; an unwrapped report gives `name/rfc822[n]`).
    const knex = ctx.db.knex;
    const seen = new Map<string, string>();
    const note = (locator: string, what: string) => {
      const base = locator.replace(/([#/].*)$/, '');
      if (!seen.has(base)) seen.set(base, what);
    };
    for (const row of (await knex('samples').select('locator')) as Array<{ locator: string }>)
      note(row.locator, 'sample');
    const rejections = (await knex('rejections').select('locator', 'reason')) as Array<{
      locator: string;
      reason: string;
    }>;
    for (const row of rejections) {
      assert.ok(row.reason.trim().length > 3, `rejection of ${row.locator} has a reason`);
      note(row.locator, 'rejected');
    }
    for (const row of (await knex('wrappers').select('locator')) as Array<{ locator: string }>)
      note(row.locator, 'wrapper');
    const missing = names.filter((n) => !seen.has(n));
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} variants neither sampled nor rejected`);
    assert.equal(seen.size, VARIANTS);

    assert.equal(report.samples, report.items + report.exactDuplicates, 'samples = items + exact duplicates');
    assert.equal(summary!.samples, report.samples);
    assert.ok(report.rejected > 0 && report.rejected < VARIANTS / 2, `rejected ${report.rejected}`);
    assert.ok(report.parseErrors > 0, 'damaged variants carry parse errors');
    // Some mutations leave a message unchanged (no boundary to remove): those are exact duplicates.
    assert.ok(report.items > VARIANTS * 0.7, `items ${report.items}`);
    const reasons = new Map<string, number>();
    for (const r of rejections)
      reasons.set(r.reason.replace(/\d+/g, 'N'), (reasons.get(r.reason.replace(/\d+/g, 'N')) ?? 0) + 1);
    t.diagnostic(
      `variants ${VARIANTS}: items ${report.items}, exact duplicates ${report.exactDuplicates}, parse errors ${report.parseErrors}, rejected ${report.rejected} (${[...reasons].map(([r, n]) => `${r}: ${n}`).join('; ')})`,
    );

    const check = await fsck(ctx, 'mutants');
    assert.deepEqual(check.problems, []);
    assert.equal(check.itemsChecked, report.items);
  },
  { timeout: 600_000 },
);
