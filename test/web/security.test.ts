import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { addMember } from '../../server/cases/members.ts';
import { IDLE_TIMEOUT_MS } from '../../server/web/sessions.ts';
import { MAX_FAILURES_PER_ACCOUNT } from '../../server/web/throttle.ts';
import { storageTest } from '../helpers/databases.ts';
import { Client, makeUser, TEST_PASSWORD, withServer } from './client.ts';

storageTest(
  'sessions: new id at sign-in, HttpOnly SameSite cookie, sign-out kills the session on the server, idle timeout',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    let now = Date.parse('2026-11-28T09:00:00Z');
    const clocked = { ...ctx, clock: () => new Date(now) };
    await withServer(clocked, async (server) => {
      const c = new Client(server.url);
      const login = await c.get('/login');
      const preCookie = login.headers.getSetCookie()[0]!;
      assert.match(preCookie, /^spamcase_session=[A-Za-z0-9_-]{22}; Path=\/; HttpOnly; SameSite=Lax$/);
      const anonymous = c.cookie;
      c.csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
      const signed = await c.post('/login', { username: 'ada', password: TEST_PASSWORD, next: '/cases/new' });
      assert.equal(signed.status, 303);
      assert.equal(signed.headers.get('location'), '/cases/new');
      assert.notEqual(c.cookie, anonymous, 'a new session id at sign-in');
      // The pre-sign-in id is dead: replaying it (session fixation) gives a signed-out visitor.
      const fixated = new Client(server.url);
      fixated.cookie = anonymous;
      assert.equal((await fixated.get('/')).status, 303);
      assert.equal((await c.get('/')).status, 200);

      // Idle timeout.
      now += IDLE_TIMEOUT_MS + 1000;
      assert.equal((await c.get('/')).status, 303, 'idle past the timeout: signed out');

      // Sign-out invalidates on the server: a copy of the cookie no longer works.
      now += 1000;
      await c.signIn('ada');
      const copy = c.cookie;
      await c.page('/');
      assert.equal((await c.post('/logout')).status, 303);
      const thief = new Client(server.url);
      thief.cookie = copy;
      assert.equal((await thief.get('/')).status, 303);
      assert.equal(
        (
          (await ctx.db.knex('sessions').whereNotNull('user_id').count({ n: '*' }).first()) as { n: number | string }
        ).n.toString(),
        '0',
      );
    });
  },
);

storageTest(
  'behind a TLS proxy (trust proxy) the cookie is Secure and __Host- prefixed, and HSTS is sent',
  async ({ ctx }) => {
    await withServer(
      ctx,
      async (server) => {
        const res = await fetch(new URL('/login', server.url), { headers: { 'x-forwarded-proto': 'https' } });
        assert.match(
          res.headers.getSetCookie()[0]!,
          /^__Host-spamcase_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
        );
        assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000');
        const plain = await fetch(new URL('/login', server.url));
        assert.doesNotMatch(plain.headers.getSetCookie()[0]!, /Secure/);
      },
      { trustProxy: 'loopback' },
    );
  },
);

storageTest(
  'CSRF: every POST without the session token, with a wrong one, or from another origin is refused and changes nothing',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    await withServer(ctx, async (server) => {
      const c = new Client(server.url);
      await c.signIn('ada');
      const form = { slug: 'csrf-case', title: 'CSRF', parties: 'A:AAA' };
      assert.equal((await c.post('/cases', form, false)).status, 403, 'no token');
      assert.equal((await c.post('/cases', { ...form, _csrf: 'x'.repeat(43) }, false)).status, 403, 'wrong token');
      assert.equal(
        (
          await c.request('POST', '/cases', {
            form: { ...form, _csrf: c.csrf! },
            headers: { origin: 'http://evil.example' },
          })
        ).status,
        403,
        'cross origin',
      );
      assert.equal(
        (
          await c.request('POST', '/cases', {
            form: { ...form, _csrf: c.csrf! },
            headers: { 'sec-fetch-site': 'cross-site' },
          })
        ).status,
        403,
        'cross site',
      );
      // Another session's token is not this session's token.
      const other = new Client(server.url);
      await other.signIn('ada');
      assert.equal(
        (await c.post('/cases', { ...form, _csrf: other.csrf! }, false)).status,
        403,
        'token of another session',
      );
      assert.equal(await ctx.db.knex('cases').where({ slug: 'csrf-case' }).first(), undefined);
      // Sign-in itself needs the token (login CSRF).
      const fresh = new Client(server.url);
      assert.equal((await fresh.post('/login', { username: 'ada', password: TEST_PASSWORD }, false)).status, 403);
      // Multipart: the token must be the first field.
      const boundary = 'b0undary';
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.eml"\r\n\r\nFrom: a@b\r\n\r\nx\r\n--${boundary}--\r\n`;
      await createCase(ctx, { slug: 'up', title: 'Up', parties: [{ name: 'P', batesPrefix: 'P' }] });
      assert.equal(
        (
          await c.request('POST', '/cases/up/uploads', {
            body,
            headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
          })
        ).status,
        403,
      );
      assert.equal(fs.readdirSync(path.join(ctx.dataRoot, 'up', 'uploads')).length, 0, 'nothing left on disk');
      // The same form with the token first is accepted.
      const ok = `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${c.csrf}\r\n${body}`;
      assert.equal(
        (
          await c.request('POST', '/cases/up/uploads', {
            body: ok,
            headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
          })
        ).status,
        303,
      );
      await server.web.jobs.idle();
      // GET never changes state: /logout over GET does not exist.
      assert.equal((await c.get('/logout')).status, 404);
    });
  },
);

storageTest(
  'headers: strict CSP without inline script, frame-ancestors none, nosniff, same-origin referrer on every page and error',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    await withServer(ctx, async (server) => {
      const c = new Client(server.url);
      await c.signIn('ada');
      for (const p of ['/login', '/', '/no-such-page', '/cases/nope']) {
        const res = await c.get(p);
        const csp = res.headers.get('content-security-policy') ?? '';
        assert.match(csp, /default-src 'none'/, p);
        assert.match(csp, /script-src 'self'/, p);
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, p);
        assert.match(csp, /frame-ancestors 'none'/, p);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(res.headers.get('x-frame-options'), 'DENY');
        assert.equal(res.headers.get('referrer-policy'), 'same-origin');
        assert.equal(res.headers.get('x-powered-by'), null);
        const html = await res.text();
        assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `no inline script on ${p}`);
        assert.doesNotMatch(html, /\son[a-z]+=/i, `no inline event handler on ${p}`);
      }
    });
  },
);

storageTest(
  'an unexpected error shows a generic page with an id; details, bodies, passwords and session ids stay out of the log',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    await createCase(ctx, { slug: 'boom', title: 'Boom', parties: [{ name: 'P', batesPrefix: 'P' }] });
    await withServer(ctx, async (server, logs) => {
      const c = new Client(server.url);
      await c.signIn('ada');
      // Break the database under the app: the custody table disappears.
      await ctx.db.knex.schema.renameTable('custody_events', 'custody_events_gone');
      const res = await c.get('/cases/boom/custody');
      assert.equal(res.status, 500);
      const html = await res.text();
      const id = /<code class="logid">([0-9a-f-]{36})<\/code>/.exec(html)?.[1];
      assert.ok(id, 'the page shows an error id');
      assert.doesNotMatch(html, /custody_events|SQLITE|relation|stack/i, 'no internals on the page');
      const entry = logs.find((l) => l.event === 'http.error' && l.logId === id);
      assert.ok(entry && /custody_events/.test(String(entry.error)), 'details are in the log under that id');
      await ctx.db.knex.schema.renameTable('custody_events_gone', 'custody_events');
      const text = JSON.stringify(logs);
      assert.ok(!text.includes(TEST_PASSWORD), 'no password in the log');
      assert.ok(!text.includes(c.cookie!.split('=')[1]!), 'no session id in the log');
      assert.ok(!text.includes(c.csrf!), 'no CSRF token in the log');
    });
  },
);

storageTest('sign-in is throttled per account after repeated failures, and per IP', async ({ ctx }) => {
  await makeUser(ctx, 'ada', 'admin');
  await withServer(ctx, async (server) => {
    const c = new Client(server.url);
    await c.page('/login');
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i++)
      assert.equal((await c.post('/login', { username: 'ada', password: `wrong password ${i}` })).status, 401);
    const blocked = await c.post('/login', { username: 'ada', password: TEST_PASSWORD });
    assert.equal(blocked.status, 429, 'even the right password is refused while throttled');
    assert.equal(
      (
        (await ctx.db.knex('sessions').whereNotNull('user_id').count({ n: '*' }).first()) as { n: number | string }
      ).n.toString(),
      '0',
    );
  });
});

storageTest(
  'a case the user is not a member of is 404 on every page and missing from their list and API',
  async ({ ctx }) => {
    await makeUser(ctx, 'vera', 'viewer');
    await createCase(ctx, { slug: 'secret', title: 'Secret matter', parties: [{ name: 'P', batesPrefix: 'P' }] });
    await createCase(ctx, { slug: 'mine', title: 'My matter', parties: [{ name: 'Q', batesPrefix: 'Q' }] });
    await addMember(ctx, await getCase(ctx.db.knex, 'mine'), 'vera');
    await withServer(ctx, async (server) => {
      const c = new Client(server.url);
      await c.signIn('vera');
      const list = await c.page('/');
      assert.ok(list.html.includes('My matter') && !list.html.includes('Secret matter'));
      const api = (await (await c.get('/api/cases')).json()) as Array<{ case: string }>;
      assert.deepEqual(
        api.map((x) => x.case),
        ['mine'],
      );
      const secret = await c.get('/cases/secret');
      const missing = await c.get('/cases/does-not-exist');
      assert.equal(secret.status, 404);
      assert.equal(missing.status, 404);
      assert.equal(
        await secret.text().then((t) => t.replace(/value="[^"]+"/g, '')),
        await missing.text().then((t) => t.replace(/value="[^"]+"/g, '')),
        'the two answers are the same page',
      );
    });
  },
);
