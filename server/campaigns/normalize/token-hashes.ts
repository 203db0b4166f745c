/**
 * The fingerprint's fast path: the same masked body tokens as content.ts's normalizeText, but as
 * FNV-1a hashes computed while scanning, without building a string per token (measured: token
 * strings and their arrays were most of a fingerprint's time and garbage). content.ts stays the
 * readable path used by explanations; a test checks both give the same tokens on real spam.
 */
import { MAX_DOMAINS, MAX_TOKENS } from '../limits.ts';
import { fnv1a } from '../features.ts';
import { extractBodyText } from '../../mail/text/body-text.ts';
import { linkDomain, ownText, URL_PATTERN } from './content.ts';
import { htmlToText } from '../../mail/text/html-text.ts';
import {
  isHashBusterCount,
  isWordChar,
  maskClass,
  maskToken,
  NUMBER_MASK,
  RANDOM_MASK,
  tokenize,
  VOWEL_BITS,
} from './mask.ts';

const NUMBER_HASH = fnv1a(NUMBER_MASK);
const RANDOM_HASH = fnv1a(RANDOM_MASK);
const LF = 0x0a;

export interface ContentHashes {
  /** FNV-1a of each masked body token, in reading order. */
  body: number[];
  subject: string[];
  domains: string[];
}

/** normalizeText's tokens as hashes, appended to `out` (at most `room` in all). */
export function textTokenHashes(original: string, domains: Set<string>, out: number[], room: number): void {
  const text = original.toLowerCase();
  const links: Array<{ start: number; end: number; domain: string | null }> = [];
  if (text.includes('://') || text.includes('www.') || text.includes('@')) {
    for (const m of text.matchAll(URL_PATTERN))
      links.push({ start: m.index, end: m.index + m[0].length, domain: linkDomain(m[0]) });
  }
  let link = 0;
  let linkStart = links.length > 0 ? links[0]!.start : -1;
  const line: number[] = [];
  let random = 0;
  let start = -1;
  let h = 0;
  let digits = 0;
  let letters = 0;
  let vowels = 0;
  const n = text.length;
  // One pass; the ASCII test is inline (isWordChar only for other characters), and a token or
  // line ends where it is seen rather than through closures (measured: ~30% of this loop's time).
  for (let i = 0; i <= n && out.length < room; i++) {
    const c = i < n ? text.charCodeAt(i) : -1;
    if (i === linkStart) {
      if (start >= 0) {
        const k = maskClass(i - start, digits, letters, vowels);
        if (k === 2) random++;
        line.push(k === 0 ? h >>> 0 : k === 1 ? NUMBER_HASH : RANDOM_HASH);
        start = -1;
      }
      const d = links[link]!.domain;
      if (d !== null) {
        line.push(fnv1a(d));
        if (domains.size < MAX_DOMAINS) domains.add(d);
      }
      i = links[link]!.end - 1;
      link++;
      linkStart = link < links.length ? links[link]!.start : -1;
      continue;
    }
    const word =
      c < 0
        ? false
        : c < 0x80
          ? (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)
          : isWordChar(text, i);
    if (word) {
      if (start < 0) {
        start = i;
        h = 0x811c9dc5;
        digits = 0;
        letters = 0;
        vowels = 0;
      }
      h = Math.imul(h ^ c, 0x01000193);
      if (c >= 0x30 && c <= 0x39) digits++;
      else if (c >= 0x61 && c <= 0x7a) {
        letters++;
        if ((VOWEL_BITS >>> (c - 0x61)) & 1) vowels++;
      }
      continue;
    }
    if (start >= 0) {
      const k = maskClass(i - start, digits, letters, vowels);
      if (k === 2) random++;
      line.push(k === 0 ? h >>> 0 : k === 1 ? NUMBER_HASH : RANDOM_HASH);
      start = -1;
    }
    if (c === -1 || c === LF) {
      if (line.length > 0 && !isHashBusterCount(line.length, random))
        for (const t of line) if (out.length < room) out.push(t);
      line.length = 0;
      random = 0;
    }
  }
  if (line.length > 0 && !isHashBusterCount(line.length, random))
    for (const t of line) if (out.length < room) out.push(t);
}

/** normalizeContent (content.ts) with the body as token hashes. */
export function contentHashes(raw: Buffer, subject: string | null): ContentHashes {
  const body = extractBodyText(raw);
  const domains = new Set<string>();
  const out: number[] = [];
  for (const plain of body.plain) textTokenHashes(ownText(plain), domains, out, MAX_TOKENS);
  const usePlain = out.length > 0;
  for (const html of body.html) {
    const h = htmlToText(html);
    for (const l of h.links) {
      const domain = linkDomain(l);
      if (domain && domains.size < MAX_DOMAINS) domains.add(domain);
    }
    if (!usePlain) textTokenHashes(h.text, domains, out, MAX_TOKENS);
  }
  return { body: out, subject: tokenize(subject ?? '').map(maskToken), domains: [...domains].sort() };
}
