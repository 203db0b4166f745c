/**
 * Attribution after something it depends on changed: a party's trusted relays (`spamcase case party`,
 * then `spamcase attribute`) or the DKIM results (`spamcase dkim`). Re-attributing rebuilds the
 * volumes per account and IP; the campaign sizes count accounts and IPs, so they are recounted here,
 * right after, rather than at the first page view (seconds at a million messages).
 */
import type { Context } from '../context.ts';
import { getCase, resolveParty } from '../cases/cases.ts';
import { attributeCase, type AttributeOptions, type AttributeSummary } from '../attribution/reattribute.ts';
import { loadPartyTrust, setPartyTrust } from '../attribution/party-trust.ts';
import type { PartyTrust } from '../attribution/trust.ts';
import { verifyCaseDkim, type DkimProgress, type DkimRunSummary } from '../attribution/dkim/case-dkim.ts';
import { loadKeySnapshot } from '../attribution/dkim/key-snapshot.ts';
import { ensureCampaignSizes } from '../campaigns/sizes.ts';

import * as v from 'valibot';
import { caseName, PATH_MAX, requiredText, textList, yesNo } from './input.ts';

export type { AttributeProgress, AttributeSummary } from '../attribution/reattribute.ts';

/** Each list given replaces the party's old one; none given: the trust is shown. */
export const partyTrustInput = v.object({
  case: caseName,
  party: requiredText(200),
  relays: v.optional(textList(300, 1000)),
  authservIds: v.optional(textList(300, 1000)),
  noRelays: yesNo(),
});

export const dkimInput = v.object({ case: caseName, keys: requiredText(PATH_MAX) });

/**
 * Re-attribute every item of the case from its stored bytes, then recount the campaign sizes. The web's
 * re-attribution jobs pass `onProgress` and `signal` (server/web/attribution-jobs.ts).
 */
export async function attribute(
  ctx: Context,
  slug: string,
  options: Pick<AttributeOptions, 'onProgress' | 'signal'> = {},
): Promise<AttributeSummary> {
  const summary = await attributeCase(ctx, slug, options);
  const c = await getCase(ctx.db.knex, slug);
  await ensureCampaignSizes(ctx.db.knex, c.id);
  return summary;
}

export interface PartyTrustView {
  party: string;
  trust: PartyTrust;
  changed: boolean;
}

/**
 * A party's trust: changed when a list is given (each list given replaces the old one; a custody
 * event), else as it is. The attribution is not recomputed here: that is `attribute`, once the
 * trust of every party is as wanted.
 */
export async function partyTrust(
  ctx: Context,
  slug: string,
  partyName: string,
  change: { relays?: string[]; authservIds?: string[] } = {},
): Promise<PartyTrustView> {
  const c = await getCase(ctx.db.knex, slug);
  const party = resolveParty(c, partyName);
  const changed = change.relays !== undefined || change.authservIds !== undefined;
  const trust = changed
    ? await setPartyTrust(ctx, slug, party.name, change)
    : await loadPartyTrust(ctx.db.knex, party.id);
  return { party: party.name, trust, changed };
}

export interface DkimVerification extends DkimRunSummary {
  /** Set when this run verified signatures: the case was re-attributed with them. */
  reattributed: AttributeSummary | null;
}

/**
 * Verify DKIM offline against a key snapshot file; when this run verified any signature (pass, fail
 * or no key), re-attribute the case, since a verified d=/i= is the strongest evidence of a sender.
 */
export async function verifyDkim(
  ctx: Context,
  input: { caseSlug: string; keys: string; onProgress?: (p: DkimProgress) => void },
): Promise<DkimVerification> {
  const snapshot = loadKeySnapshot(input.keys);
  const summary = await verifyCaseDkim(ctx, { caseSlug: input.caseSlug, snapshot, onProgress: input.onProgress });
  const run = summary.run;
  const reattributed = run.pass + run.fail + run.noKey > 0 ? await attribute(ctx, summary.case) : null;
  return { ...summary, reattributed };
}

export interface AttributionCurrency {
  /** The last `trust-changed` and `attributed` custody events (sequence number, time, actor). */
  lastTrustChange: { seq: number; at: string; actor: string } | null;
  lastAttributed: { seq: number; at: string; actor: string } | null;
  /** A trust change came after the last re-attribution: the items still have the attribution of before. */
  stale: boolean;
}

/** Whether the case's attribution reflects its parties' trust, read from the custody log. */
export async function attributionCurrency(ctx: Context, slug: string): Promise<AttributionCurrency> {
  const c = await getCase(ctx.db.knex, slug);
  const last = async (action: string) => {
    const e = (await ctx.db
      .knex('custody_events')
      .where({ case_id: c.id, action })
      .orderBy('seq', 'desc')
      .first('seq', 'at', 'actor')) as { seq: number | string; at: string; actor: string } | undefined;
    return e ? { seq: Number(e.seq), at: String(e.at), actor: String(e.actor) } : null;
  };
  const lastTrustChange = await last('trust-changed');
  const lastAttributed = await last('attributed');
  return {
    lastTrustChange,
    lastAttributed,
    stale: lastTrustChange !== null && (lastAttributed === null || lastAttributed.seq < lastTrustChange.seq),
  };
}
