/**
 * Builds a case's full-text index beside ingest (docs/SEARCH.md): the items above the case's
 * high-water mark, in id order, a batch at a time. Each batch is read and tokenized outside any
 * transaction (the stored bytes, decoded body text, the From display names, the message's
 * recipients), then written in one short transaction that first re-reads the high-water mark, so two
 * builders of one case (a web server and `spamcase index`) never index an item twice, and a build
 * stopped at any point resumes where it was. Item ids ascend in commit order within a case (the batch
 * writer draws them under the case's lock), so no item can appear below the mark later.
 */
import type { Knex } from 'knex';
import { storeDir, type Context } from '../context.ts';
import { readBlob } from '../store/pack-store.ts';
import { extractBodyText } from '../mail/text/body-text.ts';
import { htmlToText } from '../mail/text/html-text.ts';
import { parseHeaders } from '../mail/headers/parse-headers.ts';
import { tokens } from './tokens.ts';

export const INDEX_BATCH = 500;
/** Body characters kept for snippets (the whole decoded body is indexed). */
export const SNIPPET_BODY_CHARS = 8000;
/** Recipients indexed per item. */
export const MAX_INDEXED_RECIPIENTS = 500;
/** PostgreSQL keeps at most this position, and at most 256 positions per lexeme. */
const PG_MAX_POSITION = 16383;
const PG_MAX_POSITIONS_PER_LEXEME = 255;

export interface IndexProgress {
  indexed: number;
  remaining: number;
}

export interface BuildOptions {
  batchSize?: number;
  onProgress?: (p: IndexProgress) => void;
  /** Awaited before each batch: a web server waits here while an upload is being ingested. */
  beforeBatch?: () => Promise<void>;
  signal?: AbortSignal;
}

interface ItemToIndex {
  id: number;
  partyId: number;
  parseError: boolean;
  subject: string;
  sender: string;
  recipients: string;
  body: string;
}

function dialectOf(knex: Knex): 'pg' | 'sqlite' {
  return knex.client.config.client === 'pg' ? 'pg' : 'sqlite';
}

async function ensureState(knex: Knex, caseId: number, now: string): Promise<void> {
  await knex('search_state')
    .insert({ case_id: caseId, indexed_through: 0, indexed_items: 0, updated_at: now })
    .onConflict('case_id')
    .ignore();
}

/** How far a case's index is: items indexed, and items not yet indexed. */
export async function searchIndexStatus(knex: Knex, caseId: number): Promise<IndexProgress> {
  const state = (await knex('search_state').where({ case_id: caseId }).first()) as
    { indexed_through: number | string; indexed_items: number | string } | undefined;
  const through = Number(state?.indexed_through ?? 0);
  // By the primary key from the mark (SQLite would otherwise walk the case's whole index: `+case_id`).
  const q = knex('items').where('id', '>', through);
  if (knex.client.config.client === 'pg') q.where('case_id', caseId);
  else q.whereRaw('+case_id = ?', [caseId]);
  const rest = (await q.count({ n: '*' }).first()) as { n: number | string };
  return { indexed: Number(state?.indexed_items ?? 0), remaining: Number(rest.n) };
}

function bodyText(raw: Buffer): string {
  const b = extractBodyText(raw);
  if (b.plain.length > 0) return b.plain.join('\n');
  return b.html.map((h) => htmlToText(h).text).join('\n');
}

async function readBatch(ctx: Context, caseId: number, slug: string, after: number, limit: number) {
  const knex = ctx.db.knex;
  const q = knex('items as i').join('messages as m', 'm.id', 'i.message_id').where('i.id', '>', after);
  // On SQLite `+case_id`, so the primary key walks from the mark: by the case's (case_id, sha_key)
  // index SQLite sorted the whole case for every batch (measured at 1,515,885 items: 9.4 s a batch
  // against 1.9 ms, 67 items/s indexed).
  if (dialectOf(knex) === 'pg') q.where('i.case_id', caseId);
  else q.whereRaw('+i.case_id = ?', [caseId]);
  const rows = (await q
    .orderBy('i.id')
    .limit(limit)
    .select(
      'i.id',
      'i.party_id',
      'i.parse_error',
      'i.pack',
      'i.pack_offset',
      'i.size',
      'i.message_id',
      'm.subject',
      'm.from_address',
    )) as Array<Record<string, string | number | null>>;
  const messageIds = [...new Set(rows.map((r) => Number(r.message_id)))];
  const recipients = new Map<number, string[]>();
  for (let k = 0; k < messageIds.length; k += 500) {
    const got = (await knex('deliveries')
      .whereIn('message_id', messageIds.slice(k, k + 500))
      .orderBy(['message_id', 'recipient'])
      .select('message_id', 'recipient')) as Array<{ message_id: number | string; recipient: string }>;
    for (const d of got) {
      const list = recipients.get(Number(d.message_id)) ?? [];
      if (list.length < MAX_INDEXED_RECIPIENTS) list.push(d.recipient);
      recipients.set(Number(d.message_id), list);
    }
  }
  const dir = storeDir(ctx, slug);
  return rows.map((r): ItemToIndex => {
    let body = '';
    const senders = new Set<string>();
    if (r.from_address) senders.add(String(r.from_address));
    const to = new Set(recipients.get(Number(r.message_id)) ?? []);
    try {
      const raw = readBlob(dir, { pack: String(r.pack), offset: Number(r.pack_offset), size: Number(r.size) });
      const h = parseHeaders(raw);
      for (const a of h.from) {
        if (a.name) senders.add(a.name);
        if (a.address) senders.add(a.address);
      }
      for (const a of [...h.to, ...h.cc]) if (a.address && to.size < MAX_INDEXED_RECIPIENTS) to.add(a.address);
      body = bodyText(raw);
    } catch {
      // Unreadable bytes or MIME: the item is still found by its subject, sender and recipients.
    }
    return {
      id: Number(r.id),
      partyId: Number(r.party_id),
      parseError: r.parse_error !== null,
      subject: String(r.subject ?? ''),
      sender: [...senders].join(' '),
      recipients: [...to].join(' '),
      body,
    };
  });
}

/** The tsvector literal of one item: positions run on across fields, one apart so no phrase spans two. */
export function tsvectorLiteral(fields: Array<{ text: string; weight: 'A' | 'B' | 'C' | 'D' }>): string {
  const positions = new Map<string, string[]>();
  let pos = 0;
  for (const f of fields) {
    pos += 1;
    for (const tok of tokens(f.text)) {
      pos += 1;
      const list = positions.get(tok) ?? [];
      if (list.length < PG_MAX_POSITIONS_PER_LEXEME && pos <= PG_MAX_POSITION) list.push(`${pos}${f.weight}`);
      else if (list.length === 0) list.push(`${PG_MAX_POSITION}${f.weight}`);
      positions.set(tok, list);
    }
  }
  return [...positions]
    .map(([tok, list]) => `'${tok.replace(/\\/g, '\\\\').replace(/'/g, "''")}':${list.join(',')}`)
    .join(' ');
}

async function writeBatch(knex: Knex, caseId: number, batch: ItemToIndex[], now: string): Promise<number> {
  const dialect = dialectOf(knex);
  return knex.transaction(async (tx) => {
    const q = tx('search_state').where({ case_id: caseId });
    if (dialect === 'pg') q.forUpdate();
    const state = (await q.first()) as { indexed_through: number | string; indexed_items: number | string };
    const through = Number(state.indexed_through);
    const fresh = batch.filter((b) => b.id > through);
    if (fresh.length === 0) return 0;
    await tx('search_texts').insert(
      fresh.map((b) => ({
        item_id: b.id,
        case_id: caseId,
        sender: b.sender,
        recipients: b.recipients,
        body: b.body.slice(0, SNIPPET_BODY_CHARS),
      })),
    );
    if (dialect === 'pg') {
      await tx('search_docs').insert(
        fresh.map((b) => ({
          item_id: b.id,
          case_id: caseId,
          party_id: b.partyId,
          parse_error: b.parseError,
          tsv: tx.raw('?::tsvector', [
            tsvectorLiteral([
              { text: b.subject, weight: 'A' },
              { text: b.sender, weight: 'B' },
              { text: b.recipients, weight: 'C' },
              { text: b.body, weight: 'D' },
            ]),
          ]),
        })),
      );
    } else {
      await tx('search_fts').insert(
        fresh.map((b) => ({
          rowid: b.id,
          subject: tokens(b.subject).join(' '),
          sender: tokens(b.sender).join(' '),
          recipients: tokens(b.recipients).join(' '),
          body: tokens(b.body).join(' '),
          meta: `c${caseId} p${b.partyId}${b.parseError ? ' parseerror' : ''}`,
        })),
      );
    }
    await tx('search_state')
      .where({ case_id: caseId })
      .update({
        indexed_through: fresh[fresh.length - 1]!.id,
        indexed_items: Number(state.indexed_items) + fresh.length,
        updated_at: now,
      });
    return fresh.length;
  });
}

/** Index every item of the case not yet indexed; returns how many this call indexed. */
export async function buildSearchIndex(
  ctx: Context,
  caseId: number,
  slug: string,
  opts: BuildOptions = {},
): Promise<number> {
  const knex = ctx.db.knex;
  const size = opts.batchSize ?? INDEX_BATCH;
  await ensureState(knex, caseId, ctx.clock().toISOString());
  let done = 0;
  for (;;) {
    if (opts.signal?.aborted) break;
    await opts.beforeBatch?.();
    const state = (await knex('search_state').where({ case_id: caseId }).first()) as {
      indexed_through: number | string;
    };
    const batch = await readBatch(ctx, caseId, slug, Number(state.indexed_through), size);
    if (batch.length === 0) break;
    done += await writeBatch(knex, caseId, batch, ctx.clock().toISOString());
    if (opts.onProgress) opts.onProgress(await searchIndexStatus(knex, caseId));
    if (batch.length < size) break;
  }
  await refreshPlannerStatistics(knex, done);
  return done;
}

/**
 * After a build into a search_docs never analysed (or analysed empty), or one that added a tenth or more of it (and at
 * least 1,000 rows), PostgreSQL's planner statistics are refreshed at once (ANALYZE samples about
 * 30,000 rows: seconds at 1,500,000). Left to autovacuum, the first searches after a large build ran
 * on statistics of an empty or far smaller table: at 1,000,000 messages p50 2.0 s and p95 8.5 s,
 * against p50 163 ms once analysed (docs/SEARCH.md, "Page plans on PostgreSQL"). SQLite's FTS5 has
 * no planner statistics to refresh.
 */
async function refreshPlannerStatistics(knex: Knex, added: number): Promise<void> {
  if (knex.client.config.client !== 'pg' || added === 0) return;
  const res = (await knex.raw("select reltuples from pg_class where oid = 'search_docs'::regclass")) as {
    rows: Array<{ reltuples: number | string }>;
  };
  const known = Number(res.rows[0]?.reltuples ?? -1);
  if (known <= 0 || (added >= 1_000 && added >= 0.1 * known)) await knex.raw('analyze search_docs');
}
