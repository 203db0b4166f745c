/**
 * Secrets never reach a log (issue 9 point 7). The real flows run as child processes whose every
 * byte of stdout and stderr is captured: `spamcase user add` (password on stdin), `spamcase serve`
 * through a failed sign-in, a sign-in, pages with the session cookie, an upload of a message with a
 * unique body marker, a request without CSRF token, a request for a missing case; a CLI ingest of
 * the same message, an export signed with a key, and error paths (ingest into a missing case, an
 * export with a world-readable key). None of the captured output, and no log file in the data
 * root, holds the password, the wrong password tried, the session id, the body marker or any line
 * of the private key.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../server/config.ts';
import { createTestEnv, tempDir } from '../helpers/databases.ts';
import { trialKeys } from '../export/helpers.ts';
import { Client } from '../web/client.ts';

const CLI = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

test(
  'no password, session id, message body or private key in any output or log of the real flows',
  { timeout: 600_000 },
  async () => {
    const { env: testEnv, cleanup } = await createTestEnv('sqlite');
    const captured: Array<{ what: string; text: string }> = [];
    const keys = trialKeys();
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      DATABASE_URL: '',
      ...testEnv.env,
      SPAMCASE_SIGNING_CERT: keys.cert,
      SPAMCASE_SIGNING_KEY: keys.key,
    };
    const cli = (what: string, args: string[], input?: string, extraEnv: Record<string, string> = {}) => {
      const r = spawnSync(process.execPath, [CLI, ...args], {
        env: { ...env, ...extraEnv },
        input,
        encoding: 'utf8',
        timeout: 300_000,
      });
      captured.push({ what: `${what} stdout`, text: r.stdout }, { what: `${what} stderr`, text: r.stderr });
      return r;
    };
    const password = `Pw-${crypto.randomBytes(9).toString('base64url')}-secret`;
    const wrong = `Wrong-${crypto.randomBytes(9).toString('base64url')}`;
    const marker = `BODYMARKER${crypto.randomBytes(12).toString('hex')}`;
    const message = (n: number) =>
      Buffer.from(
        `From: sender${n}@spam.example\r\nTo: trap@laposte.net\r\nSubject: offer ${n}\r\nMessage-ID: <m${n}@spam.example>\r\nDate: Sat, 28 Nov 2026 04:00:00 +0000\r\n\r\nHello, ${marker} buy now ${n}\r\n`,
      );
    const inbox = tempDir('spamcase-secrets-');
    fs.writeFileSync(path.join(inbox, 'one.eml'), message(1));
    let server: ReturnType<typeof spawn> | null = null;
    try {
      assert.equal(cli('user add', ['user', 'add', '--admin', 'sam'], `${password}\n`).status, 0);
      assert.equal(
        cli('case create', ['case', 'create', 'sec', '--title', 'Secrets', '--party', 'Laposte.net:LPN']).status,
        0,
      );

      server = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      server.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      for (let i = 0; i < 1200 && !/serving (http:\/\/\S+)/.test(out); i++) await sleep(50);
      const url = /serving (http:\/\/\S+)/.exec(out)?.[1];
      assert.ok(url, `server started: ${out}${err}`);

      const c = new Client(url);
      const failed = await c.signIn('sam', wrong);
      assert.notEqual(failed.status, 303, 'the wrong password is refused');
      const ok = await c.signIn('sam', password);
      assert.equal(ok.status, 303);
      const session = c.cookie!.slice(c.cookie!.indexOf('=') + 1);
      assert.ok(session.length >= 16);
      assert.equal((await c.page('/cases/sec/upload')).status, 200);
      const b = 'secretsBoundary9';
      const body = Buffer.concat([
        Buffer.from(
          `--${b}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${c.csrf}\r\n--${b}\r\nContent-Disposition: form-data; name="method"\r\n\r\ntrap\r\n`,
        ),
        Buffer.from(
          `--${b}\r\nContent-Disposition: form-data; name="files"; filename="two.eml"\r\nContent-Type: message/rfc822\r\n\r\n`,
        ),
        message(2),
        Buffer.from(`\r\n--${b}--\r\n`),
      ]);
      const up = await c.request('POST', '/cases/sec/uploads', {
        body,
        headers: { 'content-type': `multipart/form-data; boundary=${b}`, accept: 'application/json' },
      });
      assert.equal(up.status, 202);
      const { job } = (await up.json()) as { job: number };
      let status = '';
      for (let i = 0; i < 1200 && status !== 'done' && status !== 'failed'; i++) {
        await sleep(100);
        status = ((await (await c.get(`/api/cases/sec/uploads/${job}`)).json()) as { status: string }).status;
      }
      assert.equal(status, 'done');
      // Error paths of the server: a state change without CSRF token, a missing case, a bad sign-in form.
      const noToken = await c.request('POST', '/cases/sec/uploads', { form: { method: 'trap' } });
      assert.ok(noToken.status === 400 || noToken.status === 403, `refused without CSRF token: ${noToken.status}`);
      assert.equal((await c.get('/cases/nope')).status, 404);
      await c.post('/login', { username: 'sam', password: `${password}x` }, false);

      assert.equal(cli('ingest', ['ingest', '--case', 'sec', inbox]).status, 0);
      assert.notEqual(cli('ingest into a missing case', ['ingest', '--case', 'nope', inbox]).status, 0);
      const bundle = path.join(tempDir('spamcase-secrets-out-'), 'b.zip');
      assert.equal(cli('export', ['export', '--case', 'sec', '--out', bundle]).status, 0, captured.at(-1)!.text);
      fs.chmodSync(keys.key, 0o644);
      const refused = cli('export with a world-readable key', ['export', '--case', 'sec', '--out', `${bundle}.2.zip`]);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /chmod 600/);
      fs.chmodSync(keys.key, 0o600);

      server.kill('SIGTERM');
      await new Promise((resolve) => server!.once('exit', resolve));
      server = null;
      captured.push({ what: 'serve stdout', text: out }, { what: 'serve stderr', text: err });
      assert.match(err, /"event"/, 'the server did write its structured log');

      // Every file in the data root that is a log (not the evidence store or the database).
      for (const file of walk(testEnv.dataRoot)) {
        if (/\.(log|txt|jsonl?)$/.test(file)) captured.push({ what: file, text: fs.readFileSync(file, 'utf8') });
      }

      const keyLines = fs
        .readFileSync(keys.key, 'utf8')
        .split('\n')
        .filter((l) => l.length >= 32 && !l.startsWith('-----'));
      assert.ok(keyLines.length > 10);
      const secrets: Array<[string, string]> = [
        ['password', password],
        ['wrong password', wrong],
        ['session id', session],
        ['body marker', marker],
        ...keyLines.map((l, i) => [`private key line ${i + 1}`, l] as [string, string]),
      ];
      const leaks: string[] = [];
      for (const { what, text } of captured) {
        for (const [name, value] of secrets) if (text.includes(value)) leaks.push(`${name} in ${what}`);
      }
      assert.deepEqual(leaks, []);
      assert.ok(captured.reduce((n, c) => n + c.text.length, 0) > 500, 'the flows did write output');
    } finally {
      server?.kill('SIGKILL');
      await cleanup();
    }
  },
);
