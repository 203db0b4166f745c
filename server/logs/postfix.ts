/**
 * Postfix in syslog: one attempt per recipient of each refusal (`NOQUEUE: reject: RCPT from ...`)
 * and of each delivery report (smtp, lmtp, local, virtual, pipe, error: `to=<...>, ...,
 * status=sent|bounced|deferred`). A queued message's client comes from smtpd's `QID: client=`,
 * its Message-ID from cleanup, its envelope sender from qmgr's `from=`, as pflogsumm pairs them by
 * queue id. Lines of other programs or forms are counted as unknown by the caller.
 */
import { normalizeMessageId } from '../mail/headers/message-id.ts';
import { envelopeAddress, refusalResult, type Attempt, type AttemptResult, type LineReader } from './attempt.ts';
import { MAX_OPEN_TRANSACTIONS } from './limits.ts';
import type { ZoneClock } from './log-time.ts';
import { parseSyslogFrame } from './syslog-line.ts';

interface Queued {
  clientIp: string | null;
  clientName: string | null;
  helo: string | null;
  sender: string | null;
  messageId: string | null;
}

const QUEUE_ID = /^([0-9A-F]{6,15}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,20}): /;
/** `name[ip]` or `name[ip]:port` */
const CLIENT = /^([^[\s]*)\[([0-9A-Fa-f.:]+|IPv6:[0-9A-Fa-f:.]+)\](?::\d+)?/;
const REJECT =
  /^reject: RCPT from ([^\s:]*\[[^\]]+\](?::\d+)?): (.*?); from=<([^>]*)> to=<([^>]*)>(?: proto=\S+)?(?: helo=<([^>]*)>)?/;
const DELIVERY =
  /^to=<([^>]*)>,(?: orig_to=<[^>]*>,)? relay=([^,]*),.*? status=(sent|bounced|deferred|expired)(?: \((.*)\))?$/;

function client(text: string): { name: string | null; ip: string | null } {
  const m = CLIENT.exec(text);
  if (!m) return { name: null, ip: null };
  const name = m[1] === '' || m[1] === 'unknown' ? null : m[1]!.toLowerCase();
  return { name, ip: m[2]!.startsWith('IPv6:') ? m[2]!.slice(5).toLowerCase() : m[2]!.toLowerCase() };
}

const STATUS: Record<string, AttemptResult> = {
  sent: 'delivered',
  bounced: 'bounced',
  deferred: 'deferred',
  expired: 'bounced',
};

/** Programs and forms read without an attempt: known, so never counted as unknown. */
const QUIET =
  /^(connect from |disconnect from |lost connection |timeout after |warning: |statistics: |NOQUEUE: (?:filter|warn|discard)|NOQUEUE: reject: (?:CONNECT|EHLO|HELO|MAIL|VRFY|ETRN) from |[0-9A-Za-z]+: (?:removed|uid=|sender non-delivery|message-id=<>))/;

export class PostfixReader implements LineReader {
  private readonly queue = new Map<string, Queued>();
  /** Consecutive lines mostly share their second: its ISO string is made once. */
  private lastMs = Number.NaN;
  private lastIso = '';

  constructor(
    private readonly clock: ZoneClock,
    private readonly yearReferenceMs: number,
  ) {}

  read(line: string, lineNo: number, emit: (a: Attempt) => void): boolean {
    const f = parseSyslogFrame(line, this.clock, this.yearReferenceMs);
    if (!f || !f.suite.startsWith('postfix')) return false;
    if (f.at !== this.lastMs) {
      this.lastMs = f.at;
      this.lastIso = new Date(f.at).toISOString();
    }
    const at = this.lastIso;
    const text = f.text;
    const qm = QUEUE_ID.exec(text);
    const qid = qm ? qm[1]! : null;
    const body = qm ? text.slice(qm[0].length) : text.startsWith('NOQUEUE: ') ? text.slice(9) : null;
    if (body === null) return QUIET.test(text);

    if (body.startsWith('reject: RCPT from ')) {
      const m = REJECT.exec(body);
      if (!m) return false;
      const c = client(m[1]!);
      emit({
        line: lineNo,
        at,
        clientIp: c.ip,
        clientName: c.name,
        helo: m[5] ?? null,
        sender: envelopeAddress(m[3]),
        recipient: envelopeAddress(m[4]),
        result: refusalResult(m[2]!),
        queueId: qid,
        messageId: null,
        statusText: m[2]!,
      });
      return true;
    }
    if (qid === null) return QUIET.test(text);
    if (f.program === 'smtpd' && body.startsWith('client=')) {
      const c = client(body.slice(7));
      this.remember(qid, { clientIp: c.ip, clientName: c.name, helo: null, sender: null, messageId: null });
      return true;
    }
    if (f.program === 'cleanup' && body.startsWith('message-id=')) {
      const q = this.open(qid);
      q.messageId = normalizeMessageId(body.slice(11));
      return true;
    }
    if (f.program === 'qmgr' && body.startsWith('from=<')) {
      const end = body.indexOf('>', 6);
      if (end < 0) return false;
      this.open(qid).sender = envelopeAddress(body.slice(6, end));
      return true;
    }
    if (body === 'removed') {
      this.queue.delete(qid);
      return true;
    }
    if (body.startsWith('to=<')) {
      const m = DELIVERY.exec(body);
      if (!m) return false;
      const q = this.queue.get(qid);
      emit({
        line: lineNo,
        at,
        clientIp: q?.clientIp ?? null,
        clientName: q?.clientName ?? null,
        helo: q?.helo ?? null,
        sender: q?.sender ?? null,
        recipient: envelopeAddress(m[1]),
        result: STATUS[m[3]!]!,
        queueId: qid,
        messageId: q?.messageId ?? null,
        statusText: m[4] ?? null,
      });
      return true;
    }
    return QUIET.test(text) || /^(?:client=|message-id=|from=|uid=|sender non-delivery)/.test(body);
  }

  private open(qid: string): Queued {
    let q = this.queue.get(qid);
    if (!q) {
      q = { clientIp: null, clientName: null, helo: null, sender: null, messageId: null };
      this.remember(qid, q);
    }
    return q;
  }

  private remember(qid: string, q: Queued): void {
    this.queue.delete(qid);
    if (this.queue.size >= MAX_OPEN_TRANSACTIONS) {
      const oldest = this.queue.keys().next();
      if (!oldest.done) this.queue.delete(oldest.value);
    }
    this.queue.set(qid, q);
  }
}
