/**
 * Sendmail in syslog (`sendmail[pid]`, `sm-mta[pid]`, `sm-msp-queue[pid]`), its "syslog equates"
 * (sendmail 4th ed. ch. 14.6) read as the Postfix reader reads Postfix, paired by queue id:
 *
 * - `QID: from=<s>, size=, class=, nrcpts=, msgid=<m>, proto=, daemon=, relay=name [ip]`: the
 *   transaction (envelope sender, Message-ID, client), logged once after DATA (or at RSET/QUIT
 *   with nrcpts=0 when every recipient was refused);
 * - `QID: to=<r1>,<r2>, ..., dsn=2.0.0, stat=Sent (...)`: one attempt per listed recipient:
 *   `Sent` delivered, `Deferred...` (or a 4.x.x dsn) deferred, `queued` accepted, anything else
 *   (`User unknown` dsn=5.1.1, `Service unavailable`, `Host unknown`) bounced;
 * - `QID: ruleset=check_rcpt, arg1=<r>, relay=..., reject=550 5.1.1 ...` and `QID: <r>... User
 *   unknown` (an RCPT answered 550 by the mailbox lookup): refusals of that recipient. Logged
 *   before the transaction's `from=` line, they wait for it (for the envelope sender) and are
 *   handed over then, or at the end of the file;
 * - `ruleset=check_relay` (at connect) and `ruleset=check_mail` (at MAIL) refusals: read without
 *   an attempt (an attempt is one recipient of one transaction, docs/GLOSSARY.md; the client was
 *   turned away before naming one), as the Postfix and Exim readers read their connection and MAIL
 *   refusals;
 * - `QID: NEWQID: DSN: reason`: NEWQID is the bounce notice the server made itself; its `to=`
 *   lines (to the original sender) are read without an attempt.
 *
 * Lines of other programs or forms are counted as unknown by the caller.
 */
import { normalizeMessageId } from '../mail/headers/message-id.ts';
import { envelopeAddress, refusalResult, type Attempt, type AttemptResult, type LineReader } from './attempt.ts';
import { MAX_OPEN_TRANSACTIONS } from './limits.ts';
import type { ZoneClock } from './log-time.ts';
import { parseSyslogFrame } from './syslog-line.ts';

interface Transaction {
  clientIp: string | null;
  clientName: string | null;
  sender: string | null;
  messageId: string | null;
}

/**
 * Sendmail queue ids: 8.12+ `jB19006K012345` (encoded time, sequence, pid), 8.9 `SAA01234`; at least
 * one digit, so a word such as `collect:` is never one.
 */
const QUEUE_ID = /^(?=[0-9A-Za-z]*\d)([0-9A-Za-z]{8,20}): /;
/** `name [ip]`, `[ip]`, `user@name [ip]`, `name. [IPv6:...]`, with `(may be forged)` after it. */
const RELAY = /^(?:[^\s@[]*@)?([^\s[]*?)\.? ?\[(?:IPv6:)?([0-9A-Fa-f.:]+)\]/;
const DSN_NOTICE = /^([0-9A-Za-z]{8,20}): (?:DSN|postmaster notify|return to sender): /;
/** `<r>... reason`: an RCPT answered by the address lookup itself. */
const ADDRESS_ERROR = /^<([^>]*)>\.\.\. (.+)$/;

/** Known forms read without an attempt. */
const QUIET =
  /^(?:STARTTLS|AUTH=|TLS:|connect from |makeconnection|starting daemon|alias database|\S+: \d+ aliases|restarting|stopping daemon|runqueue|grew WorkList|SYSERR|Authentication-Warning|Milter|milter|sender notify|done;|clone|lost input channel|timeout waiting|collect: |\S* ?\[[0-9A-Fa-f.:]+\](?: \(may be forged\))? did not issue|\S* ?\[[0-9A-Fa-f.:]+\]: possible SMTP attack|rejecting connections|accepting connections|ruleset=tls_|discarded|Losing|low on space|headers too large|message size|<[^>]*>\.\.\. (?:Connecting|Sent|Deferred))/;

function relayOf(value: string | undefined): { name: string | null; ip: string | null } {
  if (value === undefined) return { name: null, ip: null };
  const m = RELAY.exec(value);
  if (!m) return { name: null, ip: null };
  const name = m[1] === '' || m[1] === 'unknown' ? null : m[1]!.toLowerCase();
  return { name, ip: m[2]!.toLowerCase() };
}

/** `[A-Za-z]`: a key's first character. */
function isKeyStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** `[A-Za-z0-9_]`: a key's other characters. */
function isKeyPart(c: number): boolean {
  return isKeyStart(c) || (c >= 48 && c <= 57) || c === 95;
}

/** The end of a key (the `=` after it) starting at `at`, or -1 when no `key=` starts there. */
function keyEnd(text: string, at: number): number {
  if (!isKeyStart(text.charCodeAt(at))) return -1;
  let i = at + 1;
  while (i < text.length && isKeyPart(text.charCodeAt(i))) i += 1;
  return text.charCodeAt(i) === 61 ? i : -1;
}

/** Where the next `, key=` field after `from` starts (the comma), or -1. */
function nextField(text: string, from: number): number {
  for (let c = text.indexOf(', ', from); c >= 0; c = text.indexOf(', ', c + 1)) if (keyEnd(text, c + 2) >= 0) return c;
  return -1;
}

/**
 * The `key=value, key=value` equates of one line. `stat=` and `reject=` end a line (sendmail logs
 * them last) and take its rest, commas included; null when the text is not equates. Scanned with
 * indexOf and character codes, no regular expression per field.
 */
export function sendmailEquates(text: string): Map<string, string> | null {
  const out = new Map<string, string>();
  let at = 0;
  for (;;) {
    const eq = text.indexOf('=', at);
    if (eq <= at) return out.size > 0 && at >= text.length ? out : null;
    if (keyEnd(text, at) !== eq) return null;
    const key = text.slice(at, eq);
    if (key === 'stat' || key === 'reject') {
      out.set(key, text.slice(eq + 1));
      return out;
    }
    const next = nextField(text, eq + 1);
    out.set(key, text.slice(eq + 1, next < 0 ? undefined : next));
    if (next < 0) return out;
    at = next + 2;
  }
}

/** `<a@x>,<b@x>` or `a@x,b@x` (sendmail lists the recipients of one mailer and host in one line). */
function recipients(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const r = envelopeAddress(part);
    if (r !== null) out.push(r);
  }
  return out;
}

function deliveryResult(stat: string, dsn: string | undefined): AttemptResult {
  if (stat.startsWith('Sent')) return 'delivered';
  if (stat.startsWith('Deferred') || dsn?.startsWith('4.')) return 'deferred';
  if (stat === 'queued') return 'accepted';
  return 'bounced';
}

export class SendmailReader implements LineReader {
  private readonly transactions = new Map<string, Transaction>();
  /** RCPT refusals waiting for their transaction's `from=` line. */
  private readonly pending = new Map<string, Attempt[]>();
  /** Queue ids of the server's own bounce notices (DSNs). */
  private readonly notices = new Set<string>();
  /** Consecutive lines mostly share their second: its ISO string is made once. */
  private lastMs = Number.NaN;
  private lastIso = '';

  constructor(
    private readonly clock: ZoneClock,
    private readonly yearReferenceMs: number,
  ) {}

  read(line: string, lineNo: number, emit: (a: Attempt) => void): boolean {
    const f = parseSyslogFrame(line, this.clock, this.yearReferenceMs);
    if (!f || !(f.program === 'sendmail' || f.program.startsWith('sm-'))) return false;
    if (f.at !== this.lastMs) {
      this.lastMs = f.at;
      this.lastIso = new Date(f.at).toISOString();
    }
    const at = this.lastIso;
    const text = f.text;
    const qm = QUEUE_ID.exec(text);
    const qid = qm ? qm[1]! : null;
    const body = qm ? text.slice(qm[0].length) : text.startsWith('NOQUEUE: ') ? text.slice(9) : text;

    if (body.startsWith('ruleset=')) {
      const e = sendmailEquates(body);
      const reason = e?.get('reject');
      if (!e || reason === undefined) return QUIET.test(body) || e?.has('discard') === true;
      const ruleset = e.get('ruleset')!;
      const rcpt = /rcpt/i.test(ruleset);
      // Refused before any recipient (check_relay, check_mail): understood, not an attempt.
      if (!rcpt) return true;
      const c = relayOf(e.get('relay'));
      const a: Attempt = {
        line: lineNo,
        at,
        clientIp: c.ip,
        clientName: c.name,
        helo: null,
        sender: null,
        recipient: envelopeAddress(e.get('arg1')),
        result: refusalResult(reason),
        queueId: qid,
        messageId: null,
        statusText: reason,
      };
      if (qid !== null) this.wait(qid, a, emit);
      else emit(a);
      return true;
    }
    if (qid === null) return QUIET.test(body);

    const notice = DSN_NOTICE.exec(body);
    if (notice) {
      if (this.notices.size >= MAX_OPEN_TRANSACTIONS) this.notices.clear();
      this.notices.add(notice[1]!);
      return true;
    }
    const refused = ADDRESS_ERROR.exec(body);
    if (refused && refusalResult(refused[2]!) === 'refused-unknown-user') {
      this.wait(
        qid,
        {
          line: lineNo,
          at,
          clientIp: null,
          clientName: null,
          helo: null,
          sender: null,
          recipient: envelopeAddress(refused[1]),
          result: 'refused-unknown-user',
          queueId: qid,
          messageId: null,
          statusText: refused[2]!,
        },
        emit,
      );
      return true;
    }
    if (body.startsWith('from=')) {
      const e = sendmailEquates(body);
      // relay= ends a whole from= line: without it the line was cut.
      if (!e || !e.has('relay')) return false;
      const c = relayOf(e.get('relay'));
      const msgid = e.get('msgid');
      const t: Transaction = {
        clientIp: c.ip,
        clientName: c.name,
        sender: envelopeAddress(e.get('from')),
        messageId: msgid === undefined ? null : normalizeMessageId(msgid),
      };
      this.remember(qid, t);
      const waiting = this.pending.get(qid);
      if (waiting) {
        this.pending.delete(qid);
        for (const a of waiting)
          emit({
            ...a,
            sender: t.sender,
            clientIp: a.clientIp ?? t.clientIp,
            clientName: a.clientName ?? t.clientName,
          });
      }
      return true;
    }
    if (body.startsWith('to=')) {
      const e = sendmailEquates(body);
      const stat = e?.get('stat');
      if (!e || stat === undefined) return false;
      if (this.notices.has(qid)) return true;
      const t = this.transactions.get(qid);
      const result = deliveryResult(stat, e.get('dsn'));
      const paren = stat.indexOf(' (');
      const statusText =
        result === 'delivered' ? (paren >= 0 && stat.endsWith(')') ? stat.slice(paren + 2, -1) : null) : stat;
      for (const r of recipients(e.get('to')!))
        emit({
          line: lineNo,
          at,
          clientIp: t?.clientIp ?? null,
          clientName: t?.clientName ?? null,
          helo: null,
          sender: t?.sender ?? null,
          recipient: r,
          result,
          queueId: qid,
          messageId: t?.messageId ?? null,
          statusText,
        });
      return true;
    }
    return QUIET.test(body);
  }

  finish(emit: (a: Attempt) => void): void {
    for (const list of this.pending.values()) for (const a of list) emit(a);
    this.pending.clear();
  }

  /** Past MAX_OPEN_TRANSACTIONS waiting, the oldest are handed over without their sender: never lost. */
  private wait(qid: string, a: Attempt, emit: (a: Attempt) => void): void {
    let list = this.pending.get(qid);
    if (!list) {
      if (this.pending.size >= MAX_OPEN_TRANSACTIONS) {
        const oldest = this.pending.entries().next();
        if (!oldest.done) {
          this.pending.delete(oldest.value[0]);
          for (const x of oldest.value[1]) emit(x);
        }
      }
      this.pending.set(qid, (list = []));
    }
    list.push(a);
  }

  private remember(qid: string, t: Transaction): void {
    this.transactions.delete(qid);
    if (this.transactions.size >= MAX_OPEN_TRANSACTIONS) {
      const oldest = this.transactions.keys().next();
      if (!oldest.done) this.transactions.delete(oldest.value);
    }
    this.transactions.set(qid, t);
  }
}
