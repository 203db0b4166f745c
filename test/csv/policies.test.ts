/**
 * The CSV policies (server/csv/write.ts): staff CSVs guard a cell a spreadsheet would run as a
 * formula, the bundle's keep every value exact. Checked on cells, through Python's csv module (a
 * reader that shares no code with spamcase), and on a real case whose spam carries formula-like
 * values: the web's accounts, items and damages downloads and the CLI's accounts --csv guard them;
 * the bundle's accounts.csv, items.csv and damages.csv hold them byte for byte.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../server/config.ts';
import { csvCell, csvText, EVIDENCE_CSV, STAFF_CSV } from '../../server/csv/write.ts';
import { parseCsv } from '../../server/csv/parse.ts';
import { ACCOUNTS, CAMPAIGNS, IPS, ITEMS } from '../../server/csv/columns.ts';
import { createCase } from '../../server/cases/cases.ts';
import { chooseRuleSet } from '../../server/damages/case-damages.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { buildBundle } from '../../server/usecases/exports.ts';
import { createTestEnv, tempDir } from '../helpers/databases.ts';
import { readMembers, trialKeys } from '../export/helpers.ts';
import { Client, makeUser, withServer } from '../web/client.ts';

const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r'];

test('a staff cell starting with = + - @ tab or CR gets a leading quote; an evidence cell stays exact', () => {
  for (const c of FORMULA_STARTS) {
    const value = `${c}1+1`;
    const staff = csvCell(value, STAFF_CSV);
    const exact = csvCell(value, EVIDENCE_CSV);
    assert.equal(staff, c === '\r' ? `"'${value}"` : `'${value}`, JSON.stringify(value));
    assert.equal(exact, c === '\r' ? `"${value}"` : value, JSON.stringify(value));
  }
  for (const safe of ['plain', '1+1', 'a=b', ' =x', ''])
    assert.equal(csvCell(safe, STAFF_CSV), csvCell(safe, EVIDENCE_CSV), JSON.stringify(safe));
  assert.equal(csvCell(['Laposte.net', 'MSN'], STAFF_CSV), 'Laposte.net; MSN');
  assert.equal(csvCell(null, STAFF_CSV), '');
  assert.equal(csvCell('a "quoted", value', EVIDENCE_CSV), '"a ""quoted"", value"');
});

test("Python's csv module reads the evidence policy back exactly, and the staff policy with only the quote added", () => {
  const values = [...FORMULA_STARTS.map((c) => `${c}HYPERLINK("http://evil")`), 'a,b', 'line\r\nbreak', 'é ü 中'];
  const rows = [['value'], ...values.map((v) => [v])];
  const read = (text: string) => {
    const r = spawnSync(
      'python3',
      ['-c', 'import csv,io,json,sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))'],
      { input: text, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as string[][]).slice(1).map((row) => row[0]);
  };
  assert.deepEqual(read(csvText(rows, EVIDENCE_CSV)), values);
  assert.deepEqual(
    [...parseCsv(csvText(rows, EVIDENCE_CSV))].slice(1).map((r) => r[0]),
    values,
  );
  assert.deepEqual(
    read(csvText(rows, STAFF_CSV)),
    values.map((v) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v)),
  );
});

test('one set of column names: the staff lists use the bundle spelling of every column they share', () => {
  for (const t of [ITEMS, ACCOUNTS, IPS, CAMPAIGNS]) {
    for (const c of [...(t.list ?? []), ...(t.bundle ?? [])]) {
      assert.ok((t.columns as readonly string[]).includes(c), c);
      assert.match(c, /^[a-z0-9]+(_[a-z0-9]+)*$/, `${c} is snake_case`);
    }
  }
  assert.equal(ACCOUNTS.list![0], ACCOUNTS.bundle![0]);
  assert.equal(IPS.list![0], IPS.bundle![0]);
  assert.equal(CAMPAIGNS.list![0], CAMPAIGNS.bundle![0]);
});

const HOSTILE = (n: number) =>
  [
    'Return-Path: <-2+3@evil.example>',
    'From: "Evil" <-2+3@evil.example>',
    `To: victim${n}@laposte.net`,
    `Message-ID: <formula-${n}@evil.example>`,
    'Date: Tue, 06 Dec 2005 10:00:00 +0100',
    `Subject: =SUM(1+${n})`,
    '',
    `Cheap pills ${n}`,
    '',
  ].join('\r\n');

test('formula-like spam values: guarded in the web and CLI downloads, exact in the bundle', async () => {
  const { env, cleanup } = await createTestEnv('sqlite');
  const { ctx } = env;
  try {
    const dir = tempDir('spamcase-formula-');
    for (let n = 1; n <= 3; n++) fs.writeFileSync(path.join(dir, `${n}.eml`), HOSTILE(n));
    await createCase(ctx, { slug: 'formula', title: 'Formula', parties: [{ name: '@Plaintiff', batesPrefix: 'PL' }] });
    await ingest(ctx, { caseSlug: 'formula', method: 'trap', paths: [dir] });
    await chooseRuleSet(ctx, 'formula', 'us-can-spam-isp');
    await makeUser(ctx, 'ada', 'admin');

    await withServer(ctx, async (server) => {
      const web = new Client(server.url);
      await web.signIn('ada');
      const accounts = (await (await web.get('/cases/formula/accounts.csv')).text()).split('\r\n');
      assert.equal(accounts[0], ACCOUNTS.list!.join(','));
      assert.ok(accounts[1]!.startsWith("'-2+3@evil.example,"), accounts[1]);
      const items = (await (await web.get('/cases/formula/items.csv')).text()).split('\r\n');
      assert.ok(
        items.slice(1, 4).every((l) => /,'=SUM\(1\+\d\),/.test(l)),
        items.join('\n'),
      );
      const damages = await (await web.get('/cases/formula/damages.csv')).text();
      assert.match(damages, /\r\nline,'@Plaintiff,/);
      assert.doesNotMatch(damages, /,@Plaintiff,/);
    });

    const cli = spawnSync(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'spamcase.js'), 'accounts', '--case', 'formula', '--csv'],
      { env: { ...process.env, DATABASE_URL: '', ...env.env }, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(cli.status, 0, cli.stderr);
    const cliLines = cli.stdout.split('\r\n');
    assert.equal(cliLines[0], ACCOUNTS.list!.join(','), 'the CLI and the web write the same header');
    assert.ok(cliLines[1]!.startsWith("'-2+3@evil.example,"), cliLines[1]);

    const keys = trialKeys();
    const out = path.join(tempDir('spamcase-formula-bundle-'), 'formula.zip');
    await buildBundle(
      ctx,
      { caseSlug: 'formula', out, lang: 'en' },
      { signing: keys, organization: 'Test Org', tsaUrl: null },
    );
    const members = readMembers(out);
    const member = (name: string) => members.find((m) => m.name.endsWith(`/${name}`))!.data.toString('utf8');
    const bundleAccounts = [...parseCsv(member('data/accounts.csv'))];
    assert.deepEqual(bundleAccounts[0], [...ACCOUNTS.bundle!]);
    assert.equal(bundleAccounts[1]![0], '-2+3@evil.example');
    const bundleItems = [...parseCsv(member('data/items.csv'))];
    const subject = bundleItems[0]!.indexOf('subject');
    assert.deepEqual(
      bundleItems
        .slice(1)
        .map((r) => r[subject])
        .sort(),
      ['=SUM(1+1)', '=SUM(1+2)', '=SUM(1+3)'],
    );
    assert.match(member('data/damages.csv'), /\r\nline,@Plaintiff,/);
  } finally {
    await cleanup();
  }
});
