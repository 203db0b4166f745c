/**
 * The files an outside examiner needs besides the counts (issue 20 item 3, docs/BUNDLE.md): the
 * wrappers unwrapped at ingest byte for byte, attribution.jsonl with every candidate and the
 * Received walk, timeline.csv, samples.csv pointing at its wrapper, and the rule set file as used.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCase } from '../../server/cases/cases.ts';
import { chooseRuleSet } from '../../server/damages/case-damages.ts';
import { exportBundle } from '../../server/export/bundle.ts';
import { parseCsv } from '../../server/export/csv.ts';
import { verifyBundle } from '../../server/export/verify.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { trialKeys, unzipTo } from './helpers.ts';

const ARF = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sources', 'arf-report.eml');
const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

function table(bag: string, name: string): Array<Record<string, string>> {
  const [header, ...rows] = [...parseCsv(fs.readFileSync(path.join(bag, 'data', name), 'utf8'))];
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

storageTest(
  'the bundle carries the wrappers, attribution evidence, timeline and rule set an examiner recounts from',
  async ({ ctx }) => {
    await createCase(ctx, { slug: 'arf', title: 'ARF v. Doe', parties: [{ name: 'MSN Hotmail', batesPrefix: 'MSN' }] });
    await ingest(ctx, { caseSlug: 'arf', party: 'MSN Hotmail', method: 'report', paths: [ARF], threaded: false });
    await chooseRuleSet(ctx, 'arf', 'us-can-spam-isp');
    const keys = trialKeys('MSN legal');
    const result = await exportBundle(ctx, 'arf', {
      out: path.join(tempDir('spamcase-bundles-'), 'arf.zip'),
      signing: keys,
      organization: 'MSN legal',
    });
    assert.deepEqual((await verifyBundle(result.file, { cert: keys.cert })).problems, []);
    const bag = unzipTo(result.file);

    const wrappers = table(bag, 'wrappers.csv');
    assert.equal(wrappers.length, 1);
    assert.equal(wrappers[0]!.kind, 'arf');
    const wrapperBytes = fs.readFileSync(path.join(bag, 'data', wrappers[0]!.file!));
    assert.deepEqual(wrapperBytes, fs.readFileSync(ARF), 'the report itself, byte for byte');
    assert.equal(sha(wrapperBytes), wrappers[0]!.sha256);

    const samples = table(bag, 'samples.csv');
    assert.equal(samples.length, 1);
    assert.equal(samples[0]!.wrapper, 'arf');
    assert.equal(samples[0]!.wrapper_sha256, wrappers[0]!.sha256);
    assert.equal(samples[0]!.party, 'MSN Hotmail');
    const items = table(bag, 'items.csv');
    assert.equal(samples[0]!.bates, items[0]!.bates);

    const evidence = fs
      .readFileSync(path.join(bag, 'data', 'attribution.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { bates: string; stored: { account: string | null }; recomputed: Record<string, unknown> },
      );
    assert.deepEqual(
      evidence.map((e) => e.bates),
      items.map((i) => i.bates),
    );
    const first = evidence[0]!.recomputed as {
      candidates: Array<{ rank: string; why: string }>;
      received: Array<{ line: number; why: string }>;
    };
    assert.ok(first.candidates.length > 0 && first.candidates.every((c) => c.rank && c.why));
    assert.ok(first.received.length > 0 && first.received.every((h, i) => h.line === i + 1 && h.why));
    assert.equal(evidence[0]!.stored.account, items[0]!.account || null);

    const timeline = table(bag, 'timeline.csv');
    const deliveries = table(bag, 'deliveries.csv');
    assert.equal(
      timeline.reduce((n, r) => n + Number(r.deliveries), 0),
      deliveries.length,
    );

    const rules = fs.readdirSync(path.join(bag, 'data', 'rules'));
    assert.deepEqual(rules, ['us-can-spam-isp.yaml']);
    const used = fs.readFileSync(path.join(bag, 'data', 'rules', rules[0]!));
    assert.deepEqual(used, fs.readFileSync(path.join('templates', 'damages', 'us-can-spam-isp.yaml')));
  },
);
