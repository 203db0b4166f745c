/**
 * The bundle as outside readers see it: unzip -t, sha256sum -c over both manifests, openssl cms
 * -verify against the signer certificate; spamcase verify agrees; exporting twice as of the same
 * custody event gives the same bytes; the export's own custody event shows in the next export; the
 * summary PDF hook states a value the reader can recompute with grep and sha256sum.
 */
import assert from 'node:assert/strict';
import { caseReport } from '../../server/report/counts.ts';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { getCase } from '../../server/cases/cases.ts';
import { exportBundle, listExports, type BundleInfo } from '../../server/export/bundle.ts';
import { parseCsv } from '../../server/export/csv.ts';
import { recordVerification, verifyBundle } from '../../server/export/verify.ts';
import { listCustodyEvents } from '../../server/custody/chain.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { ingestedCase, run, trialKeys, unzipTo } from './helpers.ts';

/** A one-page PDF stating the lines given (Helvetica, uncompressed), as a real PDF writer would. */
function tinyPdf(lines: string[]): Buffer {
  const text = lines.map((l, i) => `BT /F1 9 Tf 36 ${760 - 14 * i} Td (${l.replace(/[()\\]/g, '')}) Tj ET`).join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

storageTest(
  'a bundle verifies with unzip, sha256sum and openssl, is reproducible as of one custody event, and records its export',
  async ({ ctx }) => {
    const { truth } = await ingestedCase(ctx, 'lpn-2006', 120);
    const keys = trialKeys('Laposte.net legal');
    const outDir = tempDir('spamcase-bundles-');
    let seenInfo: BundleInfo | null = null;
    const summaryPdf = async (info: BundleInfo) => {
      seenInfo = info;
      return tinyPdf([
        `Bundle ${info.identifier}`,
        `Manifest without summary SHA-256:`,
        info.manifestWithoutSummarySha256,
      ]);
    };
    const first = await exportBundle(ctx, 'lpn-2006', {
      out: path.join(outDir, 'a.zip'),
      signing: keys,
      organization: 'Laposte.net legal',
      summaryPdf,
    });
    assert.equal(first.items, truth.items);
    assert.deepEqual(first.warnings, []);

    // Outside readers.
    const t = run('unzip', ['-t', first.file]);
    assert.equal(t.code, 0, t.stdout + t.stderr);
    assert.match(t.stdout, /No errors detected/);
    const bag = unzipTo(first.file);
    assert.equal(path.basename(bag), first.identifier);
    const sums = run('sha256sum', ['-c', '--strict', 'manifest-sha256.txt'], { cwd: bag });
    assert.equal(sums.code, 0, sums.stderr);
    assert.equal(sums.stdout.trim().split('\n').length, first.payloadFiles);
    assert.equal(run('sha256sum', ['-c', '--strict', 'tagmanifest-sha256.txt'], { cwd: bag }).code, 0);
    const cms = run(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        'tagmanifest-sha256.txt.p7s',
        '-content',
        'tagmanifest-sha256.txt',
        '-CAfile',
        keys.cert,
        '-out',
        '/dev/null',
      ],
      { cwd: bag },
    );
    assert.equal(cms.code, 0, cms.stderr);
    assert.match(cms.stderr, /Verification successful/);
    const fileCount = run('find', ['data', '-type', 'f'], { cwd: bag }).stdout.trim().split('\n').length;
    assert.equal(fileCount, first.payloadFiles, 'every payload file is in the manifest and nothing else is in data/');
    const bagInfo = fs.readFileSync(path.join(bag, 'bag-info.txt'), 'utf8');
    assert.match(bagInfo, new RegExp(`^Payload-Oxum: ${first.payloadBytes}\\.${first.payloadFiles}$`, 'm'));
    assert.match(bagInfo, /^Bagging-Date: \d{4}-\d\d-\d\d$/m);
    assert.match(bagInfo, /^Source-Organization: Laposte.net legal$/m);
    assert.match(bagInfo, new RegExp(`^External-Identifier: ${first.identifier}$`, 'm'));

    // The summary PDF states what a reader recomputes with grep and sha256sum (docs/BUNDLE.md).
    const info = seenInfo as BundleInfo | null;
    assert.ok(info);
    const recomputed = spawnSync('sh', ['-c', "grep -v ' data/summary.pdf$' manifest-sha256.txt | sha256sum"], {
      cwd: bag,
      encoding: 'utf8',
    }).stdout.split(' ')[0];
    assert.equal(recomputed, info.manifestWithoutSummarySha256);
    const pdfText = run('pdftotext', [path.join(bag, 'data', 'summary.pdf'), '-']).stdout;
    assert.match(pdfText, new RegExp(info.manifestWithoutSummarySha256));
    assert.match(pdfText, new RegExp(first.identifier));

    // items.csv: one row per item, Bates in order, each row's hash is the file's.
    const rows = [...parseCsv(fs.readFileSync(path.join(bag, 'data', 'items.csv'), 'utf8'))];
    assert.equal(rows.length - 1, truth.items);
    const dbBates = (await ctx.db.knex('items').orderBy('id').pluck('bates')) as string[];
    assert.deepEqual(
      rows.slice(1).map((r) => r[0]),
      dbBates,
    );
    for (const r of rows.slice(1, 20)) {
      const bytes = fs.readFileSync(path.join(bag, 'data', r[1]!));
      assert.equal(crypto.createHash('sha256').update(bytes).digest('hex'), r[2]);
      assert.equal(crypto.createHash('md5').update(bytes).digest('hex'), r[3]);
      assert.equal(r[1], `items/${r[0]}_${r[2]}.eml`);
    }
    const dat = fs.readFileSync(path.join(bag, 'data', 'loadfile.dat'), 'utf8');
    assert.equal(dat.charCodeAt(0), 0xfeff);
    const datLines = dat.slice(1).split('\r\n').filter(Boolean);
    assert.equal(datLines.length, truth.items + 1);
    assert.equal(datLines[0]!.split('\u0014')[0], '\u00feBEGBATES\u00fe');
    const accounts = [...parseCsv(fs.readFileSync(path.join(bag, 'data', 'accounts.csv'), 'utf8'))];
    assert.equal(accounts.length - 1, truth.accounts);
    const deliveries = [...parseCsv(fs.readFileSync(path.join(bag, 'data', 'deliveries.csv'), 'utf8'))];
    assert.equal(deliveries.length - 1, truth.deliveries);
    // Attribution and campaigns: items.csv's columns agree with the index, ips.csv and campaigns.csv
    // hold what the CLI lists; deliveries per account add up to the case's deliveries.
    const header = rows[0]!;
    const col = (name: string) => header.indexOf(name);
    const attributed = (await ctx.db
      .knex('items as i')
      .join('item_attributions as ia', 'ia.item_id', 'i.id')
      .orderBy('i.id')
      .select('i.bates', 'ia.account', 'ia.originating_ip', 'ia.handoff_ip')) as Array<{
      bates: string;
      account: string | null;
      originating_ip: string | null;
      handoff_ip: string | null;
    }>;
    assert.deepEqual(
      rows
        .slice(1)
        .map((r) => [r[0], r[col('account')] || null, r[col('originating_ip')] || null, r[col('handoff_ip')] || null]),
      attributed.map((a) => [a.bates, a.account, a.originating_ip, a.handoff_ip]),
    );
    assert.ok(
      attributed.every((a) => a.handoff_ip !== null),
      'every generated item has a hand-off (a Hotmail relay)',
    );
    assert.ok(
      rows.slice(1).every((r) => /^\d+$/.test(r[col('campaign')]!)),
      'every item is in a campaign',
    );
    assert.equal(
      accounts.slice(1).reduce((n, r) => n + Number(r[4]), 0),
      truth.deliveries,
    );
    const ips = [...parseCsv(fs.readFileSync(path.join(bag, 'data', 'ips.csv'), 'utf8'))];
    assert.equal(
      ips.length - 1,
      (((await ctx.db.knex('originating_ips').count({ n: '*' }).first()) as { n: number | string }).n as number) * 1,
    );
    const campaigns = [...parseCsv(fs.readFileSync(path.join(bag, 'data', 'campaigns.csv'), 'utf8'))];
    const report = await caseReport(ctx.db.knex, 'lpn-2006');
    assert.equal(campaigns.length - 1, report.campaigns);
    assert.equal(
      campaigns.slice(1).reduce((n, r) => n + Number(r[2]), 0),
      truth.messages,
    );
    // Every item counted once per table, each message at least once per account.
    assert.equal(
      campaigns.slice(1).reduce((n, r) => n + Number(r[1]), 0),
      truth.items,
    );
    assert.equal(
      accounts.slice(1).reduce((n, r) => n + Number(r[2]), 0),
      truth.items,
    );
    assert.ok(accounts.slice(1).reduce((n, r) => n + Number(r[3]), 0) >= truth.messages);
    assert.equal(
      ips.slice(1).reduce((n, r) => n + Number(r[1]), 0),
      truth.items,
    );
    assert.equal(fs.existsSync(path.join(bag, 'data', 'damages.csv')), false, 'no rule set chosen: no damages.csv');

    // spamcase verify agrees and is recorded on the case.
    const verified = await verifyBundle(first.file, { cert: keys.cert });
    assert.deepEqual(verified.problems, []);
    assert.equal(verified.ok, true);
    assert.equal(verified.sha256, first.sha256);
    assert.equal(
      run('sha256sum', [first.file]).stdout.slice(0, 64),
      first.sha256,
      "the recorded SHA-256 is the file's, as sha256sum reads it",
    );
    assert.equal(verified.items, truth.items);
    assert.equal(await recordVerification(ctx, verified), 'lpn-2006');

    // Same custody event, same bytes; the next export includes the earlier export's event.
    const again = await exportBundle(ctx, 'lpn-2006', {
      out: path.join(outDir, 'b.zip'),
      signing: keys,
      organization: 'Laposte.net legal',
      summaryPdf,
      asOfSeq: first.asOfSeq,
    });
    assert.equal(again.sha256, first.sha256);
    assert.ok(fs.readFileSync(first.file).equals(fs.readFileSync(again.file)), 'byte-identical');
    const later = await exportBundle(ctx, 'lpn-2006', {
      out: path.join(outDir, 'c.zip'),
      signing: keys,
      organization: 'Laposte.net legal',
    });
    assert.notEqual(later.sha256, first.sha256);
    const laterBag = unzipTo(later.file);
    const custody = fs
      .readFileSync(path.join(laterBag, 'data', 'custody.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; details: Record<string, unknown> });
    const exported = custody.filter((e) => e.action === 'exported');
    assert.deepEqual(
      exported.map((e) => e.details.sha256),
      [first.sha256, again.sha256],
    );
    assert.equal(custody.filter((e) => e.action === 'verified').length, 1);
    assert.equal(fs.existsSync(path.join(laterBag, 'data', 'summary.pdf')), false);

    const c = await getCase(ctx.db.knex, 'lpn-2006');
    const listed = await listExports(ctx.db.knex, c.id);
    assert.deepEqual(
      listed.map((e) => e.sha256),
      [later.sha256, again.sha256, first.sha256],
    );
    assert.deepEqual(
      listed.map((e) => e.items),
      [truth.items, truth.items, truth.items],
    );
    const events = await listCustodyEvents(ctx.db.knex, c.id, c.slug);
    assert.equal(events.filter((e) => e.action === 'exported').length, 3);
    assert.deepEqual(
      fs.readdirSync(outDir).sort(),
      ['a.zip', 'b.zip', 'c.zip'],
      'no partial or spool file is left behind',
    );
  },
  { timeout: 300_000 },
);
