/**
 * Defendants: groups of accounts (and IPs) that legal staff attribute to one person or company,
 * named or "Doe n". `suggestDefendants` only proposes groups, with the reasons and their strength,
 * never through shared infrastructure; a person confirms them with create/add/remove and undoes a
 * whole defendant with `removeDefendant`, each a custody event.
 */
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import { getCase } from '../cases/cases.ts';
import { appendCustodyEvent } from '../custody/chain.ts';
import { SpamcaseError } from '../errors.ts';
import { hasHidden } from '../hidden-text.ts';
import { translateDbError } from '../db/errors.ts';
import { networkOf, parseIp } from '../mail/trace/ip.ts';
import { normalizeAccount } from './address.ts';
import { loadPartyTrust, matcherFor } from './party-trust.ts';
import { OWNER_DATA_LABEL, ownerOf } from '../networks/owners.ts';
import { SHARED_IP_MAX_ACCOUNTS, sharedInfrastructure, type SharedInfrastructure } from './shared-infrastructure.ts';

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
      // A name goes into the PDF, the damages table and court papers: like a tag name, it may not hide or reorder text.
      if (hasHidden(finalName))
        throw new SpamcaseError(
          'INVALID_INPUT',
          'defendant name may not contain control, direction or invisible characters',
        );
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

/**
 * Undo a defendant: its accounts and IPs are no longer grouped (they return to the suggestions), the
 * defendant's name is free again; custody event `defendant-removed` with what it held.
 */
export async function removeDefendant(ctx: Context, slug: string, name: string): Promise<void> {
  const c = await getCase(ctx.db.knex, slug);
  await ctx.db.knex.transaction(async (trx) => {
    const id = await defendantId(trx, c.id, name);
    const held = (await trx('defendant_members')
      .where({ case_id: c.id, defendant_id: id })
      .orderBy(['kind', 'key'])
      .select('kind', 'key')) as Array<{ kind: 'account' | 'ip'; key: string }>;
    await trx('defendant_members').where({ case_id: c.id, defendant_id: id }).del();
    await trx('defendants').where({ case_id: c.id, id }).del();
    await appendCustodyEvent(trx, {
      caseId: c.id,
      caseSlug: slug,
      at: ctx.clock(),
      actor: ctx.actor,
      action: 'defendant-removed',
      details: { defendant: name, removed: held.map((m) => ({ kind: m.kind, key: m.key })) },
    });
  });
}

export type ReasonStrength = 'strong' | 'medium' | 'weak';

/** One thing a suggested group's accounts have in common, with how much it says. */
export interface SuggestionReason {
  kind: 'shared-ip' | 'shared-network' | 'shared-campaign' | 'naming-pattern';
  /** The IP, the /24 (IPv6 /48), the campaign number or the pattern ("ember<digits>@yahoo.com"). */
  value: string;
  /** How many of the group's accounts it holds. */
  accounts: number;
  strength: ReasonStrength;
  /** Whether it joins accounts into the group (a shared originating IP); the others only corroborate. */
  joins: boolean;
  /** In words, as the CLI and the web show it. */
  text: string;
}

export interface SuggestedDefendant {
  accounts: string[];
  ips: string[];
  /** Strongest first. */
  reasons: SuggestionReason[];
  /** The strongest joining reason's. */
  strength: ReasonStrength;
}

export interface DefendantSuggestions {
  groups: SuggestedDefendant[];
  /** Originating IPs that linked no accounts, being shared infrastructure; most accounts first, at most 50. */
  excluded: SharedInfrastructure[];
  /** IPs seen for more accounts than this linked none. */
  maxAccountsPerIp: number;
  /** The network owner data set the provider networks were judged with. */
  ownerData: string;
}

/** Account -> campaign numbers, from campaigns (server/campaigns/). */
export type CampaignMembership = Map<string, number[]>;

/** Into how many groups of two or more accounts the other IPs (their direct sharing) split an IP's accounts. */
function heldGroups(ip: string, accounts: string[], ipsOfAccount: Map<string, string[]>): number {
  const local = new Map<string, string>(accounts.map((a) => [a, a]));
  const root = (x: string): string => {
    let r = x;
    while (local.get(r) !== r) r = local.get(r)!;
    return r;
  };
  const firstOn = new Map<string, string>();
  for (const a of accounts)
    for (const other of ipsOfAccount.get(a) ?? []) {
      if (other === ip) continue;
      const b = firstOn.get(other);
      if (b === undefined) firstOn.set(other, a);
      else if (root(a) !== root(b)) local.set(root(a), root(b));
    }
  const sizes = new Map<string, number>();
  for (const a of accounts) sizes.set(root(a), (sizes.get(root(a)) ?? 0) + 1);
  return [...sizes.values()].filter((n) => n >= 2).length;
}

/** A shared originating IP held by at most this many accounts is a strong link; up to the threshold, medium. */
const STRONG_IP_ACCOUNTS = 5;

const STRENGTH_ORDER: Record<ReasonStrength, number> = { strong: 0, medium: 1, weak: 2 };

/**
 * Groups of unassigned accounts that one operator may have run. Accounts are joined only by a
 * shared originating IP that is not shared infrastructure (shared-infrastructure.ts: a provider's
 * server, a party's relay, a reserved address, or an IP seen for more than `maxAccountsPerIp`
 * accounts). A shared /24, campaign or naming pattern never joins (bot operators rent neighbours'
 * addresses, affiliates send the same campaign, names repeat by chance); it is listed as
 * corroboration when two of a group's accounts share it. A person confirms a group with
 * `defendants create`, and undoes it with `defendants remove`.
 */
export async function suggestDefendants(
  db: Knex,
  caseId: number,
  options: { campaigns?: CampaignMembership; maxGroups?: number; maxAccountsPerIp?: number } = {},
): Promise<DefendantSuggestions> {
  const maxAccountsPerIp = options.maxAccountsPerIp ?? SHARED_IP_MAX_ACCOUNTS;
  const assigned = new Set(
    (await db('defendant_members').where({ case_id: caseId, kind: 'account' }).pluck('key')) as string[],
  );
  const pairs = (await db('item_attributions')
    .where({ case_id: caseId })
    .whereNotNull('account')
    .whereNotNull('originating_ip')
    .distinct('account', 'originating_ip')) as Array<{ account: string; originating_ip: string }>;
  const partyIds = (await db('parties').where({ case_id: caseId }).pluck('id')) as number[];
  const trust = await Promise.all(partyIds.map(async (id) => matcherFor(await loadPartyTrust(db, id))));

  const accountsOfIp = new Map<string, Set<string>>();
  for (const p of pairs)
    accountsOfIp.set(p.originating_ip, (accountsOfIp.get(p.originating_ip) ?? new Set()).add(p.account));
  const excluded: SharedInfrastructure[] = [];
  const linking = new Map<string, string[]>();
  for (const [ip, set] of accountsOfIp) {
    const infra = sharedInfrastructure(ip, set.size, { trust, maxAccounts: maxAccountsPerIp });
    if (infra !== null) {
      if (set.size >= 2) excluded.push(infra);
      continue;
    }
    const free = [...set].filter((a) => !assigned.has(a));
    if (free.length >= 2) linking.set(ip, free);
  }
  // A bridge: an IP whose accounts fall into two or more groups that other machines hold together
  // (accounts sharing another usable IP) is a relay several operators used (an open proxy, a NAT
  // pool), not one operator's machine: it links none. Repeated until no bridge is left, since one
  // relay can hide another (two proxies together look like one group).
  for (let round = 0; round < 10; round++) {
    const ipsOfAccount = new Map<string, string[]>();
    for (const [ip, list] of linking) for (const a of list) ipsOfAccount.set(a, [...(ipsOfAccount.get(a) ?? []), ip]);
    const bridges: Array<{ ip: string; held: number }> = [];
    for (const [ip, list] of linking) {
      const held = heldGroups(ip, list, ipsOfAccount);
      if (held >= 2) bridges.push({ ip, held });
    }
    if (bridges.length === 0) break;
    for (const { ip, held } of bridges) {
      linking.delete(ip);
      excluded.push({
        ip,
        kind: 'bridge',
        why: `joins ${held} groups of accounts that other machines hold together: a relay several senders used`,
        accounts: accountsOfIp.get(ip)!.size,
        owner: ownerOf(ip),
      });
    }
  }

  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const list of linking.values()) {
    for (const a of list) if (!parent.has(a)) parent.set(a, a);
    for (const a of list.slice(1)) {
      const ra = find(a);
      const rb = find(list[0]!);
      if (ra !== rb) parent.set(ra, rb);
    }
  }
  const members = new Map<string, Set<string>>();
  for (const a of parent.keys()) {
    const r = find(a);
    members.set(r, (members.get(r) ?? new Set()).add(a));
  }

  // Corroboration: what two or more accounts of one group share besides their IPs.
  const usableIps = new Set(linking.keys());
  const corroborating = new Map<string, Map<string, Set<string>>>(); // root -> key -> accounts
  const note = (account: string, key: string) => {
    if (!parent.has(account)) return;
    const root = find(account);
    const byKey = corroborating.get(root) ?? new Map<string, Set<string>>();
    byKey.set(key, (byKey.get(key) ?? new Set()).add(account));
    corroborating.set(root, byKey);
  };
  for (const p of pairs) if (usableIps.has(p.originating_ip)) note(p.account, `net:${networkOf(p.originating_ip)}`);
  for (const [account, campaigns] of options.campaigns ?? new Map<string, number[]>())
    for (const n of campaigns) note(account, `campaign:${n}`);
  for (const a of parent.keys()) {
    const at = a.lastIndexOf('@');
    const stem = /^([a-z]{4,}?)[._-]?\d+$/.exec(a.slice(0, at))?.[1];
    if (stem) note(a, `name:${stem}<digits>@${a.slice(at + 1)}`);
  }

  const ipsOf = new Map<string, Set<string>>();
  for (const p of pairs)
    if (usableIps.has(p.originating_ip))
      ipsOf.set(p.account, (ipsOf.get(p.account) ?? new Set()).add(p.originating_ip));
  const groups: SuggestedDefendant[] = [];
  for (const [root, set] of members) {
    const accounts = [...set].sort();
    const reasons: SuggestionReason[] = [];
    const ips = [...new Set(accounts.flatMap((a) => [...(ipsOf.get(a) ?? [])]))].sort();
    for (const ip of ips) {
      const n = linking.get(ip)?.length ?? 0;
      if (n < 2) continue;
      const total = accountsOfIp.get(ip)!.size;
      reasons.push({
        kind: 'shared-ip',
        value: ip,
        accounts: n,
        strength: total <= STRONG_IP_ACCOUNTS ? 'strong' : 'medium',
        joins: true,
        text: `shared originating IP ${ip} (${n} accounts)`,
      });
    }
    for (const [key, holders] of corroborating.get(root) ?? []) {
      if (holders.size < 2) continue;
      const [kind, ...rest] = key.split(':');
      const value = rest.join(':');
      const n = holders.size;
      if (kind === 'net')
        reasons.push({
          kind: 'shared-network',
          value,
          accounts: n,
          strength: 'weak',
          joins: false,
          text: `shared network ${value} (${n} accounts)`,
        });
      else if (kind === 'campaign')
        reasons.push({
          kind: 'shared-campaign',
          value,
          accounts: n,
          strength: 'medium',
          joins: false,
          text: `shared campaign ${value} (${n} accounts)`,
        });
      else
        reasons.push({
          kind: 'naming-pattern',
          value,
          accounts: n,
          strength: 'weak',
          joins: false,
          text: `naming pattern ${value} (${n} accounts)`,
        });
    }
    reasons.sort(
      (x, y) =>
        STRENGTH_ORDER[x.strength] - STRENGTH_ORDER[y.strength] ||
        y.accounts - x.accounts ||
        (x.text < y.text ? -1 : x.text > y.text ? 1 : 0),
    );
    groups.push({ accounts, ips, reasons, strength: reasons.find((r) => r.joins)?.strength ?? 'medium' });
  }
  groups.sort((x, y) => y.accounts.length - x.accounts.length || (x.accounts[0]! < y.accounts[0]! ? -1 : 1));
  excluded.sort((x, y) => y.accounts - x.accounts || (x.ip < y.ip ? -1 : 1));
  return {
    groups: groups.slice(0, options.maxGroups ?? 100),
    excluded: excluded.slice(0, 50),
    maxAccountsPerIp,
    ownerData: OWNER_DATA_LABEL,
  };
}
