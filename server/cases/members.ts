/**
 * Case members: who may see a case. Admins see every case; editors and viewers see only the cases
 * they are members of, and a case they are not a member of does not exist for them (the web layer
 * answers 404, never 403, so case names do not leak). Adding or removing a member is a custody
 * event: who could see the evidence is part of its chain of custody.
 */
import type { Knex } from 'knex';
import { SpamcaseError } from '../errors.ts';
import type { Context } from '../context.ts';
import { appendCustodyEvent } from '../custody/chain.ts';
import { getCase, type CaseRecord } from './cases.ts';
import { getUser, type User } from '../users/users.ts';

export interface CaseAccess {
  record: CaseRecord;
  /** May change the case: upload evidence, manage members. */
  canWrite: boolean;
}

export interface Member {
  username: string;
  role: string;
  addedAt: string;
  addedBy: string;
}

/** The case as this user may see it; CASE_NOT_FOUND when it does not exist or they are not a member. */
export async function caseForUser(knex: Knex, user: User, slug: string): Promise<CaseAccess> {
  const record = await getCase(knex, slug);
  if (user.role === 'admin') return { record, canWrite: true };
  const member = await knex('case_members').where({ case_id: record.id, user_id: user.id }).first('user_id');
  if (!member) throw new SpamcaseError('CASE_NOT_FOUND', `no case named "${slug}"`);
  return { record, canWrite: user.role === 'editor' };
}

/** The case ids this user may see (null: every case, for an admin). */
export async function memberCaseIds(knex: Knex, user: User): Promise<Set<number> | null> {
  if (user.role === 'admin') return null;
  const ids = (await knex('case_members').where({ user_id: user.id }).pluck('case_id')) as Array<number | string>;
  return new Set(ids.map(Number));
}

export async function listMembers(knex: Knex, caseId: number): Promise<Member[]> {
  const rows = (await knex('case_members as m')
    .join('users as u', 'u.id', 'm.user_id')
    .where({ 'm.case_id': caseId })
    .orderBy('u.username')
    .select('u.username', 'u.role', 'm.added_at', 'm.added_by')) as Array<{
    username: string;
    role: string;
    added_at: string;
    added_by: string;
  }>;
  return rows.map((r) => ({ username: r.username, role: r.role, addedAt: r.added_at, addedBy: r.added_by }));
}

export async function addMember(ctx: Context, record: CaseRecord, username: string): Promise<void> {
  const user = await getUser(ctx.db.knex, username);
  const now = ctx.clock();
  await ctx.db.knex.transaction(async (trx) => {
    const exists = await trx('case_members').where({ case_id: record.id, user_id: user.id }).first('user_id');
    if (exists) return;
    await trx('case_members').insert({
      case_id: record.id,
      user_id: user.id,
      added_at: now.toISOString(),
      added_by: ctx.actor.slice(0, 64),
    });
    await appendCustodyEvent(trx, {
      caseId: record.id,
      caseSlug: record.slug,
      at: now,
      actor: ctx.actor,
      action: 'member-added',
      details: { user: user.username, role: user.role },
    });
  });
}

export async function removeMember(ctx: Context, record: CaseRecord, username: string): Promise<void> {
  const user = await getUser(ctx.db.knex, username);
  const now = ctx.clock();
  await ctx.db.knex.transaction(async (trx) => {
    const n = await trx('case_members').where({ case_id: record.id, user_id: user.id }).delete();
    if (n === 0) throw new SpamcaseError('USER_NOT_FOUND', `"${user.username}" is not a member of this case`);
    await appendCustodyEvent(trx, {
      caseId: record.id,
      caseSlug: record.slug,
      at: now,
      actor: ctx.actor,
      action: 'member-removed',
      details: { user: user.username },
    });
  });
}
