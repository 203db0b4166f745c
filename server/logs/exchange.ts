/**
 * Microsoft Exchange message tracking logs (MSGTRK*.LOG): CSV after a header of `#Software:`,
 * `#Version:`, `#Log-type: Message Tracking Log`, `#Date:` and `#Fields: date-time,client-ip,...`.
 * The columns are taken from the `#Fields` line (a later `#Fields` line changes them); records are
 * RFC 4180 (quoted fields with commas, doubled quotes and line breaks: a record may span lines).
 * Times are UTC (`2024-03-05T10:15:22.123Z`); the declared zone is not used.
 *
 * One attempt per recipient (`recipient-address` lists them separated by `;`, `recipient-status`
 * the statuses in the same order) of:
 *
 * - `RECEIVE`: accepted; the first RECEIVE of a message gives its client to its later rows. A
 *   message is known by its `network-message-id` (Exchange 2013+, the same on every server of the
 *   organization), else by `internal-message-id` (one server's own): that id is the attempt's queue id;
 * - `DELIVER` (to a mailbox) and `SEND` (to the next server): delivered;
 * - `DEFER`: deferred;
 * - `FAIL`: bounced when the message was received here (a RECEIVE of its internal-message-id was
 *   read), else a refusal: refused-unknown-user for 5.1.1 / 5.1.10 / RecipNotFound, refused-policy otherwise.
 *
 * DSN, DROP, REDIRECT, RESOLVE, EXPAND, TRANSFER, SUBMIT, AGENTINFO and the other known events
 * are read without an attempt (docs/LOGS.md says why); an event not known is not understood
 * (counted, kept in the stored log).
 */
import { normalizeMessageId } from '../mail/headers/message-id.ts';
import { envelopeAddress, refusalResult, type Attempt, type AttemptResult, type LineReader } from './attempt.ts';
import { MAX_LOG_LINE_BYTES, MAX_OPEN_TRANSACTIONS } from './limits.ts';

interface Received {
  clientIp: string | null;
  clientName: string | null;
}

const RESULTS: Record<string, AttemptResult> = {
  RECEIVE: 'accepted',
  DELIVER: 'delivered',
  SEND: 'delivered',
  DEFER: 'deferred',
};

/** Events read without an attempt (Exchange 2007 to Exchange Online). */
const KNOWN = new Set([
  'AGENTINFO',
  'BADMAIL',
  'DSN',
  'DROP',
  'DUPLICATEDELIVER',
  'DUPLICATEEXPAND',
  'DUPLICATEREDIRECT',
  'EXPAND',
  'HADISCARD',
  'HARECEIVE',
  'HAREDIRECT',
  'HAREDIRECTFAIL',
  'INITMESSAGECREATED',
  'LOAD',
  'MODERATIONEXPIRE',
  'MODERATORAPPROVE',
  'MODERATORREJECT',
  'MODERATORSALLNDR',
  'NOTIFYMAPI',
  'NOTIFYSHADOW',
  'POISONMESSAGE',
  'PROCESS',
  'PROCESSMEETINGMESSAGE',
  'RECIPIENTSUBMIT',
  'REDIRECT',
  'RESOLVE',
  'RESUBMIT',
  'RESUBMITDEFER',
  'RESUBMITFAIL',
  'SENDEXTERNAL',
  'SUBMIT',
  'SUBMITDECISION',
  'SUBMITDEFER',
  'SUBMITFAIL',
  'SUPPRESSED',
  'THROTTLE',
  'TRANSFER',
]);

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;

/**
 * One RFC 4180 record: its fields, or null when a quoted field is still open at the end of `text`
 * (the record goes on on the next line).
 */
export function csvFields(text: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 34) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return null;
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      // Anything between the closing quote and the next comma is kept as written.
      const comma = text.indexOf(',', j);
      fields.push(value + text.slice(j, comma < 0 ? undefined : comma));
      if (comma < 0) return fields;
      i = comma + 1;
    } else {
      const comma = text.indexOf(',', i);
      fields.push(text.slice(i, comma < 0 ? undefined : comma));
      if (comma < 0) return fields;
      i = comma + 1;
    }
  }
}

/** `250 2.1.5 OK;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found`: split where a `;` starts a new SMTP code. */
function statuses(text: string): string[] {
  return text === '' ? [] : text.split(/;(?=\s*[245]\d\d\b)/).map((s) => s.trim());
}

export class ExchangeReader implements LineReader {
  private columns = new Map<string, number>();
  private readonly received = new Map<string, Received>();
  /** A record whose quoted field spans lines: its text so far and its first line. */
  private open: { text: string; line: number } | null = null;

  read(line: string, lineNo: number, emit: (a: Attempt) => void): boolean {
    // The UTF-8 BOM, decoded (a UTF-8 log) or read as latin1 (a line of the log that is not UTF-8).
    if (lineNo === 1 && line.startsWith('\ufeff')) line = line.slice(1);
    else if (lineNo === 1 && line.startsWith('\u00ef\u00bb\u00bf')) line = line.slice(3);
    if (this.open === null) {
      if (line.startsWith('#')) return this.header(line);
      if (line === '') return true;
    }
    const text = this.open === null ? line : `${this.open.text}\n${line}`;
    const first = this.open?.line ?? lineNo;
    const fields = csvFields(text);
    if (fields === null) {
      if (text.length > MAX_LOG_LINE_BYTES) {
        // A quote never closed: the record so far is given up, this line not understood.
        this.open = null;
        return false;
      }
      this.open = { text, line: first };
      return true;
    }
    this.open = null;
    return this.record(fields, first, emit);
  }

  finish(emit: (a: Attempt) => void): void {
    if (this.open === null) return;
    // The file ended inside a quoted field: read the record with the quote closed there.
    const fields = csvFields(`${this.open.text}"`);
    const line = this.open.line;
    this.open = null;
    if (fields) this.record(fields, line, emit);
  }

  private header(line: string): boolean {
    const colon = line.indexOf(':');
    if (colon < 0) return false;
    const name = line.slice(1, colon).trim().toLowerCase();
    if (name === 'fields') {
      this.columns = new Map(
        line
          .slice(colon + 1)
          .split(',')
          .map((f, i) => [f.trim().toLowerCase(), i] as [string, number]),
      );
      this.col = ExchangeReader.indexes(this.columns);
      return this.columns.has('date-time') && this.columns.has('event-id');
    }
    return /^[a-z][a-z-]*$/.test(name);
  }

  /** The index of each column the reader uses, taken once per `#Fields` line (-1 when absent). */
  private col = ExchangeReader.indexes(new Map());

  private static indexes(columns: Map<string, number>) {
    const at = (name: string): number => columns.get(name) ?? -1;
    return {
      time: at('date-time'),
      event: at('event-id'),
      networkId: at('network-message-id'),
      internalId: at('internal-message-id'),
      server: at('server-hostname'),
      clientIp: at('client-ip'),
      clientName: at('client-hostname'),
      recipients: at('recipient-address'),
      status: at('recipient-status'),
      messageId: at('message-id'),
      sender: at('sender-address'),
    };
  }

  /** A column's value, trimmed ('' when the column or the field is absent). */
  private static field(fields: string[], i: number): string {
    return i < 0 ? '' : (fields[i] ?? '').trim();
  }

  /** The last `date-time` text read and its ISO string: rows of one second often follow each other. */
  private lastTime = '';
  private lastIso = '';
  /** The last `message-id` field and its normalized form: a message's rows follow each other. */
  private lastMessageIdField = '';
  private lastMessageId: string | null = null;

  private record(fields: string[], lineNo: number, emit: (a: Attempt) => void): boolean {
    const field = ExchangeReader.field;
    const col = this.col;
    const time = field(fields, col.time);
    const event = field(fields, col.event).toUpperCase();
    if (event === '') return false;
    let at: string;
    if (time === this.lastTime && time !== '') at = this.lastIso;
    else {
      if (!ISO_UTC.test(time)) return false;
      const ms = Date.parse(time);
      if (Number.isNaN(ms)) return false;
      at = new Date(ms).toISOString();
      this.lastTime = time;
      this.lastIso = at;
    }
    // network-message-id (Exchange 2013+) is the same on every server and service the message passes;
    // internal-message-id is one server's own (and the only one Exchange 2007/2010 log).
    const networkId = field(fields, col.networkId) || null;
    const internalId = field(fields, col.internalId) || null;
    const queueId = networkId ?? internalId;
    const key = networkId ?? (internalId === null ? null : `${field(fields, col.server).toLowerCase()}|${internalId}`);
    let result = RESULTS[event];
    let r = key === null ? undefined : this.received.get(key);
    // The first RECEIVE is from the client; a later one of the same message is a hop inside the
    // organization (front end to back end): the client stays the first one's.
    if (event === 'RECEIVE' && !r) {
      r = {
        clientIp: field(fields, col.clientIp).toLowerCase() || null,
        clientName: field(fields, col.clientName).toLowerCase() || null,
      };
      if (key !== null) {
        if (this.received.size >= MAX_OPEN_TRANSACTIONS) {
          const oldest = this.received.keys().next();
          if (!oldest.done) this.received.delete(oldest.value);
        }
        this.received.set(key, r);
      }
    }
    if (event === 'FAIL') result = r ? 'bounced' : 'refused-policy';
    if (result === undefined) return KNOWN.has(event);

    const rcpts: string[] = [];
    for (const x of field(fields, col.recipients).split(';')) {
      const t = x.trim();
      if (t !== '') rcpts.push(t);
    }
    const status = field(fields, col.status);
    const perRecipient = statuses(status);
    const messageIdField = field(fields, col.messageId);
    if (messageIdField !== this.lastMessageIdField) {
      this.lastMessageIdField = messageIdField;
      this.lastMessageId = messageIdField === '' ? null : normalizeMessageId(messageIdField);
    }
    const messageId = this.lastMessageId;
    const sender = envelopeAddress(field(fields, col.sender));
    // A refusal's row names its client; a DELIVER, SEND or DEFER row names this server itself.
    const clientIp = r ? r.clientIp : event === 'FAIL' ? field(fields, col.clientIp).toLowerCase() || null : null;
    const clientName = r ? r.clientName : event === 'FAIL' ? field(fields, col.clientName).toLowerCase() || null : null;
    for (let i = 0; i < rcpts.length; i++) {
      const text = (perRecipient.length === rcpts.length ? perRecipient[i]! : status) || null;
      emit({
        line: lineNo,
        at,
        clientIp,
        clientName,
        helo: null,
        sender,
        recipient: envelopeAddress(rcpts[i]),
        result: result === 'refused-policy' ? refusalResult(text ?? '') : result,
        queueId,
        messageId,
        statusText: result === 'accepted' || result === 'delivered' ? null : text,
      });
    }
    return true;
  }
}
