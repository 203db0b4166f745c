/**
 * Attempts joined to the harvested evidence, each match with its rule (docs/LOGS.md), strongest
 * first; an attempt keeps the first rule that matched it:
 *
 * - `message-id`: the attempt's Message-ID is a harvested message's and its recipient one of that
 *   message's deliveries: the delivery's first item. The logged attempt and the harvested delivery
 *   are then one delivery, never two.
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

/** How far apart the log's time and the item's hand-off Received time may be (clock skew, queueing). */
export const IP_TIME_WINDOW_MS = 15 * 60_000;

const MATCHABLE = ['accepted', 'delivered', 'bounced', 'deferred'];

export interface MatchTotals {
  messageId: number;
  messageIdOnly: number;
  ipTime: number;
  unmatched: number;
}

export async function matchAttempts(knex: Knex, caseId: number): Promise<MatchTotals> {
  return knex.transaction(async (trx) => {
    await trx('attempts').where({ case_id: caseId }).update({ item_id: null, match_rule: null });
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
    // Rule 2: Message-ID alone → the message.
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
    // Rule 3: hand-off IP + recipient + time window, in application code (times are ISO strings on both
    // databases; the window is compared in milliseconds).
    const candidates = (await trx('attempts')
      .where({ case_id: caseId })
      .whereNull('match_rule')
      .whereIn('result', MATCHABLE)
      .whereNotNull('client_ip')
      .select('id', 'at', 'client_ip', 'recipient')) as Array<{
      id: number | string;
      at: string;
      client_ip: string;
      recipient: string | null;
    }>;
    let ipTime = 0;
    if (candidates.length > 0) {
      const handoffs = (await trx('item_attributions as a')
        .join('deliveries as d', 'd.first_item_id', 'a.item_id')
        .where('a.case_id', caseId)
        .whereNotNull('a.handoff_ip')
        .whereNotNull('a.handoff_at')
        .select('a.item_id', 'a.handoff_ip', 'a.handoff_at', 'd.recipient')) as Array<{
        item_id: number | string;
        handoff_ip: string;
        handoff_at: string;
        recipient: string;
      }>;
      const byKey = new Map<string, Array<{ item: number; at: number }>>();
      for (const h of handoffs) {
        const key = `${h.handoff_ip}|${h.recipient}`;
        let list = byKey.get(key);
        if (!list) byKey.set(key, (list = []));
        list.push({ item: Number(h.item_id), at: Date.parse(h.handoff_at) });
      }
      const updates: Array<[number, number]> = [];
      for (const c of candidates) {
        const list = byKey.get(`${c.client_ip}|${c.recipient ?? ''}`);
        if (!list) continue;
        const t = Date.parse(c.at);
        let best: { item: number; at: number } | undefined;
        for (const h of list)
          if (Math.abs(h.at - t) <= IP_TIME_WINDOW_MS && (!best || Math.abs(h.at - t) < Math.abs(best.at - t)))
            best = h;
        if (best) updates.push([Number(c.id), best.item]);
      }
      for (const [id, item] of updates)
        await trx('attempts').where({ id }).update({ item_id: item, match_rule: 'ip-time' });
      ipTime = updates.length;
    }
    const rows = (await trx('attempts')
      .where({ case_id: caseId })
      .groupBy('match_rule')
      .select('match_rule')
      .count({ n: '*' })) as Array<{ match_rule: string | null; n: number | string }>;
    const n = (rule: string | null): number => Number(rows.find((r) => r.match_rule === rule)?.n ?? 0);
    return { messageId: n('message-id'), messageIdOnly: n('message-id-only'), ipTime, unmatched: n(null) };
  });
}
