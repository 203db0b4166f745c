/** Reading and changing a party's trusted relays and authserv-ids (stored as JSON arrays on parties). */
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import { getCase, resolveParty } from '../cases/cases.ts';
import { appendCustodyEvent } from '../custody/chain.ts';
import { compileTrust, normalizeTrust, type PartyTrust, type TrustMatcher } from './trust.ts';

function parseList(text: unknown): string[] {
  try {
    const v = JSON.parse(String(text ?? '[]')) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export async function loadPartyTrust(db: Knex | Knex.Transaction, partyId: number): Promise<PartyTrust> {
  const row = (await db('parties').where({ id: partyId }).first('trusted_relays', 'trusted_authserv_ids')) as
    { trusted_relays: string; trusted_authserv_ids: string } | undefined;
  return { relays: parseList(row?.trusted_relays), authservIds: parseList(row?.trusted_authserv_ids) };
}

export async function savePartyTrust(
  db: Knex | Knex.Transaction,
  partyId: number,
  trust: PartyTrust,
): Promise<PartyTrust> {
  const normalized = normalizeTrust(trust);
  await db('parties')
    .where({ id: partyId })
    .update({
      trusted_relays: JSON.stringify(normalized.relays),
      trusted_authserv_ids: JSON.stringify(normalized.authservIds),
    });
  return normalized;
}

const compiled = new Map<string, TrustMatcher>();
/** Compiled matchers are cached by content: one per distinct trust list, reused across batches. */
export function matcherFor(trust: PartyTrust): TrustMatcher {
  const key = JSON.stringify(trust);
  let m = compiled.get(key);
  if (m === undefined) {
    if (compiled.size > 100) compiled.clear();
    m = compileTrust(trust);
    compiled.set(key, m);
  }
  return m;
}

/** Change a party's trusted relays and/or authserv-ids (each list given replaces the old one). */
export async function setPartyTrust(
  ctx: Context,
  slug: string,
  partyName: string,
  change: { relays?: string[]; authservIds?: string[] },
): Promise<PartyTrust> {
  const c = await getCase(ctx.db.knex, slug);
  const party = resolveParty(c, partyName);
  return ctx.db.knex.transaction(async (trx) => {
    const before = await loadPartyTrust(trx, party.id);
    const after = await savePartyTrust(trx, party.id, {
      relays: change.relays ?? before.relays,
      authservIds: change.authservIds ?? before.authservIds,
    });
    await appendCustodyEvent(trx, {
      caseId: c.id,
      caseSlug: slug,
      at: ctx.clock(),
      actor: ctx.actor,
      action: 'trust-changed',
      details: { party: party.name, before, after },
    });
    return after;
  });
}
