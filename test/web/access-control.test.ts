/**
 * Walks EVERY route the app registers (read from the Express router, not from a list kept here) as
 * signed-out, a viewer of another case, a viewer, an editor and an admin, and asserts allowed or
 * denied for each. The EXPECTED table below must name exactly the app's routes: a new route fails
 * this test until its row is added (pages of attribution, campaigns, damages, exports: add here).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { addMember } from '../../server/cases/members.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { Client, makeUser, withServer } from './client.ts';
import { listAccounts } from '../../server/attribution/queries.ts';
import { addNote, createTag, saveSearch } from '../../server/labels/labels.ts';
import { chooseRuleSet } from '../../server/damages/case-damages.ts';
import { listExports } from '../../server/export/bundle.ts';
import { exportsDir } from '../../server/web/export-jobs.ts';
import { trialKeys } from '../export/helpers.ts';

type Rule = 'public' | 'signed-in' | 'editor' | 'admin' | 'case-read' | 'case-write';

/** Independent statement of who may do what; compared with the outcome of real requests. */
const EXPECTED: Record<string, Rule> = {
  'GET /healthz': 'public',
  'GET /static/:file': 'public',
  'GET /login': 'public',
  'POST /login': 'public',
  'GET /': 'signed-in',
  'GET /api/cases': 'signed-in',
  'POST /logout': 'signed-in',
  'POST /settings/language': 'signed-in',
  'GET /cases/new': 'editor',
  'POST /cases': 'editor',
  'GET /cases/:slug': 'case-read',
  'GET /api/cases/:slug/report': 'case-read',
  'GET /cases/:slug/items': 'case-read',
  'GET /api/cases/:slug/items': 'case-read',
  'GET /cases/:slug/items.csv': 'case-read',
  'GET /cases/:slug/acquisitions': 'case-read',
  'GET /cases/:slug/acquisitions.csv': 'case-read',
  'GET /cases/:slug/rejections': 'case-read',
  'GET /cases/:slug/rejections.csv': 'case-read',
  'GET /cases/:slug/custody': 'case-read',
  'GET /cases/:slug/members': 'case-read',
  'POST /cases/:slug/members': 'case-write',
  'GET /cases/:slug/settings': 'case-read',
  'POST /cases/:slug/settings': 'case-write',
  'GET /cases/:slug/items/:bates': 'case-read',
  'GET /cases/:slug/items/:bates/body.html': 'case-read',
  'GET /cases/:slug/items/:bates/raw': 'case-read',
  'GET /cases/:slug/items/:bates/attachments/:n': 'case-read',
  'GET /cases/:slug/upload': 'case-write',
  'POST /cases/:slug/uploads': 'case-write',
  'GET /cases/:slug/uploads/:job': 'case-read',
  'GET /api/cases/:slug/uploads/:job': 'case-read',
  'GET /cases/:slug/accounts': 'case-read',
  'GET /api/cases/:slug/accounts': 'case-read',
  'GET /cases/:slug/accounts.csv': 'case-read',
  'GET /cases/:slug/accounts/:address': 'case-read',
  'GET /cases/:slug/ips': 'case-read',
  'GET /api/cases/:slug/ips': 'case-read',
  'GET /cases/:slug/ips.csv': 'case-read',
  'GET /cases/:slug/logs': 'case-read',
  'GET /cases/:slug/logs/accounts.csv': 'case-read',
  'GET /cases/:slug/logs/ips.csv': 'case-read',
  'GET /cases/:slug/defendants': 'case-read',
  'GET /cases/:slug/subpoena': 'case-read',
  'GET /cases/:slug/subpoena/networks.csv': 'case-read',
  'GET /cases/:slug/subpoena/accounts.csv': 'case-read',
  'GET /api/cases/:slug/subpoena/networks': 'case-read',
  'GET /api/cases/:slug/subpoena/accounts': 'case-read',
  'POST /cases/:slug/defendants': 'case-write',
  'GET /cases/:slug/campaigns': 'case-read',
  'GET /api/cases/:slug/campaigns': 'case-read',
  'GET /cases/:slug/campaigns.csv': 'case-read',
  'GET /cases/:slug/campaigns/:number': 'case-read',
  'GET /cases/:slug/damages': 'case-read',
  'POST /cases/:slug/damages/rules': 'case-write',
  'GET /cases/:slug/damages.csv': 'case-read',
  'GET /api/cases/:slug/damages': 'case-read',
  'GET /cases/:slug/exports': 'case-read',
  'GET /api/cases/:slug/exports': 'case-read',
  'POST /cases/:slug/exports': 'case-write',
  'GET /cases/:slug/exports/jobs/:job': 'case-read',
  'GET /api/cases/:slug/exports/jobs/:job': 'case-read',
  'GET /cases/:slug/parties': 'case-read',
  'GET /api/cases/:slug/parties': 'case-read',
  'POST /cases/:slug/parties/trust': 'case-write',
  'POST /cases/:slug/parties/reattribute': 'case-write',
  'GET /cases/:slug/parties/jobs/:job': 'case-read',
  'GET /api/cases/:slug/parties/jobs/:job': 'case-read',
  'GET /cases/:slug/exports/:id/bundle.zip': 'case-read',
  'GET /cases/:slug/exports/summaries/:name': 'case-read',
  'POST /cases/:slug/exports/verify': 'case-write',
  'GET /cases/:slug/tags': 'case-read',
  'GET /cases/:slug/labels.csv': 'case-read',
  'POST /cases/:slug/tags': 'case-write',
  'POST /cases/:slug/tags/:id/rename': 'case-write',
  'POST /cases/:slug/tags/:id/delete': 'case-write',
  'POST /cases/:slug/tags/apply': 'case-write',
  'POST /cases/:slug/tags/:id/remove': 'case-write',
  'POST /cases/:slug/items/tag': 'case-write',
  'POST /cases/:slug/notes': 'case-write',
  'POST /cases/:slug/notes/:id/delete': 'case-write',
  'POST /cases/:slug/searches': 'case-write',
  'POST /cases/:slug/searches/:id/delete': 'case-write',
};

type Persona = 'signed-out' | 'other-case' | 'viewer' | 'editor' | 'admin';
const USERS: Record<Exclude<Persona, 'signed-out'>, string> = {
  'other-case': 'olga',
  viewer: 'victor',
  editor: 'edith',
  admin: 'ada',
};

function allowed(rule: Rule, persona: Persona): boolean {
  if (rule === 'public') return true;
  if (persona === 'signed-out') return false;
  if (rule === 'signed-in') return true;
  if (rule === 'admin') return persona === 'admin';
  if (rule === 'editor') return persona === 'editor' || persona === 'admin';
  if (persona === 'other-case') return false;
  if (rule === 'case-read') return true;
  return persona === 'editor' || persona === 'admin';
}

/** What a refusal must look like for this persona (404 for a case they are not in, never 403). */
function refusal(rule: Rule, persona: Persona, isApi: boolean): number[] {
  if (persona === 'signed-out') return isApi ? [401] : [303];
  if ((rule === 'case-read' || rule === 'case-write') && persona === 'other-case') return [404];
  return [403];
}

function multipartUpload(
  csrf: string,
  file?: { field: string; name: string; bytes: Buffer },
): { body: Buffer; type: string } {
  const boundary = '----spamcaseTestBoundary';
  const f = file ?? {
    field: 'files',
    name: 'again.eml',
    bytes: fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'web', 'hostile-html.eml')),
  };
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="method"\r\n\r\ntrap\r\n`),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    f.bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

storageTest(
  'every route of the router allows exactly the expected people, and refuses the others the expected way',
  async ({ ctx }) => {
    for (const [persona, name] of Object.entries(USERS))
      await makeUser(ctx, name, persona === 'admin' ? 'admin' : persona === 'editor' ? 'editor' : 'viewer');
    await createCase(ctx, { slug: 'c1', title: 'Case one', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
    await createCase(ctx, { slug: 'c2', title: 'Case two', parties: [{ name: 'MSN', batesPrefix: 'MSN' }] });
    const c1 = await getCase(ctx.db.knex, 'c1');
    await addMember(ctx, c1, 'victor');
    await addMember(ctx, c1, 'edith');
    await addMember(ctx, await getCase(ctx.db.knex, 'c2'), 'olga');
    const dir = tempDir();
    fs.copyFileSync(
      path.join(import.meta.dirname, '..', 'fixtures', 'web', 'hostile-html.eml'),
      path.join(dir, 'hostile.eml'),
    );
    await ingest(ctx, { caseSlug: 'c1', method: 'trap', paths: [dir], threaded: false });
    await chooseRuleSet(ctx, 'c1', 'us-can-spam-isp');
    const account = (await listAccounts(ctx.db.knex, c1.id, { limit: 1 })).rows[0]!.address;

    await withServer(
      ctx,
      async (server) => {
        // The routes as the router has them.
        const stack = (
          server.web.app as unknown as {
            router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
          }
        ).router.stack;
        const registered = stack
          .filter((l) => l.route)
          .flatMap((l) =>
            Object.keys(l.route!.methods)
              .filter((m) => m !== '_all')
              .map((m) => `${m.toUpperCase()} ${l.route!.path}`),
          );
        assert.deepEqual(
          [...registered].sort(),
          Object.keys(EXPECTED).sort(),
          'every registered route has a row in EXPECTED, and every row a route',
        );
        assert.equal(registered.length, server.web.routes.length);

        // One upload job to address :job.
        const editor = new Client(server.url);
        await editor.signIn('edith');
        await editor.page('/cases/c1/upload');
        const up = multipartUpload(editor.csrf!);
        const posted = await editor.request('POST', '/cases/c1/uploads', {
          body: up.body,
          headers: { 'content-type': up.type },
        });
        assert.equal(posted.status, 303);
        const job = /\/uploads\/(\d+)$/.exec(posted.headers.get('location') ?? '')![1]!;
        await server.web.jobs.idle();
        // One bundle and one PDF to address :id, :name and the export :job.
        const bundleJob = server.web.exportJobs.submit(ctx, {
          caseId: c1.id,
          caseSlug: 'c1',
          kind: 'bundle',
          lang: 'en',
          createdBy: 'ada',
        });
        const pdfJob = server.web.exportJobs.submit(ctx, {
          caseId: c1.id,
          caseSlug: 'c1',
          kind: 'pdf',
          lang: 'fr',
          createdBy: 'ada',
        });
        await server.web.exportJobs.idle();
        // One re-attribution to address the parties' :job.
        const attributionJob = server.web.attributionJobs.submit(ctx, {
          caseId: c1.id,
          caseSlug: 'c1',
          createdBy: 'ada',
        });
        await server.web.attributionJobs.idle();
        assert.equal(attributionJob.status, 'done', attributionJob.error ?? '');
        assert.equal(bundleJob.status, 'done', bundleJob.error ?? '');
        assert.equal(pdfJob.status, 'done', pdfJob.error ?? '');
        const exported = (await listExports(ctx.db.knex, c1.id))[0]!;
        const bundleBytes = fs.readFileSync(path.join(exportsDir(ctx, 'c1'), path.basename(exported.fileName)));

        const fill = (p: string) =>
          p
            .replace(':slug', 'c1')
            .replace(':bates', 'LPN-0000001')
            .replace(/:n\b/, '0')
            .replace(
              ':job',
              p.includes('/exports/jobs/')
                ? String(bundleJob.id)
                : p.includes('/parties/jobs/')
                  ? String(attributionJob.id)
                  : job,
            )
            .replace(':file', 'app.css')
            .replace(':address', encodeURIComponent(account))
            .replace(':number', '1')
            .replace(':id', String(exported.id))
            .replace(':name', pdfJob.fileName!);
        let caseCounter = 0;
        const failures: string[] = [];
        for (const persona of ['signed-out', 'other-case', 'viewer', 'editor', 'admin'] as Persona[]) {
          const signedIn = async () => {
            const c = new Client(server.url);
            if (persona === 'signed-out') await c.page('/login');
            else assert.equal((await c.signIn(USERS[persona])).status, 303);
            await c.page('/');
            return c;
          };
          const base = await signedIn();
          for (const key of registered) {
            const [method, pattern] = key.split(' ') as [string, string];
            const rule = EXPECTED[key]!;
            let url = fill(pattern);
            // A tag, note or saved search of its own for each call that names one (a delete takes it away).
            const own = `walk-${persona}-${caseCounter++}`;
            if (pattern.startsWith('/cases/:slug/tags/:id/'))
              url = `/cases/c1/tags/${await createTag(ctx, c1, own)}/${pattern.split('/').pop()}`;
            if (pattern === '/cases/:slug/notes/:id/delete')
              url = `/cases/c1/notes/${await addNote(ctx, c1, 'item', 'LPN-0000001', own)}/delete`;
            if (pattern === '/cases/:slug/searches/:id/delete')
              url = `/cases/c1/searches/${await saveSearch(ctx, c1, own, { q: 'x' })}/delete`;
            // Sign-in and sign-out change the session: they get a client of their own.
            const client =
              method === 'POST' && (pattern === '/login' || pattern === '/logout')
                ? await signedIn()
                : Object.assign(new Client(server.url), { cookie: base.cookie, csrf: base.csrf });
            let res: Response;
            if (method === 'GET') res = await client.get(url);
            else if (pattern === '/cases/:slug/uploads') {
              const u = multipartUpload(client.csrf ?? '');
              res = await client.request('POST', url, { body: u.body, headers: { 'content-type': u.type } });
            } else if (pattern === '/cases/:slug/exports/verify') {
              const u = multipartUpload(client.csrf ?? '', { field: 'bundle', name: 'bundle.zip', bytes: bundleBytes });
              res = await client.request('POST', url, { body: u.body, headers: { 'content-type': u.type } });
            } else {
              const forms: Record<string, Record<string, string>> = {
                '/login': {
                  username: persona === 'signed-out' ? 'ada' : USERS[persona],
                  password: 'correct horse battery staple 7',
                  next: '/',
                },
                '/logout': {},
                '/settings/language': { lang: 'en', back: '/' },
                '/cases': { slug: `made-${persona}-${caseCounter++}`, title: 'Made in the walk', parties: 'Party:PTY' },
                '/cases/:slug/members': { username: 'no-such-user', action: 'add' },
                '/cases/:slug/defendants': { action: 'create', members: account },
                '/cases/:slug/damages/rules': { rules: 'us-can-spam-isp' },
                '/cases/:slug/exports': { kind: 'pdf', lang: 'en' },
                '/cases/:slug/parties/trust': { party: 'LPN', trusted_relays: 'laposte.net', trusted_authserv_ids: '' },
              };
              res = await client.post(url, forms[pattern] ?? {});
            }
            await res.arrayBuffer();
            const isApi = url.startsWith('/api/');
            const wentToLogin = res.status === 303 && (res.headers.get('location') ?? '').startsWith('/login?next=');
            const denied = [401, 403, 404].includes(res.status) || wentToLogin;
            const want = allowed(rule, persona);
            if (want && denied) failures.push(`${persona} ${method} ${url}: expected allowed, got ${res.status}`);
            if (!want) {
              if (!denied) failures.push(`${persona} ${method} ${url}: expected refused, got ${res.status}`);
              else if (!refusal(rule, persona, isApi).includes(res.status))
                failures.push(
                  `${persona} ${method} ${url}: refused with ${res.status}, expected ${refusal(rule, persona, isApi).join('/')}`,
                );
            }
          }
          await server.web.jobs.idle();
          await server.web.exportJobs.idle();
          await server.web.attributionJobs.idle();
        }
        assert.deepEqual(failures, []);
      },
      { exportConfig: { signing: trialKeys(), organization: 'Test Org', tsaUrl: null } },
    );
  },
  { timeout: 300_000 },
);
