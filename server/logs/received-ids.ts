/**
 * The queue id a receiving server wrote into its Received line, with that server's name and the
 * line's time: what the `queue-id` match rule (match.ts) joins a logged attempt on. Pure.
 *
 *   Postfix   by mx1.laposte.net (Postfix) with ESMTP id 4F2A1B3C4D for <r>; date
 *   Sendmail  by mx3.laposte.net (8.13.8/8.13.8) with ESMTP id jB190006012345 for <r>; date
 *   Exim      by mx2.laposte.net with esmtp (Exim 4.63) id 1EhXyZ-0001Ab-Cd for r; date
 *
 * The id is the `id` clause after `by`, outside comments. Exchange's `id 15.20.1234.005` is its
 * version, not a queue id: ids of digits and dots only are not read.
 */
import { parseMailDate } from '../mail/headers/date.ts';
import { MAX_RECEIVED_HOPS, parseReceived } from '../mail/trace/received.ts';

export interface ReceivedQueueId {
  /** The receiving host as the line names it after `by`, lowercased, without a trailing dot. */
  by: string;
  queueId: string;
  /** ISO 8601 UTC of the line's date, null when it does not read. */
  at: string | null;
}

/** Longest queue id kept (Postfix long ids are 15-20 characters, Exim's 16 or 23, Sendmail's 14-15). */
const MAX_QUEUE_ID = 64;

function withoutComments(text: string): string {
  let out = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out;
}

/** Every Received value (topmost first) that names a receiving host and a queue id. */
export function receivedQueueIds(values: readonly string[]): ReceivedQueueId[] {
  const out: ReceivedQueueId[] = [];
  for (const value of values.slice(0, MAX_RECEIVED_HOPS)) {
    const hop = parseReceived(value);
    if (hop.by === null) continue;
    const text = value.replace(/\s+/g, ' ');
    const semi = text.lastIndexOf(';');
    const clauses = withoutComments(semi < 0 ? text : text.slice(0, semi));
    const byAt = clauses.search(/(?:^| )by /i);
    if (byAt < 0) continue;
    const m = / id <?([A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])>?(?: |$)/i.exec(clauses.slice(byAt));
    if (!m || /^[\d.]+$/.test(m[1]!) || m[1]!.length > MAX_QUEUE_ID) continue;
    out.push({
      by: hop.by.replace(/\.$/, ''),
      queueId: m[1]!,
      at: hop.dateText === null ? null : parseMailDate(hop.dateText),
    });
  }
  return out;
}
