/**
 * Defendants: groups of accounts (and IPs) that legal staff attribute to one person or company,
 * named or "Doe n". `suggestDefendants` only proposes groups, with the reasons; a person confirms
 * them with create/add/remove, each a custody event.
 */
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import { getCase } from '../cases/cases.ts';
import { appendCustodyEvent } from '../custody/chain.ts';
import { SpamcaseError } from '../errors.ts';
import { translateDbError } from '../db/errors.ts';
import { networkOf, parseIp } from '../mail/trace/ip.ts';
import { normalizeAccount } from './address.ts';

export interface DefendantSummary {
  id: number;
  name: string;
  accounts: string[];
  ips: string[];
  deliveries: number;
}

export async function listDefendants(db: Knex, caseId: number): Promise<DefendantSummary[]> {
  const defs = (await db('defendants').where({ case_id: caseId }).orderBy('id').select('id', 'name')) as Array<{
    id: number;
    name: string;
  }>;
  const members = (await db('defendant_members')
    .where({ case_id: caseId })
    .orderBy('key')
    .select('defendant_id', 'kind', 'key')) as Array<{ defendant_id: number; kind: string; key: string }>;
  const vols = (await db('defendant_members as m')
    .join('accounts as a', function () {
      this.on('a.case_id', 'm.case_id').andOn('a.address', 'm.key');
    })
    .where({ 'm.case_id': caseId, 'm.kind': 'account' })
    .groupBy('m.defendant_id')
    .select('m.defendant_id')
    .sum({ d: 'a.deliveries' })) as Array<{ defendant_id: number; d: number | string | null }>;
  return defs.map((d) => ({
    id: Number(d.id),
    name: d.name,
    accounts: members.filter((m) => Number(m.defendant_id) === Number(d.id) && m.kind === 'account').map((m) => m.key),
    ips: members.filter((m) => Number(m.defendant_id) === Number(d.id) && m.kind === 'ip').map((m) => m.key),
    deliveries: Number(vols.find((v) => Number(v.defendant_id) === Number(d.id))?.d ?? 0),
  }));
}

/** "x@hotmail.com" => account, "192.0.2.1" => ip; anything else is refused. */
function member(text: string): { kind: 'account' | 'ip'; key: string } {
  const ip = parseIp(text);
  if (ip !== null) return { kind: 'ip', key: ip };
  const acc = normalizeAccount(text);
  if (acc !== null) return { kind: 'account', key: acc.address };
  throw new SpamcaseError('INVALID_INPUT', `${JSON.stringify(text)} is neither an account address nor an IP address`);
}

async function defendantId(trx: Knex.Transaction, caseId: number, name: string): Promise<number> {
  const row = (await trx('defendants').where({ case_id: caseId, name }).first('id')) as { id: number } | undefined;
  if (!row) throw new SpamcaseError('INVALID_INPUT', `no defendant named "${name}" in this case`);
  return Number(row.id);
}

/** Next free "Doe n" name. */
async function nextDoe(trx: Knex.Transaction, caseId: number): Promise<string> {
  const names = (await trx('defendants').where({ case_id: caseId }).pluck('name')) as string[];
  let n = 1;
  while (names.includes(`Doe ${n}`)) n++;
  return `Doe ${n}`;
}

export async function createDefendant(
  ctx: Context,
  slug: string,
  name: string | null,
  members: string[],
): Promise<DefendantSummary> {
  const c = await getCase(ctx.db.knex, slug);
  const parsed = members.map(member);
  try {
    await ctx.db.knex.transaction(async (trx) => {
      const finalName = name?.trim() || (await nextDoe(trx, c.id));
      if (finalName.length > 200)
        throw new SpamcaseError('INVALID_INPUT', 'defendant name too long (200 characters at most)');
      const [row] = (await trx('defendants').insert(
        { case_id: c.id, name: finalName, created_at: ctx.clock().toISOString() },
        ['id'],
      )) as Array<{ id: number } | number>;
      const id = typeof row === 'object' ? Number(row.id) : Number(row);
      for (const m of parsed)
        await trx('defendant_members').insert({ case_id: c.id, defendant_id: id, kind: m.kind, key: m.key });
      await appendCustodyEvent(trx, {
        caseId: c.id,
        caseSlug: slug,
        at: ctx.clock(),
        actor: ctx.actor,
        action: 'defendant-created',
        details: { defendant: finalName, added: parsed },
      });
      name = finalName;
    });
  } catch (err) {
    const t = translateDbError(err);
    if (t?.code === 'DB_CONFLICT')
      throw new SpamcaseError(
        'INVALID_INPUT',
        'that defendant name exists, or an account/IP already belongs to a defendant (remove it there first)',
        { cause: err },
      );
    throw t ?? err;
  }
  return (await listDefendants(ctx.db.knex, c.id)).find((d) => d.name === name)!;
}

export async function changeDefendant(
  ctx: Context,
  slug: string,
  name: string,
  change: { add?: string[]; remove?: string[] },
): Promise<DefendantSummary> {
  const c = await getCase(ctx.db.knex, slug);
  const add = (change.add ?? []).map(member);
  const remove = (change.remove ?? []).map(member);
  try {
    await ctx.db.knex.transaction(async (trx) => {
      const id = await defendantId(trx, c.id, name);
      for (const m of add)
        await trx('defendant_members').insert({ case_id: c.id, defendant_id: id, kind: m.kind, key: m.key });
      for (const m of remove) {
        const n = await trx('defendant_members')
          .where({ case_id: c.id, defendant_id: id, kind: m.kind, key: m.key })
          .del();
        if (n === 0) throw new SpamcaseError('INVALID_INPUT', `${m.key} is not part of defendant "${name}"`);
      }
      await appendCustodyEvent(trx, {
        caseId: c.id,
        caseSlug: slug,
        at: ctx.clock(),
        actor: ctx.actor,
        action: 'defendant-changed',
        details: { defendant: name, added: add, removed: remove },
      });
    });
  } catch (err) {
    const t = translateDbError(err);
    if (t?.code === 'DB_CONFLICT')
      throw new SpamcaseError('INVALID_INPUT', 'an account/IP already belongs to a defendant (remove it there first)', {
        cause: err,
      });
    throw t ?? err;
  }
  return (await listDefendants(ctx.db.knex, c.id)).find((d) => d.name === name)!;
}

export interface SuggestedDefendant {
  accounts: string[];
  ips: string[];
  reasons: string[];
}

/** Account -> campaign numbers, from campaigns (server/campaigns/) once it exists. */
export type CampaignMembership = Map<string, number[]>;

/** Links used by suggestions, strongest first; a group needs at least two accounts. */
export async function suggestDefendants(
  db: Knex,
  caseId: number,
  options: { campaigns?: CampaignMembership; maxGroups?: number } = {},
): Promise<SuggestedDefendant[]> {
  const assigned = new Set(
    (await db('defendant_members').where({ case_id: caseId, kind: 'account' }).pluck('key')) as string[],
  );
  const pairs = (await db('item_attributions')
    .where({ case_id: caseId })
    .whereNotNull('account')
    .whereNotNull('originating_ip')
    .distinct('account', 'originating_ip')) as Array<{ account: string; originating_ip: string }>;
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const add = (x: string) => {
    if (!parent.has(x)) parent.set(x, x);
  };
  const union = (a: string, b: string) => {
    add(a);
    add(b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  // What links accounts: "ip:<ip>", "net:<network>", "campaign:<n>", "name:<stem>@<domain>" => accounts.
  const byKey = new Map<string, Set<string>>();
  const link = (key: string, account: string) => byKey.set(key, (byKey.get(key) ?? new Set<string>()).add(account));
  for (const p of pairs) {
    if (assigned.has(p.account)) continue;
    link(`ip:${p.originating_ip}`, p.account);
    link(`net:${networkOf(p.originating_ip)}`, p.account);
  }
  for (const [account, campaigns] of options.campaigns ?? new Map<string, number[]>()) {
    if (assigned.has(account)) continue;
    for (const n of campaigns) link(`campaign:${n}`, account);
  }
  const accounts = (await db('accounts').where({ case_id: caseId }).pluck('address')) as string[];
  for (const a of accounts) {
    if (assigned.has(a)) continue;
    const at = a.lastIndexOf('@');
    const stem = /^([a-z]{4,}?)[._-]?\d+$/.exec(a.slice(0, at))?.[1];
    if (stem) link(`name:${stem}@${a.slice(at + 1)}`, a);
  }
  const linking = [...byKey].filter(([, set]) => set.size >= 2).map(([key, set]) => [key, [...set]] as const);
  for (const [, list] of linking) for (const a of list) union(a, list[0]!);
  const groups = new Map<string, { accounts: Set<string>; reasons: Set<string> }>();
  for (const [key, list] of linking) {
    const root = find(list[0]!);
    const g = groups.get(root) ?? { accounts: new Set<string>(), reasons: new Set<string>() };
    for (const a of list) g.accounts.add(a);
    const [kind, ...rest] = key.split(':');
    const value = rest.join(':');
    g.reasons.add(
      kind === 'ip'
        ? `shared originating IP ${value}`
        : kind === 'net'
          ? `shared network ${value}`
          : kind === 'campaign'
            ? `shared campaign ${value}`
            : `naming pattern ${value.replace('@', '<digits>@')}`,
    );
    groups.set(root, g);
  }
  const ipsOf = new Map<string, Set<string>>();
  for (const p of pairs) ipsOf.set(p.account, (ipsOf.get(p.account) ?? new Set()).add(p.originating_ip));
  return [...groups.values()]
    .map((g) => ({
      accounts: [...g.accounts].sort(),
      ips: [...new Set([...g.accounts].flatMap((a) => [...(ipsOf.get(a) ?? [])]))].sort(),
      reasons: [...g.reasons].sort(),
    }))
    .sort((x, y) => y.accounts.length - x.accounts.length || (x.accounts[0]! < y.accounts[0]! ? -1 : 1))
    .slice(0, options.maxGroups ?? 100);
}
