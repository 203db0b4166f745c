/**
 * Everything the index knows about one item, found by Bates number: hashes, its message, the
 * message's deliveries, and its provenance (every sample of these bytes and the acquisition that
 * brought it). readItemBytes returns the stored raw bytes after checking their SHA-256.
 */
import type { Knex } from 'knex';
import { SpamcaseError } from '../errors.ts';
import { storeDir, type Context } from '../context.ts';
import { readVerifiedBlob } from '../store/pack-store.ts';

/** Deliveries listed on one item's page; the count is always exact, the list stops here. */
export const MAX_LISTED_DELIVERIES = 200;
/** Samples listed on one item's page. */
export const MAX_LISTED_SAMPLES = 200;
export const BATES_PATTERN = /^[A-Z][A-Z0-9]{0,9}-\d{1,12}$/;

export interface ItemSample {
  locator: string;
  exactDuplicate: boolean;
  envelopeSender: string | null;
  recipient: string;
  acquisitionId: number;
  party: string;
  method: string;
  source: string;
  /** The file name the person uploaded (web uploads), shown instead of the server's copy. */
  fileName: string | null;
  sourceSha256: string | null;
  operator: string;
  startedAt: string;
  wrapper: { locator: string; kind: string; sha256: string } | null;
}

export interface ItemDetail {
  id: number;
  bates: string;
  sha256: string;
  size: number;
  date: string | null;
  parseError: string | null;
  party: string;
  pack: string;
  packOffset: number;
  message: {
    key: string;
    headerMessageId: string | null;
    from: string | null;
    subject: string | null;
    date: string | null;
    firstItemBates: string | null;
  };
  deliveries: { total: number; rows: Array<{ recipient: string; source: string }> };
  samples: { total: number; rows: ItemSample[] };
}

export async function itemDetail(knex: Knex, caseId: number, bates: string): Promise<ItemDetail> {
  if (!BATES_PATTERN.test(bates)) throw new SpamcaseError('NOT_FOUND', `no item ${bates}`);
  const item = (await knex('items as i')
    .join('parties as p', 'p.id', 'i.party_id')
    .where({ 'i.case_id': caseId, 'i.bates': bates })
    .first('i.*', 'p.name as party_name')) as Record<string, string | number | null> | undefined;
  if (!item) throw new SpamcaseError('NOT_FOUND', `no item ${bates} in this case`);
  const m = (await knex('messages').where({ id: item.message_id }).first()) as Record<string, string | number | null>;
  const firstBates = (await knex('items').where({ id: m.first_item_id }).first('bates')) as
    { bates: string } | undefined;
  const deliveryTotal = (await knex('deliveries').where({ message_id: item.message_id }).count({ n: '*' }).first()) as {
    n: number | string;
  };
  const deliveries = (await knex('deliveries')
    .where({ message_id: item.message_id })
    .orderBy('recipient')
    .limit(MAX_LISTED_DELIVERIES)
    .select('recipient', 'recipient_source')) as Array<{ recipient: string; recipient_source: string }>;
  const sampleTotal = (await knex('samples').where({ item_id: item.id }).count({ n: '*' }).first()) as {
    n: number | string;
  };
  const samples = (await knex('samples as s')
    .join('acquisitions as a', 'a.id', 's.acquisition_id')
    .join('parties as p', 'p.id', 'a.party_id')
    .leftJoin('wrappers as w', 'w.id', 's.wrapper_id')
    .where('s.item_id', item.id)
    .orderBy('s.id')
    .limit(MAX_LISTED_SAMPLES)
    .select(
      's.locator',
      's.exact_duplicate',
      's.envelope_sender',
      's.recipient',
      'a.id as acquisition_id',
      'p.name as party_name',
      'a.method',
      'a.source_name',
      'a.file_name',
      'a.source_sha256',
      'a.operator',
      'a.started_at',
      'w.locator as wrapper_locator',
      'w.kind as wrapper_kind',
      'w.sha256 as wrapper_sha256',
    )) as Array<Record<string, string | number | boolean | null>>;
  return {
    id: Number(item.id),
    bates: String(item.bates),
    sha256: String(item.sha256),
    size: Number(item.size),
    date: (item.date as string | null) ?? null,
    parseError: (item.parse_error as string | null) ?? null,
    party: String(item.party_name),
    pack: String(item.pack),
    packOffset: Number(item.pack_offset),
    message: {
      key: String(m.message_key),
      headerMessageId: (m.header_message_id as string | null) ?? null,
      from: (m.from_address as string | null) ?? null,
      subject: (m.subject as string | null) ?? null,
      date: (m.date as string | null) ?? null,
      firstItemBates: firstBates?.bates ?? null,
    },
    deliveries: {
      total: Number(deliveryTotal.n),
      rows: deliveries.map((d) => ({ recipient: d.recipient, source: d.recipient_source })),
    },
    samples: {
      total: Number(sampleTotal.n),
      rows: samples.map((s) => ({
        locator: String(s.locator),
        exactDuplicate: Boolean(s.exact_duplicate),
        envelopeSender: (s.envelope_sender as string | null) ?? null,
        recipient: String(s.recipient),
        acquisitionId: Number(s.acquisition_id),
        party: String(s.party_name),
        method: String(s.method),
        source: String(s.source_name),
        fileName: (s.file_name as string | null) ?? null,
        sourceSha256: (s.source_sha256 as string | null) ?? null,
        operator: String(s.operator),
        startedAt: String(s.started_at),
        wrapper: s.wrapper_locator
          ? { locator: String(s.wrapper_locator), kind: String(s.wrapper_kind), sha256: String(s.wrapper_sha256) }
          : null,
      })),
    },
  };
}

/** The item's stored bytes, exactly; STORE_CORRUPT if they no longer match their SHA-256. */
export function readItemBytes(
  ctx: Pick<Context, 'dataRoot'>,
  caseSlug: string,
  item: Pick<ItemDetail, 'pack' | 'packOffset' | 'size' | 'sha256' | 'bates'>,
): Buffer {
  return readVerifiedBlob(
    storeDir(ctx, caseSlug),
    { pack: item.pack, offset: item.packOffset, size: item.size },
    item.sha256,
    item.bates,
  );
}
