/**
 * `spamcase user …` as an administrator runs it: the first admin from standard input (never an
 * argument), the password policy, list, passwd (ends sessions), remove (not the last admin).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../server/config.ts';
import { authenticate } from '../../server/users/users.ts';
import { createSession } from '../../server/web/sessions.ts';
import { storageTest } from '../helpers/databases.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');

function spamcase(env: Record<string, string>, input: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, DATABASE_URL: '', ...env },
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

storageTest(
  'user add --admin takes the password from stdin, refuses weak ones, and passwd/remove behave',
  async ({ env: childEnv, ctx }) => {
    const weak = spamcase(childEnv, 'password123\n', 'user', 'add', '--admin', 'ada');
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /at least 12 characters/);
    const common = spamcase(childEnv, 'QwErTy123456\n', 'user', 'add', '--admin', 'ada');
    assert.equal(common.code, 1, common.stderr);
    assert.match(common.stderr, /commonly used passwords/);
    assert.equal(
      spamcase(childEnv, '', 'user', 'add', '--admin', 'ada', '--password', 'x').code,
      2,
      'no password option exists',
    );

    const added = spamcase(childEnv, 'a long enough passphrase\n', 'user', 'add', '--admin', 'ada');
    assert.equal(added.code, 0, added.stderr);
    assert.ok(await authenticate(ctx.db.knex, 'ada', 'a long enough passphrase'));
    assert.equal(await authenticate(ctx.db.knex, 'ada', 'a wrong passphrase here'), null);
    const stored = (await ctx.db.knex('users').first('password_hash')) as { password_hash: string };
    assert.match(stored.password_hash, /^scrypt\$32768\$8\$1\$/);
    assert.ok(!stored.password_hash.includes('passphrase'));

    assert.equal(spamcase(childEnv, 'another good passphrase\n', 'user', 'add', '--role', 'viewer', 'vic').code, 0);
    const list = spamcase(childEnv, '', 'user', 'list', '--json');
    assert.deepEqual(
      JSON.parse(list.stdout).map((u: { user: string; role: string }) => [u.user, u.role]),
      [
        ['ada', 'admin'],
        ['vic', 'viewer'],
      ],
    );

    const vic = (await ctx.db.knex('users').where({ username: 'vic' }).first('id')) as { id: number };
    await createSession(ctx.db.knex, Number(vic.id), new Date());
    assert.equal(spamcase(childEnv, 'a brand new passphrase\n', 'user', 'passwd', 'vic').code, 0);
    assert.equal(
      (
        (await ctx.db.knex('sessions').where({ user_id: vic.id }).count({ n: '*' }).first()) as { n: number | string }
      ).n.toString(),
      '0',
      'sessions closed',
    );
    assert.ok(await authenticate(ctx.db.knex, 'vic', 'a brand new passphrase'));

    const last = spamcase(childEnv, '', 'user', 'remove', 'ada');
    assert.equal(last.code, 1);
    assert.match(last.stderr, /last admin/);
    assert.equal(spamcase(childEnv, '', 'user', 'remove', 'vic').code, 0);
  },
);
