/**
 * A message's comparable content: its subject and readable body text (text/plain and text/html
 * decoded, HTML reduced to text), case folded, whitespace collapsed, links reduced to their
 * registrable domain, numbers, random tokens and hash-buster lines masked. Pure.
 */
import { MAX_DOMAINS, MAX_TOKENS } from '../limits.ts';
import { extractBodyText } from '../../mail/text/body-text.ts';
import { htmlToText } from '../../mail/text/html-text.ts';
import { isHashBusterLine, isWordChar, maskToken, tokenize } from './mask.ts';
import { MAX_TOKEN_CHARS } from '../limits.ts';
import { registrableDomain, urlHost } from './registrable-domain.ts';

export interface NormalizedContent {
  /** Masked subject tokens. */
  subject: string[];
  /** Masked body tokens, in reading order, links replaced by their domain ("example.com"). */
  body: string[];
  /** Registrable domains of the links and addresses in the body, sorted, distinct. */
  domains: string[];
}

export const URL_PATTERN = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'()]+|\b[\w.+-]+@(?:[a-z0-9-]+\.)+[a-z]{2,}\b/gi;

/** The domain a link or address in text points at, or null. */
export function linkDomain(link: string): string | null {
  const host = link.includes('@') && !link.includes('/') ? link.slice(link.lastIndexOf('@') + 1) : urlHost(link);
  return host ? registrableDomain(host) : null;
}

const LF = 0x0a;

/**
 * Text to masked tokens in one pass: case folded, whitespace collapsed (it only separates tokens),
 * each link or e-mail address replaced by one token, its registrable domain (also added to
 * `domains`), numbers and random tokens masked, hash-buster lines dropped. At most `room` tokens.
 */
export function normalizeText(original: string, domains: Set<string>, room: number = MAX_TOKENS): string[] {
  const out: string[] = [];
  const text = original.toLowerCase();
  const links: Array<{ start: number; end: number; domain: string | null }> = [];
  if (text.includes('://') || text.includes('www.') || text.includes('@')) {
    for (const m of text.matchAll(URL_PATTERN))
      links.push({ start: m.index, end: m.index + m[0].length, domain: linkDomain(m[0]) });
  }
  let link = 0;
  let line: string[] = [];
  const endLine = () => {
    if (line.length > 0 && !isHashBusterLine(line)) for (const t of line) if (out.length < room) out.push(t);
    line = [];
  };
  let start = -1;
  for (let i = 0; i <= text.length && out.length < room; i++) {
    if (link < links.length && i === links[link]!.start) {
      if (start >= 0) line.push(maskToken(text.slice(start, Math.min(i, start + MAX_TOKEN_CHARS + 1))));
      start = -1;
      const d = links[link]!.domain;
      if (d !== null) {
        line.push(d);
        if (domains.size < MAX_DOMAINS) domains.add(d);
      }
      i = links[link]!.end - 1;
      link++;
      continue;
    }
    const word = i < text.length && isWordChar(text, i);
    if (word) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) {
      line.push(maskToken(text.slice(start, Math.min(i, start + MAX_TOKEN_CHARS + 1))));
      start = -1;
    }
    if (i === text.length || text.charCodeAt(i) === LF) endLine();
  }
  endLine();
  return out;
}

/** A quoted line: "> ...", or Supercite's "RH> ..." (up to four letters of initials). */
const QUOTED_LINE = /^[ \t]*[A-Za-z]{0,4}>/;
const SIGNATURE_SEPARATOR = /\n-- ?\r?\n/;

/**
 * A plain-text part without the lines it quotes ("> ...") and without its signature (from the
 * "-- " line, RFC 3676 4.3): a reply's own words, not the message it answers, as reply parsers
 * read mail (GitHub's email_reply_parser, Mailgun's talon). When no line with letters is left, the
 * text is kept whole.
 */
export function ownText(text: string): string {
  if (!text.includes('>') && !text.includes('\n--')) return text;
  const signature = SIGNATURE_SEPARATOR.exec(text);
  const quoted = /(?:^|\n)[ \t]*[A-Za-z]{0,4}>/.test(text);
  if (!signature && !quoted) return text;
  const lines = (signature ? text.slice(0, signature.index) : text).split('\n');
  const own = quoted ? lines.filter((line) => !QUOTED_LINE.test(line)) : lines;
  return own.some((line) => /\p{L}/u.test(line)) ? own.join('\n') : text;
}

export function normalizeContent(raw: Buffer, subject: string | null): NormalizedContent {
  const body = extractBodyText(raw);
  const domains = new Set<string>();
  // A multipart/alternative has the same text twice: the plain part is used when it has words.
  let tokens: string[] = [];
  for (const plain of body.plain) tokens.push(...normalizeText(ownText(plain), domains, MAX_TOKENS - tokens.length));
  const usePlain = tokens.length > 0;
  for (const html of body.html) {
    const h = htmlToText(html);
    for (const l of h.links) {
      const domain = linkDomain(l);
      if (domain && domains.size < MAX_DOMAINS) domains.add(domain);
    }
    if (!usePlain) tokens = tokens.concat(normalizeText(h.text, domains, MAX_TOKENS - tokens.length));
  }
  return { subject: tokenize(subject ?? '').map(maskToken), body: tokens, domains: [...domains].sort() };
}
