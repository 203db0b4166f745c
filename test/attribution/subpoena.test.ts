/**
 * Subpoena and preservation lists on the generated operator case (test/corpus/generate.ts), whose
 * truth knows each delivery's believed originating IP, its believed Received time and its Date, on
 * SQLite and PostgreSQL; then the CLI as a user runs it (CSV, JSON, --help).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { exportBundle } from '../../server/export/bundle.ts';
import { trialKeys, unzipTo } from '../export/helpers.ts';
import { Client, makeUser, withServer } from '../web/client.ts';
import { gatherSummaryData } from '../../server/pdf/gather.ts';
import { renderSummaryPdf } from '../../server/pdf/render.ts';
import { pdfText } from '../pdf/pdf-readers.ts';
import { OWNER_DATA_LABEL } from '../../server/networks/owners.ts';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { setPartyTrust } from '../../server/attribution/reattribute.ts';
import { subpoenaList } from '../../server/usecases/subpoena.ts';
import { parseCsv } from '../../server/csv/parse.ts';
import { PROJECT_ROOT } from '../../server/config.ts';
import { generateOperatorCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');
function spamcase(env: Record<string, string>, ...args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: '', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

storageTest(
  'subpoena lists: per network operator every delivery with both UTC times; per provider the accounts',
  async ({ ctx, env }) => {
    const out = path.join(tempDir('spamcase-subpoena-'), 'corpus');
    const truth = await generateOperatorCorpus({ out, seed: 3, operators: 9 });
    await createCase(ctx, {
      slug: 'sub',
      title: 'Laposte.net v. Doe',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    await setPartyTrust(ctx, 'sub', 'LPN', { relays: truth.partyTrust });
    await ingest(ctx, { caseSlug: 'sub', method: 'trap', paths: [path.join(out, 'trap')] });

    const nets = await subpoenaList(ctx, { case: 'sub', list: 'networks' });
    assert.equal(nets.deliveries.length, truth.messages, 'one row per delivery (one recipient each)');
    const idOf = new Map(
      (
        (await ctx.db
          .knex('items as i')
          .join('messages as m', 'm.id', 'i.message_id')
          .select('i.bates', 'm.header_message_id')) as Array<{ bates: string; header_message_id: string }>
      ).map((r) => [r.bates, r.header_message_id]),
    );
    for (const r of nets.deliveries) {
      const want = truth.deliveries[`<${idOf.get(r.bates)!.replace(/^<|>$/g, '')}>`]!;
      assert.equal(r.ip, want.originatingIp, r.bates);
      assert.equal(r.receivedUtc, want.receivedUtc, `${r.bates} received`);
      assert.equal(r.dateHeaderUtc, want.dateUtc, `${r.bates} date`);
      assert.match(r.ownerData, /^IP-to-AS data @ip-location-db\/asn \S+ \(data of \d{4}-\d\d-\d\d\)$/);
    }
    // An open proxy (Turk Telekom, AS9121) by its operator.
    const op = (asn: string) => nets.operators.find((o) => o.asn === asn);
    const fetched = Object.values(truth.deliveries).filter((d) => d.originatingIp === '195.175.37.9');
    assert.ok(fetched.length > 0);
    assert.equal(op('AS9121')?.deliveries, fetched.length);
    assert.equal(op('AS9121')?.ips, 1);
    assert.equal(
      nets.operators.reduce((n, o) => n + o.deliveries, 0),
      truth.messages,
    );
    const times = fetched.map((d) => d.receivedUtc).sort();
    assert.equal(op('AS9121')!.firstReceivedUtc, times[0]);
    assert.equal(op('AS9121')!.lastReceivedUtc, times.at(-1));
    // Ordered by operator (AS number, then its name: one AS may hold ranges under several names; addresses in no
    // range last), IP, time.
    const key = (r: (typeof nets.deliveries)[number]) =>
      `${r.asn === '' ? 'z' : String(Number(r.asn.slice(2))).padStart(10, '0')}\n${r.networkOperator}\n${r.ip}\n${r.receivedUtc ?? ''}`;
    for (let i = 1; i < nets.deliveries.length; i++)
      assert.ok(
        key(nets.deliveries[i - 1]!) <= key(nets.deliveries[i]!),
        `row ${i} out of order: ${JSON.stringify([key(nets.deliveries[i - 1]!), key(nets.deliveries[i]!)])}`,
      );

    const accts = await subpoenaList(ctx, { case: 'sub', list: 'accounts' });
    const all = truth.operators.flatMap((o) => o.accounts);
    assert.deepEqual(accts.accounts.map((a) => a.account).sort(), [...all].sort());
    const dates = new Map<string, string[]>();
    const accountOfId = new Map<string, string>();
    for (const m of (await ctx.db.knex('messages').select('header_message_id', 'from_address')) as Array<{
      header_message_id: string;
      from_address: string;
    }>)
      accountOfId.set(`<${m.header_message_id.replace(/^<|>$/g, '')}>`, m.from_address);
    for (const [id, d] of Object.entries(truth.deliveries)) {
      const a = accountOfId.get(id)!;
      dates.set(a, [...(dates.get(a) ?? []), d.dateUtc]);
    }
    for (const a of accts.accounts) {
      const ds = dates.get(a.account)!.sort();
      assert.equal(a.firstSeenUtc, ds[0], a.account);
      assert.equal(a.lastSeenUtc, ds.at(-1), a.account);
      assert.equal(a.deliveries, ds.length, a.account);
    }
    const microsoft = accts.providers.find((p) => p.accountProvider === 'microsoft')!;
    assert.equal(
      microsoft.accounts,
      truth.operators.filter((o) => o.via === 'hotmail').flatMap((o) => o.accounts).length,
    );

    // The CLI: CSV with the owner data on every row, JSON, and the table.
    const csv = await spamcase(env, 'subpoena', 'networks', '--case', 'sub', '--csv');
    assert.equal(csv.code, 0, csv.stderr);
    const rows = [...parseCsv(csv.stdout)];
    assert.deepEqual(rows[0], [
      'asn',
      'network_operator',
      'originating_ip',
      'received_utc',
      'date_header_utc',
      'bates',
      'account',
      'recipient',
      'owner_data',
    ]);
    assert.equal(rows.length - 1, truth.messages);
    assert.ok(rows.slice(1).every((r) => r[8] === nets.deliveries[0]!.ownerData));
    const js = await spamcase(env, 'subpoena', 'accounts', '--case', 'sub', '--json');
    assert.equal(js.code, 0, js.stderr);
    assert.deepEqual(
      (JSON.parse(js.stdout) as { accounts: unknown[] }).accounts,
      JSON.parse(JSON.stringify(accts.accounts)),
    );
    const table = await spamcase(env, 'subpoena', 'networks', '--case', 'sub');
    assert.match(table.stdout, /network owners: IP-to-AS data @ip-location-db\/asn .*today's allocations/);
    assert.match(table.stdout, /AS9121 +Turk Telekom/);
    const help = await spamcase(env, 'subpoena', 'networks', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /spamcase subpoena networks --case <name>/);
    const bad = await spamcase(env, 'subpoena', 'accounts');
    assert.equal(bad.code, 2);

    // The web: the page (English and French), its CSV and JSON downloads are the same use case.
    await makeUser(ctx, 'ada', 'admin');
    await withServer(ctx, async (server) => {
      const web = new Client(server.url);
      await web.signIn('ada');
      const page = await web.page('/cases/sub/subpoena');
      assert.equal(page.status, 200);
      assert.match(page.html, /IP-to-AS data @ip-location-db\/asn \S+ \(data of \d{4}-\d\d-\d\d\)/);
      assert.match(page.html, /href="https:\/\/db-ip.com"/);
      const table = /id="network-operators">([\s\S]*?)<\/table>/.exec(page.html)![1]!;
      assert.deepEqual(
        [...table.matchAll(/data-deliveries="(\d+)"/g)].map((m) => Number(m[1])),
        nets.operators.map((o) => o.deliveries),
      );
      assert.match(page.html, /<td>AS9121<\/td><td><bdi class="msg">Turk Telekom/);
      const webCsv = [...parseCsv(await (await web.get('/cases/sub/subpoena/networks.csv')).text())];
      assert.deepEqual(webCsv, rows);
      const webJson = (await (await web.get('/api/cases/sub/subpoena/accounts')).json()) as { accounts: unknown[] };
      assert.deepEqual(webJson.accounts, JSON.parse(JSON.stringify(accts.accounts)));
      const fr = await web.get('/cases/sub/subpoena', { 'accept-language': 'fr' });
      assert.match(await fr.text(), /Listes de réquisition et de conservation/);
    });

    // The PDF summary: the operators and providers with the owner data set, in English and French.
    const summary = await gatherSummaryData(ctx, (await ctx.db.knex('cases').where({ slug: 'sub' }).first('id')).id);
    assert.equal(
      summary.subpoena!.operatorsTotal,
      new Set(nets.operators.map((o) => `${o.asn}\n${o.networkOperator}`)).size,
    );
    assert.equal(summary.subpoena!.providersTotal, accts.providers.length);
    for (const [lang, title] of [
      ['en', 'Subpoena and preservation lists'],
      ['fr', 'Listes de réquisition et de conservation'],
    ] as const) {
      const text = pdfText(await renderSummaryPdf(summary, { lang })).replace(/\s+/g, ' ');
      assert.ok(text.includes(title), lang);
      assert.ok(text.replace(/\s/g, '').includes(OWNER_DATA_LABEL.replace(/\s/g, '')), lang);
      assert.match(text, /AS9121 Turk Telekom/, lang);
      assert.ok(text.includes('subpoena-networks.csv'), lang);
    }

    // The bundle's tables hold the same lists, as of the export (EVIDENCE_CSV: exact values).
    const bundle = await exportBundle(ctx, 'sub', {
      out: path.join(tempDir('spamcase-subpoena-bundle-'), 'b.zip'),
      signing: trialKeys('Laposte.net legal'),
      organization: 'Laposte.net legal',
    });
    const bag = unzipTo(bundle.file);
    const netCsv = [...parseCsv(fs.readFileSync(path.join(bag, 'data', 'subpoena-networks.csv'), 'utf8'))];
    assert.deepEqual(netCsv[0], rows[0]);
    assert.deepEqual(
      netCsv.slice(1),
      nets.deliveries.map((r) => [
        r.asn,
        r.networkOperator,
        r.ip,
        r.receivedUtc ?? '',
        r.dateHeaderUtc ?? '',
        r.bates,
        r.account ?? '',
        r.recipient,
        r.ownerData,
      ]),
    );
    const acctCsv = [...parseCsv(fs.readFileSync(path.join(bag, 'data', 'subpoena-accounts.csv'), 'utf8'))];
    assert.deepEqual(
      acctCsv.slice(1),
      accts.accounts.map((a) => [
        a.accountProvider,
        a.account,
        a.domain,
        a.firstSeenUtc ?? '',
        a.lastSeenUtc ?? '',
        String(a.deliveries),
        String(a.items),
        String(a.messages),
      ]),
    );
  },
);
