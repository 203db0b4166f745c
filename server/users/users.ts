/**
 * People who use the web UI. A user has one role:
 *   admin   sees and manages every case, manages users and case members;
 *   editor  creates cases, uploads evidence and manages members in the cases they are a member of;
 *   viewer  reads the cases they are a member of.
 * There is no default account: the first one is made with `spamcase user add --admin <name>`.
 */
import type { Knex } from 'knex';
import { SpamcaseError } from '../errors.ts';
import { translateDbError } from '../db/errors.ts';
import { checkPassword, dummyHash, hashPassword, verifyPassword } from './passwords.ts';

export const ROLES = ['admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const LANGS = ['en', 'fr'] as const;
export type Lang = (typeof LANGS)[number];

export interface User {
  id: number;
  username: string;
  role: Role;
  lang: Lang | null;
  createdAt: string;
}

interface Row {
  id: number;
  username: string;
  role: string;
  lang: string | null;
  created_at: string;
  password_hash: string;
}

function toUser(r: Row): User {
  return {
    id: Number(r.id),
    username: r.username,
    role: r.role as Role,
    lang: (r.lang as Lang | null) ?? null,
    createdAt: r.created_at,
  };
}

export function parseRole(text: string): Role {
  if (!(ROLES as readonly string[]).includes(text))
    throw new SpamcaseError('INVALID_INPUT', `must be one of ${ROLES.join(', ')}`, { field: 'role' });
  return text as Role;
}

export async function addUser(
  knex: Knex,
  input: { username: string; role: Role; password: string },
  now: Date,
): Promise<User> {
  const username = input.username.trim().toLowerCase();
  if (!USERNAME_PATTERN.test(username))
    throw new SpamcaseError(
      'INVALID_INPUT',
      'a user name is 1-64 lowercase letters, digits, dots, dashes or underscores',
    );
  parseRole(input.role);
  checkPassword(input.password, username);
  const hash = await hashPassword(input.password);
  try {
    await knex('users').insert({
      username,
      role: input.role,
      password_hash: hash,
      lang: null,
      created_at: now.toISOString(),
      password_changed_at: now.toISOString(),
    });
  } catch (err) {
    const t = translateDbError(err);
    if (t?.code === 'DB_CONFLICT')
      throw new SpamcaseError('USER_EXISTS', `a user named "${username}" already exists`, { cause: err });
    throw t ?? err;
  }
  return getUser(knex, username);
}

export async function getUser(knex: Knex, username: string): Promise<User> {
  const row = (await knex('users').where({ username: username.trim().toLowerCase() }).first()) as Row | undefined;
  if (!row) throw new SpamcaseError('USER_NOT_FOUND', `no user named "${username}"`);
  return toUser(row);
}

export async function getUserById(knex: Knex, id: number): Promise<User | null> {
  const row = (await knex('users').where({ id }).first()) as Row | undefined;
  return row ? toUser(row) : null;
}

export async function listUsers(knex: Knex): Promise<User[]> {
  return ((await knex('users').orderBy('username')) as Row[]).map(toUser);
}

/** Removes the user, their sessions and memberships. The last admin cannot be removed. */
export async function removeUser(knex: Knex, username: string): Promise<void> {
  const user = await getUser(knex, username);
  await knex.transaction(async (trx) => {
    if (user.role === 'admin') {
      const admins = (await trx('users').where({ role: 'admin' }).count({ n: '*' }).first()) as { n: number | string };
      if (Number(admins.n) <= 1)
        throw new SpamcaseError('INVALID_INPUT', 'the last admin cannot be removed: add another admin first');
    }
    await trx('sessions').where({ user_id: user.id }).delete();
    await trx('case_members').where({ user_id: user.id }).delete();
    await trx('users').where({ id: user.id }).delete();
  });
}

/** Sets a new password and signs the user out everywhere (every session is deleted). */
export async function setPassword(knex: Knex, username: string, password: string, now: Date): Promise<void> {
  const user = await getUser(knex, username);
  checkPassword(password, user.username);
  const hash = await hashPassword(password);
  await knex.transaction(async (trx) => {
    await trx('users').where({ id: user.id }).update({ password_hash: hash, password_changed_at: now.toISOString() });
    await trx('sessions').where({ user_id: user.id }).delete();
  });
}

export async function setLanguage(knex: Knex, userId: number, lang: Lang | null): Promise<void> {
  if (lang !== null && !(LANGS as readonly string[]).includes(lang))
    throw new SpamcaseError('INVALID_INPUT', `must be one of ${LANGS.join(', ')}`, { field: 'lang' });
  await knex('users').where({ id: userId }).update({ lang });
}

/** The user when the password matches, else null; takes the same time for an unknown name. */
export async function authenticate(knex: Knex, username: string, password: string): Promise<User | null> {
  const row = (await knex('users').where({ username: username.trim().toLowerCase() }).first()) as Row | undefined;
  if (!row) {
    await verifyPassword(password, await dummyHash());
    return null;
  }
  return (await verifyPassword(password, row.password_hash)) ? toUser(row) : null;
}
