/**
 * Attempts joined to the harvested evidence, each match with its rule (docs/LOGS.md), strongest
 * first; an attempt keeps the first rule that matched it:
 *
 * - `message-id`: the attempt's Message-ID is a harvested message's and its recipient one of that
 *   message's deliveries: the delivery's first item. The logged attempt and the harvested delivery
 *   are then one delivery, never two.
 * - `queue-id`: the attempt's queue id is the one its server wrote into a harvested item's Received
 *   line (the line whose `by` host is the log's declared server name), the recipient one of that
 *   item's message's deliveries, and the attempt logged no earlier than QUEUE_ID_WINDOW_MS before
 *   the line's time and no later than QUEUE_ID_LIFETIME_MS + QUEUE_ID_WINDOW_MS after it: the
 *   delivery's first item. The server's own id for the transaction that carried this copy.
 * - `message-id-only`: the Message-ID is a harvested message's, the recipient not harvested: the
 *   message's first item (same email, another mailbox). Not for a Message-ID the case saw reused
 *   for different content (some message of it keyed by content): it names no single message.
 * - `ip-time`: no Message-ID logged (or none matched): the attempt's client is the hand-off IP the
 *   chain walk recorded for a delivery to the same recipient, within IP_TIME_WINDOW_MS of that
 *   item's hand-off time.
 *
 * Refusals never match: a refused recipient received nothing to harvest. Re-running replaces every
 * match of the case (idempotent).
 */
import type { Knex } from 'knex';
import { bulkInsert } from '../db/bulk-insert.ts';
import { parseHeaders } from '../mail/headers/parse-headers.ts';
import { readBlob } from '../store/pack-store.ts';
import { receivedQueueIds } from './received-ids.ts';

/**
 * How long a queue id lives on its server: a message is retried and bounced within the servers'
 * default queue lifetime (Postfix maximal_queue_lifetime 5d, Sendmail Timeout.queuereturn 5d, Exim's
 * retry rules about 4d); queue ids are reused afterwards (Postfix short ids soonest).
 */
export const QUEUE_ID_LIFETIME_MS = 5 * 86_400_000;
/** Clock skew between the log and the Received line's date. */
export const QUEUE_ID_WINDOW_MS = 15 * 60_000;
/** Items read per step when the Received queue ids of newly ingested items are indexed. */
const INDEX_STEP_ITEMS = 2_000;

/** How far apart the log's time and the item's hand-off Received time may be (clock skew, queueing). */
export const IP_TIME_WINDOW_MS = 15 * 60_000;

const MATCHABLE = ['accepted', 'delivered', 'bounced', 'deferred'];
/** Attempts read per page by the queue-id and IP+time rules (memory flat in the log's size). */
export const MATCH_PAGE_ROWS = 5_000;

export interface MatchTotals {
  messageId: number;
  queueId: number;
  messageIdOnly: number;
  ipTime: number;
  unmatched: number;
}

/** `storeDir`: the case's store, whose items' Received lines the queue-id rule reads (once per item). */
export async function matchAttempts(
  knex: Knex,
  caseId: number,
  storeDir: string,
  /** Attempts read per page by the queue-id and IP+time rules. */
  pageRows = MATCH_PAGE_ROWS,
): Promise<MatchTotals> {
  return knex.transaction(async (trx) => {
    await trx('attempts')
      .where({ case_id: caseId })
      .where((w) => w.whereNotNull('match_rule').orWhereNotNull('item_id'))
      .update({ item_id: null, match_rule: null });
    // Rule 1: Message-ID + recipient → the delivery.
    await trx.raw(
      `update attempts set match_rule = 'message-id', item_id = (
         select d.first_item_id from messages m join deliveries d on d.message_id = m.id
         where m.case_id = attempts.case_id and m.key_hash = attempts.message_key_hash and m.header_message_id = attempts.message_id and d.recipient = attempts.recipient
         order by d.first_item_id limit 1)
       where case_id = ? and message_id is not null and result in (${MATCHABLE.map(() => '?').join(',')})
         and exists (select 1 from messages m join deliveries d on d.message_id = m.id
           where m.case_id = attempts.case_id and m.key_hash = attempts.message_key_hash and m.header_message_id = attempts.message_id and d.recipient = attempts.recipient)`,
      [caseId, ...MATCHABLE],
    );
    // Rule 2: the server's queue id in the item's Received line + recipient → the delivery.
    const queueId = await matchByQueueId(trx, caseId, storeDir, pageRows);
    // Rule 3: Message-ID alone → the message.
    await trx.raw(
      `update attempts set match_rule = 'message-id-only', item_id = (
         select m.first_item_id from messages m
         where m.case_id = attempts.case_id and m.key_hash = attempts.message_key_hash and m.header_message_id = attempts.message_id order by m.id limit 1)
       where case_id = ? and match_rule is null and message_id is not null and result in (${MATCHABLE.map(() => '?').join(',')})
         and exists (select 1 from messages m where m.case_id = attempts.case_id and m.key_hash = attempts.message_key_hash and m.header_message_id = attempts.message_id)`,
      [caseId, ...MATCHABLE],
    );
    // A Message-ID the case keys some message of by content (it was reused for different content)
    // names no single message: rule 2 does not hold for it.
    const reused = (await trx('messages')
      .where({ case_id: caseId })
      .whereNotNull('header_message_id')
      .andWhere('message_key', 'like', 'c:%')
      .distinct('header_message_id')) as Array<{ header_message_id: string }>;
    for (let i = 0; i < reused.length; i += 500)
      await trx('attempts')
        .where({ case_id: caseId, match_rule: 'message-id-only' })
        .whereIn(
          'message_id',
          reused.slice(i, i + 500).map((r) => r.header_message_id),
        )
        .update({ match_rule: null, item_id: null });
    // Rule 4: hand-off IP + recipient + time window. Set-based: one join per window of attempt ids
    // with the hand-offs on (case_id, handoff_ip) and the deliveries of those items to the recipient;
    // the window is compared here in milliseconds (times are ISO strings on both databases).
    let ipTime = 0;
    const anyHandoff = await trx('item_attributions')
      .where({ case_id: caseId })
      .whereNotNull('handoff_ip')
      .whereNotNull('handoff_at')
      .first('item_id');
    if (anyHandoff)
      for await (const w of idWindows(trx, caseId, pageRows)) {
        const pairs = (await trx('attempts as a')
          .join('item_attributions as h', (j) => j.on('h.case_id', 'a.case_id').andOn('h.handoff_ip', 'a.client_ip'))
          .join('items as i', 'i.id', 'h.item_id')
          .join('deliveries as d', (j) =>
            j
              .on('d.message_id', 'i.message_id')
              .andOn('d.first_item_id', 'h.item_id')
              .andOn('d.recipient', trx.raw("coalesce(a.recipient, '')")),
          )
          // `+a.case_id`: the join starts from the window's attempts by the primary key (SQLite).
          .whereRaw('+a.case_id = ?', [caseId])
          .where('a.id', '>', w.after)
          .where('a.id', '<=', w.through)
          .whereNull('a.match_rule')
          .whereIn('a.result', MATCHABLE)
          .whereNotNull('h.handoff_at')
          .select('a.id', 'a.at', 'h.item_id', 'h.handoff_at')) as Array<{
          id: number | string;
          at: string;
          item_id: number | string;
          handoff_at: string;
        }>;
        // The closest hand-off in time; of two as close, the first item.
        const best = new Map<number, { item: number; gap: number }>();
        for (const p of pairs) {
          const gap = Math.abs(Date.parse(p.handoff_at) - Date.parse(p.at));
          if (!(gap <= IP_TIME_WINDOW_MS)) continue;
          const id = Number(p.id);
          const item = Number(p.item_id);
          const prev = best.get(id);
          if (!prev || gap < prev.gap || (gap === prev.gap && item < prev.item)) best.set(id, { item, gap });
        }
        for (const [id, { item }] of best)
          await trx('attempts').where({ id }).update({ item_id: item, match_rule: 'ip-time' });
        ipTime += best.size;
      }
    const rows = (await trx('attempts')
      .where({ case_id: caseId })
      .groupBy('match_rule')
      .select('match_rule')
      .count({ n: '*' })) as Array<{ match_rule: string | null; n: number | string }>;
    const n = (rule: string | null): number => Number(rows.find((r) => r.match_rule === rule)?.n ?? 0);
    return {
      messageId: n('message-id'),
      queueId,
      messageIdOnly: n('message-id-only'),
      ipTime,
      unmatched: n(null),
    };
  });
}

/**
 * Reads the Received lines of the case's items not read yet (ids past the case's mark: items are
 * numbered in ingest order and their bytes never change) into received_queue_ids.
 */
export async function indexReceivedQueueIds(trx: Knex.Transaction, caseId: number, storeDir: string): Promise<number> {
  const mark = (await trx('received_queue_id_marks').where({ case_id: caseId }).first('through_item_id')) as
    { through_item_id: number | string } | undefined;
  let after = mark ? Number(mark.through_item_id) : 0;
  let read = 0;
  for (;;) {
    const rows = (await trx('items')
      .where({ case_id: caseId })
      .where('id', '>', after)
      .orderBy('id')
      .limit(INDEX_STEP_ITEMS)
      .select('id', 'pack', 'pack_offset', 'size')) as Array<{
      id: number | string;
      pack: string;
      pack_offset: number | string;
      size: number | string;
    }>;
    if (rows.length === 0) break;
    const out: unknown[][] = [];
    for (const r of rows) {
      const raw = readBlob(storeDir, { pack: r.pack, offset: Number(r.pack_offset), size: Number(r.size) });
      let ids: ReturnType<typeof receivedQueueIds> = [];
      try {
        ids = receivedQueueIds(parseHeaders(raw).received);
      } catch {
        ids = [];
      }
      for (const q of ids) out.push([caseId, Number(r.id), q.by.slice(0, 255), q.queueId, q.at]);
    }
    await bulkInsert(trx, 'received_queue_ids', ['case_id', 'item_id', 'by_host', 'queue_id', 'received_at'], out);
    after = Number(rows[rows.length - 1]!.id);
    read += rows.length;
  }
  if (read > 0) {
    if (mark) await trx('received_queue_id_marks').where({ case_id: caseId }).update({ through_item_id: after });
    else await trx('received_queue_id_marks').insert({ case_id: caseId, through_item_id: after });
  }
  return read;
}

/**
 * The `queue-id` rule, in application code: the window is compared in milliseconds. The items not
 * read yet are read first, and only when some attempt not matched yet has a queue id to join.
 */
async function matchByQueueId(
  trx: Knex.Transaction,
  caseId: number,
  storeDir: string,
  pageRows: number,
): Promise<number> {
  // Set-based: for each window of attempt ids, one join of the window's unmatched attempts with
  // received_queue_ids (their (case_id, queue_id) index), the lines' items and the deliveries of
  // those items' messages to the attempt's recipient returns only the candidate pairs; the server
  // name and the time window are then compared here. Memory does not grow with the log.
  const any = await trx('attempts')
    .where({ case_id: caseId })
    .whereNull('match_rule')
    .whereIn('result', MATCHABLE)
    .whereNotNull('queue_id')
    .whereNotNull('recipient')
    .first('id');
  if (!any) return 0;
  await indexReceivedQueueIds(trx, caseId, storeDir);
  const lines = await trx('received_queue_ids').where({ case_id: caseId }).first('item_id');
  if (!lines) return 0;
  let matched = 0;
  for await (const w of idWindows(trx, caseId, pageRows)) {
    const pairs = (await trx('attempts as a')
      .join('received_queue_ids as q', (j) => j.on('q.case_id', 'a.case_id').andOn('q.queue_id', 'a.queue_id'))
      .join('items as i', 'i.id', 'q.item_id')
      .join('deliveries as d', (j) => j.on('d.message_id', 'i.message_id').andOn('d.recipient', 'a.recipient'))
      // `+a.case_id`: the join starts from the window's attempts by the primary key (SQLite).
      .whereRaw('+a.case_id = ?', [caseId])
      .where('a.id', '>', w.after)
      .where('a.id', '<=', w.through)
      .whereNull('a.match_rule')
      .whereIn('a.result', MATCHABLE)
      .select('a.id', 'a.at', 'a.server', 'q.by_host', 'q.received_at', 'd.first_item_id')) as Array<{
      id: number | string;
      at: string;
      server: string;
      by_host: string;
      received_at: string | null;
      first_item_id: number | string;
    }>;
    const best = new Map<number, number>();
    for (const p of pairs) {
      if (p.by_host !== serverName(p.server)) continue;
      const t = Date.parse(p.at);
      if (p.received_at !== null) {
        const l = Date.parse(p.received_at);
        if (t < l - QUEUE_ID_WINDOW_MS || t > l + QUEUE_ID_LIFETIME_MS + QUEUE_ID_WINDOW_MS) continue;
      }
      const id = Number(p.id);
      const item = Number(p.first_item_id);
      const prev = best.get(id);
      if (prev === undefined || item < prev) best.set(id, item);
    }
    for (const [id, item] of best)
      await trx('attempts').where({ id }).update({ item_id: item, match_rule: 'queue-id' });
    matched += best.size;
  }
  return matched;
}

interface IdWindow {
  /** Ids past this one... */
  after: number;
  /** ...through this one. */
  through: number;
}

/**
 * The case's attempt ids in windows of `span` consecutive ids, read by the primary key (a page
 * ordered by id under a case_id filter was sorted whole each time: quadratic in the log).
 */
async function* idWindows(trx: Knex.Transaction, caseId: number, span: number): AsyncGenerator<IdWindow> {
  const r = (await trx('attempts').where({ case_id: caseId }).min({ lo: 'id' }).max({ hi: 'id' }).first()) as
    { lo: number | string | null; hi: number | string | null } | undefined;
  if (!r || r.lo === null || r.hi === null) return;
  const hi = Number(r.hi);
  for (let after = Number(r.lo) - 1; after < hi; after += span) yield { after, through: Math.min(hi, after + span) };
}

/** The declared server name as a Received line's `by` is compared with it. */
export function serverName(server: string): string {
  return server.trim().toLowerCase().replace(/\.$/, '');
}
