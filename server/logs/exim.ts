/**
 * Exim's main log (`log_file_path`/mainlog): `2005-12-01 10:00:00 [+0100] [pid] QID <= sender H=...`
 * (arrival: one accepted attempt per recipient when `+received_recipients` logs `for ...`),
 * `=>` and `->` (delivered), `**` (bounced), `==` (deferred), and `H=... F=<sender> rejected RCPT
 * <rcpt>: reason` (refused, no queue id), as eximstats reads them. Times are local in the declared
 * zone unless the line carries its own offset (`log_timezone`).
 */
import { normalizeMessageId } from '../mail/headers/message-id.ts';
import { envelopeAddress, refusalResult, type Attempt, type AttemptResult, type LineReader } from './attempt.ts';
import { MAX_OPEN_TRANSACTIONS } from './limits.ts';
import type { ZoneClock } from './log-time.ts';

interface Arrival {
  clientIp: string | null;
  clientName: string | null;
  helo: string | null;
  sender: string | null;
  messageId: string | null;
}

const STAMP = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.\d+)? (?:([+-]\d{4}) )?(?:\[\d+\] )?/;
const QID = /^([0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}|[0-9A-Za-z]{6}-[0-9A-Za-z]{11}-[0-9A-Za-z]{4}) /;
/** `H=name [ip]`, `H=(helo) [ip]`, `H=name (helo) [ip]`, with an optional `:port`. */
const HOST = /(?:^| )H=(?:([^\s([]+) ?)?(?:\(([^)]*)\) )?\[([0-9A-Fa-f.:]+)\](?::\d+)?/;
const REJECTED_RCPT = / F=<([^>]*)> (?:temporarily )?rejected RCPT <([^>]*)>: ?(.*)$/;

const ARROW: Record<string, AttemptResult> = {
  '=>': 'delivered',
  '->': 'delivered',
  '**': 'bounced',
  '==': 'deferred',
};

const QUIET =
  /^(?:SMTP connection from|SMTP connection lost|no host name found|Start queue run|End queue run|exim [\d.]+ daemon started|SMTP command timeout|unexpected disconnection|Connection from|TLS error)/;

function host(text: string): { name: string | null; helo: string | null; ip: string | null } {
  const m = HOST.exec(text);
  if (!m) return { name: null, helo: null, ip: null };
  return { name: m[1]?.toLowerCase() ?? null, helo: m[2] ?? null, ip: m[3]!.toLowerCase() };
}

export class EximReader implements LineReader {
  private readonly arrivals = new Map<string, Arrival>();

  constructor(private readonly clock: ZoneClock) {}

  /** The last stamp read (`2005-12-01 10:00:00` and its offset; fraction and pid not read), its ISO string. */
  private lastStamp = '';
  private lastIso = '';

  read(line: string, lineNo: number, emit: (a: Attempt) => void): boolean {
    const s = STAMP.exec(line);
    if (!s) return false;
    // The stamp's time and offset, without the pid: consecutive lines mostly share their second.
    const stamp = s[7] === undefined ? line.slice(0, 19) : `${line.slice(0, 19)}${s[7]}`;
    if (stamp !== this.lastStamp) {
      let ms: number;
      if (s[7] !== undefined) {
        const z = s[7];
        const offset = (z[0] === '-' ? -1 : 1) * (+z.slice(1, 3) * 60 + +z.slice(3, 5)) * 60_000;
        ms = Date.UTC(+s[1]!, +s[2]! - 1, +s[3]!, +s[4]!, +s[5]!, +s[6]!) - offset;
      } else ms = this.clock.toUtc(+s[1]!, +s[2]!, +s[3]!, +s[4]!, +s[5]!, +s[6]!);
      this.lastStamp = stamp;
      this.lastIso = new Date(ms).toISOString();
    }
    const at = this.lastIso;
    const text = line.slice(s[0].length);

    const q = QID.exec(text);
    if (!q) {
      const r = REJECTED_RCPT.exec(text);
      if (r) {
        const h = host(text);
        emit({
          line: lineNo,
          at,
          clientIp: h.ip,
          clientName: h.name,
          helo: h.helo,
          sender: envelopeAddress(r[1]),
          recipient: envelopeAddress(r[2]),
          result: refusalResult(r[3]!),
          queueId: null,
          messageId: null,
          statusText: r[3]!,
        });
        return true;
      }
      return QUIET.test(text) || / rejected (?:EHLO|HELO|MAIL|after DATA|connection)/.test(text);
    }
    const qid = q[1]!;
    const body = text.slice(q[0].length);
    const arrow = body.slice(0, 3);
    if (arrow === '<= ') {
      const senderEnd = body.indexOf(' ', 3);
      const sender = envelopeAddress(body.slice(3, senderEnd < 0 ? undefined : senderEnd));
      const h = host(body);
      const idm = / id=(\S+)/.exec(body);
      const a: Arrival = {
        clientIp: h.ip,
        clientName: h.name,
        helo: h.helo,
        sender,
        messageId: idm ? normalizeMessageId(idm[1]!) : null,
      };
      this.remember(qid, a);
      const forAt = body.lastIndexOf(' for ');
      if (forAt >= 0)
        for (const rcpt of body.slice(forAt + 5).split(' ')) {
          if (rcpt === '') continue;
          emit({
            line: lineNo,
            at,
            ...a,
            recipient: envelopeAddress(rcpt),
            result: 'accepted',
            queueId: qid,
            statusText: null,
          });
        }
      return true;
    }
    const result = ARROW[arrow.slice(0, 2)];
    if (result !== undefined && arrow[2] === ' ') {
      const rest = body.slice(3);
      const end = rest.indexOf(' ');
      const rcpt = end < 0 ? rest : rest.slice(0, end);
      const a = this.arrivals.get(qid);
      const colon = rest.indexOf(': ');
      emit({
        line: lineNo,
        at,
        clientIp: a?.clientIp ?? null,
        clientName: a?.clientName ?? null,
        helo: a?.helo ?? null,
        sender: a?.sender ?? null,
        recipient: envelopeAddress(rcpt),
        result,
        queueId: qid,
        messageId: a?.messageId ?? null,
        statusText: result === 'delivered' || colon < 0 ? null : rest.slice(colon + 2),
      });
      return true;
    }
    if (body === 'Completed' || body.startsWith('Completed ')) {
      this.arrivals.delete(qid);
      return true;
    }
    return /^(?:Frozen|Unfrozen|Message is frozen|SMTP error|H=|\S+ <\S+> R=|Spool file|cancelled by|removed by)/.test(
      body,
    );
  }

  private remember(qid: string, a: Arrival): void {
    if (this.arrivals.size >= MAX_OPEN_TRANSACTIONS) {
      const oldest = this.arrivals.keys().next();
      if (!oldest.done) this.arrivals.delete(oldest.value);
    }
    this.arrivals.set(qid, a);
  }
}
