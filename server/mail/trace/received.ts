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

export function parseReceived(value: string): ReceivedHop {
  const text = value.slice(0, MAX_RECEIVED_FIELD_CHARS).replace(/\s+/g, ' ').trim();
  // The date follows the last ";"; the clauses come before it.
  const semi = text.lastIndexOf(';');
  const clauses = semi < 0 ? text : text.slice(0, semi);
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
  const hop: ReceivedHop = {
    ip: null,
    rdns: null,
    helo: null,
    by: byHost,
    with: withProto,
    kind: kindOf(text, fromClause, withProto),
  };
  if (fromClause === null || fromClause === '') return hop;

  const firstWord = fromClause.split(/[\s(]/)[0] ?? '';
  const paren = fromClause.indexOf('(');
  const inParens = paren < 0 ? '' : fromClause.slice(paren);
  const literal = IP_LITERAL.exec(fromClause);
  const bare = literal ? null : BARE_IP_IN_PARENS.exec(inParens);
  hop.ip = literal ? parseIp(literal[1]!) : bare ? parseIp(bare[1]!) : parseIp(firstWord);

  const heloMatch = /\bhelo[= ]\s*([^\s)]+)/i.exec(inParens);
  if (/\(helo /i.test(inParens)) {
    // qmail: "from rdns (HELO helo) (ip)"; the first word is the reverse name ("unknown" when none).
    hop.rdns = hostName(firstWord);
    hop.helo = hostName(heloMatch?.[1]);
  } else if (heloMatch) {
    // Exim: "from rdns ([ip] helo=helo)" or "from [ip] (helo=helo)"
    hop.rdns = firstWord.startsWith('[') ? null : hostName(firstWord);
    hop.helo = hostName(heloMatch[1]);
  } else {
    // Postfix/sendmail/Exchange: "from helo (rdns [ip])"; "(user@rdns [ip])"; "([ip])" has no reverse name.
    hop.helo = firstWord.startsWith('[') || parseIp(firstWord) !== null ? null : hostName(firstWord);
    const inner = /\(\s*(?:[^\s@()]+@)?([^\s()[\]]+)\s+\[/.exec(inParens);
    hop.rdns = inner ? hostName(inner[1]) : null;
  }
  return hop;
}

/** Every Received field, topmost first, up to MAX_RECEIVED_HOPS; `truncated` counts those not read. */
export function parseReceivedChain(values: readonly string[]): { hops: ReceivedHop[]; truncated: number } {
  const read = values.slice(0, MAX_RECEIVED_HOPS);
  return { hops: read.map(parseReceived), truncated: values.length - read.length };
}
