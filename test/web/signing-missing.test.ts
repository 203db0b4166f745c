/**
 * Exports without a usable signing key (issue 22, item 7): the exports page and the job page of a
 * bundle tried anyway say in plain words, in English and in French, what to ask the administrator
 * for, and name no server file and no command; with the key configured the notice is absent and the
 * bundle is built. On both databases.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { catalogue } from '../../server/web/i18n.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { trialKeys } from '../export/helpers.ts';
import { Client, makeUser, withServer } from './client.ts';

const unescape = (s: string) =>
  s
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** A page's visible text: tags, scripts and styles gone. */
function visibleText(html: string): string {
  return unescape(html.replace(/<(script|style)[\s\S]*?<\/\1>/g, '').replace(/<[^>]+>/g, ' '));
}

async function waitForJob(
  c: Client,
  url: string,
): Promise<{ status: string; problem: string | null; error: string | null }> {
  for (let i = 0; i < 200; i++) {
    const j = (await (await c.get(`/api${url}`, { accept: 'application/json' })).json()) as {
      status: string;
      problem: string | null;
      error: string | null;
    };
    if (j.status === 'done' || j.status === 'failed') return j;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${url} did not finish`);
}

const NOTICE_KEYS = [
  'exp.signing.title',
  'exp.signing.why',
  'exp.signing.who',
  'exp.signing.what',
  'exp.signing.after',
];

storageTest('exports without a signing key explain what to ask for, with no path and no command', async ({ ctx }) => {
  await makeUser(ctx, 'ada', 'admin');
  await createCase(ctx, { slug: 'nosig', title: 'No signing', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  const keysDir = path.join(tempDir('spamcase-nokeys-'), 'keys');
  const missing = { cert: path.join(keysDir, 'signing-cert.pem'), key: path.join(keysDir, 'signing-key.pem') };
  await withServer(
    ctx,
    async (server, logs) => {
      const c = new Client(server.url);
      await c.signIn('ada');
      for (const lang of ['en', 'fr'] as const) {
        await c.post('/settings/language', { lang, back: '/cases/nosig/exports' });
        const page = await c.page('/cases/nosig/exports');
        assert.equal(page.status, 200);
        const text = visibleText(page.html);
        for (const key of NOTICE_KEYS) assert.ok(text.includes(catalogue(lang)[key]!), `${lang}: ${key} shown`);
        assert.match(page.html, /<button type="submit" id="build-bundle" disabled aria-describedby="signing-missing">/);
        assert.ok(!text.includes(keysDir) && !text.includes('signing-key.pem'), `${lang}: no server path`);
        assert.ok(!/spamcase keys|keys init|SPAMCASE_|chmod/.test(page.html), `${lang}: no command, no variable`);
      }
      // A bundle asked for anyway (a form posted before the key went, or the API): the job page explains too.
      await c.post('/settings/language', { lang: 'en', back: '/cases/nosig/exports' });
      await c.page('/cases/nosig/exports');
      const res = await c.post('/cases/nosig/exports', { kind: 'bundle' });
      assert.equal(res.status, 303);
      const jobUrl = res.headers.get('location')!;
      const job = await waitForJob(c, jobUrl);
      assert.deepEqual([job.status, job.problem, job.error], ['failed', 'no-signing', null]);
      for (const lang of ['en', 'fr'] as const) {
        await c.post('/settings/language', { lang, back: jobUrl });
        const page = await c.page(jobUrl);
        const text = visibleText(page.html);
        assert.ok(text.includes(catalogue(lang)['exp.signing.jobFailed']!), `${lang}: the job says why`);
        for (const key of NOTICE_KEYS)
          assert.ok(text.includes(catalogue(lang)[key]!), `${lang}: ${key} on the job page`);
        assert.ok(
          !text.includes(keysDir) && !/signing-key\.pem|keys init|chmod/.test(text),
          `${lang}: no path, no command`,
        );
      }
      // The reason, with its path, is in the server log for the administrator.
      assert.ok(logs.some((l) => l.event === 'export.failed' && JSON.stringify(l).includes('signing-key.pem')));
    },
    { exportConfig: { signing: missing, organization: 'Test Org', tsaUrl: null } },
  );
});

storageTest('exports with a signing key show no notice and build the bundle', async ({ ctx }) => {
  await makeUser(ctx, 'ada', 'admin');
  await createCase(ctx, { slug: 'sig', title: 'Signing', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  await withServer(
    ctx,
    async (server) => {
      const c = new Client(server.url);
      await c.signIn('ada');
      for (const lang of ['en', 'fr'] as const) {
        await c.post('/settings/language', { lang, back: '/cases/sig/exports' });
        const page = await c.page('/cases/sig/exports');
        assert.ok(!page.html.includes('id="signing-missing"'), `${lang}: no notice`);
        assert.ok(!visibleText(page.html).includes(catalogue(lang)['exp.signing.title']!));
        assert.match(page.html, /<button type="submit" id="build-bundle">/);
      }
      const res = await c.post('/cases/sig/exports', { kind: 'bundle' });
      const job = await waitForJob(c, res.headers.get('location')!);
      assert.deepEqual([job.status, job.problem], ['done', null]);
      const page = await c.page(res.headers.get('location')!);
      assert.ok(!page.html.includes('id="signing-missing"'));
    },
    { exportConfig: { signing: trialKeys(), organization: 'Test Org', tsaUrl: null } },
  );
});
