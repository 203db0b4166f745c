/**
 * Fingerprints for messages that have none (ingested before campaigns existed, or with
 * fingerprinting off): the message's first item is read back from the store and fingerprinted as
 * ingest would have. Runs in pages; each page is one transaction.
 */
import { storeDir, type Context } from '../context.ts';
import { bulkInsert } from '../db/bulk-insert.ts';
import { parseHeaders } from '../mail/headers/index.ts';
import { readBlob } from '../store/pack-store.ts';
import { campaignFingerprint } from './fingerprint.ts';

const PAGE = 2000;

/** Returns the number of messages fingerprinted. */
export async function fingerprintMissing(ctx: Context, caseId: number, caseSlug: string): Promise<number> {
  const knex = ctx.db.knex;
  const dir = storeDir(ctx, caseSlug);
  let done = 0;
  let after = 0;
  for (;;) {
    const rows = (await knex('messages as m')
      .join('items as i', 'i.id', 'm.first_item_id')
      .leftJoin('message_fingerprints as f', 'f.message_id', 'm.id')
      .where('m.case_id', caseId)
      .andWhere('m.id', '>', after)
      .whereNull('f.message_id')
      .orderBy('m.id')
      .limit(PAGE)
      .select('m.id', 'i.pack', 'i.pack_offset', 'i.size')) as Array<{
      id: number | string;
      pack: string;
      pack_offset: number | string;
      size: number | string;
    }>;
    if (rows.length === 0) return done;
    const out: unknown[][] = rows.map((r) => {
      const raw = readBlob(dir, { pack: r.pack, offset: Number(r.pack_offset), size: Number(r.size) });
      let subject: string | null = null;
      try {
        subject = parseHeaders(raw).subject;
      } catch {
        subject = null;
      }
      let fp: Uint8Array | null = null;
      try {
        fp = campaignFingerprint(raw, subject);
      } catch {
        fp = null;
      }
      return [Number(r.id), caseId, fp && Buffer.from(fp)];
    });
    await knex.transaction((trx) =>
      bulkInsert(trx, 'message_fingerprints', ['message_id', 'case_id', 'minhash'], out, ['message_id']),
    );
    done += rows.length;
    after = Number(rows[rows.length - 1]!.id);
  }
}
