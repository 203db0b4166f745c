/**
 * Party trust on the web's Parties page, on SQLite and PostgreSQL: a trust change saved by an editor
 * is the `trust-changed` custody event `spamcase case party` writes, the background re-attribution
 * gives every item the origin and hand-off `spamcase attribute` gives a twin case (the CLI run as a
 * child process), and ends in its `attributed` event; hostile or wrong input is refused with its
 * reason and changes nothing stored; a trust changed without re-attribution is said on the page.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Knex } from 'knex';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { addMember } from '../../server/cases/members.ts';
import { setPartyTrust } from '../../server/attribution/party-trust.ts';
import { listCustodyEvents } from '../../server/custody/chain.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { AttributionJobRunner } from '../../server/web/attribution-jobs.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { assertRedirect, Client, makeUser, withServer } from './client.ts';
import { spamcase } from '../helpers/cli.ts';

/** Every item's stored attribution, by Bates number (the same in twin cases ingested alike). */
async function attributions(knex: Knex, slug: string): Promise<Record<string, unknown>[]> {
  const c = await getCase(knex, slug);
  const rows = (await knex('item_attributions as a')
    .join('items as i', 'i.id', 'a.item_id')
    .where('a.case_id', c.id)
    .orderBy('i.bates')
    .select('i.bates', 'a.*')) as Array<Record<string, unknown>>;
  return rows.map(({ item_id: _i, case_id: _c, ...rest }) => rest);
}

async function stored(knex: Knex, slug: string) {
  const c = await getCase(knex, slug);
  return {
    party: await knex('parties').where({ case_id: c.id }).select('trusted_relays', 'trusted_authserv_ids'),
    custody: (await listCustodyEvents(knex, c.id, slug)).length,
    attributions: await attributions(knex, slug),
  };
}

const unescape = (s: string) =>
  s
    .replace(/&#39;/g, "'")
    .replace(/&#92;/g, '\\')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const errorOf = (html: string) =>
  unescape(/<p class="error-message" role="alert" id="trust-error"><bdi class="msg">([^<]*)</.exec(html)?.[1] ?? '');

storageTest(
  'a trust change on the Parties page re-attributes the case as the CLI does, and hostile input changes nothing',
  async ({ ctx, env }) => {
    const corpus = path.join(tempDir('spamcase-trust-web-'), 'c');
    const truth = await generateCorpus({ out: corpus, messages: 60, seed: 5, layout: 'eml' });
    for (const slug of ['web', 'cli']) {
      await createCase(ctx, { slug, title: `${slug} v. Doe`, parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
      await setPartyTrust(ctx, slug, 'LPN', { relays: ['laposte.net'] });
      await ingest(ctx, { caseSlug: slug, method: 'trap', paths: [path.join(corpus, 'trap')], threaded: false });
    }
    const knex = ctx.db.knex;
    await makeUser(ctx, 'edith', 'editor');
    await makeUser(ctx, 'victor', 'viewer');
    const web = await getCase(knex, 'web');
    await addMember(ctx, web, 'edith');
    await addMember(ctx, web, 'victor');
    const before = await attributions(knex, 'web');
    assert.deepEqual(before, await attributions(knex, 'cli'));
    // With the party's MX trusted, Hotmail's outbound relay hands every message over; Hotmail's record is the origin.
    assert.ok(before.every((r) => String(r.handoff_ip).startsWith('65.54.') && r.handoff_provider === 'microsoft'));
    assert.equal(new Set(before.map((r) => r.originating_ip)).size, truth.originatingIps);

    await withServer(ctx, async (server) => {
      const editor = new Client(server.url);
      assert.equal((await editor.signIn('edith')).status, 303);
      const pageBefore = await editor.page('/cases/web/parties');
      assert.equal(pageBefore.status, 200);
      assert.match(pageBefore.html, /name="trusted_relays"[^>]*>laposte\.net<\/textarea>/);

      // Refused: each with its reason on the page, nothing stored changed, no job started.
      const untouched = await stored(knex, 'web');
      const refused: Array<[Record<string, string>, number, RegExp]> = [
        [{ trusted_relays: '0.0.0.0/0' }, 400, /range "0\.0\.0\.0\/0" is too wide: at most \/8/],
        [{ trusted_relays: 'laposte.net\n::/8' }, 400, /too wide: at most \/16 \(IPv6\)/],
        [{ trusted_relays: 'com' }, 400, /"com" is a top-level name/],
        [
          { trusted_relays: '<script>alert(1)</script>' },
          400,
          /trusted relay must be a host name, an IP address or a CIDR range/,
        ],
        [{ trusted_relays: '193.251.0.0/33' }, 400, /trusted relay must be/],
        [{ trusted_relays: 'lapost\u202Ee.net' }, 400, /\\u\{202E\}/],
        [{ trusted_relays: 'x'.repeat(301) }, 400, /at most 300 characters/],
        [
          { trusted_relays: Array.from({ length: 201 }, (_, i) => `10.${i}.0.0/16`).join('\n') },
          413,
          /at most 200 relays/,
        ],
        [{ trusted_authserv_ids: 'mx.laposte.net;dkim=pass' }, 400, /authserv-id must be one word/],
        [{ trusted_authserv_ids: '"mx"' }, 400, /authserv-id must be one word/],
      ];
      for (const [form, status, message] of refused) {
        const res = await editor.post('/cases/web/parties/trust', {
          party: 'LPN',
          trusted_relays: 'laposte.net',
          trusted_authserv_ids: '',
          ...form,
        });
        const html = await res.text();
        assert.equal(res.status, status, `${JSON.stringify(form).slice(0, 80)}: ${errorOf(html)}`);
        assert.match(errorOf(html), message);
        assert.doesNotMatch(html, /<script>alert/);
      }
      const unknownParty = await editor.post('/cases/web/parties/trust', {
        party: 'XYZ',
        trusted_relays: 'laposte.net',
      });
      assert.equal(unknownParty.status, 404);
      await unknownParty.arrayBuffer();
      const noCsrf = await editor.post(
        '/cases/web/parties/trust',
        { party: 'LPN', trusted_relays: '65.54.0.0/16' },
        false,
      );
      assert.equal(noCsrf.status, 403);
      await noCsrf.arrayBuffer();
      const viewer = new Client(server.url);
      assert.equal((await viewer.signIn('victor')).status, 303);
      const viewerPage = await viewer.page('/cases/web/parties');
      assert.doesNotMatch(viewerPage.html, /<textarea/);
      const byViewer = await viewer.post('/cases/web/parties/trust', { party: 'LPN', trusted_relays: '65.54.0.0/16' });
      assert.equal(byViewer.status, 403);
      await byViewer.arrayBuffer();
      assert.deepEqual(await stored(knex, 'web'), untouched);
      assert.deepEqual(server.web.attributionJobs.list(web.id), []);

      // The party claims Hotmail's relays as its own: no hand-off any more, Hotmail's header only unconfirmed.
      const saved = await editor.post('/cases/web/parties/trust', {
        party: 'LPN',
        trusted_relays: 'laposte.net\r\n65.54.0.0/16\r\n',
        trusted_authserv_ids: 'MX.laposte.net',
      });
      assertRedirect(saved, /^\/cases\/web\/parties\/jobs\/\d+$/);
      await server.web.attributionJobs.idle();
      const jobPage = await editor.page(saved.headers.get('location')!);
      assert.match(jobPage.html, /id="attribution-status" data-status="done"/);
      assert.doesNotMatch(jobPage.html, /http-equiv="refresh"/);
      const job = server.web.attributionJobs.list(web.id)[0]!;
      assert.equal(job.items, job.total);
      // Progress in the page's number format: "100%" and "1,234 of 1,234 items", not "100 %" or "1234".
      const items = new Intl.NumberFormat('en').format(job.items);
      assert.match(
        jobPage.html,
        new RegExp(`value="100">100%</progress> <span id="attribution-items">${items} of ${items} items`),
      );
      assert.match(jobPage.html, new RegExp(`href="/cases/web/custody#event-${job.custodySeq}"`));

      // The CLI, on the twin case: the same trust, then the same re-attribution.
      const cliTrust = spamcase(
        env,
        'case',
        'party',
        '--case',
        'cli',
        '--party',
        'LPN',
        '--trusted-relay',
        'laposte.net',
        '--trusted-relay',
        '65.54.0.0/16',
        '--trusted-authserv-id',
        'mx.laposte.net',
      );
      assert.equal(cliTrust.code, 0, cliTrust.stderr);
      const cliAttribute = spamcase(env, 'attribute', '--case', 'cli');
      assert.equal(cliAttribute.code, 0, cliAttribute.stderr);
      const after = await attributions(knex, 'web');
      assert.deepEqual(after, await attributions(knex, 'cli'));
      assert.notDeepEqual(after, before);
      assert.ok(after.every((r) => r.handoff_ip === null && r.origin_source === 'unconfirmed-header'));

      const events = await listCustodyEvents(knex, web.id, 'web');
      const changed = events.filter((e) => e.action === 'trust-changed').at(-1)!;
      assert.equal(changed.actor, 'web:edith');
      assert.deepEqual(changed.details, {
        party: 'Laposte.net',
        before: { relays: ['laposte.net'], authservIds: [] },
        after: { relays: ['laposte.net', '65.54.0.0/16'], authservIds: ['mx.laposte.net'] },
      });
      const attributed = events.at(-1)!;
      assert.equal(attributed.action, 'attributed');
      assert.equal(attributed.seq, job.custodySeq);
      assert.equal(attributed.actor, 'web:edith');
      assert.equal(attributed.details.items, truth.items);

      const api = (await (await editor.get('/api/cases/web/parties')).json()) as {
        parties: Array<{ trustedRelays: string[]; trustedAuthservIds: string[] }>;
        attribution: { stale: boolean };
      };
      assert.deepEqual(api.parties[0]!.trustedRelays, ['laposte.net', '65.54.0.0/16']);
      assert.deepEqual(api.parties[0]!.trustedAuthservIds, ['mx.laposte.net']);
      assert.equal(api.attribution.stale, false);

      // A trust changed without re-attribution (the CLI's `case party` alone): the page says so and offers it.
      await setPartyTrust(ctx, 'web', 'LPN', { relays: ['laposte.net'] });
      const stale = await editor.page('/cases/web/parties');
      assert.match(stale.html, /id="attribution-stale"/);
      assertRedirect(await editor.post('/cases/web/parties/reattribute'), /^\/cases\/web\/parties\/jobs\/\d+$/);
      await server.web.attributionJobs.idle();
      assert.deepEqual(await attributions(knex, 'web'), before);
      assert.doesNotMatch((await editor.page('/cases/web/parties')).html, /id="attribution-stale"/);
    });
  },
  { timeout: 300_000 },
);

storageTest('a re-attribution stopped by the server leaves the attribution as it was', async ({ ctx }) => {
  const corpus = path.join(tempDir('spamcase-trust-stop-'), 'c');
  await generateCorpus({ out: corpus, messages: 20, seed: 9, layout: 'eml' });
  await createCase(ctx, { slug: 'stop', title: 'T', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  await ingest(ctx, { caseSlug: 'stop', method: 'trap', paths: [path.join(corpus, 'trap')], threaded: false });
  await setPartyTrust(ctx, 'stop', 'LPN', { relays: ['laposte.net', '65.54.0.0/16'] });
  const c = await getCase(ctx.db.knex, 'stop');
  const untouched = await stored(ctx.db.knex, 'stop');
  let uploading = true;
  const runner = new AttributionJobRunner(
    () => undefined,
    () => uploading,
  );
  const job = runner.submit(ctx, { caseId: c.id, caseSlug: 'stop', createdBy: 'ada' });
  // A second request while it waits is the same job.
  assert.equal(runner.submit(ctx, { caseId: c.id, caseSlug: 'stop', createdBy: 'ada' }), job);
  await runner.close();
  uploading = false;
  assert.equal(job.status, 'interrupted');
  assert.match(job.error ?? '', /nothing was changed/);
  assert.deepEqual(await stored(ctx.db.knex, 'stop'), untouched);
});
