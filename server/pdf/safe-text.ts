/**
 * Text from spam is hostile: control characters, bidi overrides that reorder what a reader sees,
 * invisible characters, unpaired surrogates, enormous strings. Everything the PDF prints from
 * evidence passes here first. Control, direction and invisible characters are printed as the same
 * visible marker the web pages and staff CSVs show, ⟦U+202E⟧ (server/hidden-text.ts), and the
 * method section says what the marker means when the document has one (`anyHidden`).
 */
import { hasHidden, neutralize } from '../hidden-text.ts';

/** Longest evidence string printed anywhere (a subject, an address): the rest is cut with "…". */
export const MAX_FIELD_CHARS = 300;
/** Longest excerpt of a campaign exemplar's text. */
export const MAX_EXCERPT_CHARS = 600;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The visible mark printed for a lone surrogate and for a character no embedded font has. */
export const REPLACEMENT = '\uFFFD';

/**
 * One line of evidence text: controls, bidi controls and invisible characters become a visible
 * marker ⟦U+202E⟧ (a reader sees what was there), white space runs collapse to one space, length
 * is bounded.
 */
export function safeLine(value: string | null | undefined, max = MAX_FIELD_CHARS): string {
  if (value === null || value === undefined) return '';
  // Cut first (with slack for the replacements below) so an enormous string costs nothing.
  let s = value.length > max * 4 ? value.slice(0, max * 4) : value;
  s = s.replace(LONE_SURROGATE, REPLACEMENT).replace(/[\t\r\n]+/g, ' ');
  s = neutralize(s.normalize('NFC')).replace(/ {2,}/g, ' ').trim();
  return truncate(s, max);
}

/** A short paragraph of evidence text (an excerpt): like safeLine, paragraphs kept as single newlines. */
export function safeParagraph(value: string | null | undefined, max = MAX_EXCERPT_CHARS): string {
  if (value === null || value === undefined) return '';
  const lines = value
    .slice(0, max * 4)
    .split(/\r\n|\r|\n/)
    .map((l) => safeLine(l, max))
    .filter((l) => l !== '');
  return truncate(lines.join('\n'), max);
}

/** Cut to at most `max` code points (never inside a surrogate pair), marking the cut with "…". */
export function truncate(s: string, max: number): string {
  const points = Array.from(s);
  if (points.length <= max) return s;
  return `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Whether any string in the value (a document's data, walked) holds a character safeLine marks. */
export function anyHidden(value: unknown): boolean {
  if (typeof value === 'string') return hasHidden(value);
  if (Array.isArray(value)) return value.some(anyHidden);
  if (value && typeof value === 'object') return Object.values(value).some(anyHidden);
  return false;
}
