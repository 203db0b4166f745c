/**
 * One Received header field as the many mail servers write it, read into the facts attribution
 * needs: the client's IP, its reverse-DNS name as the receiving server recorded it, the HELO name
 * the client claimed, and the receiving host. Pure; never throws; garbage gives a hop with nulls.
 *
 *   Postfix   from helo (rdns [ip]) by host (Postfix) with ESMTP id X for <r>; date
 *   sendmail  from helo (rdns [ip]) by host (8.12.8/8.12.8) ...     from helo ([ip]) (may be forged)
 *   Exim      from rdns ([ip] helo=helo) by host with esmtp (Exim 4.50)    from [ip] (helo=helo)
 *   qmail     from rdns (HELO helo) (ip) by host with SMTP; date     (qmail 123 invoked from network)
 *   Exchange  from helo ([ip]) by host with Microsoft SMTPSVC(5.0)
 *             from host (ip) by host (ip) with Microsoft SMTP Server
 *   webmail   from [ip] by webmail.host via HTTP; date              from mail pickup service by hotmail.com
 *
 * Only the reverse name in parentheses (written by the receiving server after a DNS lookup) is
 * ever used to trust a hop by name; the HELO name is the client's claim and is shown, never trusted.
 */
import { parseIp } from './ip.ts';

/** Characters of one Received field that are read; the rest of a longer (hostile) field is ignored. */
export const MAX_RECEIVED_FIELD_CHARS = 4096;
/**
 * Received fields read per message, topmost first. Postfix refuses mail past 50 hops
 * (hopcount_limit) and sendmail past 25 (MaxHopCount); a message with more is forged or looping,
 * and the origin is always found among the topmost hops.
 */
export const MAX_RECEIVED_HOPS = 100;

export type ReceivedKind =
  'postfix' | 'sendmail' | 'exim' | 'qmail' | 'exchange' | 'webmail' | 'local' | 'other' | 'unparsed';

export interface ReceivedHop {
  /** Client IP (canonical; IPv4-mapped IPv6 read as IPv4), or null when the line names none. */
  ip: string | null;
  /** Reverse-DNS name the receiving server recorded for the client, lowercased; null when none ("unknown"). */
  rdns: string | null;
  /** The name the client announced (HELO/EHLO), lowercased: its claim only. */
  helo: string | null;
  /** The host that received and wrote this line, lowercased. */
  by: string | null;
  /** Protocol after "with" (ESMTP, SMTP, HTTP, LMTP, mapi...), as written. */
  with: string | null;
  kind: ReceivedKind;
  /** An address the client claimed as its HELO (`from [192.168.1.2] (...)`, `helo=[1.2.3.4]`): never the client. */
  heloIp: string | null;
  /** The recipient's own retrieval (POP3, IMAP, fetchmail, getmail, "by localhost"): not a hand-over. */
  retrieval: boolean;
  /** Authenticated submission (ESMTPA, ESMTPSA, LMTPA, HTTP "authenticated user"): the sender's own client. */
  authenticated: boolean;
  /** `(envelope-from <x>)` as the receiving server recorded it ('' for <>), or null. */
  envelopeFrom: string | null;
  /** The date text after the last ";", as written (parsed only when needed), or null. */
  dateText: string | null;
}

const IPV4 = String.raw`\d{1,3}(?:\.\d{1,3}){3}`;
const IP_LITERAL = new RegExp(String.raw`\[((?:ipv6:)?[0-9a-f:.]+(?:%\w+)?)\]`, 'i');
const BARE_IP_IN_PARENS = new RegExp(String.raw`\(\s*(${IPV4}|[0-9a-f]*:[0-9a-f:.]+)\s*\)`, 'i');
const HOST = /^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?\.?$/i;

function hostName(word: string | undefined): string | null {
  if (word === undefined) return null;
  const w = word.replace(/^[[(<]+|[\])>,;]+$/g, '').toLowerCase();
  if (w === '' || w === 'unknown' || !HOST.test(w)) return null;
  return w.endsWith('.') ? w.slice(0, -1) : w;
}

function kindOf(text: string, fromClause: string | null, withProto: string | null): ReceivedKind {
  const t = text.toLowerCase();
  if (/\bvia http\b|\bwith http|\bpickup service\b|\bwebmail\b/.test(t) || /^https?$/i.test(withProto ?? ''))
    return 'webmail';
  if (t.includes('(postfix')) return 'postfix';
  if (t.includes('(exim') || /\bhelo=/.test(t)) return 'exim';
  if (t.includes('qmail') || /\(helo [^)]*\)/.test(t)) return 'qmail';
  if (t.includes('microsoft smtp') || /\bwith mapi\b/.test(t)) return 'exchange';
  if (/\(\d+\.\d+\.\d+[^)]*\/[^)]*\)/.test(t) || t.includes('sendmail')) return 'sendmail';
  if (fromClause === null) return /\bby\b/.test(t) ? 'local' : 'unparsed';
  return 'other';
}

/**
 * The text lowercased with everything inside parentheses blanked, so clause keywords are found only outside comments.
 */
function outsideComments(text: string): string {
  let out = '';
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 /* ( */) {
      if (depth === 0) out += text.slice(from, i);
      depth++;
    } else if (c === 41 /* ) */ && depth > 0) {
      depth--;
      if (depth === 0) {
        out += ' '.repeat(i + 1 - out.length);
        from = i + 1;
      }
    }
  }
  out += depth === 0 ? text.slice(from) : ' '.repeat(text.length - out.length);
  return out.toLowerCase();
}

/** Where a clause keyword ("from", "by", "with", ...) starts outside parentheses, at or after `from`; -1 if absent. */
const CLAUSE: Record<string, RegExp> = {
  from: /(?:^|\s)from(?=\s|$)/g,
  by: /(?:^|\s)by(?=\s|$)/g,
  with: /(?:^|\s)with(?=\s|$)/g,
};

function clauseAt(masked: string, word: 'from' | 'by' | 'with', from = 0): number {
  const re = CLAUSE[word]!;
  re.lastIndex = from;
  const m = re.exec(masked);
  if (m === null) return -1;
  return m.index + (m[0].length - word.length);
}

/** "1.2.3.4:25", "1.2.3.4.25" (qmail, some MTAs write the client port) => "1.2.3.4"; anything else unchanged. */
function withoutPort(text: string): string {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})[:.]\d{1,5}$/.exec(text);
  return m ? m[1]! : text;
}

function ipOf(text: string | undefined): string | null {
  if (text === undefined) return null;
  return parseIp(withoutPort(text.replace(/^\[|\]$/g, '')));
}

const RETRIEVAL =
  /\bwith\s+(?:pop3?|imap4?|imaps|pop3s)\b|\(fetchmail[-\s]|\bfetchmail\b|\bgetmail\b|\bby\s+localhost\b/i;
/** RFC 3848 "A" (authenticated) protocols; HTTP counts when the webmail says its user authenticated. */
const AUTHENTICATED = /^(?:e?smtps?a|esmtpsa|lmtps?a|utf8(?:smtp|lmtp)s?a|asmtp)$/i;

export function parseReceived(value: string): ReceivedHop {
  let text = value.slice(0, MAX_RECEIVED_FIELD_CHARS).replace(/\s+/g, ' ').trim();
  // "(from host [ip]) by ..." (some MTAs put the whole from clause in a comment): read as "from host [ip] by ...".
  const opening = /^\(from\s([^()]*)\)/i.exec(text);
  if (opening) text = `from ${opening[1]!.trim()}${text.slice(opening[0].length)}`;
  // The date follows the last ";"; the clauses come before it.
  const semi = text.lastIndexOf(';');
  const clauses = semi < 0 ? text : text.slice(0, semi);
  const dateText = semi < 0 ? null : text.slice(semi + 1).trim() || null;
  const masked = clauses.includes('(') ? outsideComments(clauses) : clauses.toLowerCase();
  const fromAt = clauseAt(masked, 'from');
  const byAt = clauseAt(masked, 'by', fromAt < 0 ? 0 : fromAt);
  const withAt = clauseAt(masked, 'with', byAt < 0 ? 0 : byAt);
  const fromClause =
    fromAt < 0 ? null : clauses.slice(fromAt + 4, byAt > fromAt ? byAt : withAt > fromAt ? withAt : undefined).trim();
  const byHost =
    byAt < 0
      ? null
      : hostName(
          clauses
            .slice(byAt + 2)
            .trim()
            .split(/[\s(;]/)[0],
        );
  const withProto =
    withAt < 0
      ? null
      : (clauses
          .slice(withAt + 4)
          .trim()
          .split(/[\s(;]/)[0] ??
          null) ||
        null;
  const envelope = /\(envelope-(?:from|sender)\s+<?([^\s<>()]*)>?\s*\)/i.exec(text);
  const hop: ReceivedHop = {
    ip: null,
    rdns: null,
    helo: null,
    by: byHost,
    with: withProto,
    kind: kindOf(text, fromClause, withProto),
    heloIp: null,
    retrieval: RETRIEVAL.test(clauses),
    authenticated:
      withProto !== null &&
      (/^https?$/i.test(withProto)
        ? /\bauthenticated (?:user|sender)\b/i.test(clauses)
        : AUTHENTICATED.test(withProto)),
    envelopeFrom: envelope ? envelope[1]! : null,
    dateText,
  };
  if (fromClause === null || fromClause === '') return hop;

  const firstWord = fromClause.split(/[\s(]/)[0] ?? '';
  const paren = fromClause.indexOf('(');
  const inParens = paren < 0 ? '' : fromClause.slice(paren);
  // The TCP-info part (in parentheses, written by the receiving server) is read with the client's
  // claims taken out: Exim's "helo=x" and qmail's "(HELO x)" are what the client typed.
  const heloMatch = /\bhelo[= ]\s*([^\s)]+)/i.exec(inParens);
  const tcpInfo = inParens.replace(/\bhelo[= ]\s*[^\s)]+/gi, ' ');
  const literal = IP_LITERAL.exec(tcpInfo);
  const bare = literal ? null : BARE_IP_IN_PARENS.exec(tcpInfo);
  // qmail "(ident@1.2.3.4)", sendmail "(user@1.2.3.4)": the address after the ident.
  const ident = literal || bare ? null : /\(\s*[^\s@()]+@([0-9a-f:.]+)\s*\)/i.exec(tcpInfo);
  // fetchmail and some MTAs write "from host [ip]" without parentheses: a literal after the first word.
  const after =
    literal || bare || ident
      ? null
      : IP_LITERAL.exec(fromClause.slice(firstWord.length, paren < 0 ? undefined : paren));
  const seen = literal
    ? ipOf(literal[1])
    : bare
      ? ipOf(bare[1])
      : ident
        ? ipOf(ident[1])
        : after
          ? ipOf(after[1])
          : null;
  const firstIp = ipOf(firstWord);

  if (/\(helo /i.test(inParens)) {
    // qmail: "from rdns (HELO helo) (ip)"; the first word is the reverse name ("unknown" when none).
    hop.rdns = hostName(firstWord.replace(/^[^@]*@/, ''));
    hop.helo = hostName(heloMatch?.[1]);
    hop.heloIp = ipOf(heloMatch?.[1]);
    hop.ip = seen ?? firstIp;
  } else if (heloMatch) {
    // Exim: "from rdns ([ip] helo=helo)" or "from [ip] (helo=helo)": a bracketed first word is what Exim saw.
    hop.rdns = firstWord.startsWith('[') ? null : hostName(firstWord);
    hop.helo = hostName(heloMatch[1]);
    hop.heloIp = ipOf(heloMatch[1]);
    hop.ip = seen ?? firstIp;
  } else {
    // Postfix/sendmail/Exchange: "from helo (rdns [ip])"; "(user@rdns [ip])"; "([ip])" has no reverse name.
    // A bracketed or bare address as the first word is the HELO the client typed when a seen address follows.
    if (firstIp !== null) hop.heloIp = seen !== null ? firstIp : null;
    hop.helo = firstWord.startsWith('[') || firstIp !== null ? null : hostName(firstWord);
    const inner = /\(\s*(?:[^\s@()]+@)?([^\s()[\]]+)\s+\[/.exec(tcpInfo);
    hop.rdns = inner && ipOf(inner[1]) === null ? hostName(inner[1]) : null;
    hop.ip = seen ?? firstIp;
  }
  return hop;
}

/** Every Received field, topmost first, up to MAX_RECEIVED_HOPS; `truncated` counts those not read. */
export function parseReceivedChain(values: readonly string[]): { hops: ReceivedHop[]; truncated: number } {
  const read = values.slice(0, MAX_RECEIVED_HOPS);
  return { hops: read.map(parseReceived), truncated: values.length - read.length };
}
