/**
 * The pages built on attribution, campaigns, defendants, damages and exports, on a real generated
 * corpus ingested into SQLite and PostgreSQL: every figure a page shows equals what the CLI's own
 * domain call returns (the same functions `spamcase accounts|ips|campaigns|defendants|damages|
 * exports|message` print), the state-changing forms refuse a missing CSRF token and a viewer, and a
 * bundle built from the page downloads with the recorded SHA-256 and verifies by upload (a tampered
 * copy shows each failing file).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { getCase } from '../../server/cases/cases.ts';
import { addMember } from '../../server/cases/members.ts';
import { listAccounts, listOriginatingIps, accountItems } from '../../server/attribution/queries.ts';
import { listDefendants, suggestDefendants } from '../../server/attribution/defendants.ts';
import { messageEvidence } from '../../server/attribution/evidence.ts';
import { campaignDetail, itemCampaigns, listCampaigns } from '../../server/campaigns/queries.ts';
import { caseDamages } from '../../server/damages/case-damages.ts';
import { damagesCsv, damagesJson } from '../../server/damages/exhibit.ts';
import { csvText, STAFF_CSV } from '../../server/csv/write.ts';
import { methodText } from '../../server/damages/method-text.ts';
import { listExports } from '../../server/export/bundle.ts';
import { verifyBundle } from '../../server/export/verify.ts';
import { listCustodyEvents } from '../../server/custody/chain.ts';
import { caseReport } from '../../server/report/counts.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { attribute, partyTrust } from '../../server/usecases/attribute.ts';
import { ingestedCase, trialKeys } from '../export/helpers.ts';
import { Client, makeUser, withServer } from './client.ts';

const countCell = (html: string, name: string) =>
  Number(new RegExp(`data-count="${name}">([^<]*)<`).exec(html)![1]!.replace(/\D/g, ''));
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const unescape = (s: string) =>
  s
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

function multipart(
  csrf: string | null,
  field: string,
  name: string,
  bytes: Buffer,
): { body: Buffer; headers: Record<string, string> } {
  const b = '----spamcasePagesBoundary';
  const parts = [];
  if (csrf !== null)
    parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`));
  parts.push(
    Buffer.from(
      `--${b}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\nContent-Type: application/zip\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${b}--\r\n`),
  );
  return { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${b}` } };
}

storageTest(
  'attribution, campaign, defendant, damages and export pages show the CLI figures, and their forms are guarded',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    await makeUser(ctx, 'victor', 'viewer');
    await ingestedCase(ctx, 'pages', 160, 11);
    // The party's MX is trusted, so the origins are the senders' machines (without it every item's origin is
    // mx1.laposte.net, which defendant suggestions rightly never link through).
    await partyTrust(ctx, 'pages', 'LPN', { relays: ['laposte.net'] });
    await attribute(ctx, 'pages');
    const c = await getCase(ctx.db.knex, 'pages');
    await addMember(ctx, c, 'victor');
    const knex = ctx.db.knex;

    await withServer(
      ctx,
      async (server) => {
        const admin = new Client(server.url);
        await admin.signIn('ada');
        const viewer = new Client(server.url);
        await viewer.signIn('victor');

        // Dashboard: the report's words, each with its explanation, and the top lists.
        const report = await caseReport(knex, 'pages');
        let html = (await admin.page('/cases/pages')).html;
        for (const k of ['accounts', 'originatingIps', 'defendants', 'campaigns'] as const)
          assert.equal(countCell(html, k), report[k], k);
        assert.ok(report.accounts > 10 && report.campaigns > 1, 'the corpus has accounts and campaigns');
        assert.match(html, /Groups of messages with near-identical content/);
        const top = await listAccounts(knex, c.id, { sort: 'deliveries', order: 'desc', limit: 5 });
        const topTable = /id="dash-top-accounts">([\s\S]*?)<\/table>/.exec(html)![1]!;
        assert.deepEqual(
          [...topTable.matchAll(/accounts\/[^"]+"><bdi class="msg">([^<]+)</g)].map((m) => unescape(m[1]!)),
          top.rows.map((r) => r.address),
        );

        // Accounts: the page, the JSON and the CSV are listAccounts.
        const accounts = await listAccounts(knex, c.id, { sort: 'deliveries', order: 'desc', limit: 50 });
        html = (await admin.page('/cases/pages/accounts')).html;
        const shown = [
          ...html.matchAll(/<tr><td><a href="\/cases\/pages\/accounts\/[^"]+"><bdi class="msg">([^<]+)<\/bdi><\/a>/g),
        ].map((m) => unescape(m[1]!));
        assert.deepEqual(
          shown,
          accounts.rows.map((r) => r.address),
        );
        assert.deepEqual(
          await (await admin.get('/api/cases/pages/accounts?sort=messages&order=asc&offset=3')).json(),
          JSON.parse(
            JSON.stringify(await listAccounts(knex, c.id, { sort: 'messages', order: 'asc', offset: 3, limit: 50 })),
          ),
        );
        const csv = await admin.get('/cases/pages/accounts.csv');
        assert.match(csv.headers.get('content-disposition') ?? '', /^attachment/);
        const csvLines = (await csv.text()).trimEnd().split('\r\n');
        assert.equal(csvLines.length, report.accounts + 1);
        const all = await listAccounts(knex, c.id, { limit: 10_000 });
        assert.equal(
          csvLines.slice(1).reduce((s, l) => s + Number(l.split(',')[2]), 0),
          all.rows.reduce((s, r) => s + r.deliveries, 0),
        );
        // Search narrows on the server.
        const needle = accounts.rows[0]!.address.split('@')[0]!;
        assert.deepEqual(
          await (await admin.get(`/api/cases/pages/accounts?q=${encodeURIComponent(needle)}`)).json(),
          JSON.parse(JSON.stringify(await listAccounts(knex, c.id, { search: needle, limit: 50 }))),
        );

        // One account: its figures, signals and items.
        const a = accounts.rows[0]!;
        html = (await admin.page(`/cases/pages/accounts/${encodeURIComponent(a.address)}`)).html;
        assert.equal(countCell(html, 'deliveries'), a.deliveries);
        assert.equal(countCell(html, 'messages'), a.messages);
        const items = await accountItems(knex, c.id, a.address, { limit: 50 });
        assert.deepEqual(
          [.../id="account-items">([\s\S]*?)<\/table>/.exec(html)![1]!.matchAll(/items\/([A-Z]+-\d+)"/g)].map(
            (m) => m[1],
          ),
          items.map((i) => i.bates),
        );
        assert.equal((await admin.get('/cases/pages/accounts/nobody%40nowhere.invalid')).status, 404);

        // Originating IPs.
        assert.deepEqual(
          await (await admin.get('/api/cases/pages/ips')).json(),
          JSON.parse(JSON.stringify(await listOriginatingIps(knex, c.id, { limit: 50 }))),
        );
        assert.equal(
          (await (await admin.get('/cases/pages/ips.csv')).text()).trimEnd().split('\r\n').length,
          report.originatingIps + 1,
        );
        html = (await admin.page('/cases/pages/ips')).html;
        assert.equal((html.match(/data-deliveries=/g) ?? []).length, Math.min(50, report.originatingIps));

        // Campaigns: list, one campaign, and why a member belongs.
        const campaigns = await listCampaigns(knex, c.id, { limit: 50 });
        assert.deepEqual(
          await (await admin.get('/api/cases/pages/campaigns')).json(),
          JSON.parse(JSON.stringify(campaigns)),
        );
        assert.equal(
          (await (await admin.get('/cases/pages/campaigns.csv')).text()).trimEnd().split('\r\n').length,
          report.campaigns + 1,
        );
        const biggest = campaigns.rows[0]!;
        assert.ok(biggest.messages >= 2);
        const detail = await campaignDetail(knex, c.id, biggest.number, { limit: 50 });
        const member = detail.members.find((m) => m.bates !== biggest.exemplarBates)!;
        html = (await admin.page(`/cases/pages/campaigns/${biggest.number}?member=${member.bates}`)).html;
        assert.equal(countCell(html, 'messages'), biggest.messages);
        assert.equal(countCell(html, 'deliveries'), biggest.deliveries);
        assert.match(html, new RegExp(`Why ${member.bates} is like exemplar ${biggest.exemplarBates}`));
        // Its similarity to the exemplar, at or above the campaign's threshold, with the features they share.
        const shownSim = Number(/data-similarity="([0-9.]+)"/.exec(html)?.[1]);
        const threshold = Number(/data-threshold="([0-9.]+)"/.exec(html)?.[1]);
        assert.equal(shownSim, member.similarity);
        assert.ok(threshold > 0 && shownSim >= threshold, `${shownSim} >= ${threshold}`);
        assert.match(html, new RegExp(`This one: ${Math.round(member.similarity * 100)}% like the exemplar`));
        assert.match(html, /<th scope="row">Phrases<\/th><td><bdi class="msg">[^<—]+<\/bdi><\/td>/);

        // The message view: attribution and why, the Received chain with the origin marked, the campaign.
        const ev = await messageEvidence(ctx, 'pages', member.bates);
        html = (await admin.page(`/cases/pages/items/${member.bates}`)).html;
        assert.ok(
          ev.attribution.account && ev.received.length > 0,
          'a generated message has a sender and a Received chain',
        );
        assert.match(html, new RegExp(`data-account="${ev.attribution.account.replace(/[.+]/g, '\\$&')}"`));
        if (ev.attribution.originatingIp)
          assert.match(html, new RegExp(`data-ip="${ev.attribution.originatingIp.replace(/\./g, '\\.')}"`));
        assert.equal(
          (html.match(/data-origin="1"/g) ?? []).length,
          ev.received.filter((h) => h.role === 'origin').length,
        );
        // Both IPs shown: the hand-off (Hotmail's relay, to the party) beside the origin, and each line's verdict.
        assert.ok(ev.attribution.handoffIp, 'a generated message has a hand-off');
        assert.match(html, new RegExp(`data-handoff-ip="${ev.attribution.handoffIp.replace(/\./g, '\\.')}"`));
        assert.match(html, /data-handoff-provider="microsoft"/);
        assert.equal(
          (html.match(/data-handoff="1"/g) ?? []).length,
          ev.received.filter((h) => h.role === 'hand-off').length,
        );
        assert.match(html, /Hand-off IP/);
        assert.match(
          html,
          new RegExp(`data-campaign="${(await itemCampaigns(knex, c.id, [ev.item.id])).get(ev.item.id)}"`),
        );
        assert.match(html, /id="dkim-result"/);
        // Not verified yet: the page says what is missing in words, never a command to type.
        assert.match(html, /data-dkim="not-verified"[\s\S]*snapshot of the signers&#39; keys/);
        assert.doesNotMatch(html, /spamcase dkim/);
        assert.match(
          html,
          new RegExp(
            `data-similarity="${member.similarity}">${Math.round(member.similarity * 100)}% like its exemplar`,
          ),
        );

        // Defendants: the suggestions with their reasons; creating one is a guarded POST and a custody event.
        const suggestions = (await suggestDefendants(knex, c.id)).groups;
        assert.ok(suggestions.length > 0, 'the corpus has accounts sharing IPs');
        html = (await admin.page('/cases/pages/defendants')).html;
        for (const g of suggestions)
          for (const { text: r } of g.reasons)
            assert.ok(
              html.includes(
                r
                  .replace(/&/g, '&amp;')
                  .replace(/</g, '&lt;')
                  .replace(/>/g, '&gt;')
                  .replace(/"/g, '&quot;')
                  .replace(/'/g, '&#39;'),
              ),
              `reason shown: ${r}`,
            );
        const members = [all.rows[0]!.address, all.rows[1]!.address];
        assert.equal(
          (
            await admin.post(
              '/cases/pages/defendants',
              { action: 'create', name: 'Doe Pages', members: members.join('\n') },
              false,
            )
          ).status,
          403,
          'no CSRF token',
        );
        await viewer.page('/cases/pages/defendants');
        assert.equal(
          (
            await viewer.post('/cases/pages/defendants', {
              action: 'create',
              name: 'Doe Pages',
              members: members.join('\n'),
            })
          ).status,
          403,
          'a viewer',
        );
        assert.equal(
          (
            await admin.post('/cases/pages/defendants', {
              action: 'create',
              name: 'Doe Pages',
              members: members.join('\n'),
            })
          ).status,
          303,
        );
        let defs = await listDefendants(knex, c.id);
        assert.deepEqual(
          defs.map((d) => [d.name, [...d.accounts].sort()]),
          [['Doe Pages', [...members].sort()]],
        );
        assert.equal(
          (await admin.post('/cases/pages/defendants', { action: 'remove', name: 'Doe Pages', members: members[1]! }))
            .status,
          303,
        );
        defs = await listDefendants(knex, c.id);
        assert.deepEqual(defs[0]!.accounts, [members[0]]);
        assert.equal(
          (await admin.post('/cases/pages/defendants', { action: 'add', name: 'No Such', members: members[1]! }))
            .status,
          400,
        );
        const actions = (await listCustodyEvents(knex, c.id, 'pages')).map((e) => e.action);
        assert.deepEqual(actions.slice(-2), ['defendant-created', 'defendant-changed']);
        html = (await admin.page('/cases/pages')).html;
        assert.equal(countCell(html, 'defendants'), 1, 'the dashboard is not stale after a grouping');

        // Damages: choose a rule set (guarded, custody event), the table and CSV equal the CLI's.
        assert.equal((await admin.post('/cases/pages/damages/rules', { rules: 'us-can-spam-isp' }, false)).status, 403);
        assert.equal((await viewer.post('/cases/pages/damages/rules', { rules: 'us-can-spam-isp' })).status, 403);
        assert.equal((await admin.post('/cases/pages/damages/rules', { rules: '../../etc/passwd' })).status, 400);
        assert.equal((await admin.post('/cases/pages/damages/rules', { rules: 'us-can-spam-isp' })).status, 303);
        const { result } = await caseDamages(knex, 'pages');
        const dj = damagesJson(result, 'en');
        html = (await admin.page('/cases/pages/damages')).html;
        for (const col of ['low', 'claimed', 'max'] as const)
          // The exact amount in data-amount, the page shows it as money (test/web/readable-pages.test.ts).
          assert.match(
            html,
            new RegExp(`data-total="${col}" data-amount="${dj.total[col].replace('.', '\\.')}">\\$[\\d,]+\\.\\d\\d<`),
          );
        assert.ok(html.includes(unescapeNot(methodText(result, 'en')[0]!)));
        const dcsv = await admin.get('/cases/pages/damages.csv');
        assert.match(dcsv.headers.get('content-disposition') ?? '', /^attachment/);
        assert.equal(await dcsv.text(), csvText(damagesCsv(result), STAFF_CSV));
        await admin.post('/settings/language', { lang: 'fr', back: '/' });
        html = (await admin.page('/cases/pages/damages')).html;
        assert.ok(html.includes(unescapeNot(methodText(result, 'fr')[0]!)), 'the method in the user language');
        await admin.post('/settings/language', { lang: 'en', back: '/' });
        // Damages are kept per custody head: new evidence (a custody event) shows at once.
        const more = tempDir();
        fs.copyFileSync(
          path.join(import.meta.dirname, '..', 'fixtures', 'web', 'hostile-html.eml'),
          path.join(more, 'late.eml'),
        );
        await ingest(ctx, { caseSlug: 'pages', method: 'trap', paths: [more], threaded: false });
        const later = csvText(damagesCsv((await caseDamages(knex, 'pages')).result), STAFF_CSV);
        assert.notEqual(later, csvText(damagesCsv(result), STAFF_CSV), 'one more delivery changes the damages');
        assert.equal(await (await admin.get('/cases/pages/damages.csv')).text(), later);

        // Exports: a bundle built from the page, downloaded with its recorded hash, verified by upload.
        await admin.page('/cases/pages/exports');
        assert.equal((await admin.post('/cases/pages/exports', { kind: 'bundle' }, false)).status, 403);
        assert.equal((await viewer.post('/cases/pages/exports', { kind: 'bundle' })).status, 403);
        const built = await admin.post('/cases/pages/exports', { kind: 'bundle' });
        assert.equal(built.status, 303);
        const jobUrl = built.headers.get('location')!;
        await server.web.exportJobs.idle();
        html = (await admin.page(jobUrl)).html;
        const [recorded] = await listExports(knex, c.id);
        assert.ok(recorded);
        assert.match(html, new RegExp(`id="export-sha256">${recorded.sha256}<`));
        const download = await admin.get(`/cases/pages/exports/${recorded.id}/bundle.zip`);
        assert.equal(download.status, 200);
        assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="pages-bundle-/);
        assert.equal(download.headers.get('x-content-type-options'), 'nosniff');
        const zip = Buffer.from(await download.arrayBuffer());
        assert.equal(sha256(zip), recorded.sha256);
        assert.ok(
          zip.includes(Buffer.from('/data/summary.pdf')),
          'a bundle built from the web UI embeds the PDF summary',
        );
        html = (await admin.page('/cases/pages/exports')).html;
        assert.ok(html.includes(recorded.sha256), 'earlier exports listed with their hash');

        const noCsrf = multipart(null, 'bundle', 'b.zip', zip);
        assert.equal((await admin.request('POST', '/cases/pages/exports/verify', noCsrf)).status, 403);
        const upload = multipart(admin.csrf!, 'bundle', 'b.zip', zip);
        const verified = await admin.request('POST', '/cases/pages/exports/verify', upload);
        html = await verified.text();
        assert.equal(verified.status, 200);
        assert.match(html, /b\.zip: verified/);
        assert.match(html, /recorded in case pages/);
        assert.equal((await listCustodyEvents(knex, c.id, 'pages')).at(-1)!.action, 'verified');

        // A tampered copy: one byte of an item changed; the page lists each failing file as verify does.
        const tampered = Buffer.from(zip);
        const at = tampered.indexOf(Buffer.from('Subject:', 'latin1'), 2000);
        tampered[at + 9] = tampered[at + 9]! ^ 0x20;
        const tamperedFile = path.join(tempDir(), 't.zip');
        fs.writeFileSync(tamperedFile, tampered);
        const expected = await verifyBundle(tamperedFile);
        assert.equal(expected.ok, false);
        html = await (
          await admin.request(
            'POST',
            '/cases/pages/exports/verify',
            multipart(admin.csrf!, 'bundle', 't.zip', tampered),
          )
        ).text();
        assert.match(html, /verification FAILED/);
        const rows = [
          .../id="verify-problems">([\s\S]*?)<\/table>/
            .exec(html)![1]!
            .matchAll(/<tr class="flag"><td><code><bdi class="msg">([^<]*)<\/bdi><\/code>/g),
        ].map((m) => unescape(m[1]!));
        assert.ok(rows.length > 0);
        assert.deepEqual(
          rows,
          expected.problems.map((p) => p.file),
        );

        // The PDF summary in French, downloaded with the job's hash.
        const pdfPost = await admin.post('/cases/pages/exports', { kind: 'pdf', lang: 'fr' });
        await server.web.exportJobs.idle();
        const job = (await (await admin.get(`/api${pdfPost.headers.get('location')!}`)).json()) as {
          status: string;
          fileName: string;
          sha256: string;
        };
        assert.equal(job.status, 'done');
        const pdf = Buffer.from(
          await (await admin.get(`/cases/pages/exports/summaries/${job.fileName}`)).arrayBuffer(),
        );
        assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
        assert.equal(sha256(pdf), job.sha256);
        assert.equal((await admin.get('/cases/pages/exports/summaries/..%2F..%2Fspamcase.sqlite')).status, 404);
        assert.equal((await admin.get('/cases/pages/exports/999999/bundle.zip')).status, 404);
      },
      { exportConfig: { signing: trialKeys(), organization: 'Test Org', tsaUrl: null } },
    );
  },
  { timeout: 300_000 },
);

/** The HTML-escaped form of a text, as Nunjucks autoescaping writes it. */
function unescapeNot(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
