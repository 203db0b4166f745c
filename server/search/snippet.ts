/**
 * Highlighted snippets of search results: the words of a text that match a positive term of the
 * search, as segments the page escapes and marks (never HTML built from message text).
 */
import { tokens } from './tokens.ts';
import type { SearchField, SearchNode } from './query.ts';

export interface Segment {
  text: string;
  hit: boolean;
}

type Term = Extract<SearchNode, { kind: 'term' }>;

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const BEFORE = 60;
const LENGTH = 240;

function matches(word: string, terms: Term[], field: SearchField): boolean {
  const toks = tokens(word);
  for (const t of terms) {
    if (t.field !== null && t.field !== field) continue;
    for (const tok of toks) {
      for (let k = 0; k < t.tokens.length; k += 1) {
        const q = t.tokens[k]!;
        const last = k === t.tokens.length - 1;
        if (tok === q || (t.prefix && last && tok.startsWith(q))) return true;
      }
    }
  }
  return false;
}

/**
 * The text around its first match as segments, or null when nothing in it matches. The whole text
 * is used when it is short (a subject), else a window of about 240 characters.
 */
export function snippet(untrimmed: string, terms: Term[], field: SearchField, whole = false): Segment[] | null {
  const text = untrimmed.trim();
  const hits: Array<[number, number]> = [];
  for (const m of text.matchAll(WORD)) {
    if (matches(m[0], terms, field)) hits.push([m.index, m.index + m[0].length]);
    if (hits.length > 0 && !whole && m.index > hits[0]![0] + LENGTH) break;
  }
  if (hits.length === 0) return null;
  let start = 0;
  let end = text.length;
  if (!whole && text.length > LENGTH) {
    start = Math.max(0, hits[0]![0] - BEFORE);
    const space = text.lastIndexOf(' ', start);
    if (start > 0 && space > start - 20) start = space + 1;
    end = Math.min(text.length, start + LENGTH);
  }
  const out: Segment[] = [];
  const push = (s: string, hit: boolean): void => {
    const clean = s.replace(/\s+/g, ' ');
    if (clean !== '') out.push({ text: clean, hit });
  };
  if (start > 0) push('… ', false);
  let at = start;
  for (const [a, b] of hits) {
    if (a < start || b > end) continue;
    push(text.slice(at, a), false);
    push(text.slice(a, b), true);
    at = b;
  }
  push(text.slice(at, end), false);
  if (end < text.length) push(' …', false);
  return out;
}
