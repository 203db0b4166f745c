/** Reading and changing a party's trusted relays and authserv-ids (stored as JSON arrays on parties). */
import type { Knex } from 'knex';
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
