/**
 * Why a message is in its campaign: its content is normalized again from the stored bytes, next
 * to the exemplar's, and the features are compared: the exact Jaccard similarity of the feature
 * sets (the signature only estimates it), the subject words, the link domains and the body
 * phrases (3-word shingles) both have, and the phrases only one of them has.
 */
import type { Knex } from 'knex';
import { storeDir, type Context } from '../context.ts';
import { SpamcaseError } from '../errors.ts';
import { readBlob } from '../store/pack-store.ts';
import { EXEMPLAR_EQUAL_POSITIONS, JOIN_EQUAL_POSITIONS } from './cluster.ts';
import { featureStrings } from './features.ts';
import { SIGNATURE_SIZE } from './minhash.ts';
import { normalizeContent } from './normalize/content.ts';
import { resolveCampaignNumber } from './queries.ts';

/** Phrases listed per side in an explanation. */
const MAX_PHRASES = 12;

export interface MemberExplanation {
  campaign: number;
  exemplarBates: string;
  memberBates: string;
  /** Estimated similarity stored at clustering (share of equal MinHash positions). */
  estimatedSimilarity: number;
  /** The campaign's threshold: every member's estimated similarity to the exemplar is at least this. */
  threshold: number;
  /** Every member's mean estimated similarity to the exemplar and the campaign's oldest members is at least this. */
  averageThreshold: number;
  /** Exact Jaccard similarity of the two feature sets. */
  similarity: number;
  sharedFeatures: number;
  exemplarFeatures: number;
  memberFeatures: number;
  subjectWords: { shared: string[]; exemplarOnly: string[]; memberOnly: string[] };
  domains: { shared: string[]; exemplarOnly: string[]; memberOnly: string[] };
  phrases: { shared: string[]; exemplarOnly: string[]; memberOnly: string[] };
}

interface ItemRow {
  id: number | string;
  bates: string;
  pack: string;
  pack_offset: number | string;
  size: number | string;
  message_id: number | string;
  subject: string | null;
}

async function findItem(knex: Knex, caseId: number, batesOrSha256: string): Promise<ItemRow> {
  const q = knex('items as i').join('messages as m', 'm.id', 'i.message_id').where('i.case_id', caseId);
  if (/^[0-9a-f]{64}$/i.test(batesOrSha256)) q.where('i.sha256', batesOrSha256.toLowerCase());
  else q.where('i.bates', batesOrSha256);
  const row = (await q.first('i.id', 'i.bates', 'i.pack', 'i.pack_offset', 'i.size', 'i.message_id', 'm.subject')) as
    ItemRow | undefined;
  if (!row) throw new SpamcaseError('INVALID_INPUT', `no item ${batesOrSha256} in this case`);
  return row;
}

function compare(a: string[], b: string[]): { shared: string[]; exemplarOnly: string[]; memberOnly: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return {
    shared: a.filter((x) => sb.has(x)),
    exemplarOnly: a.filter((x) => !sb.has(x)),
    memberOnly: b.filter((x) => !sa.has(x)),
  };
}

export async function explainMember(
  ctx: Context,
  caseId: number,
  caseSlug: string,
  batesOrSha256: string,
): Promise<MemberExplanation> {
  const knex = ctx.db.knex;
  const member = await findItem(knex, caseId, batesOrSha256);
  const cm = (await knex('campaign_members')
    .where({ message_id: member.message_id })
    .first('campaign_number', 'similarity')) as { campaign_number: number; similarity: number | string } | undefined;
  if (!cm)
    throw new SpamcaseError(
      'CAMPAIGN_NOT_FOUND',
      `item ${member.bates} is in no campaign yet (spamcase campaigns update)`,
    );
  const number = await resolveCampaignNumber(knex, caseId, Number(cm.campaign_number));
  const ex = (await knex('campaigns as c')
    .join('messages as m', 'm.id', 'c.exemplar_message_id')
    .join('items as i', 'i.id', 'm.first_item_id')
    .where({ 'c.case_id': caseId, 'c.number': number })
    .first('i.bates')) as { bates: string };
  const exemplar = await findItem(knex, caseId, ex.bates);
  const dir = storeDir(ctx, caseSlug);
  const read = (r: ItemRow) => readBlob(dir, { pack: r.pack, offset: Number(r.pack_offset), size: Number(r.size) });
  const a = normalizeContent(read(exemplar), exemplar.subject);
  const b = normalizeContent(read(member), member.subject);
  const fa = new Set(featureStrings(a));
  const fb = new Set(featureStrings(b));
  let shared = 0;
  for (const f of fa) if (fb.has(f)) shared++;
  const union = fa.size + fb.size - shared;
  const phrases = compare(
    [...fa].filter((f) => f.startsWith('b:')).map((f) => f.slice(2)),
    [...fb].filter((f) => f.startsWith('b:')).map((f) => f.slice(2)),
  );
  return {
    campaign: number,
    exemplarBates: exemplar.bates,
    memberBates: member.bates,
    estimatedSimilarity: Number(cm.similarity),
    threshold: EXEMPLAR_EQUAL_POSITIONS / SIGNATURE_SIZE,
    averageThreshold: JOIN_EQUAL_POSITIONS / SIGNATURE_SIZE,
    similarity: union === 0 ? 1 : shared / union,
    sharedFeatures: shared,
    exemplarFeatures: fa.size,
    memberFeatures: fb.size,
    subjectWords: compare([...new Set(a.subject)], [...new Set(b.subject)]),
    domains: compare(a.domains, b.domains),
    phrases: {
      shared: phrases.shared.slice(0, MAX_PHRASES),
      exemplarOnly: phrases.exemplarOnly.slice(0, MAX_PHRASES),
      memberOnly: phrases.memberOnly.slice(0, MAX_PHRASES),
    },
  };
}
