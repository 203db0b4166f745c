/**
 * Text from spam is hostile: control characters, bidi overrides that reorder what a reader sees,
 * unpaired surrogates, enormous strings. Everything the PDF prints from evidence passes here first.
 */

/** Longest evidence string printed anywhere (a subject, an address): the rest is cut with "…". */
export const MAX_FIELD_CHARS = 300;
/** Longest excerpt of a campaign exemplar's text. */
export const MAX_EXCERPT_CHARS = 600;

// C0 and C1 controls (tab/newline handled apart), DEL.
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// Bidi embeddings, overrides and isolates, and marks: a subject must not reorder the text around it.
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
// Zero-width and invisible formatting (ZWJ is kept: it joins emoji sequences).
const INVISIBLE =
  /\u034F|\u180B|\u180C|\u180D|\u180E|\u180F|\u17B4|\u17B5|[\u00AD\u115F\u1160\u200B\u200C\u2060-\u2064\u206A-\u206F\uFEFF\uFFF9-\uFFFB]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The visible mark printed for anything removed or unprintable. */
export const REPLACEMENT = '\uFFFD';

/**
 * One line of evidence text: controls and bidi controls become a visible replacement mark (so a
 * reader sees that something was there), white space runs collapse to one space, length is bounded.
 */
export function safeLine(value: string | null | undefined, max = MAX_FIELD_CHARS): string {
  if (value === null || value === undefined) return '';
  // Cut first (with slack for the replacements below) so an enormous string costs nothing.
  let s = value.length > max * 4 ? value.slice(0, max * 4) : value;
  s = s
    .replace(LONE_SURROGATE, REPLACEMENT)
    .replace(/[\t\r\n]+/g, ' ')
    .replace(CONTROLS, REPLACEMENT)
    .replace(BIDI, REPLACEMENT)
    .replace(INVISIBLE, '');
  s = s.normalize('NFC').replace(/ {2,}/g, ' ').trim();
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
